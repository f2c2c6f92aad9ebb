"""The open invoices that owe exactly a given amount: what a bank transfer naming no invoice may
pay; and the invoices charged exactly an amount: where such a transfer may be recorded already.

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

#: The most amounts asked for in one statement.
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


def charged_exactly(session: Session, organization_id: int, currency: str, amounts: Collection[int]) -> dict[int, list[int]]:
    """For each of ``amounts``, the invoices of ``organization_id`` in ``currency`` with a successful
    charge of exactly that amount (by id, newest charge first)."""
    wanted = sorted(set(amounts))
    found: dict[int, list[int]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(PaymentTransaction.amount, PaymentTransaction.invoice_id)
            .join(Invoice, Invoice.id == PaymentTransaction.invoice_id)
            .where(Invoice.organization_id == organization_id, PaymentTransaction.currency == currency,
                   PaymentTransaction.action == "charge", PaymentTransaction.successful.is_(True),
                   PaymentTransaction.amount.in_(wanted[start:start + _CHUNK]))
            .order_by(PaymentTransaction.id.desc())).all()
        for amount, invoice_id in rows:
            ids = found.setdefault(amount, [])
            if invoice_id not in ids:
                ids.append(invoice_id)
    return found
