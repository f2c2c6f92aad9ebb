"""The receivables aging in one statement: the amount due of every invoice that can still be
paid, summed per customer and currency into the buckets of ``domain.aging``. Amounts are
integer minor units of the row's currency.

The invoices are those with an open due date (``open_due``: posted, payable, and due on that
date; posting needs a due date), read from the payment states' index by organization and open
due date, so the statement reads the open invoices and none of the others.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from oro_invoices.domain.aging import BUCKETS, AgingBucket
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter


@dataclass(frozen=True)
class AgingRow:
    """What one customer of one organization owes in one currency: its open invoices and their
    amounts due by bucket (``BUCKETS`` order). ``customer_id`` is None for invoices naming no
    customer (then grouped by the name they carry)."""

    organization_id: int | None
    customer_id: int | None
    customer_name: str
    currency: str
    invoices: int
    amounts: tuple[int, ...]


def bucket_condition(bucket: AgingBucket, today: dt.date) -> ColumnElement[bool]:
    """``bucket.holds(days_overdue)`` in SQL over an open invoice's due date on ``today``."""
    earliest, latest = bucket.due_dates(today)
    due = PaymentState.open_due_date
    return and_(*([] if earliest is None else [due >= earliest]), *([] if latest is None else [due <= latest]))


def aging_rows(session: Session, *, today: dt.date, within: InvoiceFilter) -> list[AgingRow]:
    """The aging on ``today`` of the open invoices ``within`` selects (its organization,
    customers, customer user, websites, currency …; ``status``, ``document_type``, ``overdue`` and
    ``payment_status`` are the aging's own and are not read); one row per organization, customer
    and currency, in no set order."""
    due = Invoice.total_amount - PaymentState.amount_paid - PaymentState.amount_credited
    unnamed = case((Invoice.customer_id.is_(None), Invoice.customer_name), else_="")
    stmt = (select(PaymentState.organization_id, Invoice.customer_id, func.max(Invoice.customer_name),
                   Invoice.currency, func.count(),
                   *(func.sum(case((bucket_condition(bucket, today), due), else_=0)) for bucket in BUCKETS))
            .select_from(PaymentState).join(Invoice, Invoice.id == PaymentState.invoice_id)
            .where(PaymentState.open_due_date.is_not(None))
            .group_by(PaymentState.organization_id, Invoice.customer_id, unnamed, Invoice.currency))
    if within.organization_id is not None:   # the state's copy: the first column of its open-invoice index
        stmt = stmt.where(PaymentState.organization_id == within.organization_id)
    stmt = apply_filter(stmt, replace(within, organization_id=None, status=None, document_type=None,
                                      overdue=None, today=None, payment_status=None))
    return [AgingRow(org, customer_id, name or "", code, count, tuple(int(amount or 0) for amount in amounts))
            for org, customer_id, name, code, count, *amounts in session.execute(stmt)]
