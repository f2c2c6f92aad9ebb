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

from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import N_, Message
from oro_invoices.domain.money import round_money


class InternalStatus(str, enum.Enum):
    """Lifecycle of the document: a draft can change, a posted invoice is frozen."""

    DRAFT = "draft"
    POSTED = "posted"


class DocumentType(str, enum.Enum):
    """An invoice, or a credit note that takes (part of) a posted invoice back."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def label(self) -> str:
        return N_("Credit note") if self is DocumentType.CREDIT_NOTE else N_("Invoice")


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
    #: Credited in full while nothing was paid (voided), or after a payment (credited).
    VOIDED = "voided"
    CREDITED = "credited"

    @property
    def label(self) -> str:
        return PAYMENT_STATUS_LABELS[self]


PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: N_("Pending payment"),
    PaymentStatus.PAID_IN_FULL: N_("Paid in full"),
    PaymentStatus.PAID_PARTIALLY: N_("Paid partially"),
    PaymentStatus.INVOICED: N_("Invoiced"),
    PaymentStatus.AUTHORIZED: N_("Payment authorized"),
    PaymentStatus.AUTHORIZED_PARTIALLY: N_("Payment authorized partially"),
    PaymentStatus.DECLINED: N_("Payment declined"),
    PaymentStatus.CANCELED: N_("Payment canceled"),
    PaymentStatus.CANCELED_PARTIALLY: N_("Canceled partially"),
    PaymentStatus.REFUNDED: N_("Refunded"),
    PaymentStatus.REFUNDED_PARTIALLY: N_("Refunded partially"),
    PaymentStatus.VOIDED: N_("Voided"),
    PaymentStatus.CREDITED: N_("Credited"),
}


@dataclass(frozen=True)
class Address:
    """A postal address as printed on the invoice (a snapshot, not a host reference); printed in
    its country's order by ``oro_invoices.formatting.addresses``."""

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


@dataclass(frozen=True)
class SellerInfo:
    """The seller as printed on invoices and in emails (from configuration).

    ``street``, ``street2``, ``postal_code``, ``city``, ``region`` and ``country_code`` are the
    address, printed in its country's order (``postal_address``) and carried by e-invoices;
    ``business_address`` is the free-text address of older installs, printed only while the
    structured one is empty; ``tax_id`` is the tax
    registration number, ``vat_id`` the VAT identification number; the bank fields are
    printed with the invoice number as the payment reference. ``electronic_address`` is where
    the seller receives e-invoices (BT-34: an email address or a Peppol participant id
    ``scheme:id``); without one, e-invoices state ``contact_email``.
    """

    company_name: str = ""
    business_address: str = ""
    phone: str = ""
    contact_name: str = ""
    contact_email: str = ""
    website_url: str = ""
    tax_id: str = ""
    vat_id: str = ""
    legal_registration_id: str = ""
    street: str = ""
    street2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country_code: str = ""
    iban: str = ""
    bic: str = ""
    account_holder: str = ""
    payment_terms: str = ""
    payment_means: str = ""
    payment_days: str = ""
    electronic_address: str = ""

    @property
    def has_bank_details(self) -> bool:
        return bool(self.iban)

    @property
    def postal_address(self) -> Address | None:
        """The structured address (without name: the company name is printed above it), or
        None when only the free-text ``business_address`` is set."""
        if not any((self.street, self.street2, self.postal_code, self.city, self.region)):
            return None
        return Address(street=self.street, street2=self.street2, city=self.city, region=self.region,
                       postal_code=self.postal_code, country=self.country_code)

    @classmethod
    def from_mapping(cls, data: Mapping[str, str] | None) -> SellerInfo:
        data = data or {}
        return cls(**{k: (data.get(k) or "") for k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class BuyerInfo:
    """What an e-invoice needs of the buyer beyond name and address, frozen at posting.

    ``reference`` is the buyer's routing reference (BT-10, in Germany the Leitweg-ID);
    ``electronic_address`` the address its e-invoices go to (BT-49): an email address or a
    Peppol participant id written ``scheme:id`` (``0088:4035811991021``).
    """

    vat_id: str = ""
    country_code: str = ""
    reference: str = ""
    electronic_address: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, str] | None) -> BuyerInfo:
        data = data or {}
        return cls(**{k: (data.get(k) or "") for k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, str]:
        """The stored form; without an electronic address, as it was stored before there was one."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__
                if k != "electronic_address" or self.electronic_address}


class TaxCategory(str, enum.Enum):
    """The VAT category of a line (EN 16931 BT-151, UNTDID 5305)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"

    @property
    def default_reason(self) -> str:
        """The exemption reason printed when none is given ("" where one must be given)."""
        return _DEFAULT_REASONS.get(self, "")

    @property
    def needs_reason(self) -> bool:
        """Whether an invoice must say why no VAT is charged (BR-E-10, BR-AE-10, ...)."""
        return self not in (TaxCategory.STANDARD, TaxCategory.ZERO_RATED)


_DEFAULT_REASONS = {
    TaxCategory.REVERSE_CHARGE: "Reverse charge",
    TaxCategory.INTRA_COMMUNITY: "Intra-community supply",
    TaxCategory.EXPORT: "Export outside the EU",
    TaxCategory.OUTSIDE_SCOPE: "Not subject to VAT",
}
TAX_CATEGORY_CODES = tuple(c.value for c in TaxCategory)


def tax_category_for(code: str | None, rate: Decimal) -> TaxCategory:
    """The category given, or the one a line without one has: ``Z`` at rate 0, else ``S``."""
    if code:
        return TaxCategory(code)
    return TaxCategory.ZERO_RATED if rate == 0 else TaxCategory.STANDARD


def tax_category_problem(code: str | None, rate: Decimal, reason: str) -> str | None:
    """What is wrong with a line's category, rate and exemption reason together, or None."""
    if not code:
        return None
    if code not in TAX_CATEGORY_CODES:
        return Message("Unknown VAT category %(code)s; use one of %(codes)s.", code=quoted(code),
                       codes=", ".join(TAX_CATEGORY_CODES))
    category = TaxCategory(code)
    if category is TaxCategory.STANDARD and rate <= 0:
        return Message("VAT category S (standard rate) needs a tax rate above 0.")
    if category is not TaxCategory.STANDARD and rate != 0:
        return Message("VAT category %(code)s is charged at tax rate 0; got %(rate)s.", code=code, rate=rate)
    if category is TaxCategory.EXEMPT and not reason.strip():
        return Message("VAT category E (exempt) needs tax_exemption_reason: the legal ground of the exemption.")
    return None


@dataclass(frozen=True)
class LineInput:
    """A line as given: what the caller may set."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = Decimal("0")
    sku: str = ""
    unit: str = ""
    #: A ``TaxCategory`` code; empty: ``tax_category_for`` derives it from the rate.
    tax_category: str = ""
    tax_exemption_reason: str = ""


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
    tax_category: TaxCategory = TaxCategory.STANDARD
    tax_exemption_reason: str = ""


@dataclass(frozen=True)
class TaxLine:
    """Tax for one VAT category and rate: the taxable base and the tax rounded once."""

    rate: Decimal
    base: Decimal
    amount: Decimal
    category: TaxCategory = TaxCategory.STANDARD
    exemption_reason: str = ""

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
    """Compute row totals, tax per VAT category and rate (rounded once each) and the totals.

    A category's exemption reason is its first line's (or the category's default).
    """
    computed: list[InvoiceLine] = []
    bases: dict[tuple[Decimal, TaxCategory], Decimal] = {}
    reasons: dict[tuple[Decimal, TaxCategory], str] = {}
    for position, line in enumerate(lines, start=1):
        row_total = round_money(line.quantity * line.unit_price, currency)
        row_tax = round_money(row_total * line.tax_rate, currency)
        category = tax_category_for(line.tax_category, line.tax_rate)
        reason = line.tax_exemption_reason or category.default_reason
        computed.append(InvoiceLine(
            position=position, description=line.description, sku=line.sku, unit=line.unit,
            quantity=line.quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
            row_total=row_total, row_tax=row_tax, row_total_with_tax=row_total + row_tax,
            tax_category=category, tax_exemption_reason=line.tax_exemption_reason,
        ))
        key = (line.tax_rate.normalize(), category)
        bases[key] = bases.get(key, Decimal(0)) + row_total
        reasons.setdefault(key, reason)
    taxes = tuple(TaxLine(rate=rate, base=base, amount=round_money(base * rate, currency),
                          category=category, exemption_reason=reasons[(rate, category)])
                  for (rate, category), base in sorted(bases.items(), key=lambda kv: (kv[0][0], kv[0][1].value)))
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
    #: Whether it carries an e-invoice XML (None: not known, stored before that was recorded).
    carries_xml: bool | None = None


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
    document_type: DocumentType = DocumentType.INVOICE
    #: A credit note: the invoice it credits.
    credited_invoice: DocumentRef | None = None
    #: A re-issued invoice: the voided invoice it replaces.
    reissued_from: DocumentRef | None = None
    #: What posted credit notes took off this invoice.
    amount_credited: Decimal = Decimal(0)
    #: The buyer's VAT id, country and reference, frozen at posting (a draft: what it states).
    buyer: BuyerInfo = BuyerInfo()
    #: When the goods or services were supplied (EN 16931 BT-72), if the invoice says.
    delivery_date: dt.date | None = None
    #: The period invoiced (BG-14: BT-73 start, BT-74 end), either end may be open.
    delivery_period_start: dt.date | None = None
    delivery_period_end: dt.date | None = None
    #: A credit note: why it was issued (empty when no reason was given).
    credit_reason: str = ""
    #: The buyer's purchase order number (BT-13), empty when it has none.
    purchase_order: str = ""
    #: Whether it keeps the e-invoice XML (CII or UBL) it was imported from, which **Download
    #: XML** gives whatever the e-invoice settings.
    einvoice_kept: bool = False
    #: What open authorizations hold of the amount due: the seller collects it by capturing, so
    #: it is not offered to pay again.
    amount_held: Decimal = Decimal(0)
    #: What payments on their way (reported processing by their provider) cover of the amount due.
    amount_processing: Decimal = Decimal(0)

    @property
    def is_posted(self) -> bool:
        return self.status is InternalStatus.POSTED

    @property
    def is_credit_note(self) -> bool:
        return self.document_type is DocumentType.CREDIT_NOTE

    @property
    def display_number(self) -> str:
        """The invoice number, or "Draft #id" before one is assigned (see ``display_number``)."""
        return display_number(self.invoice_number, self.id)


def display_number(number: str | None, document_id: int | None) -> str:
    """How a document is named: its number, or "Draft #id" before it has one.

    The draft's name is a ``Message``: English wherever text is plain (logs, the API, file
    names), and in the reader's language on a page or in a message that includes it.
    """
    return number or Message("Draft #%(id)s", id=document_id)


@dataclass(frozen=True)
class DocumentRef:
    """Another invoice or credit note, as a document names it: id, number and date."""

    id: int
    number: str | None
    date: dt.date
    document_type: DocumentType = DocumentType.INVOICE
    external_id: str | None = None

    @property
    def display_number(self) -> str:
        return display_number(self.number, self.id)
