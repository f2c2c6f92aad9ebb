"""What a bank statement file holds once read, whatever its layout: the payments received
(``StatementEntry``), how many bookings were left out, and the problems of what could not be read.

The readers (``services.bank_statement_files`` for CAMT and CSV, ``services.bank_statement_mt940``
for MT940) share these types and the few rules of reading a value.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import is_decimal_text

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
    """

    where: Message
    booked_on: dt.date
    amount: Decimal
    currency: str
    reference: str
    payer: str = ""


@dataclass
class StatementFile:
    """What a statement file holds: its ``entries`` (payments received), how many bookings were
    ``skipped`` (debits, reversals), and the ``problems`` of what could not be read, each naming
    where."""

    entries: list[StatementEntry] = field(default_factory=list)
    skipped: int = 0
    problems: list[Message] = field(default_factory=list)

    def take(self, entry: StatementEntry) -> bool:
        """Keep ``entry``; False (and said) once ``MAX_ENTRIES`` are kept: the reader stops."""
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


def iso_day(text: str) -> dt.date | None:
    """The ``YYYY-MM-DD`` day ``text`` starts with, else None."""
    try:
        return dt.date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


def decimal_amount(text: str) -> Decimal | None:
    """``text`` as a decimal number with a dot (``1234.50``), else None."""
    text = text.strip()
    if not is_decimal_text(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def one_line(text: str) -> str:
    """``text`` on one line without control characters, at most ``REFERENCE_MAX`` characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:REFERENCE_MAX]
