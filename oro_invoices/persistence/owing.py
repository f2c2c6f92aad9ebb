"""The open invoices that owe exactly a given amount, and a customer's open invoices: what a bank
transfer naming no invoice may pay; and the payments recorded by hand of exactly an amount (or
shares of one payment of that amount): where such a transfer may be recorded already.

Read from the payment states' copies (``open_due``): an invoice still owed has an open due
date, and owes its total less what was paid and credited. Amounts are integer minor units.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.money import to_minor
from oro_invoices.persistence.models import Invoice, PaymentState, PaymentTransaction
from oro_invoices.persistence.read_models import BY_HAND_PREFIX, transaction

#: The most amounts asked for in one query (a statement's are asked for in chunks of this many).
_CHUNK = 500


@dataclass(frozen=True)
class Owing:
    """An open invoice owing ``amount`` (minor units), and the customer name it carries."""

    invoice_id: int
    amount: int
    customer_name: str


def owing_exactly(session: Session, organization_id: int, currency: str, amounts: Collection[int]) -> list[Owing]:
    """The open invoices of ``organization_id`` in ``currency`` owing one of ``amounts``, oldest
    due date first."""
    owed = PaymentState.total_amount - PaymentState.amount_paid - PaymentState.amount_credited
    wanted = sorted(set(amounts))
    found: list[tuple[dt.date, int, Owing]] = []
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(PaymentState.invoice_id, owed, PaymentState.customer_name, PaymentState.open_due_date)
            .where(PaymentState.organization_id == organization_id, PaymentState.currency == currency,
                   PaymentState.open_due_date.is_not(None), owed.in_(wanted[start:start + _CHUNK]))).all()
        found.extend((due, invoice_id, Owing(invoice_id, int(amount), name or ""))
                     for invoice_id, amount, name, due in rows if due is not None and amount is not None)
    return [owing for _, _, owing in sorted(found, key=lambda row: (row[0], row[1]))]


def open_customers(session: Session, organization_id: int, currency: str) -> dict[int, str]:
    """The customers of ``organization_id`` with an open invoice in ``currency``: id → the name one
    of those invoices carries (read from the aging index alone)."""
    rows = session.execute(
        select(PaymentState.customer_id, func.max(PaymentState.customer_name))
        .where(PaymentState.organization_id == organization_id, PaymentState.customer_id.is_not(None),
               PaymentState.currency == currency, PaymentState.open_due_date.is_not(None))
        .group_by(PaymentState.customer_id))
    return {int(customer_id): name or "" for customer_id, name in rows if customer_id is not None}


def owing_of_customer(session: Session, organization_id: int, customer_id: int, currency: str, *,
                      limit: int) -> list[Owing]:
    """The first ``limit`` open invoices of ``customer_id`` in ``currency``, oldest due date first."""
    owed = PaymentState.total_amount - PaymentState.amount_paid - PaymentState.amount_credited
    rows = session.execute(
        select(PaymentState.invoice_id, owed, PaymentState.customer_name)
        .where(PaymentState.organization_id == organization_id, PaymentState.customer_id == customer_id,
               PaymentState.currency == currency, PaymentState.open_due_date.is_not(None))
        .order_by(PaymentState.open_due_date, PaymentState.invoice_id).limit(limit))
    return [Owing(invoice_id, int(amount), name or "") for invoice_id, amount, name in rows if amount is not None]


@dataclass(frozen=True)
class ChargedByHand:
    """A payment recorded by hand: its invoice, what it took, the money received (the whole
    payment, when it is one share of a payment for several invoices), the day it was received
    and its reference (as Record Payment was told)."""

    invoice_id: int
    amount: int
    received_on: dt.date | None
    reference: str
    received: int


def charged_exactly(session: Session, organization_id: int, currency: str, amounts: Collection[int], *,
                    recorded_since: dt.date) -> list[ChargedByHand]:
    """The successful payments recorded by hand since ``recorded_since`` (UTC day) of ``organization_id``'s
    invoices in ``currency`` that received exactly one of ``amounts`` (alone, or as a share of a
    payment of it for several invoices), newest first: where a bank transfer naming no invoice may
    have been recorded already."""
    wanted = set(amounts)
    if not wanted:
        return []
    since = dt.datetime.combine(recorded_since - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    rows = session.execute(
        select(PaymentTransaction)
        .join(Invoice, Invoice.id == PaymentTransaction.invoice_id)
        .where(Invoice.organization_id == organization_id, PaymentTransaction.currency == currency,
               PaymentTransaction.action == "charge", PaymentTransaction.successful.is_(True),
               PaymentTransaction.provider_reference.startswith(BY_HAND_PREFIX, autoescape=True),
               PaymentTransaction.created_at >= since)
        .order_by(PaymentTransaction.id.desc())).scalars()
    found: list[ChargedByHand] = []
    for row in rows:
        view = transaction(row)
        received = int(row.amount)
        if view.remittance is not None:
            try:
                received = to_minor(view.remittance.total, currency)
            except (ValidationError, ArithmeticError):
                continue                  # a damaged remittance: it names no amount
        if received in wanted:
            found.append(ChargedByHand(row.invoice_id, int(row.amount), view.received_on, view.reference, received))
    return found
