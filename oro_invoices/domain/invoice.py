"""The invoice as a value: lines, totals and tax per rate, computed exactly.

These frozen dataclasses are what the rest of the add-on (PDF, email, pages,
API) reads. They are built from the database rows by ``oro_invoices.services.facade``
and never trust totals given as input: totals are always recomputed here.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from oro_invoices.domain.money import round_money


class InternalStatus(str, enum.Enum):
    """Lifecycle of the document: a draft can change, a posted invoice is frozen."""

    DRAFT = "draft"
    POSTED = "posted"


class PaymentStatus(str, enum.Enum):
    """The reference product's eleven payment statuses."""

    PENDING = "pending"
    PAID_IN_FULL = "paid_in_full"
    PAID_PARTIALLY = "paid_partially"
    INVOICED = "invoiced"
    AUTHORIZED = "authorized"
    AUTHORIZED_PARTIALLY = "authorized_partially"
    DECLINED = "declined"
    CANCELED = "canceled"
    CANCELED_PARTIALLY = "canceled_partially"
    REFUNDED = "refunded"
    REFUNDED_PARTIALLY = "refunded_partially"

    @property
    def label(self) -> str:
        return PAYMENT_STATUS_LABELS[self]


PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: "Pending payment",
    PaymentStatus.PAID_IN_FULL: "Paid in full",
    PaymentStatus.PAID_PARTIALLY: "Paid partially",
    PaymentStatus.INVOICED: "Invoiced",
    PaymentStatus.AUTHORIZED: "Payment authorized",
    PaymentStatus.AUTHORIZED_PARTIALLY: "Payment authorized partially",
    PaymentStatus.DECLINED: "Payment declined",
    PaymentStatus.CANCELED: "Payment canceled",
    PaymentStatus.CANCELED_PARTIALLY: "Canceled partially",
    PaymentStatus.REFUNDED: "Refunded",
    PaymentStatus.REFUNDED_PARTIALLY: "Refunded partially",
}


@dataclass(frozen=True)
class Address:
    """A postal address as printed on the invoice (a snapshot, not a host reference)."""

    name: str = ""
    organization: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, str] | None) -> Address | None:
        if not data:
            return None
        return cls(**{k: (data.get(k) or "") for k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def lines(self) -> list[str]:
        """The address as printable lines, empty parts left out."""
        city_line = " ".join(p for p in (self.postal_code, self.city) if p)
        parts = [self.name, self.organization, self.street, self.street2,
                 ", ".join(p for p in (city_line, self.region) if p), self.country, self.phone]
        return [p for p in parts if p]


@dataclass(frozen=True)
class SellerInfo:
    """The seller as printed on invoices and in emails (from configuration)."""

    company_name: str = ""
    business_address: str = ""
    phone: str = ""
    contact_email: str = ""
    website_url: str = ""
    tax_id: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, str] | None) -> SellerInfo:
        data = data or {}
        return cls(**{k: (data.get(k) or "") for k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class LineInput:
    """A line as given: what the caller may set."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = Decimal("0")
    sku: str = ""
    unit: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    """A computed line: ``row_total = round(quantity × unit_price)``; tax is summed per rate."""

    position: int
    description: str
    sku: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    row_total: Decimal
    row_tax: Decimal
    row_total_with_tax: Decimal


@dataclass(frozen=True)
class TaxLine:
    """Tax for one rate: the taxable base and the tax rounded once per rate."""

    rate: Decimal
    base: Decimal
    amount: Decimal

    @property
    def percent(self) -> str:
        """The rate as a percentage string without trailing zeros ("19", "7.5")."""
        value = (self.rate * 100).normalize()
        return f"{value:f}"


@dataclass(frozen=True)
class Totals:
    """Subtotal, tax per rate, tax and total of a list of lines."""

    subtotal: Decimal
    taxes: tuple[TaxLine, ...]
    tax_amount: Decimal
    total_amount: Decimal


def compute_lines(lines: Iterable[LineInput], currency: str) -> tuple[list[InvoiceLine], Totals]:
    """Compute row totals, tax per rate (rounded once per rate) and the invoice totals."""
    computed: list[InvoiceLine] = []
    bases: dict[Decimal, Decimal] = {}
    for position, line in enumerate(lines, start=1):
        row_total = round_money(line.quantity * line.unit_price, currency)
        row_tax = round_money(row_total * line.tax_rate, currency)
        computed.append(InvoiceLine(
            position=position, description=line.description, sku=line.sku, unit=line.unit,
            quantity=line.quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
            row_total=row_total, row_tax=row_tax, row_total_with_tax=row_total + row_tax,
        ))
        rate = line.tax_rate.normalize()
        bases[rate] = bases.get(rate, Decimal(0)) + row_total
    taxes = tuple(TaxLine(rate=rate, base=base, amount=round_money(base * rate, currency))
                  for rate, base in sorted(bases.items()))
    zero = round_money(Decimal(0), currency)
    subtotal = round_money(sum((l.row_total for l in computed), zero), currency)
    tax_amount = round_money(sum((t.amount for t in taxes), zero), currency)
    return computed, Totals(subtotal=subtotal, taxes=taxes, tax_amount=tax_amount,
                            total_amount=subtotal + tax_amount)


@dataclass(frozen=True)
class PdfInfo:
    """The stored PDF of a posted invoice."""

    sha256: str
    size: int
    created_at: dt.datetime
    source: str = "generated"  # or "uploaded"


@dataclass(frozen=True)
class InvoiceDocument:
    """One invoice, read from storage: everything pages, PDF and email show."""

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
    customer_user_email: str
    order_id: int | None
    order_identifier: str
    bill_to: Address | None
    ship_to: Address | None
    seller: SellerInfo
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal
    taxes: tuple[TaxLine, ...]
    tax_amount: Decimal
    total_amount: Decimal
    amount_paid: Decimal
    amount_due: Decimal
    payment_status: PaymentStatus
    payment_status_forced: bool
    external_payment_url: str | None
    payment_token: str
    created_at: dt.datetime
    updated_at: dt.datetime
    posted_at: dt.datetime | None
    pdf: PdfInfo | None = None

    @property
    def is_posted(self) -> bool:
        return self.status is InternalStatus.POSTED

    @property
    def display_number(self) -> str:
        """The invoice number, or "Draft #id" before one is assigned."""
        return self.invoice_number or f"Draft #{self.id}"
