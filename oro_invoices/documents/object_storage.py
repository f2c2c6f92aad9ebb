"""Write-once, content-addressed PDF storage on an fsspec filesystem (S3 through ``s3fs``).

Objects live at ``bucket/prefix/ab/cd/abcd…`` (the same layout as ``LocalStorage``). A write is
a conditional put (``If-None-Match: *``): the server refuses it (412) when the name exists, so
two writers never replace each other's object; the existing object is then checked against the
bytes being stored. Each put also sends the bytes' SHA-256 (``x-amz-checksum-sha256``), so the
server rejects a body damaged on the way. Reads are streamed in blocks; a block that cannot be
fetched (the server went away mid-way) raises ``StorageUnreachable`` or ``StorageError`` naming
the object and the storage, as opening it does.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from oro_invoices.documents.storage import MISMATCH, MISSING, StoredObject, sha256_hex, validate_sha256
from oro_invoices.domain.errors import ConfigurationError, StorageError, StorageUnreachable
from oro_invoices.domain.messages import Message

if TYPE_CHECKING:  # pragma: no cover
    from fsspec import AbstractFileSystem

#: Bytes fetched per request when streaming an object.
BLOCK_SIZE = 1 << 20
#: The largest object one (conditional, checksummed) PUT may carry: S3's limit.
MAX_OBJECT_SIZE = 5 * 2**30
#: The longest a presigned URL may live: S3 allows SigV4 URLs up to 7 days.
MAX_PRESIGNED_TTL = 7 * 24 * 3600
#: Query options an ``s3://`` storage URL accepts.
S3_OPTIONS = ("endpoint_url", "region", "connect_timeout", "read_timeout", "retries")
#: The defaults of the timing options: seconds to wait for a connection and for each answer,
#: and how often a request that failed on the way (no connection, a timeout, a 5xx, throttling)
#: is sent again. An S3 server that is down thus fails a request within seconds, not after the
#: client's own retry loop of ten seconds and more.
CONNECT_TIMEOUT, READ_TIMEOUT, RETRIES = 2.0, 10.0, 1
_TIMING_MAX = {"connect_timeout": 60.0, "read_timeout": 300.0, "retries": 10}
_SHA_PATH = re.compile(r"(?:^|/)([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")


def _precondition_failed(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the server's 412 to a conditional put."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, Mapping):
            code = response.get("Error", {}).get("Code")
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "PreconditionFailed" or status == 412:
                return True
        seen = seen.__cause__
    return False


def _client_failures() -> tuple[type[BaseException], ...]:
    """What the S3 client raises, not as ``OSError``, when it cannot make a request at all (no
    credentials, an endpoint that does not answer, a bad region) or loses the connection of
    one under way (the server went away in the middle of an answer)."""
    failures: list[type[BaseException]] = []
    try:
        from botocore.exceptions import BotoCoreError
        failures.append(BotoCoreError)
    except ImportError:  # pragma: no cover - another fsspec filesystem
        pass
    try:
        from aiohttp import ClientError
        failures.append(ClientError)
    except ImportError:  # pragma: no cover - another fsspec filesystem
        pass
    return tuple(failures)


_CLIENT_FAILURES = _client_failures()


class FsspecStorage:
    """Content-addressed, write-once objects under ``root`` (``bucket/prefix``) of an fsspec filesystem.

    The filesystem must honour ``IfNoneMatch="*"`` on ``pipe_file`` (s3fs against S3 and
    S3-compatible servers such as SeaweedFS, MinIO or Ceph do).
    """

    def __init__(self, fs: AbstractFileSystem, root: str, *, url: str | None = None,
                 probe: Callable[[], None] | None = None):
        """:param probe: asks, quickly and once, whether the storage can be used (raising
            ``StorageError`` with the reason); by default, whether a made-up object exists."""
        self.fs = fs
        self.root = root.strip("/")
        self.url = url or root
        self._probe = probe

    def __repr__(self) -> str:
        return f"FsspecStorage({self.url!r})"

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        """Turn a request the client could not make into a ``StorageUnreachable`` naming the storage."""
        try:
            yield
        except _CLIENT_FAILURES as exc:
            raise StorageUnreachable(f"Cannot reach the PDF storage {self.url}: {exc}") from exc

    def reach(self) -> None:
        """Return when the storage can be used, else ``StorageError`` "Cannot reach … : <reason>"."""
        try:
            if self._probe is None:
                self.exists("0" * 64)   # a name no object has: one request, nothing read
            else:
                self._probe()
        except OSError as exc:          # the server answered, refusing (403, a bad bucket name)
            raise StorageUnreachable(f"Cannot reach the PDF storage {self.url}: {exc}") from exc
        except StorageError as exc:
            if self._probe is None:     # exists() names the storage itself
                raise
            raise StorageUnreachable(f"Cannot reach the PDF storage {self.url}: {exc.message}") from exc

    def key_for(self, sha256: str) -> str:
        """The object's path in the filesystem (it may not exist)."""
        validate_sha256(sha256)
        return f"{self.root}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def put(self, data: bytes) -> StoredObject:
        """Store ``data`` once; storing the same bytes again returns the existing object."""
        data = bytes(data)
        if len(data) >= MAX_OBJECT_SIZE:
            raise StorageError.shown_as_is(Message("An object of %(size)s bytes is too large for one S3 upload "
                                                   "(the limit is %(limit)s bytes).",
                                                   size=len(data), limit=MAX_OBJECT_SIZE))
        digest = sha256_hex(data)
        key = self.key_for(digest)
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
        try:
            # chunksize: always one PUT, the request the condition and the checksum apply to
            with self._reaching():
                self.fs.pipe_file(key, data, chunksize=MAX_OBJECT_SIZE, IfNoneMatch="*",
                                  ChecksumSHA256=checksum)
        except OSError as exc:
            if not _precondition_failed(exc):
                raise StorageError(f"Could not store object {digest} in {self.url}: {exc}") from exc
            problem = self.check(digest, len(data))
            if problem:
                raise StorageError(f"Stored object {digest} in {self.url} is corrupt ({problem}); "
                                   "it is never overwritten, restore it from a backup.") from None
        return self.stat(digest)

    def open(self, sha256: str) -> BinaryIO:
        """A stream over the object that fetches it in blocks (the caller closes it); a block it
        cannot fetch raises ``StorageUnreachable`` (no answer) or ``StorageError``."""
        key = self.key_for(sha256)
        try:
            with self._reaching():
                handle = self.fs.open(key, "rb", block_size=BLOCK_SIZE, cache_type="readahead")
        except FileNotFoundError:
            raise StorageError(f"Stored object {sha256} is missing from {self.url}.") from None
        except OSError as exc:
            raise StorageError(f"Could not open object {sha256} in {self.url}: {exc}") from exc
        return cast(BinaryIO, _ObjectStream(handle, self, sha256))

    def read(self, sha256: str) -> bytes:
        """The object's bytes."""
        with self.open(sha256) as handle:
            return handle.read()

    def exists(self, sha256: str) -> bool:
        """Whether the object is present."""
        with self._reaching():
            return bool(self.fs.exists(self.key_for(sha256)))

    def remove(self, sha256: str) -> None:
        """Remove the object, if it is there."""
        key = self.key_for(sha256)
        try:
            with self._reaching():
                self.fs.rm_file(key)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"Could not remove object {sha256} from {self.url}: {exc}") from exc

    def presigned_url(self, sha256: str, *, expires_in: int, filename: str, content_type: str) -> str:
        """A presigned GET URL of the object, valid for ``expires_in`` seconds, that makes the
        server answer with ``filename`` as an attachment and ``content_type``.

        Signing is local (no request to the server); the object is not checked to exist.
        """
        if not 1 <= expires_in <= MAX_PRESIGNED_TTL:
            raise StorageError.shown_as_is(Message("A presigned URL lives 1 to %(most)s seconds, not %(ttl)s.",
                                                   most=MAX_PRESIGNED_TTL, ttl=expires_in))
        if not hasattr(self.fs, "sign"):
            raise StorageError(f"{self.url} cannot presign URLs.")
        try:
            return str(self.fs.sign(self.key_for(sha256), expiration=expires_in,
                                    ResponseContentDisposition=f'attachment; filename="{filename}"',
                                    ResponseContentType=content_type))
        except (OSError, ValueError) as exc:
            raise StorageError(f"Could not presign object {sha256} in {self.url}: {exc}") from exc

    def stat(self, sha256: str) -> StoredObject:
        """The stored object's size and modification time, without reading it."""
        try:
            with self._reaching():
                info = self.fs.info(self.key_for(sha256))
        except FileNotFoundError:
            raise StorageError(f"Stored object {sha256} is missing from {self.url}.") from None
        modified = info.get("LastModified") or info.get("mtime") or info.get("created")
        if isinstance(modified, (int, float)):
            modified = dt.datetime.fromtimestamp(modified, tz=dt.UTC)
        if not isinstance(modified, dt.datetime):
            modified = dt.datetime.now(dt.UTC)
        return StoredObject(sha256, int(info["size"]), modified.astimezone(dt.UTC))

    def check(self, sha256: str, size: int | None = None) -> str | None:
        """None when present and intact; otherwise "missing", a size mismatch or a hash mismatch."""
        try:
            key = self.key_for(sha256)
        except StorageError as exc:
            return exc.message
        hasher = hashlib.sha256()
        try:
            with self._reaching(), self.fs.open(key, "rb", block_size=BLOCK_SIZE,
                                                cache_type="readahead") as handle:
                actual = int(handle.size)
                if size is not None and actual != size:
                    return f"size is {actual} bytes, expected {size}"
                for chunk in iter(lambda: handle.read(BLOCK_SIZE), b""):
                    hasher.update(chunk)
        except FileNotFoundError:
            return MISSING
        if hasher.hexdigest() != sha256:
            return MISMATCH
        return None

    def names(self) -> Iterator[str]:
        """The SHA-256 names of every stored object, in order."""
        try:
            with self._reaching():
                paths = sorted(self.fs.find(self.root))
        except FileNotFoundError:
            return
        for path in paths:
            match = _SHA_PATH.search(str(path))
            if match and match.group(3).startswith(match.group(1) + match.group(2)):
                yield match.group(3)


class _ObjectStream(io.RawIOBase):
    """An object of ``storage`` being read: the filesystem's file, whose failures are said as the
    storage's (``FsspecStorage._reaching``), naming the object."""

    def __init__(self, handle: Any, storage: FsspecStorage, sha256: str):
        super().__init__()
        self._handle = handle
        self._storage = storage
        self._sha256 = sha256

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        try:
            with self._storage._reaching():
                return bytes(self._handle.read(-1 if size is None else size))
        except OSError as exc:
            raise StorageError(f"Could not read object {self._sha256} from {self._storage.url}: {exc}") from exc

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any, /) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        return int(self._handle.seek(offset, whence))

    def tell(self) -> int:
        return int(self._handle.tell())

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()


def s3_storage(text: str, bucket: str, prefix: str, query: dict[str, list[str]]) -> FsspecStorage:
    """An S3 storage for ``s3://bucket/prefix?endpoint_url=…&region=…&connect_timeout=…&read_timeout=…&retries=…``.

    Credentials come from the environment the way every AWS client finds them
    (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, an instance role …).
    """
    if not bucket:
        raise ConfigurationError(f"Storage URL {text!r} names no bucket; use s3://bucket/prefix.")
    unknown = sorted(set(query) - set(S3_OPTIONS))
    if unknown:
        raise ConfigurationError(f"Storage URL {text!r}: unknown option(s) {', '.join(unknown)}; "
                                 f"an s3:// URL accepts {', '.join(S3_OPTIONS)}.")
    for name, values in query.items():
        if len(values) != 1 or not values[0].strip():
            raise ConfigurationError(f"Storage URL {text!r}: option {name} needs exactly one non-empty value.")
    timing = _timing(text, query)
    try:
        import s3fs
    except ImportError:
        raise ConfigurationError("An s3:// PDF storage needs the s3 extra: pip install 'oro-invoices[s3]'.") from None
    client: dict[str, Any] = {}
    if "endpoint_url" in query:
        endpoint = query["endpoint_url"][0].strip()
        if not re.match(r"https?://[^/]+", endpoint):
            raise ConfigurationError(f"Storage URL {text!r}: endpoint_url {endpoint!r} must be an http(s) URL.")
        client["endpoint_url"] = endpoint
    if "region" in query:
        client["region_name"] = query["region"][0].strip()
    # SigV4 also for presigned URLs (botocore would otherwise presign with the deprecated SigV2)
    fs = s3fs.S3FileSystem(client_kwargs=client, config_kwargs=client_config(**timing),
                           use_listings_cache=False, skip_instance_cache=True)
    fs.retries = 1   # s3fs's own loop would retry a timeout five times over botocore's retries
    from oro_invoices.documents.s3_reach import reach_bucket
    return FsspecStorage(fs, f"{bucket}/{prefix.strip('/')}".rstrip("/"), url=text,
                         probe=partial(reach_bucket, bucket, client, connect_timeout=timing["connect_timeout"],
                                       read_timeout=timing["read_timeout"]))


def client_config(*, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                  retries: int = RETRIES) -> dict[str, Any]:
    """The botocore ``Config`` options of the storage's client: SigV4, the timeouts, and
    ``retries`` more attempts of a failed request (botocore's standard retry mode)."""
    return {"signature_version": "s3v4", "connect_timeout": connect_timeout, "read_timeout": read_timeout,
            "retries": {"mode": "standard", "total_max_attempts": retries + 1}}


def _timing(text: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """The URL's ``connect_timeout`` and ``read_timeout`` (seconds) and ``retries``, else the defaults."""
    found: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT, "read_timeout": READ_TIMEOUT, "retries": RETRIES}
    for name, most in _TIMING_MAX.items():
        if name not in query:
            continue
        raw = query[name][0].strip()
        try:
            value: float = int(raw) if name == "retries" else float(raw)
        except ValueError:
            value = -1
        low = 0 if name == "retries" else 0.1
        if not low <= value <= most or value != value:   # NaN is no number of seconds
            what = "a whole number" if name == "retries" else "a number of seconds"
            raise ConfigurationError(f"Storage URL {text!r}: option {name} must be {what} from {low} to {most:g}, "
                                     f"not {raw!r}.")
        found[name] = value
    return found
