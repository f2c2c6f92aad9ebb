"""Write-once, content-addressed storage for invoice PDFs.

An object's name is the SHA-256 hex digest of its bytes. ``LocalStorage`` keeps
each object at ``root/ab/cd/abcd…`` (the first two byte pairs of the digest as
directories), read-only (mode 0o444). A write goes to a temporary file in the
same directory, is flushed to disk, and is then hard-linked to its final name,
so a reader never sees a partial object, even if the writer is killed mid-way;
an existing object is never replaced. The only object ever removed is one stored for a
message that was then not queued, which nothing names (``RemovableStorage``).
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlsplit

from oro_invoices.domain.errors import ConfigurationError, StorageError
from oro_invoices.domain.messages import Message

_SHA256 = re.compile(r"[0-9a-f]{64}")
TEMP_PREFIX = ".tmp-"
MISSING = "missing"
MISMATCH = "content does not match its SHA-256"


@dataclass(frozen=True)
class StoredObject:
    """One stored object: its SHA-256 (hex, the name), size in bytes and creation time (UTC)."""

    sha256: str
    size: int
    created_at: dt.datetime


@runtime_checkable
class Storage(Protocol):
    """Where stored PDFs live. Objects are immutable and named by their SHA-256."""

    def put(self, data: bytes) -> StoredObject:
        """Store ``data`` once; storing the same bytes again returns the existing object."""

    def open(self, sha256: str) -> BinaryIO:
        """Open the object for streaming; raise StorageError if it is missing."""

    def read(self, sha256: str) -> bytes:
        """Return the object's bytes; raise StorageError if it is missing."""

    def exists(self, sha256: str) -> bool:
        """Whether an object with this name exists (its content is not checked)."""

    def check(self, sha256: str, size: int | None = None) -> str | None:
        """None if the object exists and hashes to ``sha256``, else what is wrong."""


@runtime_checkable
class SigningStorage(Storage, Protocol):
    """A storage whose objects can be fetched directly by a client through a short-lived URL."""

    def presigned_url(self, sha256: str, *, expires_in: int, filename: str, content_type: str) -> str:
        """A URL that serves the object for ``expires_in`` seconds as an attachment named
        ``filename`` of type ``content_type``, to whoever holds it."""


@runtime_checkable
class RemovableStorage(Storage, Protocol):
    """A storage that can remove an object again: one stored for a message that was then not
    queued (``services.mail.unattached``), which nothing names."""

    def remove(self, sha256: str) -> None:
        """Remove the object named ``sha256``, if it is there."""


@runtime_checkable
class ListableStorage(Storage, Protocol):
    """A storage that can list its objects (what ``migrate-storage`` copies from)."""

    def names(self) -> Iterator[str]:
        """The SHA-256 names of every stored object, in order."""


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def validate_sha256(sha256: str) -> str:
    """``sha256`` if it is 64 lowercase hex digits, else StorageError."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise StorageError.shown_as_is(Message("%(digest)s is not a SHA-256 digest (64 lowercase hex digits).",
                                               digest=repr(sha256)))
    return sha256


def _utc_mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class LocalStorage:
    """Content-addressed, write-once objects in a local directory ``root``."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser().absolute()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path_for(self, sha256: str) -> Path:
        """Where the object named ``sha256`` lives (it may not exist)."""
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> StoredObject:
        """Store ``data`` atomically and once; return the (new or existing) object."""
        data = bytes(data)
        digest = sha256_hex(data)
        final = self.path_for(digest)
        if final.exists():
            return self._existing(final, digest, data)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=final.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                self._write(handle, data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, final)  # fails if the name exists: never overwrites
            except FileExistsError:
                return self._existing(final, digest, data)
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                if final.exists():  # no hard links here: rename, which replaces nothing we saw
                    return self._existing(final, digest, data)
                os.rename(tmp, final)
            _fsync_dir(final.parent)
        finally:
            tmp.unlink(missing_ok=True)
        return StoredObject(sha256=digest, size=len(data), created_at=_utc_mtime(final))

    @staticmethod
    def _write(handle: BinaryIO, data: bytes) -> None:
        """Write the bytes (a seam for crash tests)."""
        handle.write(data)

    def _existing(self, final: Path, digest: str, data: bytes) -> StoredObject:
        problem = self.check(digest, len(data))
        if problem:
            raise StorageError.shown_as_is(Message("Stored object %(digest)s is corrupt (%(problem)s); it is never "
                                                   "overwritten, restore it from a backup.",
                                                   digest=digest, problem=problem))
        return StoredObject(sha256=digest, size=len(data), created_at=_utc_mtime(final))

    def open(self, sha256: str) -> BinaryIO:
        """Open the object for reading in binary mode (the caller closes it)."""
        path = self.path_for(sha256)
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise StorageError(f"Stored object {sha256} is missing from {self.root}.") from None

    def read(self, sha256: str) -> bytes:
        """The object's bytes."""
        with self.open(sha256) as handle:
            return handle.read()

    def exists(self, sha256: str) -> bool:
        """Whether the object is present."""
        return self.path_for(sha256).is_file()

    def remove(self, sha256: str) -> None:
        """Remove the object, and its two folders when that leaves them empty (never ``root``)."""
        path = self.path_for(sha256)
        path.unlink(missing_ok=True)
        for folder in (path.parent, path.parent.parent):
            try:
                folder.rmdir()           # only an empty one
            except OSError:
                break

    def stat(self, sha256: str) -> StoredObject:
        """The stored object's size and creation time, without reading it."""
        path = self.path_for(sha256)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise StorageError(f"Stored object {sha256} is missing from {self.root}.") from None
        return StoredObject(sha256, st.st_size,
                            dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC))

    def check(self, sha256: str, size: int | None = None) -> str | None:
        """None when present and intact; otherwise "missing", a size mismatch or a hash mismatch."""
        try:
            path = self.path_for(sha256)
        except StorageError as exc:
            return exc.message
        hasher = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                actual = os.fstat(handle.fileno()).st_size
                if size is not None and actual != size:
                    return f"size is {actual} bytes, expected {size}"
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    hasher.update(chunk)
        except FileNotFoundError:
            return MISSING
        if hasher.hexdigest() != sha256:
            return MISMATCH
        return None

    def names(self) -> Iterator[str]:
        """The SHA-256 names of every stored object, in order."""
        for path in sorted(self.root.glob("*/*/*")):
            name = path.name
            if _SHA256.fullmatch(name) and path.parent.parent.name + path.parent.name == name[:4]:
                yield name

    def temp_files(self, older_than: float = 0.0) -> list[Path]:
        """Temporary files left in storage (by a writer that died), older than ``older_than`` seconds."""
        if not self.root.is_dir():
            return []
        cutoff = time.time() - older_than
        found = []
        for path in sorted(self.root.glob(f"*/*/{TEMP_PREFIX}*")):
            try:
                if path.stat().st_mtime <= cutoff:
                    found.append(path)
            except FileNotFoundError:
                continue
        return found

    def remove_stale_temp_files(self, older_than: float = 3600.0) -> int:
        """Delete temporary files left by writers that died; return how many were removed."""
        removed = 0
        cutoff = time.time() - older_than
        if not self.root.is_dir():
            return 0
        for path in self.root.glob(f"*/*/{TEMP_PREFIX}*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def _local_storage(text: str, path: str) -> LocalStorage:
    """The local storage at ``path``; refused when it, or the folder it would be made in, is a file."""
    storage = LocalStorage(path)
    folder = storage.root
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        where = "is a file" if folder == storage.root else f"is inside {str(folder)!r}, which is a file"
        raise ConfigurationError(f"PDF storage {text!r} {where}, not a folder.")
    return storage


def storage_from_url(url: str | os.PathLike[str]) -> Storage:
    """A storage from ``file:///absolute/path``, a plain directory path or
    ``s3://bucket/prefix?endpoint_url=…&region=…`` (the ``s3`` extra)."""
    text = os.fspath(url).strip() if url is not None else ""
    if not text:
        raise ConfigurationError("The PDF storage URL is empty; use file:///absolute/path or a directory path.")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "" or (len(scheme) == 1 and os.name == "nt"):
        return _local_storage(text, text)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigurationError(
                f"Storage URL {text!r} names a host ({parts.netloc!r}); "
                "a file: URL must be file:///absolute/path.")
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise ConfigurationError(f"Storage URL {text!r} needs an absolute path: file:///absolute/path.")
        return _local_storage(text, path)
    if scheme == "s3":
        from oro_invoices.documents.object_storage import s3_storage
        return s3_storage(text, parts.netloc, unquote(parts.path),
                          parse_qs(parts.query, keep_blank_values=True))
    raise ConfigurationError(
        f"Unsupported PDF storage URL scheme {parts.scheme!r} in {text!r}; "
        "use file:///absolute/path, a plain directory path or s3://bucket/prefix.")
