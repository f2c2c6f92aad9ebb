"""What an import keeps for later, on disk: memory stays flat whatever the size of the file.

``Spool``: what the good records loaded to, for the writing pass. ``SeenKeys``: the external
ids met so far, to find repeats. ``IdLog``: the ids an import reports (created, updated, …).

The checking pass loads every record through the API's schema (``load_input``); the
writing pass needs exactly those loaded values. Rather than loading each record a second
time, the checking pass appends each good record's loaded payload to a temporary file and
the writing pass reads them back in the same order: what is written is what was checked.
"""
from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

#: rows read from an ``IdLog`` at a time
_PAGE = 5_000


class Spool:
    """Loaded payloads by record location, written in order, then read back in the same order."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close(), a context manager)
        self._next: tuple[str, dict[str, Any]] | None = None
        self._reading = False

    def add(self, location: str, loaded: dict[str, Any]) -> None:
        """Keep what the record at ``location`` loaded to."""
        pickle.dump((location, loaded), self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def take(self, location: str) -> dict[str, Any] | None:
        """What the record at ``location`` loaded to, if it is the next one kept; else None."""
        if not self._reading:
            self._file.seek(0)
            self._reading = True
            self._next = self._read()
        if self._next is None or self._next[0] != location:
            return None
        loaded = self._next[1]
        self._next = self._read()
        return loaded

    def _read(self) -> tuple[str, dict[str, Any]] | None:
        try:
            entry: tuple[str, dict[str, Any]] = pickle.load(self._file)  # our own file
        except EOFError:
            return None
        return entry

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class SeenKeys:
    """Keys met so far and where each was met first, in a private temporary SQLite database
    (spilled to disk past a few MB): finding repeats across a whole import in flat memory."""

    def __init__(self) -> None:
        self._db = _temporary_db()
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, location TEXT NOT NULL) WITHOUT ROWID")

    def first(self, key: str, location: str) -> str | None:
        """Where ``key`` was met first; None if this is the first time (noted as met at ``location``)."""
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, location)).rowcount:
            return None
        found: str = self._db.execute("SELECT location FROM seen WHERE key = ?", (key,)).fetchone()[0]
        return found

    def close(self) -> None:
        self._db.close()


def _temporary_db() -> sqlite3.Connection:
    """A private temporary SQLite database: in memory while small, spilled to a temporary file
    past its page cache (a few MB), removed when closed."""
    return sqlite3.connect("", check_same_thread=False)


class IdLog:
    """Lists of ids by kind (``created``, ``pending_pdfs``, …) in a temporary SQLite database,
    each kept in the order added; only the counts are in memory."""

    def __init__(self) -> None:
        self._db = _temporary_db()
        self._db.execute("CREATE TABLE ids (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, value NOT NULL)")
        self._db.execute("CREATE INDEX ids_kind ON ids (kind, seq)")
        self._counts: Counter[str] = Counter()

    def add(self, kind: str, values: Iterable[str | int]) -> None:
        """Append ``values`` to the list ``kind``."""
        before = self._db.total_changes
        self._db.executemany("INSERT INTO ids (kind, value) VALUES (?, ?)", ((kind, v) for v in values))
        self._counts[kind] += self._db.total_changes - before

    def count(self, kind: str) -> int:
        return self._counts[kind]

    def pages(self, kind: str) -> Iterator[list[Any]]:
        """The list ``kind`` in order, a page at a time (adding to the log meanwhile is safe)."""
        last = 0
        while rows := self._db.execute("SELECT seq, value FROM ids WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?",
                                       (kind, last, _PAGE)).fetchall():
            last = rows[-1][0]
            yield [value for _, value in rows]

    def values(self, kind: str) -> Iterator[Any]:
        """The list ``kind`` in order, streamed."""
        for page in self.pages(kind):
            yield from page

    def clear(self, kind: str) -> None:
        self._db.execute("DELETE FROM ids WHERE kind = ?", (kind,))
        self._counts[kind] = 0

    def keep(self, kind: str, wanted: Callable[[list[Any]], Iterable[Any]]) -> None:
        """Replace the list ``kind`` by ``wanted(page)`` of each of its pages, in order."""
        kept = f"{kind}:kept"
        self.clear(kept)
        for page in self.pages(kind):
            self.add(kept, wanted(page))
        self.clear(kind)
        self._db.execute("UPDATE ids SET kind = ? WHERE kind = ?", (kind, kept))
        self._counts[kind], self._counts[kept] = self._counts[kept], 0

    def close(self) -> None:
        self._db.close()
