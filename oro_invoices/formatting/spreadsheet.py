"""CSV cells that a spreadsheet opening the file shows as text, never runs as a formula.

A customer named ``=HYPERLINK("https://…","Pay here")`` or ``@SUM(…)`` would otherwise be a
formula to Excel, LibreOffice or Google Sheets the moment an accountant opens an export
("CSV injection"). ``cell`` writes such text with a leading apostrophe, the mark spreadsheets
read as "this is text"; numbers (``-12.50``) are left as they are. ``read_cell`` takes the mark
off again, so an exported file imports back into the same values, and a cell a spreadsheet
user marked as text by hand reads as they meant it.
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
    """``value`` as a CSV cell: text a spreadsheet would run is marked as text; anything else,
    numbers written as text included, is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS and not _NUMBER.fullmatch(value):
        return TEXT_MARK + value
    if value[0] == TEXT_MARK and len(value) > 1 and (value[1] in FORMULA_STARTS or value[1] == TEXT_MARK):
        return TEXT_MARK + value          # so that ``read_cell`` gives this text back, mark and all
    return value


def read_cell(text: str) -> str:
    """A cell as written by ``cell`` (or marked as text in a spreadsheet) back to its text."""
    if len(text) > 1 and text[0] == TEXT_MARK and (text[1] in FORMULA_STARTS or text[1] == TEXT_MARK):
        return text[1:]
    return text


class CsvWriter:
    """``csv.writer`` whose every cell passes through ``cell``."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write each of ``rows``."""
        for row in rows:
            self.writerow(row)
