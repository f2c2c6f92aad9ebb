"""Checking an import's files in a second process while this one writes (``run_import``).

What checking a record needs is the record alone and the records before it: reading the
file, loading the record through the API's schema, a repeated external id, its PDF. A child
process does that for the whole file and appends every record — with its problems and what
it loaded to — to a spool file, saying on its stdout (which carries nothing else) how far
the spool is complete and, at the end, how many records there were. The importing process
reads the spool as it grows, adds the checks that need the database (the organization's
posting requirements, the host's parties) and writes the good records meanwhile; the child
also prices each good record's lines (``import_pricing``), so the writer need not. On two
cores the import then takes about as long as its writing alone, and the total (for the ETA)
is known once the child is done, well before the writing ends.

The child ends when its files are read, or at its next message once the importing process
is gone (its stdout is closed).
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from oro_invoices.services.import_checks import Checker
from oro_invoices.services.import_pdfs import PdfLibrary
from oro_invoices.services.import_pricing import LineSums, line_sums
from oro_invoices.services.import_reading import Record, iter_file
from oro_invoices.services.import_spool import Spool, SpoolTail

__all__ = ["APART_FROM_BYTES", "CheckingFailed", "CheckingProcess", "worth_checking_apart"]

#: files of at least this many bytes in all are checked apart (about 2,500 invoices of 10 lines);
#: below it the child's start (a few tenths of a second) would cost about what it saves
APART_FROM_BYTES = 4 * 1024 * 1024
#: the child says how far it is after this many records, or this many seconds
_EVERY_RECORDS, _EVERY_SECONDS = 500, 0.25
#: an entry: the record (with the problems found so far), what it loaded to, where later problems go
Entry = tuple[Record, "dict[str, Any] | None", int]


class CheckingFailed(RuntimeError):
    """The checking process ended without finishing (its last words are in the message)."""


def worth_checking_apart(paths: Sequence[Path]) -> bool:
    """Whether ``paths`` are large enough, and the machine has the cores, to check them apart
    (and this process knows the interpreter to start: an embedding one may not)."""
    if (os.cpu_count() or 1) < 2 or not sys.executable:
        return False
    size = 0
    for path in paths:
        with contextlib.suppress(OSError):
            size += path.stat().st_size
    return size >= APART_FROM_BYTES


class CheckingProcess:
    """A child process checking ``paths`` (see the module); ``entries()`` gives its records in
    file order as it checks them. A context manager: leaving it stops the child."""

    def __init__(self, paths: Sequence[Path], *, fmt: str | None, organization_id: int | None,
                 pdfs: Path | None = None, zips: Sequence[zipfile.ZipFile] = ()):
        self._dir = tempfile.TemporaryDirectory(prefix="oro-invoices-import-")
        spool = Path(self._dir.name) / "checked.spool"
        spool.touch()
        self._tail = SpoolTail(spool, zips)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        job = {"paths": [str(p) for p in paths], "format": fmt, "organization_id": organization_id,
               "pdfs": str(pdfs) if pdfs is not None else None, "spool": str(spool)}
        # in a file, not on the command line, which holds at most 128 KiB in one argument
        job_file = Path(self._dir.name) / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        # the child finds the modules this process found, where it found them: on this process's
        # path ("" there is the working directory), and on nothing else, such as the working
        # directory that ``-m`` would put first (``-P``)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p or os.getcwd() for p in sys.path)}
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", __name__, str(job_file)], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=self._stderr, env=env, text=True)
        except OSError:
            self._tail.close()
            self._stderr.close()
            self._dir.cleanup()
            raise
        #: records checked so far (not counting the problems that stopped reading a file)
        self.checked = 0
        #: records in all, once the child is done
        self.total: int | None = None

    def entries(self) -> Iterator[Entry]:
        """Each record the child checked, in file order, as soon as it is in the spool."""
        assert self._process.stdout is not None
        for line in self._process.stdout:
            news = json.loads(line)
            yield from self._tail.read(news["at"])
            self.checked = news["checked"]
            if news.get("done"):
                self.total = self.checked
                return
        self._process.wait()
        self._stderr.seek(0)
        words = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        raise CheckingFailed("The process checking the import's files ended early (exit status "
                             f"{self._process.returncode}): " + ("\n".join(words) or "it said nothing")
                             + "\n--one-process checks the files in the importing process instead.")

    def close(self) -> None:
        """Stop the child (if it still runs) and remove its spool."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._tail.close()
        self._stderr.close()
        self._dir.cleanup()

    def __enter__(self) -> CheckingProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _check(job: dict[str, Any], say: TextIO) -> None:
    """The child: check the files of ``job`` into its spool, saying how far it is on ``say``."""
    checker = Checker(job["organization_id"])       # no settings, no host: the importing process checks those
    with contextlib.ExitStack() as stack:
        spool = stack.enter_context(Spool(Path(job["spool"])))
        library = stack.enter_context(PdfLibrary(Path(job["pdfs"]))) if job["pdfs"] else None
        records = itertools.chain.from_iterable(iter_file(Path(p), job["format"]) for p in job["paths"])
        checked, said, last = 0, 0, time.monotonic()
        for record in records if library is None else map(library.resolve, records):
            if record.fatal:
                spool.add(record, None, len(record.problems))
            else:
                split = checker.check_alone(record)
                if not record.problems and checker.loaded is not None:
                    record.line_sums = _sums_of(checker.loaded)
                spool.add(record, checker.loaded, split)
                checked += 1
            if checked - said >= _EVERY_RECORDS or time.monotonic() - last >= _EVERY_SECONDS:
                print(json.dumps({"at": spool.flush(), "checked": checked}), file=say, flush=True)
                said, last = checked, time.monotonic()
        print(json.dumps({"at": spool.flush(), "checked": checked, "done": True}), file=say, flush=True)
    checker.seen.close()


def _sums_of(loaded: dict[str, Any]) -> LineSums | None:
    """The sums of a good record's lines, for the writer (None: it works them out itself)."""
    try:
        return line_sums(loaded["lines"], loaded["currency"])
    except (KeyError, TypeError, ArithmeticError):  # a shape the writer words its own error for
        return None


if __name__ == "__main__":
    # stdout carries only what _check says: anything else printed goes to stderr
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        _check(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), channel)
    except BrokenPipeError:           # the importing process is gone: nobody wants the rest
        os.dup2(os.open(os.devnull, os.O_WRONLY), channel.fileno())  # nothing left to flush at exit
        sys.exit(1)
