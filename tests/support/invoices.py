"""Builders of test values. ``make_invoice_document`` gives a complete, consistent invoice."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from oro_invoices.domain.invoice import (
    Address,
    InternalStatus,
    InvoiceDocument,
    LineInput,
    PaymentStatus,
    SellerInfo,
    compute_lines,
)

UTC = dt.UTC

DEFAULT_SELLER = SellerInfo(
    company_name="Acme Supplies GmbH",
    business_address="Hauptstraße 1\n10115 Berlin\nGermany",
    phone="+49 30 1234567",
    contact_email="billing@acme.example",
    website_url="https://acme.example",
    tax_id="DE123456789",
)
DEFAULT_BILL_TO = Address(name="Jane Buyer", organization="Globex Corporation", street="742 Evergreen Terrace",
                          city="Springfield", region="OR", postal_code="97403", country="US")
DEFAULT_SHIP_TO = Address(name="Receiving Dock 4", organization="Globex Corporation",
                          street="1 Industrial Way", city="Portland", region="OR",
                          postal_code="97201", country="US")

LineSpec = LineInput | Mapping[str, Any] | tuple


def make_line(spec: LineSpec) -> LineInput:
    """A LineInput from a LineInput, a dict of its fields, or ``(description, qty, price[, rate[, sku[, unit]]])``.

    Numbers may be given as str, int or Decimal.
    """
    if isinstance(spec, LineInput):
        return spec
    if isinstance(spec, tuple):
        names = ("description", "quantity", "unit_price", "tax_rate", "sku", "unit")
        spec = dict(zip(names, spec))
    data = dict(spec)
    for key in ("quantity", "unit_price", "tax_rate"):
        if key in data:
            data[key] = Decimal(str(data[key]))
    return LineInput(**data)


def make_lines(count: int, *, tax_rates: Iterable[str] = ("0.19", "0.07"),
               description: str = "Widget model {n}") -> list[LineInput]:
    """``count`` numbered lines cycling through ``tax_rates``."""
    rates = [Decimal(r) for r in tax_rates]
    return [LineInput(description=description.format(n=n), quantity=Decimal(n % 5 + 1),
                      unit_price=Decimal(f"{n * 3 + 10}.{n % 100:02d}"), tax_rate=rates[n % len(rates)],
                      sku=f"SKU-{n:05d}", unit="pcs")
            for n in range(1, count + 1)]


def make_invoice_document(
    lines: Iterable[LineSpec] | None = None,
    *,
    id: int = 1,
    invoice_number: str | None = "INV-2025-03-00042",
    currency: str = "EUR",
    posted: bool = True,
    invoice_date: dt.date = dt.date(2025, 3, 5),
    due_date: dt.date | None = dt.date(2025, 4, 4),
    posted_at: dt.datetime | None = None,
    amount_paid: Decimal | str = "0",
    seller: SellerInfo = DEFAULT_SELLER,
    bill_to: Address | None = DEFAULT_BILL_TO,
    ship_to: Address | None = DEFAULT_SHIP_TO,
    **overrides: Any,
) -> InvoiceDocument:
    """A complete InvoiceDocument whose totals are computed from ``lines`` by ``compute_lines``.

    Without ``lines`` there are three lines at 19 %, 19 % and 7 %. Any other
    InvoiceDocument field can be given as a keyword (``order_identifier="SO-1"``).
    """
    if lines is None:
        lines = [("Ergonomic office chair", "2", "149.90", "0.19", "CHAIR-01", "pcs"),
                 ("Standing desk, oak", "1", "499.00", "0.19", "DESK-07", "pcs"),
                 ("Printed user manual", "3", "4.50", "0.07", "", "pcs")]
    computed, totals = compute_lines([make_line(s) for s in lines], currency)
    paid = Decimal(str(amount_paid))
    created = dt.datetime.combine(invoice_date, dt.time(9, 0), tzinfo=UTC)
    if posted and posted_at is None:
        posted_at = created + dt.timedelta(hours=1)
    values: dict[str, Any] = dict(
        id=id, status=InternalStatus.POSTED if posted else InternalStatus.DRAFT,
        invoice_number=invoice_number,
        external_id=f"ext-{id}", invoice_date=invoice_date, due_date=due_date, currency=currency,
        organization_id=1, website_id=1, customer_id=10, customer_user_id=100,
        customer_name="Globex Corporation", customer_user_email="jane@globex.example",
        order_id=500, order_identifier="SO-2025-0815", bill_to=bill_to, ship_to=ship_to,
        seller=seller, lines=tuple(computed), subtotal=totals.subtotal, taxes=totals.taxes,
        tax_amount=totals.tax_amount, total_amount=totals.total_amount, amount_paid=paid,
        amount_due=totals.total_amount - paid,
        payment_status=PaymentStatus.PAID_IN_FULL if paid and paid >= totals.total_amount
        else PaymentStatus.PAID_PARTIALLY if paid else PaymentStatus.PENDING,
        payment_status_forced=False, external_payment_url=None, payment_token="tok-" + "a" * 28,
        created_at=created, updated_at=posted_at or created, posted_at=posted_at,
    )
    unknown = set(overrides) - {f.name for f in dataclasses.fields(InvoiceDocument)}
    if unknown:
        raise TypeError(f"InvoiceDocument has no field(s) {sorted(unknown)}")
    values.update(overrides)
    return InvoiceDocument(**values)
