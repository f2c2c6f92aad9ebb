"""Reading a **BAI2** bank statement (the Cash Management Balance Reporting format US banks give,
as ``.bai``, ``.bai2`` or ``.txt``), beside CAMT and MT940 (``services.bank_statement_files``).

A file is records of comma-separated fields ending with ``/``: ``01`` file header, ``02`` group
header (its as-of date is the day of the group's transactions, and its currency the default),
``03`` account (its currency, if given), ``16`` transaction detail, ``88`` continuation of the
record before it, then trailers (``49``, ``98``, ``99``). Each ``16`` with a credit type code
(100–399) is a payment received; debits and the others are counted as skipped. Its amount is in
the currency's minor units without a point (``134434`` is 1,344.34 EUR). The reference is its text
(the remittance information, continued by ``88`` records) and the customer reference, else the
bank's reference. The payer is read from the text where the bank names it as US banks do: an
ACH credit's ``ORIG CO NAME:``, a wire's ``B/O:`` (by order of) or Fedwire's ``ORG=`` (its account
number aside), up to the next tag those formats write (``ORIG ID:``, ``REF:``, ``OBI=`` …). A detail
record that cannot be read (a type code, amount or funds count of other than ASCII digits, an
amount of ``AMOUNT_LIMIT`` or more) is named by its line in the file.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import AMOUNT_LIMIT, minor_units
from oro_invoices.services.bank_statement_entries import (
    StatementEntry,
    StatementFile,
    UnreadableStatement,
    ascii_digits,
    bank_reference,
    one_line,
    too_large,
)

#: File names taken for BAI2 whatever they start with.
SUFFIXES = (".bai", ".bai2")
#: The type codes of money received (BAI2 credits).
CREDITS = range(100, 400)
#: How many more fields a funds type adds before the bank reference (``D`` says its own count).
_FUNDS_FIELDS = {"S": 3, "V": 2}
#: The most digits of a ``D`` funds type's count of distributions read (a record holds no more).
_COUNT_DIGITS = 4
#: More digits than any amount below ``AMOUNT_LIMIT`` has in minor units: too large, whatever they are.
_AMOUNT_DIGITS = 20
#: The tags US banks write in a transaction's text after the payer's name (ACH, wire, Fedwire).
_NEXT_TAGS = ("ORIG ID", "DESC DATE", "CO ENTRY DESCR", "ENTRY DESCR", "SEC", "TRACE#", "EED", "IND ID", "IND NAME",
              "REF", "OBI", "BNF", "BBI", "RFB", "TRN", "IMAD", "OMAD", "ADDENDA", "PMT DET", "ORIG BK")
#: Where a transaction's text names the payer: after one of these tags, up to the next tag or the end.
_PAYER = re.compile(r"(?:ORIG CO NAME:|B/O:|ORG=|ORIGINATOR:)\s*(.*?)\s*(?=\s(?:"
                    + "|".join(re.escape(tag) for tag in _NEXT_TAGS) + r")\s?[:=]|$)")


def is_bai2(filename: str, data: bytes) -> bool:
    """Whether ``data`` is to be read as BAI2: by its name, or a first record ``01,``."""
    return filename.lower().endswith(SUFFIXES) or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:3] == b"01,"


@dataclass
class _Record:
    code: str
    fields: list[str]
    line: int
    #: False: its fields cannot be told apart (a ``16`` whose funds type ``D`` gives no count).
    readable: bool = True


def read_bai2(data: bytes) -> StatementFile:
    """The payments received in a BAI2 file.

    :raises UnreadableStatement: a file without a group header (``02``): no BAI2.
    """
    out = StatementFile()
    as_of: dt.date | None = None
    group_currency = account_currency = ""
    groups = 0
    for record in _records(data.decode("latin-1")):
        if record.code == "02":
            groups += 1
            as_of = _day(_field(record.fields, 3))
            group_currency = _field(record.fields, 5).upper()
        elif record.code == "03":
            account_currency = _field(record.fields, 1).upper()
        elif record.code == "49":
            account_currency = ""
        elif record.code == "16" and not _detail(record, as_of, account_currency or group_currency or "USD", out):
            break
    if not groups:
        raise UnreadableStatement(Message("The file is no BAI2 statement: it has no group header (02)."))
    return out


def _records(text: str) -> list[_Record]:
    """The file's records, each ``88`` continuation joined to the record before it: more text for a
    transaction detail, more fields for the others."""
    records: list[_Record] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        line = line[:-1] if line.endswith("/") else line
        code, _, rest = line.partition(",")
        if code == "88" and records:
            last = records[-1]
            if last.code == "16":
                last.fields[-1] = f"{last.fields[-1]} {rest}".strip()
            else:
                last.fields.extend(rest.split(","))
            continue
        if code == "16":
            fields = _detail_fields(rest)
            records.append(_Record(code, fields or [""] * 6, number, readable=fields is not None))
        else:
            records.append(_Record(code, rest.split(","), number))
    return records


def _detail_fields(rest: str) -> list[str] | None:
    """A ``16`` record as ``[type code, amount, funds type, bank reference, customer reference,
    text]``: what a funds type adds left out, the text whole (it may hold commas); None when a
    funds type ``D`` gives no count of its distributions."""
    parts = rest.split(",")
    funds = parts[2].strip().upper() if len(parts) > 2 else ""
    extra = _FUNDS_FIELDS.get(funds, 0)
    if funds == "D":
        count = parts[3].strip() if len(parts) > 3 else ""
        if not ascii_digits(count) or len(count) > _COUNT_DIGITS:
            return None
        extra = 1 + 2 * int(count)
    after = parts[3 + extra:]
    return [*(parts[:3] + [""] * 3)[:3], *(after[:2] + [""] * 2)[:2], ",".join(after[2:])]


def _detail(record: _Record, as_of: dt.date | None, currency: str, out: StatementFile) -> bool:
    """Add the ``16`` record to ``out`` when it is money received; False once ``out`` is full."""
    where = Message("line %(number)s", number=record.line)
    fields = record.fields
    code = _field(fields, 0)
    if not record.readable or not ascii_digits(code) or len(code) > 3:
        out.problems.append(Message("%(where)s: the transaction detail (16) cannot be read.", where=where))
        return True
    if int(code) not in CREDITS:
        out.skipped += 1
        return True
    amount_text = _field(fields, 1)
    if as_of is None:
        out.problems.append(Message("%(where)s: no group header (02) before it gives the day.", where=where))
        return True
    if not ascii_digits(amount_text) or not amount_text.strip("0") or len(currency) != 3:
        out.problems.append(Message("%(where)s: its date or amount cannot be read.", where=where))
        return True
    digits = amount_text.lstrip("0")
    amount = AMOUNT_LIMIT if len(digits) > _AMOUNT_DIGITS else Decimal(digits).scaleb(-minor_units(currency))
    problem = too_large(amount, amount_text, where)
    if problem is not None:
        out.problems.append(problem)
        return True
    bank_ref, customer_ref, text = (f.strip() for f in fields[3:6])
    parts = [text] + ([customer_ref] if customer_ref and customer_ref not in text else [])
    reference = " ".join(p for p in parts if p) or bank_ref
    return out.take(StatementEntry(where, as_of, amount, currency, one_line(reference), payer_of(text),
                                   bank_reference(bank_ref)))


def payer_of(text: str) -> str:
    """Who paid, as the transaction's text names them (``_PAYER``; an account number before the
    name left out); "" when it does not."""
    found = _PAYER.search(text)
    if found is None:
        return ""
    words = found.group(1).split()
    if words and (words[0].startswith("/") or sum(c.isdigit() for c in words[0]) > len(words[0]) // 2):
        words = words[1:]                     # ORG=/DE89370400440532013000 ACME INDUSTRIES AG
    return one_line(" ".join(words))


def _field(fields: list[str], index: int) -> str:
    return fields[index].strip() if index < len(fields) else ""


def _day(text: str) -> dt.date | None:
    """A ``YYMMDD`` date."""
    try:
        return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6])) if len(text) == 6 \
            and ascii_digits(text) else None
    except ValueError:
        return None
