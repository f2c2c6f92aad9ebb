"""The open invoices that owe exactly a given amount: what a bank transfer naming no invoice may
pay; and the payments recorded by hand of exactly an amount: where such a transfer may be
recorded already.

Read from the payment states' copies (``open_due``): an invoice that can be paid has an open due
date, and owes its total less what was paid and credited. Amounts are integer minor units.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

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


@dataclass(frozen=True)
class ChargedByHand:
    """A payment recorded by hand of exactly ``amount``: its invoice, the day it was received and
    its reference (as Record Payment was told)."""

    invoice_id: int
    amount: int
    received_on: dt.date | None
    reference: str


def charged_exactly(session: Session, organization_id: int, currency: str, amounts: Collection[int], *,
                    recorded_since: dt.date) -> list[ChargedByHand]:
    """The successful payments recorded by hand since ``recorded_since`` (UTC day) of ``organization_id``'s
    invoices in ``currency`` of exactly one of ``amounts``, newest first: where a bank transfer naming
    no invoice may have been recorded already."""
    wanted = sorted(set(amounts))
    since = dt.datetime.combine(recorded_since - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    found: list[ChargedByHand] = []
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(PaymentTransaction)
            .join(Invoice, Invoice.id == PaymentTransaction.invoice_id)
            .where(Invoice.organization_id == organization_id, PaymentTransaction.currency == currency,
                   PaymentTransaction.action == "charge", PaymentTransaction.successful.is_(True),
                   PaymentTransaction.provider_reference.startswith(BY_HAND_PREFIX, autoescape=True),
                   PaymentTransaction.created_at >= since, PaymentTransaction.amount.in_(wanted[start:start + _CHUNK]))
            .order_by(PaymentTransaction.id.desc())).scalars()
        for row in rows:
            view = transaction(row)
            found.append(ChargedByHand(row.invoice_id, int(row.amount), view.received_on, view.reference))
    return found
