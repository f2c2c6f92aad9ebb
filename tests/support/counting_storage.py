"""A PDF storage that counts what is asked of it: how often an object is opened, and read;
and, while ``unreachable`` says why, fails each open, read and put as a storage out of reach does."""
from __future__ import annotations

from typing import Any, BinaryIO

from oro_invoices.domain.errors import StorageUnreachable


class CountingStorage:
    """``inner`` (any storage), counting ``open`` calls and the ``read`` calls of what they open;
    a whole-object ``read(sha256)`` counts as one open and one read.

    Install it where the add-on's service finds its storage: ``CountingStorage.install(addon)``.
    """

    def __init__(self, inner: Any):
        self.inner = inner
        self.opened = 0
        self.reads = 0
        #: while set, each ``open``, ``read`` (counted) and ``put`` raises ``StorageUnreachable`` saying this
        self.unreachable: str | None = None

    @classmethod
    def install(cls, addon: Any) -> CountingStorage:
        counting = cls(addon.invoices.context.storage)
        addon.invoices.context.storage = counting
        return counting

    def open(self, sha256: str) -> BinaryIO:
        self.opened += 1
        self._reachable()
        return _CountedReads(self, self.inner.open(sha256))   # type: ignore[return-value]

    def read(self, sha256: str) -> bytes:
        self.opened += 1
        self.reads += 1
        self._reachable()
        data: bytes = self.inner.read(sha256)
        return data

    def put(self, data: bytes) -> Any:
        self._reachable()
        return self.inner.put(data)

    def _reachable(self) -> None:
        if self.unreachable is not None:
            raise StorageUnreachable(self.unreachable)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _CountedReads:
    def __init__(self, counter: CountingStorage, stream: BinaryIO):
        self.counter, self.stream = counter, stream

    def read(self, size: int = -1) -> bytes:
        self.counter.reads += 1
        return self.stream.read(size)

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> _CountedReads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
