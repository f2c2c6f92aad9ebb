"""Turn database rows into the domain values the rest of the add-on reads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from oro_invoices.domain.invoice import (
    Address,
    InternalStatus,
    InvoiceDocument,
    LineInput,
    PaymentStatus,
    PdfInfo,
    SellerInfo,
    compute_lines,
)
from oro_invoices.domain.money import from_minor
from oro_invoices.persistence.models import (
    Activity,
    Invoice,
    InvoiceDocumentRow,
    Note,
    PaymentState,
    PaymentTransaction,
)


@dataclass(frozen=True)
class InvoiceSummary:
    """One row of an invoice list: no lines, just what grids show."""

    id: int
    status: InternalStatus
    invoice_number: str | None
    external_id: str | None
    invoice_date: dt.date
    due_date: dt.date | None
    currency: str
    organization_id: int
    website_id: int | None
    customer_id: int | None
    customer_user_id: int | None
    customer_name: str
    order_id: int | None
    total_amount: Decimal
    amount_paid: Decimal
    amount_due: Decimal
    payment_status: PaymentStatus
    payment_method: str
    external_payment_url: str | None
    created_at: dt.datetime

    @property
    def display_number(self) -> str:
        return self.invoice_number or f"Draft #{self.id}"


@dataclass(frozen=True)
class NoteView:
    id: int
    invoice_id: int
    body: str
    author: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ActivityView:
    id: int
    invoice_id: int
    kind: str
    actor: str
    summary: str
    data: dict[str, Any]
    created_at: dt.datetime


@dataclass(frozen=True)
class TransactionView:
    id: int
    invoice_id: int
    method: str
    action: str
    amount: Decimal
    currency: str
    successful: bool
    provider_reference: str | None
    parent_id: int | None
    notes: str
    actor: str
    created_at: dt.datetime


def pdf_info(row: InvoiceDocumentRow | None) -> PdfInfo | None:
    if row is None:
        return None
    return PdfInfo(sha256=row.sha256, size=row.size, created_at=row.created_at, source=row.source)


def document(inv: Invoice, state: PaymentState, pdf: InvoiceDocumentRow | None = None) -> InvoiceDocument:
    """The full invoice value; totals are recomputed from the lines (stored ones must agree)."""
    cur = inv.currency
    lines, totals = compute_lines(
        (LineInput(description=l.description, quantity=l.quantity, unit_price=l.unit_price,
                   tax_rate=l.tax_rate, sku=l.sku, unit=l.unit) for l in inv.lines), cur)
    paid = from_minor(state.amount_paid, cur)
    return InvoiceDocument(
        id=inv.id, status=InternalStatus(inv.status), invoice_number=inv.invoice_number,
        external_id=inv.external_id, invoice_date=inv.invoice_date, due_date=inv.due_date,
        currency=cur, organization_id=inv.organization_id, website_id=inv.website_id,
        customer_id=inv.customer_id, customer_user_id=inv.customer_user_id,
        customer_name=inv.customer_name, customer_user_email=inv.customer_user_email,
        order_id=inv.order_id, order_identifier=inv.order_identifier,
        bill_to=Address.from_mapping(inv.bill_to), ship_to=Address.from_mapping(inv.ship_to),
        seller=SellerInfo.from_mapping(inv.seller), lines=tuple(lines),
        subtotal=totals.subtotal, taxes=totals.taxes, tax_amount=totals.tax_amount,
        total_amount=totals.total_amount, amount_paid=paid,
        amount_due=max(totals.total_amount - paid, from_minor(0, cur)),
        payment_status=PaymentStatus(state.payment_status), payment_status_forced=state.forced,
        external_payment_url=inv.external_payment_url, payment_token=inv.payment_token,
        created_at=inv.created_at, updated_at=inv.updated_at, posted_at=inv.posted_at,
        pdf=pdf_info(pdf),
    )


def summary(inv: Invoice, state: PaymentState) -> InvoiceSummary:
    cur = inv.currency
    total = from_minor(inv.total_amount, cur)
    paid = from_minor(state.amount_paid, cur)
    return InvoiceSummary(
        id=inv.id, status=InternalStatus(inv.status), invoice_number=inv.invoice_number,
        external_id=inv.external_id, invoice_date=inv.invoice_date, due_date=inv.due_date,
        currency=cur, organization_id=inv.organization_id, website_id=inv.website_id,
        customer_id=inv.customer_id, customer_user_id=inv.customer_user_id,
        customer_name=inv.customer_name, order_id=inv.order_id, total_amount=total,
        amount_paid=paid, amount_due=max(total - paid, from_minor(0, cur)),
        payment_status=PaymentStatus(state.payment_status), payment_method=state.payment_method,
        external_payment_url=inv.external_payment_url, created_at=inv.created_at,
    )


def note(row: Note) -> NoteView:
    return NoteView(id=row.id, invoice_id=row.invoice_id, body=row.body, author=row.author,
                    created_at=row.created_at)


def activity(row: Activity) -> ActivityView:
    return ActivityView(id=row.id, invoice_id=row.invoice_id, kind=row.kind, actor=row.actor,
                        summary=row.summary, data=row.data or {}, created_at=row.created_at)


def transaction(row: PaymentTransaction) -> TransactionView:
    return TransactionView(
        id=row.id, invoice_id=row.invoice_id, method=row.method, action=row.action,
        amount=from_minor(row.amount, row.currency), currency=row.currency,
        successful=row.successful, provider_reference=row.provider_reference,
        parent_id=row.parent_id, notes=row.notes, actor=row.actor, created_at=row.created_at)
