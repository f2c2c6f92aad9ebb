"""The seller's payment terms: the days an invoice gives to pay, and the printed terms that say so.

``Days to Pay`` (``oro_invoices.seller.payment_days``) dates an invoice created without a due
date. The printed terms (``oro_invoices.seller.payment_terms``) may name ``{days}`` and
``{due_date}``: each invoice keeps them filled in with its own figures when it is posted, so
the words on a document never disagree with its due date.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.messages import Message, PluralMessage

#: What the printed terms may name, filled in per document.
PLACEHOLDERS = ("days", "due_date")
_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
#: The most days an invoice may give to pay (ten years).
MAX_DAYS = 3650


def parse_days(text: str) -> int | None:
    """The number of days of a ``Days to Pay`` value ("" is none)."""
    text = text.strip()
    return int(text) if text.isdigit() else None


def days_problem(text: str) -> Message | None:
    """What is wrong with ``text`` as ``Days to Pay``, or None (empty, or 0 to ``MAX_DAYS``)."""
    text = text.strip()
    if not text or (text.isascii() and text.isdigit() and int(text) <= MAX_DAYS):
        return None
    return Message("Give a whole number of days from 0 (due on the invoice date) to %(most)s, or leave it empty.",
                   most=MAX_DAYS)


def terms_problem(text: str) -> Message | None:
    """What is wrong with the printed terms ``text``: a ``{name}`` that is not a placeholder."""
    unknown = [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    if not unknown:
        return None
    return Message("%(found)s is not something the terms can name; use {days} (the days to pay) or {due_date} "
                   "(the invoice's due date).", found="{" + unknown[0] + "}")


def default_due_date(invoice_date: dt.date, days: int | None) -> dt.date | None:
    """The due date of an invoice dated ``invoice_date`` under terms of ``days``; None without them.

    Raises ``ValidationError`` (on ``invoice_date``) when that day would fall after the last
    date a calendar has (9999-12-31)."""
    if days is None:
        return None
    try:
        return invoice_date + dt.timedelta(days=days)
    except OverflowError:
        raise ValidationError([("invoice_date", Message(
            "The due date %(days)s days (Days to Pay) after %(date)s would be past %(last)s, the last date there "
            "is: give an earlier invoice date or the due date.", days=days, date=invoice_date,
            last=dt.date.max))]) from None


def fill_terms(text: str, *, days: int | None, due_date: str | None) -> str:
    """``text`` with its placeholders filled in; a line naming one that has no value here (a
    statement has no one due date) is left out."""
    if "{" not in text:
        return text
    values = {"days": None if days is None else str(days), "due_date": due_date}
    kept = []
    for line in text.split("\n"):
        named = [name for name in _PLACEHOLDER.findall(line) if name in values]
        if any(values[name] is None for name in named):
            continue
        kept.append(_PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), line))
    return "\n".join(kept)


def invoice_terms(text: str, *, invoice_date: dt.date | None, due_date: dt.date | None,
                  write_date: Callable[[dt.date], str]) -> str:
    """The terms an invoice keeps: ``{days}`` from its invoice date to its due date,
    ``{due_date}`` its due date written by ``write_date``."""
    days = (due_date - invoice_date).days if invoice_date and due_date and due_date >= invoice_date else None
    return fill_terms(text, days=days, due_date=write_date(due_date) if due_date else None)


def due_date_differs(invoice_date: dt.date | None, due_date: dt.date | None, days: int | None) -> Message | None:
    """Words for the admin about to post, when the due date is not the one the terms give;
    posting is not refused for it (terms agreed for one invoice may differ)."""
    if invoice_date is None or due_date is None or days is None:
        return None
    given = (due_date - invoice_date).days
    if given == days:
        return None
    return PluralMessage("The due date gives %(num)d day to pay, while the payment terms for this customer give "
                         "%(days)s (Days to Pay). Change the due date if that is not what was agreed.",
                         "The due date gives %(num)d days to pay, while the payment terms for this customer give "
                         "%(days)s (Days to Pay). Change the due date if that is not what was agreed.",
                         given, days=days)
