"""CSV cells that a spreadsheet opening the file shows as text, never runs as a formula.

A customer named ``=HYPERLINK("https://…","Pay here")`` or ``@SUM(…)`` would otherwise be a
formula to Excel, LibreOffice or Google Sheets the moment an accountant opens an export
("CSV injection"). ``cell`` writes such text with a leading apostrophe, the mark spreadsheets
read as "this is text"; numbers (``-12.50``) are left as they are. ``read_cell`` takes the mark
off again, so an exported file imports back into the same values, and a cell a spreadsheet
user marked as text by hand reads as they meant it.

An import trims the spaces around a cell (``import_cell``), as a hand-made file pads them; so
``cell`` also marks text that begins or ends with whitespace, and a marked cell is read as
written after its mark: a leading tab, space or line break, and a trailing one, come back.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

#: What a spreadsheet takes a cell beginning with for the start of a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
#: The mark that keeps a cell text.
TEXT_MARK = "'"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def cell(value: object) -> object:
    """``value`` as a CSV cell: text a spreadsheet would run, or that begins or ends with
    whitespace, is marked as text; anything else, numbers written as text included, is
    returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS and not _NUMBER.fullmatch(value):
        return TEXT_MARK + value
    if value[0].isspace() or value[-1].isspace() or _marked(value):
        return TEXT_MARK + value          # so that ``read_cell`` gives this text back, mark and all
    return value


def _marked(text: str) -> bool:
    """Whether ``text`` begins with the mark ``cell`` writes (an apostrophe before a formula's
    start, another apostrophe or whitespace, or before text that ends with whitespace)."""
    return len(text) > 1 and text[0] == TEXT_MARK and (
        text[1] in FORMULA_STARTS or text[1] == TEXT_MARK or text[1].isspace() or text[-1].isspace())


def read_cell(text: str) -> str:
    """A cell as written by ``cell`` (or marked as text in a spreadsheet) back to its text."""
    return text[1:] if _marked(text) else text


def import_cell(text: str) -> str:
    """A cell of a file to import: marked text exactly as written after its mark (``read_cell``),
    anything else without the whitespace around it."""
    start = text.lstrip()
    return start[1:] if _marked(start) else start.rstrip()


class CsvWriter:
    """``csv.writer`` whose every cell passes through ``cell``.

    Rows end with a line feed; a row with a carriage return in a cell is written with every
    cell quoted, as the csv module (before Python 3.12) leaves a cell with a lone carriage
    return unquoted, which a reader takes for the end of the row.
    """

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        self._quoting_all = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        cells = [cell(value) for value in row]
        carriage_return = any(isinstance(value, str) and "\r" in value for value in cells)
        (self._quoting_all if carriage_return else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write each of ``rows``."""
        for row in rows:
            self.writerow(row)
