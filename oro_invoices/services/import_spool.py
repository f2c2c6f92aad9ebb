"""What the checking pass of an import keeps for later, on disk: memory stays flat.

``Spool``: what the good records loaded to, for the writing pass. ``SeenKeys``: the external
ids met so far, to find repeats.

The checking pass loads every record through the API's schema (``load_input``); the
writing pass needs exactly those loaded values. Rather than loading each record a second
time, the checking pass appends each good record's loaded payload to a temporary file and
the writing pass reads them back in the same order: what is written is what was checked.
"""
from __future__ import annotations

import pickle
import sqlite3
import tempfile
from types import TracebackType
from typing import Any


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
        self._db = sqlite3.connect("")          # "": a temporary database, removed when closed
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, location TEXT NOT NULL) WITHOUT ROWID")

    def first(self, key: str, location: str) -> str | None:
        """Where ``key`` was met first; None if this is the first time (noted as met at ``location``)."""
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, location)).rowcount:
            return None
        found: str = self._db.execute("SELECT location FROM seen WHERE key = ?", (key,)).fetchone()[0]
        return found

    def close(self) -> None:
        self._db.close()
