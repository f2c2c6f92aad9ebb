"""Reading import files (JSON, JSON Lines, CSV, e-invoices) into records, collecting every problem.

A problem that makes the whole file unreadable (unknown type, broken JSON array, no
``external_id`` column) ends the file; a problem of one line or row is recorded
against that record and reading goes on, so one run reports all of them. JSON Lines
and CSV files are read record by record, and so is a JSON array (``json_stream``). An
e-invoice (CII or UBL XML, or a Factur-X / ZUGFeRD PDF carrying CII) is one posted record; a
PDF becomes that invoice's stored PDF, and XML is kept with the invoice (``import_einvoices``).
"""
from __future__ import annotations

import codecs
import csv
import itertools
import json
import re
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from oro_invoices.domain.json_keys import REPEATED_KEY, KeyCheck, repeated_keys
from oro_invoices.domain.limits import JSON_MAX_DEPTH, quoted
from oro_invoices.domain.messages import N_, Message
from oro_invoices.formatting.spreadsheet import import_cell
from oro_invoices.services.import_pricing import LineSums
from oro_invoices.services.json_stream import (
    TOO_DEEP,
    JsonStreamError,
    NotAnArray,
    deeper_than,
    iter_json_array,
    trailing_comma_hint,
)

LINE_FIELDS = ("description", "sku", "unit", "quantity", "unit_price", "tax_rate", "tax_category",
               "tax_exemption_reason")
ADDRESS_PARTS = ("name", "organization", "street", "street2", "city", "region", "postal_code",
                 "country", "phone")
#: the parts of ``buyer``, in CSV as ``buyer_<part>``
BUYER_PARTS = ("vat_id", "country_code", "reference")
INTEGER_FIELDS = ("customer_id", "customer_user_id", "website_id", "order_id", "organization_id")
FORMATS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
           ".xml": "einvoice", ".pdf": "einvoice"}
#: a PDF to import: a file, or an entry of a zip (``import_pdfs``)
PdfFile = Path | zipfile.Path


@dataclass(frozen=True)
class Problem:
    """What is wrong (``message``), in which record (``record``) and field (``field``)."""

    record: str
    field: str
    message: str

    @property
    def where(self) -> str:
        return f"{self.record}.{self.field}" if self.field else self.record

    def as_dict(self) -> dict[str, str]:
        return {"record": self.record, "field": self.field, "message": self.message}


@dataclass
class Record:
    """One invoice read from a file, with where it came from and what is wrong with it so far."""

    location: str
    payload: dict[str, Any]
    pdf_path: PdfFile | None = None
    problems: list[Problem] = field(default_factory=list)
    #: CSV: where each line item came from (the row of ``lines[i]``).
    line_locations: list[str] = field(default_factory=list)
    #: this "record" is a problem that stopped reading its file
    fatal: bool = False
    #: the file name the record gives in ``pdf_file`` (``pdf_path`` is where it was found)
    pdf_name: str | None = None
    #: its lines' sums, when a checking process worked them out (``import_pricing``)
    line_sums: LineSums | None = None
    #: an e-invoice's own facts (``import_einvoices``): its totals as written, the seller's and
    #: the buyer's VAT ids and, for XML, the file (``xml_path``), kept with the invoice
    einvoice: dict[str, str] | None = None


def file_format(path: Path, given: str | None = None) -> str | None:
    """``json``, ``jsonl``, ``csv`` or ``einvoice``: ``given``, else by the file's extension
    (None: unknown)."""
    return given or FORMATS.get(path.suffix.lower())


def expand_folders(paths: Iterable[Path], fmt: str | None = None) -> tuple[list[Path], list[Problem]]:
    """``paths`` with each folder replaced by the files in it and its subfolders that an import
    reads — by their extension, or every file when ``fmt`` names the layout — in path order,
    hidden ones left out; and a problem for each folder without any."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts)
                       and (fmt is not None or p.suffix.lower() in FORMATS))
        if not found:
            problems.append(Problem(str(path), "", Message("The folder holds no file to import (.json, .jsonl, "
                                                           ".ndjson, .csv, .xml or .pdf).")))
        files += found
    return _once(files), problems


def _once(files: list[Path]) -> list[Path]:
    """``files`` with a file given again (itself and in its folder, or two spellings of it)
    left out, so it is not taken for a second invoice with the same external id."""
    seen: set[Path] = set()
    kept = []
    for path in files:
        try:
            key = path.resolve()
        except (OSError, ValueError):
            key = path
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


def read_file(path: Path, fmt: str | None = None) -> tuple[list[Record], list[Problem]]:
    """The records of ``path`` and the problems that stopped reading it (if any)."""
    records: list[Record] = []
    for record in iter_file(path, fmt):
        if record.fatal:
            return records, record.problems
        records.append(record)
    return records, []


def iter_file(path: Path, fmt: str | None = None) -> Iterator[Record]:
    """The records of ``path`` one by one (JSON Lines and CSV are read as they stream).

    A problem that stops reading the file comes last, as a record with ``fatal`` set.
    """
    kind = file_format(path, fmt)
    if kind is None and path.suffix.lower() in WORKBOOK_SUFFIXES:
        yield _fatal(str(path), WORKBOOK)
        return
    if kind is None:
        yield _fatal(str(path), "Unknown file type; use .json, .jsonl, .ndjson, .csv, .xml or .pdf "
                                "(or --format).")
        return
    if kind == "einvoice":
        from oro_invoices.services.import_einvoices import read_einvoice
        yield read_einvoice(path)
        return
    try:
        if _blank(path):
            raise _Unreadable(str(path), Message("The file is empty: it holds no invoices. Was it saved or "
                                                 "copied whole?"))
        with path.open(encoding="utf-8-sig", newline="") as fh:
            if kind == "json":
                raw: Iterator[tuple[str, Any, list[Problem], list[str]]] = _json(path, fh)
            elif kind == "jsonl":
                raw = _jsonl(path, fh)
            else:
                raw = _csv_invoices(path, fh)
            for location, item, problems, rows in raw:
                yield _record(path, location, item, problems, rows)
    except _Unreadable as exc:
        yield _fatal(exc.where, exc.message)
    except UnicodeDecodeError:
        yield _fatal(str(path), _not_utf8(path, kind))
    except (OSError, csv.Error) as exc:
        yield _fatal(str(path), f"Cannot read the file: {exc}")


def holds_no_invoices(path: Path, fmt: str | None = None) -> Message | None:
    """Why the regular file ``path`` — a CSV of its header row only, or an empty JSON array —
    imports nothing, though it is no error (an export of no invoices looks so); None when it
    holds something (or is empty, blank or unreadable: the reading says so). Only the
    start of the file is read: anything after the header or ``[`` ends the look."""
    kind = file_format(path, fmt)
    if kind not in ("csv", "json"):
        return None
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open(encoding="utf-8-sig", newline="") as fh:
            if kind == "json":
                start = fh.read(BLANK_CHECKED_BYTES)
                return _EMPTY_ARRAY if _JSON_EMPTY_ARRAY.fullmatch(start) else None
            header = fh.readline()
            if SEPARATOR_LINE.match(header):
                header = fh.readline()
            if "external_id" not in header:
                return None             # no header the reading takes: it says why
            while chunk := fh.read(4096):
                if chunk.strip():
                    return None
            return _HEADER_ONLY
    except (OSError, UnicodeDecodeError):
        return None


_JSON_EMPTY_ARRAY = re.compile(r"\s*\[\s*\]\s*")
_EMPTY_ARRAY = Message("The file holds no invoices: it is an empty JSON array.")
_HEADER_ONLY = Message("The file holds no invoices: it has a header row but no rows after it.")


def _blank(path: Path) -> bool:
    """Whether the regular file ``path`` holds nothing but whitespace (and a byte order mark);
    a pipe is never read ahead, nor is a file too large to be blank but for a mistake."""
    try:
        status = path.stat()
    except OSError:
        return False                # the reading says why
    if not stat.S_ISREG(status.st_mode) or status.st_size > BLANK_CHECKED_BYTES:
        return False
    with path.open("rb") as fh:
        return not fh.read().decode("utf-8-sig", errors="ignore").strip()


#: The size up to which a file is read ahead to find it blank.
BLANK_CHECKED_BYTES = 65536


#: Spreadsheets' own files, which an import does not read, and how they begin (a zip: xlsx, ods;
#: an OLE compound file: xls), also when named ``.csv``.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".numbers"})
_WORKBOOK_STARTS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
WORKBOOK = Message("This is a spreadsheet workbook (Excel, LibreOffice), not a CSV file: save it from the "
                   "spreadsheet as CSV UTF-8 and import that.")

#: Byte order marks of other Unicode encodings (UTF-32's before UTF-16's: they start alike).
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))


def _not_utf8(path: Path, kind: str = "") -> str:
    """Why ``path`` (of the layout ``kind``), which does not decode as UTF-8, is refused: in which
    encoding it seems to be, or that a CSV is a spreadsheet workbook."""
    try:
        with path.open("rb") as fh:
            start = fh.read(4)
    except OSError:
        start = b""
    if kind == "csv" and start.startswith(_WORKBOOK_STARTS):
        return WORKBOOK
    found = next((name for bom, name in _BOMS if start.startswith(bom)), None)
    if found is None:
        return Message("The file is not UTF-8 text: save it as UTF-8.")
    return Message("The file is not UTF-8 text (it looks like %(encoding)s): save it as UTF-8.", encoding=found)


class _Unreadable(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def _fatal(where: str, message: str) -> Record:
    return Record(where, {}, None, [Problem(where, "", message)], fatal=True)


def _record(path: Path, location: str, item: Any, problems: list[Problem], rows: list[str]) -> Record:
    if not isinstance(item, dict):
        return Record(location, {}, None, problems or [Problem(location, "", "Expected an invoice object.")])
    item = dict(item)
    pdf = item.pop("pdf_file", None)
    if pdf is None or pdf == "":
        return Record(location, item, None, problems, rows)
    pdf_path, problem = _beside(path, pdf)
    if problem is not None:
        problems = [*problems, Problem(location, "pdf_file", problem)]
    # a name outside the file's folder may still be one in the folder or zip of --pdfs (``PdfLibrary.resolve``)
    return Record(location, item, pdf_path, problems, rows,
                  pdf_name=pdf if problem is None or problem.msgid == OUTSIDE else None)


#: a record's ``pdf_file`` outside the folder of its file (without ``--pdfs``)
OUTSIDE = N_("%(name)s is outside the folder of %(file)s: give the PDF's path inside that folder (or, with --pdfs, "
             "inside the PDFs' folder or zip).")


def _beside(path: Path, name: Any) -> tuple[Path | None, Message | None]:
    """The file ``name`` (a record's ``pdf_file``) in the folder of ``path``, or why not: not
    text, or outside that folder (an absolute path, ``..``, or a link out of it), since a file
    to import must never reach a PDF elsewhere on the machine, which would become an invoice
    its customer downloads."""
    if not isinstance(name, str):
        return None, Message("Give the PDF's path as text.")
    if "\0" in name:
        return None, Message("%(name)s is not a file name: it holds a NUL character.", name=quoted(name))
    folder = path.parent.resolve()
    found = (folder / name).resolve()
    if not found.is_relative_to(folder):
        return None, Message(OUTSIDE, name=name, file=path.name)
    return found, None


def _json(path: Path, fh: TextIO) -> Iterator[tuple[str, Any, list[Problem], list[str]]]:
    """A JSON array, read item by item as it streams (memory holds one invoice at a time)."""
    keys = KeyCheck()
    try:
        for i, item in iter_json_array(fh, object_pairs_hook=keys):
            location = f"{path}[{i}]"
            if item is TOO_DEEP:
                yield location, None, [_too_deep(location)], []
            else:
                yield location, item, _repeated(location, item, keys), []
    except NotAnArray as exc:
        if exc.wrapper is not None:     # {"invoices": [...]}, as many systems export
            raise _Unreadable(str(path), Message(
                "Expected a JSON array of invoices, not an object: make the array of its %(key)s key the "
                "whole file.", key=quoted(exc.wrapper))) from None
        if exc.found == "object":       # one invoice, written as a record of JSON Lines would be
            raise _Unreadable(str(path), Message(
                "Expected a JSON array of invoices, not one object: put the invoice in [ ].")) from None
        raise _Unreadable(str(path), "Expected a JSON array of invoices.") from None
    except JsonStreamError as exc:
        at = f" (invoice [{exc.index}])" if exc.index is not None else ""
        column = f" (line {exc.line}, column {exc.column})" if exc.column is not None else ""
        raise _Unreadable(f"{path}:{exc.line}", f"Not valid JSON{at}: {_first_clause(exc.message)}{column}"
                                                f"{_hint_of(exc.message)}") from None


def _first_clause(message: str) -> str:
    return message.split("; ", 1)[0]


def _hint_of(message: str) -> str:
    """The hint ``message`` ends in (``json_stream.trailing_comma_hint``), with its "; "."""
    _, sep, hint = message.partition("; ")
    return sep + hint


def _jsonl(path: Path, fh: TextIO) -> Iterator[tuple[str, Any, list[Problem], list[str]]]:
    """One invoice a line. A byte order mark starting a line is read as none: files saved with
    one and joined (``cat a.jsonl b.jsonl``) carry it at the start of each file's first line."""
    keys = KeyCheck()
    for number, line in enumerate(fh, start=1):
        line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        location = f"{path}:{number}"
        if deeper_than(JSON_MAX_DEPTH, line):   # never decoded: deep enough, it exhausts the recursion
            yield location, None, [_too_deep(location)], []
            continue
        try:
            item = json.loads(line, object_pairs_hook=keys)
        except json.JSONDecodeError as exc:
            hint = trailing_comma_hint(line, exc.pos)
            yield location, None, [Problem(location, "", f"Not valid JSON: {exc.msg} (column {exc.colno}){hint}")], []
        except ValueError:       # an integer of more digits than Python converts
            yield location, None, [Problem(location, "", TOO_MANY_DIGITS)], []
        else:
            yield location, item, _repeated(location, item, keys), []


#: an integer longer than ``json`` reads (``sys.get_int_max_str_digits``)
TOO_MANY_DIGITS = Message("A number has more digits than any field takes; amounts are decimal strings such as "
                          "\"19.99\".")


def _repeated(location: str, item: Any, keys: KeyCheck) -> list[Problem]:
    """A problem for each key ``item`` gives more than once (``keys`` decoded it)."""
    if not keys.found:
        return []
    keys.clear()
    return [Problem(location, path, Message(REPEATED_KEY)) for path in repeated_keys(item)]


def _too_deep(location: str) -> Problem:
    return Problem(location, "", Message("Nested more than %(levels)s levels deep (the most an invoice may "
                                         "have).", levels=JSON_MAX_DEPTH))


def _csv_invoices(path: Path, fh: TextIO) -> Iterator[tuple[str, Any, list[Problem], list[str]]]:
    """Adjacent rows with the same ``external_id`` form one invoice. A first line ``sep=;`` (how
    a spreadsheet is told a CSV's separator) names the separator; the header follows it."""
    header = fh.readline()
    said = SEPARATOR_LINE.match(header)
    skipped = 1 if said else 0                # lines before the header the reader does not count
    if said:
        header = fh.readline()
    reader = csv.DictReader(itertools.chain([header], fh),
                            delimiter=said.group(1) if said else _delimiter(header))
    if not reader.fieldnames or "external_id" not in reader.fieldnames:
        raise _Unreadable(str(path), "The CSV needs a header row with an external_id column.")
    repeated = sorted({name for name in reader.fieldnames if name and reader.fieldnames.count(name) > 1})
    if repeated:
        raise _Unreadable(str(path), Message("The header names %(columns)s more than once: which of its cells "
                                             "counts would be a guess. Give each column once.",
                                             columns=tuple(repeated)))
    current: tuple[str, dict[str, Any], list[Problem], list[str]] | None = None
    key = ""
    for first_line, row in _csv_rows(path, reader, skipped):
        location = f"{path}:{reader.line_num + skipped}"
        row_key = (row.get("external_id") or "").strip()
        if not row_key:
            yield location, None, [Problem(location, "external_id",
                                           "Every row needs the invoice's external_id.")], []
            continue
        if row_key.removeprefix("\ufeff") == "external_id":
            # the header of a file joined to this one (``cat a.csv b.csv``): the same one is passed
            # over, as its rows read alike; another would make them read under the wrong columns
            if [value.removeprefix("\ufeff") if isinstance(value, str) else value for value in row.values()] \
                    != reader.fieldnames:
                yield location, None, [Problem(location, "", Message(
                    "This row is another header, with other columns than the first (files joined together?): "
                    "import the files one by one."))], []
            continue
        head, line, problems = _csv_row(location, row)
        if _unclosed_quote(row):
            problems.insert(0, Problem(location, "", Message(
                "A quote in this row (from line %(line)s) is not closed: the cells after it were read as "
                "one, over several lines.", line=first_line)))
        if current is None or row_key != key:
            if current is not None:
                yield current
            current, key = (location, {**head, "lines": []}, problems, []), row_key
        else:
            first_location, first, first_problems, _ = current
            first_problems.extend(problems)
            for column in sorted(set(head) | set(first) - {"lines"}):
                if first.get(column) != head.get(column):
                    first_problems.append(Problem(location, column,
                                                  f"Differs from the first row of invoice {key} "
                                                  f"({first_location})."))
        if line:
            current[1]["lines"].append(line)
            current[3].append(location)
    if current is not None:
        yield current


#: Excel's first line naming a CSV's separator (``sep=;``), which it then does not show as a row.
SEPARATOR_LINE = re.compile(r"^\ufeff?sep=([,;\t|])\r?\n?$", re.IGNORECASE)


def _delimiter(header: str) -> str:
    """The cell separator of a CSV whose first line is ``header``: a comma, or the semicolon or
    tab a spreadsheet saves with in languages that write decimals with a comma (German, French
    Excel), when only that one gives an ``external_id`` column."""
    for delimiter in (",", ";", "\t"):
        if "external_id" in next(csv.reader([header], delimiter=delimiter), []):
            return delimiter
    return ","


def _csv_rows(path: Path, reader: csv.DictReader[str],
              skipped: int = 0) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """The rows of ``reader`` with the line each starts on (``skipped``: lines of the file
    before those it reads); a cell longer than the csv module reads stops the file, naming its row."""
    while True:
        first_line = reader.line_num + 1 + skipped
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" not in str(exc):
                raise
            raise _Unreadable(f"{path}:{reader.reader.line_num + skipped}", Message(
                "A cell of this row is longer than %(count)s characters, more than any field may hold.",
                count=csv.field_size_limit())) from None
        yield first_line, row


def _unclosed_quote(row: dict[str | None, Any]) -> bool:
    """Whether ``row`` looks cut short by a quote never closed: fewer cells than the header, the
    last of them running over several lines."""
    cells = [value for column, value in row.items() if column is not None]
    return None in cells and any(isinstance(value, str) and "\n" in value for value in cells)


def _csv_row(location: str, row: dict[str | None, Any]) -> tuple[dict[str, Any], dict[str, Any], list[Problem]]:
    head: dict[str, Any] = {}
    line: dict[str, Any] = {}
    problems: list[Problem] = []
    for column, value in row.items():
        if column is None:
            problems.append(Problem(location, "", "This row has more cells than the header."))
            continue
        value = import_cell(value or "")
        if value == "":
            continue
        if column.startswith("line_"):
            line[column[5:]] = value
        elif column.startswith(("bill_to_", "ship_to_")):
            head.setdefault(column[:7], {})[column[8:]] = value
        elif column.startswith("buyer_"):
            head.setdefault("buyer", {})[column[6:]] = value
        elif column in INTEGER_FIELDS:
            # ASCII digits only ("²" is a digit to Python, not to ``int``), and few enough to convert:
            # longer ones stay text, which the schema refuses as it refuses any other
            head[column] = int(value) if value.isascii() and value.isdigit() and len(value) <= 100 else value
        else:
            head[column] = value
    return head, line, problems
