"""What a bank statement file holds once read, whatever its layout: the payments received
(``StatementEntry``), how many bookings were left out, and the problems of what could not be read.

The readers (``services.bank_statement_files`` for CAMT and CSV, ``services.bank_statement_mt940``
for MT940, ``services.bank_statement_bai2`` for BAI2) share these types and the few rules of
reading a value: digits are ASCII digits only, a day is ``YYYY-MM-DD``, and an amount is less than
``AMOUNT_LIMIT``, as anywhere else in the add-on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from oro_invoices.domain.limits import parse_day, quoted
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import AMOUNT_LIMIT, is_decimal_text, round_money, too_many_decimals

#: The most payments taken from one statement file.
MAX_ENTRIES = 2_000
#: The longest reference kept (that of a payment recorded by hand).
REFERENCE_MAX = 255


@dataclass(frozen=True)
class StatementEntry:
    """One payment received, as the bank booked it.

    :param where: where it is in the file ("entry 3", "line 7": a ``Message``), for the page to name it.
    :param reference: the remittance information the payer gave (and the creditor reference,
        referred document numbers), one line; else the bank's reference.
    :param bank_reference: the bank's own reference of the entry where the layout has one (CAMT's
        ``AcctSvcrRef``, else ``NtryRef``; MT940's and BAI2's bank reference), without spaces: with
        the day, reference, amount and currency, what tells this statement line from another.
    """

    where: Message
    booked_on: dt.date
    amount: Decimal
    currency: str
    reference: str
    payer: str = ""
    bank_reference: str = ""


@dataclass
class StatementFile:
    """What a statement file holds: its ``entries`` (payments received), how many bookings were
    ``skipped`` (debits, reversals), and the ``problems`` of what could not be read, each naming
    where."""

    entries: list[StatementEntry] = field(default_factory=list)
    skipped: int = 0
    problems: list[Message] = field(default_factory=list)

    def take(self, entry: StatementEntry) -> bool:
        """Keep ``entry``, unless its currency is no three-letter code (one in small letters is read
        in capitals), its amount has more decimals than its currency has (never rounded: the bank
        wrote something else) or its reference or payer is longer than ``REFERENCE_MAX`` (said with
        where it is, in every layout as in the CSV's); False (and said) once ``MAX_ENTRIES`` are
        kept: the reader stops."""
        if not (len(entry.currency) == 3 and entry.currency.isascii() and entry.currency.isalpha()):
            self.problems.append(Message("%(where)s: currency %(value)s is not a three-letter code.",
                                         where=entry.where, value=quoted(entry.currency)))
            return True
        entry = replace(entry, currency=entry.currency.upper())
        if round_money(entry.amount, entry.currency) != entry.amount:
            self.problems.append(Message("%(where)s: amount %(value)s: %(problem)s", where=entry.where,
                                         value=format(entry.amount, "f"), problem=too_many_decimals(entry.currency)))
            return True
        too_long = [name for name, text in (("reference", entry.reference), ("payer", entry.payer))
                    if len(text) > REFERENCE_MAX]
        if too_long:
            self.problems += [Message("%(where)s: %(column)s is longer than %(count)s characters.", where=entry.where,
                                      column=name, count=REFERENCE_MAX) for name in too_long]
            return True
        if len(self.entries) >= MAX_ENTRIES:
            self.problems.append(Message("Only the first %(count)s payments are read; split the statement.",
                                         count=MAX_ENTRIES))
            return False
        self.entries.append(entry)
        return True


class UnreadableStatement(ValueError):
    """The file is no bank statement the readers read (the message says why)."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message




def ascii_digits(text: str) -> bool:
    """Whether ``text`` is ASCII digits only (``str.isdigit`` also takes "²", which ``int`` refuses)."""
    return text.isascii() and text.isdigit()


#: What may follow the day: a time, or an XML date's time zone (``2026-12-03+01:00``).
_AFTER_DAY = ("", "T", " ", "Z", "+", "-")


def iso_day(text: str) -> dt.date | None:
    """The ``YYYY-MM-DD`` day ``text`` starts with (a time or time zone may follow it), else None."""
    text = text.strip()
    return parse_day(text[:10]) if text[10:11] in _AFTER_DAY else None


def decimal_amount(text: str) -> Decimal | None:
    """``text`` as a decimal number with a dot (``1234.50``), else None."""
    text = text.strip()
    if not is_decimal_text(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def too_large(amount: Decimal, written: str, where: Message) -> Message | None:
    """Why ``amount`` (``written`` so in the file) is no payment: ``AMOUNT_LIMIT`` or more; None
    when it is below."""
    if abs(amount) < AMOUNT_LIMIT:
        return None
    return Message("%(where)s: amount %(value)s is too large: a payment is less than %(limit)s.", where=where,
                   value=quoted(written.strip()), limit=format(AMOUNT_LIMIT, ",.0f"))


def flat(text: str) -> str:
    """``text`` on one line without control characters, whitespace collapsed."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def bank_reference(text: str) -> str:
    """A bank's own reference of an entry as kept: no spaces or control characters, at most 35
    characters (ISO 20022's ``Max35Text``)."""
    return "".join(flat(text).split())[:35]


def one_line(text: str) -> str:
    """``text`` on one line without control characters, at most ``REFERENCE_MAX`` characters."""
    return flat(text)[:REFERENCE_MAX]
