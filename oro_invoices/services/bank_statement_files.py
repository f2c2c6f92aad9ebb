"""Reading a bank statement an admin downloaded from the bank: the payments received on the
seller's account, to be matched to invoices (``services.bank_matching``).

Four layouts: ISO 20022 **CAMT** XML, as European banks give it — the day's statement
(CAMT.053), the notification of each credit as it is booked (CAMT.054) or the intraday account
report (CAMT.052), any version: elements are read by name whatever the namespace —, SWIFT **MT940** (``services.bank_statement_mt940``),
**BAI2** (US banks, ``services.bank_statement_bai2``), and a **CSV** with the header
``date,amount,currency,reference,payer`` (``payer`` optional; dates ``YYYY-MM-DD``, amounts
with a dot, a payment received positive). Only money received is kept: CAMT debits, reversals
and entries not booked (pending, or for information), and CSV rows below zero, are counted as
skipped. Each entry of a CAMT batch booking
with several transactions of their own amounts is one entry per transaction. A credit found in a
notification and again in the day's statement is the same statement line to Record Payment (its
booking day, amount and reference), so it is recorded once.

The file is read whole (at most ``MAX_BYTES``). XML is read with the standard library's parser
in any encoding it declares (UTF-8, UTF-16 with its byte order mark, ISO-8859-1 …); a file that
declares a DOCTYPE (which no bank statement does) is refused as soon as the parser meets it,
before the first element, whatever the encoding, so no entity is ever declared, expanded or
fetched. A CSV is read with any line endings (``\r\n``, ``\n``, or ``\r`` as old Mac exports
have it); its reference and payer are at most ``REFERENCE_MAX`` characters, each said with its
line otherwise. Nothing is written.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from xml.etree import ElementTree
from xml.parsers import expat

from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import Message, PluralMessage
from oro_invoices.services.bank_statement_bai2 import is_bai2, read_bai2
from oro_invoices.services.bank_statement_entries import (
    MAX_ENTRIES,
    REFERENCE_MAX,
    StatementEntry,
    StatementFile,
    UnreadableStatement,
    bank_reference,
    decimal_amount,
    flat,
    iso_day,
    one_line,
    too_large,
)
from oro_invoices.services.bank_statement_mt940 import is_mt940, read_mt940

__all__ = ["MAX_BYTES", "MAX_ENTRIES", "REFERENCE_MAX", "StatementEntry", "StatementFile", "UnreadableStatement",
           "read_statement"]

#: The largest statement file read.
MAX_BYTES = 5 * 1024 * 1024
CSV_HEADER = ("date", "amount", "currency", "reference", "payer")
#: CAMT entry statuses of money not (yet) on the account: pending, or for information only.
NOT_BOOKED = frozenset({"PDNG", "INFO", "FUTR"})


def read_statement(filename: str, data: bytes) -> StatementFile:
    """The payments received in a CAMT (.053, .054, .052) XML, MT940, BAI2 or CSV statement file.

    :raises UnreadableStatement: empty, too large, or neither layout.
    """
    if not data.strip():
        raise UnreadableStatement(Message("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UnreadableStatement(Message("The file is larger than %(size)s MiB.", size=MAX_BYTES // (1024 * 1024)))
    if data.lstrip()[:1] == b"<" or filename.lower().endswith(".xml"):
        return _read_camt(data)
    if is_mt940(filename, data):
        return read_mt940(data)
    if is_bai2(filename, data):
        return read_bai2(data)
    return _read_csv(data)


# ---- CAMT.053, .054, .052 -----------------------------------------------------------------

#: Where each CAMT message holds its entries: the statement's, the notification's, the report's.
CAMT_ENTRIES = ("{*}BkToCstmrStmt/{*}Stmt/{*}Ntry", "{*}BkToCstmrDbtCdtNtfctn/{*}Ntfctn/{*}Ntry",
                "{*}BkToCstmrAcctRpt/{*}Rpt/{*}Ntry")
CAMT_MESSAGES = ("{*}BkToCstmrStmt", "{*}BkToCstmrDbtCdtNtfctn", "{*}BkToCstmrAcctRpt")


class _PrologRead(Exception):
    """The XML's prolog is read: ``doctype`` says whether it declares one."""

    def __init__(self, doctype: bool):
        super().__init__()
        self.doctype = doctype


def _declares_doctype(data: bytes) -> bool:
    """Whether the XML declares a DOCTYPE before its root element (the only place entities are
    declared), read by expat as ``ElementTree`` reads it: in the encoding the file declares or its
    byte order mark says. Reading stops at the DOCTYPE or the first element."""

    def stop(doctype: bool) -> Callable[..., None]:
        def handler(*_args: object) -> None:
            raise _PrologRead(doctype)
        return handler

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = stop(True)
    parser.StartElementHandler = stop(False)
    try:
        parser.Parse(data, True)
    except _PrologRead as read:
        return read.doctype
    except expat.ExpatError:
        return False                        # not well-formed: ElementTree says where
    return False


def _read_camt(data: bytes) -> StatementFile:
    try:
        if _declares_doctype(data):
            raise UnreadableStatement(Message("The XML declares a DOCTYPE; a CAMT bank file has none."))
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise UnreadableStatement(Message("The file is not well-formed XML (%(error)s).",
                                          error=str(exc)[:200])) from None
    except LookupError as exc:             # the XML declaration names an encoding no codec reads
        raise UnreadableStatement(Message("The XML declares an encoding that cannot be read (%(error)s).",
                                          error=str(exc)[:200])) from None
    if root.tag.rsplit("}", 1)[-1] != "Document" or all(root.find(path) is None for path in CAMT_MESSAGES):
        raise UnreadableStatement(Message("The XML is no CAMT bank statement (BkToCstmrStmt), notification "
                                          "(BkToCstmrDbtCdtNtfctn) or account report (BkToCstmrAcctRpt)."))
    out = StatementFile()
    entries = (entry for path in CAMT_ENTRIES for entry in root.iterfind(path))
    for number, entry in enumerate(entries, start=1):
        where = Message("entry %(number)s", number=number)
        status = (_text(entry, "{*}Sts/{*}Cd") or _text(entry, "{*}Sts")).upper()
        if _text(entry, "{*}CdtDbtInd") != "CRDT" or _text(entry, "{*}RvslInd").lower() == "true" \
                or status in NOT_BOOKED:
            out.skipped += 1
            continue
        booked = iso_day(_text(entry, "{*}BookgDt/{*}Dt") or _text(entry, "{*}BookgDt/{*}DtTm")[:10]
                      or _text(entry, "{*}ValDt/{*}Dt"))
        if booked is None:
            out.problems.append(Message("%(where)s: it has no booking date.", where=where))
            continue
        details = entry.findall("{*}NtryDtls/{*}TxDtls")
        own = [d for d in details if d.find("{*}AmtDtls/{*}TxAmt/{*}Amt") is not None]
        parts = own if len(own) > 1 and len(own) == len(details) else [None]
        for index, detail in enumerate(parts, start=1):
            source = detail if detail is not None else (details[0] if details else None)
            amount_element = (detail.find("{*}AmtDtls/{*}TxAmt/{*}Amt") if detail is not None
                              else entry.find("{*}Amt"))
            label = where if detail is None else Message("entry %(number)s, transaction %(index)s", number=number,
                                                         index=index)
            written = (amount_element.text or "") if amount_element is not None else ""
            amount = decimal_amount(written)
            currency = (amount_element.get("Ccy", "") if amount_element is not None else "").strip().upper()
            if amount is None or amount <= 0 or len(currency) != 3:
                out.problems.append(Message("%(where)s: it has no amount with a currency.", where=label))
                continue
            problem = too_large(amount, written, label)
            if problem is not None:
                out.problems.append(problem)
                continue
            reference = _remittance(source) if source is not None else ""
            reference = reference or _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
            payer = (_text(source, "{*}RltdPties/{*}Dbtr/{*}Nm") or _text(source, "{*}RltdPties/{*}Dbtr/{*}Pty/{*}Nm")
                     if source is not None else "")
            own_ref = _text(detail, "{*}Refs/{*}AcctSvcrRef") if detail is not None else ""
            bank_ref = bank_reference(own_ref or _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef"))
            if not out.take(StatementEntry(label, booked, amount, currency, reference, payer, bank_ref)):
                return out
    return out


def _remittance(detail: ElementTree.Element) -> str:
    """The remittance information of a transaction, one line: its unstructured lines, then its
    creditor references and referred document numbers."""
    parts = [t.text or "" for t in detail.iterfind("{*}RmtInf/{*}Ustrd")]
    parts += [t.text or "" for t in detail.iterfind("{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref")]
    parts += [t.text or "" for t in detail.iterfind("{*}RmtInf/{*}Strd/{*}RfrdDocInf/{*}Nb")]
    return one_line(" ".join(p for p in parts if p.strip()))


def _text(element: ElementTree.Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


# ---- CSV ----------------------------------------------------------------------------------

def _read_csv(data: bytes) -> StatementFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableStatement(Message("The file is neither CAMT XML, MT940, BAI2 nor a UTF-8 CSV file.")) from None
    rows = csv.reader(io.StringIO(text, newline=None))       # universal newlines: \r\n, \n or a bare \r
    header = [h.strip().lower() for h in _next_row(rows, 1) or []]
    missing = [name for name in CSV_HEADER[:4] if name not in header]
    if missing:
        raise UnreadableStatement(PluralMessage(
            "The CSV file's first line must name the columns %(columns)s; %(missing)s is missing.",
            "The CSV file's first line must name the columns %(columns)s; %(missing)s are missing.",
            len(missing), columns=", ".join(CSV_HEADER), missing=", ".join(missing)))
    column = {name: header.index(name) for name in CSV_HEADER if name in header}
    out = StatementFile()
    line = 1
    while True:
        line += 1
        try:
            row = _next_row(rows, line)
        except UnreadableStatement as exc:      # where the reader stands after it is unsure: stop
            out.problems.append(exc.message)
            return out
        if row is None:
            return out
        if not any(cell.strip() for cell in row):
            continue
        where = Message("line %(number)s", number=line)
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in column.items()}
        booked, amount = iso_day(cells["date"]), decimal_amount(cells["amount"])
        said = []
        if booked is None:
            said.append(Message("%(where)s: date %(value)s is not a date (YYYY-MM-DD).", where=where,
                                value=quoted(cells["date"])))
        if amount is None:
            said.append(Message("%(where)s: amount %(value)s is not a decimal number such as 1234.50.", where=where,
                                value=quoted(cells["amount"])))
        elif (problem := too_large(amount, cells["amount"], where)) is not None:
            said.append(problem)
        if len(cells["currency"]) != 3 or not cells["currency"].isalpha():
            said.append(Message("%(where)s: currency %(value)s is not a three-letter code.", where=where,
                                value=quoted(cells["currency"])))
        said += [Message("%(where)s: %(column)s is longer than %(count)s characters.", where=where, column=name,
                         count=REFERENCE_MAX) for name in ("reference", "payer") if len(flat(cells.get(name, "")))
                 > REFERENCE_MAX]
        if said or booked is None or amount is None:
            out.problems.extend(said)
            continue
        if amount <= 0:
            out.skipped += 1
            continue
        entry = StatementEntry(where, booked, amount, cells["currency"].upper(), one_line(cells["reference"]),
                               one_line(cells.get("payer", "")))
        if not out.take(entry):
            return out


def _next_row(rows: Iterator[list[str]], line: int) -> list[str] | None:
    """The next row (None after the last).

    :raises UnreadableStatement: a value longer than the ``csv`` module reads (128 KiB): with
        universal newlines and NUL read as any character, the only row it refuses.
    """
    try:
        return next(rows, None)
    except csv.Error:
        raise UnreadableStatement(Message(
            "%(where)s: a value is longer than %(count)s characters (a reference or a payer has at most "
            "%(most)s); the file is not read beyond it.", where=Message("line %(number)s", number=line),
            count=csv.field_size_limit(), most=REFERENCE_MAX)) from None
