"""Reading a SWIFT **MT940** bank statement: the customer statement many banks still give (as
``.sta``, ``.mt940`` or ``.txt``), beside CAMT (``services.bank_statement_files``).

A file holds one or more statements (``:20:`` … ``-``), bare or inside SWIFT's ``{1:}{2:}{4:``
blocks. Each ``:61:`` statement line is a booking; the ``:86:`` after it tells what it is. Only
credits are kept (``C``); debits and reversals (``D``, ``RC``, ``RD``: a returned direct debit is
no customer's payment) are counted as skipped. The currency is the opening balance's (``:60F:``
or ``:60M:``); the day is the booking's entry date, else its value date.

``:86:`` comes in two shapes:

- **structured**, as German banks give it: a three-digit transaction code, then sub-fields
  (``?20``–``?29`` and ``?60``–``?63`` the remittance information, 27 characters each and joined
  as they are, since a word may run on into the next; ``?32``–``?33`` the payer's name). In SEPA
  remittance information the payer's text is after ``SVWZ+`` and their own reference after
  ``EREF+``: the reference is those two (account numbers and mandates left out);
- **free text**, up to six lines of 65 characters: joined with a space, except after a full
  line, which a word may run on from.

When ``:86:`` says nothing, the reference is the ``:61:``'s own (the customer's, else the bank's).
Each statement line that cannot be read (an amount of ``AMOUNT_LIMIT`` or more among them) is
named by its line in the file; digits are ASCII digits only, and a sub-field not numbered so is
left out.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from oro_invoices.domain.messages import Message
from oro_invoices.services.bank_statement_entries import (
    StatementEntry,
    StatementFile,
    UnreadableStatement,
    ascii_digits,
    bank_reference,
    one_line,
    too_large,
)

#: File names taken for MT940 whatever they start with.
SUFFIXES = (".sta", ".mt940", ".940")
#: A field's tag at the start of a line: ``:61:``, ``:60F:``.
_TAG = re.compile(r"^:(\d\d[A-Z]?):(.*)$", re.ASCII)
#: SWIFT's block headers before the text block (``{1:…}{2:…}{4:``).
_ENVELOPE = re.compile(r"^(?:\{\d:[^{}]*\})*\{4:", re.ASCII)
#: An opening balance: debit or credit, day, currency, amount.
_BALANCE = re.compile(r"^[CD](\d{6})([A-Z]{3})[\d,]+", re.ASCII)
#: A statement line: value date, entry date, mark, funds code, amount, type, references.
_LINE = re.compile(r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
                   r"(?P<amount>\d[\d,]{0,15})(?P<type>[NFS][A-Z0-9]{3})(?P<own>[^/\n]*?)(?://(?P<bank>[^\n]*))?"
                   r"(?:\n.*)?$", re.DOTALL | re.ASCII)
_AMOUNT = re.compile(r"^\d+,\d*$", re.ASCII)
#: SEPA keywords in structured remittance information.
_SEPA = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT|SQTP|PURP)\+")
#: The free text's line length: a full line may break a word.
_FREE_LINE = 65


def is_mt940(filename: str, data: bytes) -> bool:
    """Whether ``data`` is to be read as MT940: by its name, or a first line that starts a
    statement (``:20:``) or SWIFT's header block (``{1:``)."""
    if filename.lower().endswith(SUFFIXES):
        return True
    first = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4]
    return first.startswith((b":20:", b"{1:"))


def read_mt940(data: bytes) -> StatementFile:
    """The payments received in an MT940 file (one or more statements).

    :raises UnreadableStatement: a file with no statement line and no balance (not MT940).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")        # the banks' other character set: never fails
    out = StatementFile()
    statements = 0
    for statement in _statements(text):
        statements += 1
        if not _read(statement, out):
            break
    if not statements:
        raise UnreadableStatement(Message("The file is no MT940 statement: it has no opening balance (:60F:)."))
    return out


@dataclass
class _Field:
    tag: str
    value: str
    line: int


@dataclass
class _Statement:
    fields: list[_Field] = field(default_factory=list)


def _statements(text: str) -> Iterator[_Statement]:
    """The statements of the file: its fields, continuation lines joined on, until ``-``."""
    current = _Statement()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _ENVELOPE.sub("", raw.rstrip("\r"))
        if line.strip() in ("-", "-}") or line.startswith("-}"):
            if any(f.tag.startswith("60") for f in current.fields):
                yield current
            current = _Statement()
            continue
        found = _TAG.match(line)
        if found:
            current.fields.append(_Field(found.group(1), found.group(2), number))
        elif current.fields and line.strip() and not line.startswith("{5:"):
            current.fields[-1].value += "\n" + line
    if any(f.tag.startswith("60") for f in current.fields):
        yield current                     # the last one, without its closing "-"


def _read(statement: _Statement, out: StatementFile) -> bool:
    """Add the statement's credits to ``out``; False once it is full."""
    currency = ""
    fields = statement.fields
    for index, item in enumerate(fields):
        if item.tag in ("60F", "60M"):
            balance = _BALANCE.match(item.value.strip())
            currency = balance.group(2) if balance else ""
        if item.tag != "61":
            continue
        where = Message("line %(number)s", number=item.line)
        line = _LINE.match(item.value.strip())
        if line is None:
            out.problems.append(Message("%(where)s: the statement line (:61:) cannot be read.", where=where))
            continue
        if line.group("mark") != "C":
            out.skipped += 1
            continue
        booked = _booked_on(line.group("value"), line.group("entry"))
        amount_text = line.group("amount")
        if not currency:
            out.problems.append(Message("%(where)s: no opening balance (:60F:) before it gives the currency.",
                                        where=where))
            continue
        if booked is None or not _AMOUNT.match(amount_text) or not amount_text.strip(",0"):
            out.problems.append(Message("%(where)s: its date or amount cannot be read.", where=where))
            continue
        info = fields[index + 1].value if index + 1 < len(fields) and fields[index + 1].tag == "86" else ""
        reference, payer = _information(info)
        if not reference:
            own = line.group("own").strip()
            reference = own if own and own.upper() != "NONREF" else (line.group("bank") or "").strip()
        amount = Decimal(amount_text.replace(",", ".").rstrip("."))
        problem = too_large(amount, amount_text, where)
        if problem is not None:
            out.problems.append(problem)
            continue
        if not out.take(StatementEntry(where, booked, amount, currency, one_line(reference), one_line(payer),
                                       bank_reference(line.group("bank") or ""))):
            return False
    return True


def _booked_on(value: str, entry: str | None) -> dt.date | None:
    """The entry date (``MMDD``, in the value date's year, or the next or last when the two
    straddle New Year), else the value date (``YYMMDD``)."""
    try:
        value_day = dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
        if not entry:
            return value_day
        month, day = int(entry[:2]), int(entry[2:])
        year = value_day.year + (1 if value_day.month - month > 6 else -1 if month - value_day.month > 6 else 0)
        return dt.date(year, month, day)
    except ValueError:
        return None


def _information(text: str) -> tuple[str, str]:
    """The reference and the payer's name in an ``:86:`` field (structured or free text)."""
    if not text:
        return "", ""
    lines = text.split("\n")
    flat = "".join(lines)
    if len(flat) > 6 and ascii_digits(flat[:3]) and not flat[3].isalnum() and not flat[3].isspace() \
            and ascii_digits(flat[4:6]):
        parts = _subfields(flat[3:], flat[3])
        remittance = "".join(parts.get(n, "") for n in (*range(20, 30), *range(60, 64)))
        payer = "".join(parts.get(n, "") for n in (32, 33))
        return _sepa_reference(remittance), payer
    return _sepa_reference(" ".join(part for part in _free_text(lines))), ""


def _free_text(lines: list[str]) -> Iterator[str]:
    """Free-text lines, a full line and the next joined as one (a word may run on)."""
    pending = ""
    for line in lines:
        pending += line
        if len(line) < _FREE_LINE:
            yield pending
            pending = ""
    if pending:
        yield pending


def _subfields(text: str, separator: str) -> dict[int, str]:
    """``?20abc?21def`` as ``{20: "abc", 21: "def"}`` (a repeated number: joined)."""
    parts: dict[int, str] = {}
    for chunk in text.split(separator)[1:]:
        if len(chunk) >= 2 and ascii_digits(chunk[:2]):
            parts[int(chunk[:2])] = parts.get(int(chunk[:2]), "") + chunk[2:]
    return parts


def _sepa_reference(text: str) -> str:
    """The payer's text (``SVWZ+``) and own reference (``EREF+``) of SEPA remittance information,
    or ``text`` as it is when it has no SEPA keywords."""
    pieces = _SEPA.split(text)
    if len(pieces) == 1:
        return text
    values = dict(zip(pieces[1::2], (p.strip() for p in pieces[2::2]), strict=True))
    kept = [pieces[0].strip(), values.get("SVWZ", "")]
    if values.get("EREF", "").upper() not in ("", "NOTPROVIDED"):
        kept.append(values["EREF"])
    return " ".join(k for k in kept if k)
