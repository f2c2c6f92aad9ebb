"""Shared helpers for the host-integration tests: a memory host and an invoice snapshot."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from oro_invoices.domain.invoice import (
    InternalStatus,
    InvoiceDocument,
    PaymentStatus,
    SellerInfo,
)

NOW = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)


def make_invoice(**overrides) -> InvoiceDocument:
    """A draft invoice snapshot for hooks and templates (id 7, ACME Corp, 10.00 EUR)."""
    fields = dict(
        id=7, status=InternalStatus.DRAFT, invoice_number=None, external_id="ERP-7",
        invoice_date=dt.date(2026, 11, 3), due_date=None, currency="EUR", organization_id=1,
        website_id=1, customer_id=2, customer_user_id=3, customer_name="ACME Corp",
        customer_user_email="bea@acme.test", order_id=None, order_identifier="",
        bill_to=None, ship_to=None, seller=SellerInfo(company_name="Seller GmbH"), lines=(),
        subtotal=Decimal("10.00"), taxes=(), tax_amount=Decimal("0.00"),
        total_amount=Decimal("10.00"), amount_paid=Decimal("0.00"),
        amount_due=Decimal("10.00"), payment_status=PaymentStatus.PENDING,
        payment_status_forced=False, external_payment_url=None, payment_token="tok",
        created_at=NOW, updated_at=NOW, posted_at=None)
    fields.update(overrides)
    return InvoiceDocument(**fields)
