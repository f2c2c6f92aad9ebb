"""``oro-invoices migrate-storage``: copy every stored PDF to another storage, verifying each.

Each object of the source is read, its bytes hashed against its name, and stored in the target
(write-once, so an object already there is checked, never replaced). An object the target
already holds intact is skipped, so running the copy again after an interruption resumes it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from oro_invoices.documents.storage import ListableStorage, Storage, sha256_hex
from oro_invoices.domain.errors import StorageError


@dataclass
class MigrationReport:
    copied: int = 0
    already_there: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def migrate_storage(source: ListableStorage, target: Storage,
                    progress: Callable[[str, str], None] | None = None) -> MigrationReport:
    """Copy every object of ``source`` to ``target``; ``progress(sha256, outcome)`` after each."""
    report = MigrationReport()
    for sha256 in source.names():
        outcome = _copy_one(source, target, sha256, report)
        if progress is not None:
            progress(sha256, outcome)
    return report


def _copy_one(source: Storage, target: Storage, sha256: str, report: MigrationReport) -> str:
    if target.exists(sha256):
        problem = target.check(sha256)
        if problem is None:
            report.already_there += 1
            return "already there"
        report.problems.append(f"PDF {sha256}: the target holds a damaged copy ({problem}); "
                               "it is never overwritten, remove it from the target and run again")
        return "failed"
    try:
        data = source.read(sha256)
    except StorageError as exc:
        report.problems.append(f"PDF {sha256}: could not be read from the source: {exc.message}")
        return "failed"
    if sha256_hex(data) != sha256:
        report.problems.append(f"PDF {sha256}: the source copy does not match its SHA-256; not copied")
        return "failed"
    try:
        stored = target.put(data)
    except StorageError as exc:
        report.problems.append(f"PDF {sha256}: {exc.message}")
        return "failed"
    problem = target.check(stored.sha256, size=len(data))
    if problem:
        report.problems.append(f"PDF {sha256}: the copy in the target is not intact ({problem})")
        return "failed"
    report.copied += 1
    return "copied"
