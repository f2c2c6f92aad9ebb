"""What an import keeps for later, on disk: memory stays flat whatever the size of the file.

``Spool``: the checked records and what they loaded to, for the writing pass (``SpoolTail``
reads one that another process is writing). ``SeenKeys``: the external ids met so far, to
find repeats. ``IdLog``: the ids an import reports (created, …).

The checking pass reads the file and loads every record through the API's schema
(``load_input``); the writing pass needs exactly the record and those loaded values. Rather
than reading and parsing the file a second time and loading each record again, the checking
pass appends each good record and its loaded payload to a temporary file and the writing pass
reads them back in the same order: what is written is what was checked.
"""
from __future__ import annotations

import datetime as dt
import marshal
import pickle
import sqlite3
import struct
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from oro_invoices.services.import_reading import PdfFile, Problem, Record

#: rows read from an ``IdLog`` at a time
_PAGE = 5_000
#: each entry of a ``Spool``: its length, then whether it is marshalled or pickled
_SIZE = struct.Struct("<I")
_MARSHALLED, _PICKLED = b"m", b"p"
#: distinct decimal texts a ``Spool`` keeps the Decimal of (cleared when full: memory stays flat)
_DECIMALS = 4_096


class _Irregular(Exception):
    """A loaded payload the compact form does not cover (it is pickled whole)."""


class Spool:
    """Checked records and what each loaded to, written in file order, then read back in it.

    An entry is the record (location, payload, PDF, CSV rows, its problems and lines' sums)
    and its loaded payload in a compact form — dates as day numbers, each line's values as a
    tuple with its Decimals as their text — marshalled, which costs a fraction of pickling
    every Decimal; anything else (a payload given by a caller with other types, a record with
    problems) is pickled. ``path``: write there, for another process to read as it grows (``SpoolTail``);
    by default a private temporary file.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._file = path.open("w+b") if path is not None else tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._decoder = _Decoder()

    def add(self, record: Record, loaded: dict[str, Any] | None, split: int = 0) -> None:
        """Keep ``record`` and what it loaded to (``split``: where in its problems the ones
        found later belong, see ``Checker.check_alone``)."""
        problems = [(p.record, p.field, p.message) for p in record.problems]
        kept = (record.location, record.payload, self._decoder.pdf_ref(record.pdf_path), record.line_locations,
                problems, record.fatal, split, record.line_sums, record.einvoice)
        try:
            data = _MARSHALLED + marshal.dumps((*kept, *_compact(loaded)))
        except (ValueError, _Irregular):
            data = _PICKLED + pickle.dumps((*kept, loaded), protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(_SIZE.pack(len(data)) + data)

    def flush(self) -> int:
        """Make what was added readable by another process; the size written so far."""
        self._file.flush()
        return self._file.tell()

    def records(self) -> Iterator[tuple[Record, dict[str, Any] | None]]:
        """Each record kept and what it loaded to, in the order kept."""
        self._file.seek(0)
        for record, loaded, _ in _entries(self._file, self._decoder):
            yield record, loaded

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class SpoolTail:
    """Reads a ``Spool`` another process is writing at ``path``, up to the sizes it has flushed.

    ``zips``: the zips its records' PDFs are in, opened here, in the order the writer met them.
    """

    def __init__(self, path: Path, zips: Sequence[zipfile.ZipFile] = ()) -> None:
        self._file = path.open("rb")
        self._decoder = _Decoder(zips)

    def read(self, up_to: int) -> Iterator[tuple[Record, dict[str, Any] | None, int]]:
        """The entries after those read so far, up to the size ``up_to``: ``(record, loaded, split)``."""
        return _entries(self._file, self._decoder, up_to)

    def close(self) -> None:
        self._file.close()


def _entries(fh: BinaryIO, decoder: _Decoder, until: int | None = None
             ) -> Iterator[tuple[Record, dict[str, Any] | None, int]]:
    """The entries of ``fh`` from where it is: to its end, or to the size ``until``."""
    while (until is None or fh.tell() < until) and (size := fh.read(_SIZE.size)):
        data = fh.read(_SIZE.unpack(size)[0])
        if data[:1] == _MARSHALLED:
            location, payload, pdf, rows, problems, fatal, split, sums, facts, *compact = marshal.loads(
                memoryview(data)[1:])
            loaded = decoder.loaded(*compact)
        else:
            location, payload, pdf, rows, problems, fatal, split, sums, facts, loaded = pickle.loads(
                memoryview(data)[1:])
        yield Record(location, payload, decoder.pdf(pdf), [Problem(*p) for p in problems], rows,
                     fatal=fatal, line_sums=sums, einvoice=facts), loaded, split


class _Decoder:
    """What reading entries back needs: the zips PDFs are in, recently read Decimals."""

    def __init__(self, zips: Sequence[zipfile.ZipFile] = ()) -> None:
        #: the zips the records' PDFs are in (an entry names the zip by its place here)
        self._zips: list[Any] = list(zips)
        self._decimals: dict[str, Decimal] = {}

    def pdf_ref(self, pdf: PdfFile | None) -> Any:
        """``pdf`` as marshal can keep it: a path's text, or a zip's place and the entry's name."""
        if isinstance(pdf, Path):
            return str(pdf)
        if isinstance(pdf, zipfile.Path):
            root = pdf.root
            place = next((i for i, known in enumerate(self._zips) if known is root), None)
            if place is None:
                self._zips.append(root)
                place = len(self._zips) - 1
            return place, pdf.at
        return pdf

    def pdf(self, ref: Any) -> PdfFile | None:
        if isinstance(ref, str):
            return Path(ref)
        if isinstance(ref, tuple | list):
            return zipfile.Path(self._zips[ref[0]], ref[1])
        return ref  # type: ignore[no-any-return]

    def loaded(self, head: dict[str, Any], dates: tuple[str, ...], keys: tuple[str, ...],
               decimals: tuple[str, ...], rows: list[tuple[Any, ...]]) -> dict[str, Any]:
        """The loaded payload again, from its compact form (``_compact``)."""
        for key in dates:
            head[key] = dt.date.fromordinal(head[key])
        known = self._decimals
        if len(known) > _DECIMALS:
            known.clear()
        lines = []
        for row in rows:
            line = dict(zip(keys, row, strict=True))
            for key in decimals:
                text = line[key]
                value = known.get(text)
                if value is None:
                    value = known[text] = Decimal(text)
                line[key] = value
            lines.append(line)
        head["lines"] = lines
        return head


def _compact(loaded: dict[str, Any] | None) -> tuple[Any, ...]:
    """``loaded`` as marshal can keep it: ``(head, date keys, line keys, decimal keys, line rows)``.

    Raises ``_Irregular`` for what this form does not cover (no list of lines, lines of
    different keys or with a Decimal in a different field); values of other types make
    ``marshal`` refuse the entry. Either way the entry is pickled instead.
    """
    if type(loaded) is not dict or type(loaded.get("lines")) is not list:
        raise _Irregular
    head = dict(loaded)
    lines = head["lines"]
    head["lines"] = None        # its place in the order of the keys; the lines come back there
    dates = tuple(key for key, value in head.items() if type(value) is dt.date)
    for key in dates:
        head[key] = head[key].toordinal()
    if not lines:
        return head, dates, (), (), []
    first = lines[0]
    if type(first) is not dict:
        raise _Irregular
    keys = tuple(first)
    places = tuple(i for i, value in enumerate(first.values()) if type(value) is Decimal)
    rows = []
    for line in lines:
        if type(line) is not dict or tuple(line) != keys:
            raise _Irregular
        values = list(line.values())
        for i in places:
            value = values[i]
            if type(value) is not Decimal:
                raise _Irregular
            values[i] = str(value)
        rows.append(tuple(values))
    return head, dates, keys, tuple(keys[i] for i in places), rows


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
        self._db.execute("CREATE TABLE ids (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, value NOT NULL)")
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

    def mark(self) -> int:
        """Where the log is now: ``move_since`` takes back what is added after it."""
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM ids").fetchone()[0])

    def move_since(self, mark: int, kinds: Iterable[str], to: str | None) -> None:
        """Move the ids of ``kinds`` added after ``mark`` to the end of the list ``to`` (in
        order), or drop them when ``to`` is None."""
        kinds = list(kinds)
        marks = ", ".join("?" for _ in kinds)
        top = self.mark()
        if to is not None:
            self._db.execute(f"INSERT INTO ids (kind, value) SELECT ?, value FROM ids "
                             f"WHERE seq > ? AND kind IN ({marks}) ORDER BY seq", (to, mark, *kinds))
        self._db.execute(f"DELETE FROM ids WHERE seq > ? AND seq <= ? AND kind IN ({marks})", (mark, top, *kinds))
        self._counts.clear()
        self._counts.update(dict(self._db.execute("SELECT kind, COUNT(*) FROM ids GROUP BY kind").fetchall()))

    def close(self) -> None:
        self._db.close()
