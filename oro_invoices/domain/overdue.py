"""Overdue: the one definition, a pure function of the invoice and the date.

An invoice is overdue on ``today`` when it is posted (not a draft, nor any other internal
status), its due date is before ``today``, it is still owed: an amount is due and its
payment status does not close it (``statuses.is_owed``: not paid in full, canceled, voided or
credited; a refunded invoice with an amount due is owed, though Pay is not offered), and it is
not held in full (``statuses.is_held``: its payment is authorized, or open authorizations hold
all of that amount, as for an invoice paid in part and authorized for the rest; it waits for the
seller's capture, not for its customer).
Due today is not overdue yet; it is one day overdue tomorrow. What an authorization holds of an
overdue invoice is not overdue: ``overdue_amount`` is the rest.

``today`` is a calendar date chosen by the caller: the services take their clock's date in the
time zone configured for the invoice (``oro_invoices.timezone`` of its organization and website;
``local_today``, ``ServiceContext.today``), so that its page, the lists, its emails, reminders,
events and the API agree on one day, the one its seller and customer see on their calendars.
``persistence.queries`` expresses the same rule in SQL for the grid filter.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from oro_invoices.domain.invoice import InternalStatus, PaymentStatus
from oro_invoices.domain.statuses import HOLDING, is_held, is_owed


class OverdueFacts(Protocol):
    """What the rule reads of an invoice (``InvoiceDocument`` and ``InvoiceSummary`` have it)."""

    @property
    def status(self) -> InternalStatus: ...

    @property
    def due_date(self) -> dt.date | None: ...

    @property
    def amount_due(self) -> Decimal: ...

    @property
    def payment_status(self) -> PaymentStatus: ...

    @property
    def amount_held(self) -> Decimal: ...


def local_today(now: dt.datetime, *, zone: dt.tzinfo) -> dt.date:
    """The calendar date overdue is judged on at the moment ``now`` (timezone-aware): its date
    in ``zone`` (the invoice's configured time zone, ``ServiceContext.time_zone``; required, as
    no zone is right for every invoice)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone).date()


def days_overdue(invoice: OverdueFacts, today: dt.date) -> int:
    """How many days past its due date ``invoice`` is on ``today``; 0 when it is not overdue."""
    if invoice.status != InternalStatus.POSTED or invoice.due_date is None:
        return 0
    days = (today - invoice.due_date).days
    if days <= 0 or not is_owed(invoice.payment_status, invoice.amount_due) \
            or is_held(invoice.payment_status, invoice.amount_due, invoice.amount_held):
        return 0
    return days


def is_overdue(invoice: OverdueFacts, today: dt.date) -> bool:
    """Whether ``invoice`` is overdue on ``today`` (see the module's docstring)."""
    return days_overdue(invoice, today) > 0


def held_until_captured(invoice: OverdueFacts) -> bool:
    """Whether ``invoice`` is posted and owed, and held in full (``statuses.is_held``: its payment
    authorized, or its rest): the seller collects what it owes by capturing, so it is not overdue.
    Its statement line says "Payment authorized" where it would say how many days it is overdue."""
    return invoice.status == InternalStatus.POSTED and is_owed(invoice.payment_status, invoice.amount_due) \
        and is_held(invoice.payment_status, invoice.amount_due, invoice.amount_held)


def awaits_capture(invoice: OverdueFacts) -> bool:
    """Whether ``invoice`` is held until captured (``held_until_captured``) while its payment status
    says something else (paid partially, refunded …; an authorized one says so itself): the pages
    say "Payment authorized" beside that status, where one past its due date would read Overdue."""
    return invoice.payment_status not in HOLDING and held_until_captured(invoice)
