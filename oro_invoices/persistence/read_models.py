"""Turn database rows into the domain values the rest of the add-on reads."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from oro_invoices.domain.errors import InvoiceError
from oro_invoices.domain.invoice import (
    Address,
    BuyerInfo,
    DocumentRef,
    DocumentType,
    InternalStatus,
    InvoiceDocument,
    LineInput,
    PaymentStatus,
    PdfInfo,
    SellerInfo,
    compute_lines,
    display_number,
)
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import from_minor, to_minor
from oro_invoices.domain.statuses import TransactionFacts
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
    document_type: DocumentType = DocumentType.INVOICE
    credited_invoice_id: int | None = None
    amount_credited: Decimal = Decimal(0)
    #: The customer user's email as the invoice carries it (the grid's Customer User sort).
    customer_user_email: str = ""
    #: What open authorizations hold of the amount due (the seller collects it: not offered to pay).
    amount_held: Decimal = Decimal(0)
    #: What payments on their way (reported processing) cover of it: not offered to pay.
    amount_processing: Decimal = Decimal(0)

    @property
    def display_number(self) -> str:
        return display_number(self.invoice_number, self.id)

    @property
    def is_credit_note(self) -> bool:
        return self.document_type is DocumentType.CREDIT_NOTE


@dataclass(frozen=True)
class NoteView:
    id: int
    invoice_id: int
    body: str
    author: str
    created_at: dt.datetime
    author_id: int | None = None
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class ActivityView:
    id: int
    invoice_id: int
    kind: str
    actor: str
    summary: str
    data: dict[str, Any]
    created_at: dt.datetime


#: The keys of a transaction's ``data`` for a payment recorded by hand (``services.manual_payments``):
#: the day it was received (ISO date) and the reference typed; for a reversal, the payment it undoes
#: and that payment's reference.
RECEIVED_ON_KEY, REFERENCE_KEY, REVERSES_KEY = "received_on", "reference", "reverses"
#: The public id of the payment attempt a provider's event recorded a transaction for.
ATTEMPT_KEY = "attempt"
#: ... and, for one payment received for several invoices (``services.remittances``), what it was.
REMITTANCE_KEY = "remittance"
#: The start of the provider reference of a payment recorded by hand (then its form's one-time key).
BY_HAND_PREFIX = "by-hand-"
#: In a payment's ``data``: what of its amount was over the amount due and kept as the customer's
#: credit (``services.customer_credit``); in a refund's: what of it gave such a surplus back.
SURPLUS_KEY, FROM_SURPLUS_KEY = "surplus", "from_surplus"
#: In a refund's ``data``: the id of the credit note whose settlement it is (``services.credit_notes``).
CREDIT_NOTE_KEY = "credit_note_id"
#: In a refund's ``data``: what of it the provider gave back beyond what was paid for the invoice
#: as a whole and not yet refunded (an over-refund: a refund made twice, say), recorded because the
#: money left the account. An invoice's over-refund is what its refunds gave back beyond what was
#: paid (``statuses.PaymentSummary.net_paid`` leaves it out), so a payment on the invoice covers it
#: first: in the payment's ``data``, what of it did so (``OVER_REFUND_COVERED_KEY``). The invoice's
#: over-refund now is its refunds' over-refunds less what payments covered (``over_refund_left``).
OVER_REFUND_KEY = "over_refunded"
OVER_REFUND_COVERED_KEY = "over_refund_covered"


#: The payment method of the customer's credit applied to an invoice (``services.customer_credit``):
#: no money moves.
CREDIT_METHOD = "customer_credit"


def is_reversal(data: Any) -> bool:
    """Whether a refund's ``data`` marks it as the reversal of a payment recorded in error."""
    return isinstance(data, dict) and isinstance(data.get(REVERSES_KEY), int)


def settles_credit_note(data: Any) -> bool:
    """Whether a refund's ``data`` marks it as the settlement of a credit note."""
    return isinstance(data, dict) and isinstance(data.get(CREDIT_NOTE_KEY), int)


def surplus_of(action: str, data: Any, currency: str) -> int:
    """What of a transaction's amount was a surplus kept as credit (a payment's) or gave one back
    (a refund's), in minor units; 0 for none."""
    key = SURPLUS_KEY if action in ("charge", "capture") else FROM_SURPLUS_KEY if action == "refund" else None
    text = data.get(key) if key is not None and isinstance(data, dict) else None
    if not isinstance(text, str):
        return 0
    try:
        return to_minor(Decimal(text), currency)
    except (ArithmeticError, ValueError, InvoiceError):
        return 0


def facts(action: str, amount: int, successful: bool, parent_id: int | None, data: Any,
          currency: str) -> TransactionFacts:
    """A stored transaction as the payment status reads it (``domain.statuses``)."""
    return TransactionFacts(action, amount, successful, action == "authorize" and parent_id is not None,
                            action == "refund" and parent_id is not None and is_reversal(data),
                            surplus_of(action, data, currency) if successful else 0,
                            action == "refund" and settles_credit_note(data))


@dataclass(frozen=True)
class RemittanceView:
    """One payment received for several invoices: the amount received and the invoices it
    paid (their numbers and ids, in the same order), of which a payment recorded by hand is one
    share."""

    total: Decimal
    invoices: tuple[str, ...]
    invoice_ids: tuple[int, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {"total": str(self.total), "invoices": list(self.invoices), "invoice_ids": list(self.invoice_ids)}

    @classmethod
    def from_data(cls, data: Any) -> RemittanceView | None:
        """The remittance stored in a transaction's data (None when there is none or it is damaged)."""
        if not isinstance(data, dict) or not isinstance(data.get("invoices"), list):
            return None
        try:
            total = Decimal(str(data.get("total")))
        except ArithmeticError:
            return None
        ids = data.get("invoice_ids")
        ids = tuple(i for i in ids if type(i) is int) if isinstance(ids, list) else ()
        numbers = tuple(str(n) for n in data["invoices"])
        return cls(total, numbers, ids if len(ids) == len(numbers) else ())

    @property
    def linked(self) -> list[tuple[str, int | None]]:
        """Each invoice's number with its id (None where not kept)."""
        return list(zip(self.invoices, self.invoice_ids or (None,) * len(self.invoices), strict=True))


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
    #: A payment recorded by hand (``services.manual_payments``): the day it was received and
    #: the reference the admin typed (a bank statement line, a check number).
    received_on: dt.date | None = None
    reference: str = ""
    #: A reversal: the id of the payment recorded outside the payment methods that it undoes.
    reverses: int | None = None
    #: A payment recorded by hand as its invoice's share of one payment for several invoices.
    remittance: RemittanceView | None = None
    #: What of a payment was over the amount due and kept as the customer's credit.
    surplus: Decimal | None = None
    #: Of a refund (or reversal): what of it took back its payment's surplus from the credit.
    from_surplus: Decimal | None = None
    #: Of a payment with a surplus: what its refunds (or its reversal) took back of it
    #: (``with_surplus_taken_back``; None when nothing was).
    surplus_taken_back: Decimal | None = None
    #: Of a refund the provider made beyond what was paid for the invoice: by how much.
    over_refunded: Decimal | None = None
    #: Of a payment made while refunds had given back more than was paid: what of it covered that.
    over_refund_covered: Decimal | None = None

    @property
    def surplus_kept(self) -> Decimal:
        """What of a payment's surplus is still the customer's credit (0 without one)."""
        return (self.surplus or Decimal(0)) - (self.surplus_taken_back or Decimal(0))

    @property
    def recorded_by_hand(self) -> bool:
        return self.received_on is not None

    @property
    def moved_money(self) -> bool:
        """Whether money reached the seller or went back (a receipt says so): a successful charge,
        capture or refund, not a reversal of one recorded in error, nor the customer's credit
        applied (a payment that undid one is ``reversed_payments``' to leave out)."""
        return (self.successful and self.action in ("charge", "capture", "refund") and self.reverses is None
                and self.method != CREDIT_METHOD)

    @property
    def shown_reference(self) -> str:
        """The reference people read: the typed one of a payment recorded by hand, else the provider's
        (of a share of a payment for several invoices, the payment's)."""
        return self.reference if self.recorded_by_hand or self.reverses else (self.provider_reference or self.reference)


def pdf_info(row: InvoiceDocumentRow | None) -> PdfInfo | None:
    if row is None:
        return None
    return PdfInfo(sha256=row.sha256, size=row.size, created_at=row.created_at, source=row.source,
                   carries_xml=row.carries_xml)


def reference(inv: Invoice) -> DocumentRef:
    """How another document names ``inv``."""
    return DocumentRef(id=inv.id, number=inv.invoice_number, date=inv.invoice_date,
                       document_type=DocumentType(inv.document_type or "invoice"), external_id=inv.external_id)


def amount_due(inv: Invoice, total: Decimal, paid: Decimal, credited: Decimal) -> Decimal:
    """What remains to pay: the total less credit notes and net payments, never below zero;
    nothing on a credit note."""
    zero = from_minor(0, inv.currency)
    if inv.document_type == DocumentType.CREDIT_NOTE.value:
        return zero
    return max(total - credited - paid, zero)


def document(inv: Invoice, state: PaymentState, pdf: InvoiceDocumentRow | None = None, *,
             credited_invoice: DocumentRef | None = None,
             reissued_from: DocumentRef | None = None) -> InvoiceDocument:
    """The full invoice value; totals are recomputed from the lines (stored ones must agree).

    ``credited_invoice`` / ``reissued_from``: the documents ``inv`` names (``reference``).
    """
    cur = inv.currency
    lines, totals = compute_lines(
        (LineInput(description=l.description, quantity=l.quantity, unit_price=l.unit_price,
                   tax_rate=l.tax_rate, sku=l.sku, unit=l.unit, tax_category=l.tax_category or "",
                   tax_exemption_reason=l.tax_exemption_reason or "") for l in inv.lines), cur)
    paid = from_minor(state.amount_paid, cur)
    credited = from_minor(state.amount_credited or 0, cur)
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
        amount_due=amount_due(inv, totals.total_amount, paid, credited),
        payment_status=PaymentStatus(state.payment_status), payment_status_forced=state.forced,
        external_payment_url=inv.external_payment_url, payment_token=inv.payment_token,
        created_at=inv.created_at, updated_at=inv.updated_at, posted_at=inv.posted_at,
        pdf=pdf_info(pdf), document_type=DocumentType(inv.document_type or "invoice"),
        credited_invoice=credited_invoice, reissued_from=reissued_from, amount_credited=credited,
        buyer=BuyerInfo.from_mapping(inv.buyer), delivery_date=inv.delivery_date,
        delivery_period_start=inv.delivery_period_start, delivery_period_end=inv.delivery_period_end,
        credit_reason=inv.credit_reason or "", purchase_order=inv.purchase_order or "",
        einvoice_kept=bool(inv.einvoice_kept),
        amount_held=from_minor(state.amount_held or 0, cur),
        amount_processing=from_minor(state.amount_processing or 0, cur),
    )


#: The columns a summary is made of, in the order ``summary_of_row`` reads them (a page of
#: summaries selects these and nothing else: ``queries.list_rows``).
SUMMARY_COLUMNS = (
    Invoice.id, Invoice.status, Invoice.invoice_number, Invoice.external_id, Invoice.invoice_date,
    Invoice.due_date, Invoice.currency, Invoice.organization_id, Invoice.website_id,
    Invoice.customer_id, Invoice.customer_user_id, Invoice.customer_name, Invoice.order_id,
    Invoice.total_amount, Invoice.external_payment_url, Invoice.created_at, Invoice.document_type,
    Invoice.credited_invoice_id, Invoice.customer_user_email, PaymentState.payment_status,
    PaymentState.payment_method, PaymentState.amount_paid, PaymentState.amount_credited,
    PaymentState.amount_held, PaymentState.amount_processing,
)
_WIDTH = len(SUMMARY_COLUMNS)
_STATUSES = {s.value: s for s in InternalStatus}
_PAYMENT_STATUSES = {s.value: s for s in PaymentStatus}
_DOCUMENT_TYPES = {t.value: t for t in DocumentType}
_new = object.__new__


def summary_of_row(row: Sequence[Any]) -> InvoiceSummary:
    """The summary of one row whose first values are those of ``SUMMARY_COLUMNS``."""
    (id_, status, number, external_id, invoice_date, due_date, cur, organization_id, website_id,
     customer_id, customer_user_id, customer_name, order_id, total_minor, payment_url, created_at,
     document_type, credited_invoice_id, email, payment_status, payment_method, paid_minor,
     credited_minor, held_minor, processing_minor) = row[:_WIDTH]
    total = from_minor(total_minor, cur)
    paid = from_minor(paid_minor, cur)
    credited = from_minor(credited_minor or 0, cur)
    kind = _DOCUMENT_TYPES.get(document_type or "invoice") or DocumentType(document_type)
    due = from_minor(0, cur) if kind is DocumentType.CREDIT_NOTE else \
        max(total - credited - paid, from_minor(0, cur))
    # What InvoiceSummary(...) makes, its values put in at once: a frozen dataclass's __init__
    # sets each of its 25 fields through a call of object.__setattr__, for every row of a page.
    # (It has no __post_init__; a test holds the two to each other, field by field.)
    summary = _new(InvoiceSummary)
    summary.__dict__.update(
        id=id_, status=_STATUSES.get(status) or InternalStatus(status), invoice_number=number,
        external_id=external_id, invoice_date=invoice_date, due_date=due_date, currency=cur,
        organization_id=organization_id, website_id=website_id, customer_id=customer_id,
        customer_user_id=customer_user_id, customer_name=customer_name, order_id=order_id,
        total_amount=total, amount_paid=paid, amount_due=due,
        payment_status=_PAYMENT_STATUSES.get(payment_status) or PaymentStatus(payment_status),
        payment_method=payment_method, external_payment_url=payment_url, created_at=created_at,
        document_type=kind, credited_invoice_id=credited_invoice_id, amount_credited=credited,
        customer_user_email=email or "", amount_held=from_minor(held_minor or 0, cur),
        amount_processing=from_minor(processing_minor or 0, cur),
    )
    return summary


def summary(inv: Invoice, state: PaymentState) -> InvoiceSummary:
    """The summary of a loaded invoice and its payment state (``summary_of_row``)."""
    return summary_of_row([getattr(inv if column.class_ is Invoice else state, column.key)
                           for column in SUMMARY_COLUMNS])


def note(row: Note) -> NoteView:
    return NoteView(id=row.id, invoice_id=row.invoice_id, body=row.body, author=row.author,
                    created_at=row.created_at, author_id=row.author_id, updated_at=row.updated_at)


def activity(row: Activity) -> ActivityView:
    """An activity entry; its summary a ``Message`` (shown in the reader's language) when it
    was recorded as one."""
    data = row.data or {}
    stored = data.get("summary_message")
    summary = Message.from_json(stored) if isinstance(stored, dict) and "id" in stored else row.summary
    return ActivityView(id=row.id, invoice_id=row.invoice_id, kind=row.kind, actor=row.actor,
                        summary=summary, data=data, created_at=row.created_at)


def transaction(row: PaymentTransaction) -> TransactionView:
    data = row.data if isinstance(row.data, dict) else {}
    by_hand = (row.provider_reference or "").startswith(BY_HAND_PREFIX)
    received = data.get(RECEIVED_ON_KEY) if by_hand else None
    try:
        received_on = dt.date.fromisoformat(received) if isinstance(received, str) else None
    except ValueError:
        received_on = None
    reverses = data.get(REVERSES_KEY)
    return TransactionView(
        id=row.id, invoice_id=row.invoice_id, method=row.method, action=row.action,
        amount=from_minor(row.amount, row.currency), currency=row.currency,
        successful=row.successful, provider_reference=row.provider_reference,
        parent_id=row.parent_id, notes=row.notes, actor=row.actor, created_at=row.created_at,
        received_on=received_on, reference=str(data.get(REFERENCE_KEY) or ""),
        reverses=reverses if isinstance(reverses, int) and row.action == "refund" else None,
        # one payment for several invoices: recorded by hand, or through a payment method (its attempt)
        remittance=RemittanceView.from_data(data.get(REMITTANCE_KEY)) if by_hand or data.get(ATTEMPT_KEY) else None,
        surplus=from_minor(kept, row.currency) if row.action in ("charge", "capture") and row.successful
        and (kept := surplus_of(row.action, data, row.currency)) > 0 else None,
        from_surplus=from_minor(back, row.currency) if row.action == "refund" and row.successful
        and (back := surplus_of(row.action, data, row.currency)) > 0 else None,
        over_refunded=_in_money(over_refund_of(row.action, bool(row.successful), data, row.currency), row.currency),
        over_refund_covered=_in_money(over_refund_covered_by(row.action, bool(row.successful), data, row.currency),
                                      row.currency))


def _in_money(minor: int, currency: str) -> Decimal | None:
    return from_minor(minor, currency) if minor > 0 else None


def over_refund_of(action: str, successful: bool, data: Any, currency: str) -> int:
    """What a transaction of ``action`` with ``data`` gave back beyond what was paid for its
    invoice (``OVER_REFUND_KEY``: a successful refund's), in minor units; 0 for none."""
    return _noted(data, OVER_REFUND_KEY, currency) if action == "refund" and successful else 0


def over_refund_covered_by(action: str, successful: bool, data: Any, currency: str) -> int:
    """What a transaction of ``action`` with ``data`` paid of what its invoice's refunds had given
    back beyond what was paid (``OVER_REFUND_COVERED_KEY``: a successful payment's), in minor
    units; 0 for none."""
    return _noted(data, OVER_REFUND_COVERED_KEY, currency) if action in ("charge", "capture") and successful else 0


def over_refund_left(transactions: Iterable[TransactionView]) -> Decimal:
    """What the refunds among ``transactions`` (one invoice's) gave back beyond what was paid for
    it, less what its payments covered of that since: the invoice's over-refund now (0 for none)."""
    over = Decimal(0)
    for t in transactions:
        over += (t.over_refunded or 0) - (t.over_refund_covered or 0)
    return max(over, Decimal(0))


def _noted(data: Any, key: str, currency: str) -> int:
    """The amount noted under ``key`` in a transaction's ``data``, in minor units; 0 for none."""
    text = data.get(key) if isinstance(data, dict) else None
    if not isinstance(text, str):
        return 0
    try:
        return max(to_minor(Decimal(text), currency), 0)
    except (ArithmeticError, ValueError, InvoiceError):
        return 0


def with_surplus_taken_back(transactions: list[TransactionView]) -> list[TransactionView]:
    """``transactions`` (one invoice's), each payment with a surplus also saying what of it its
    refunds took back from the customer's credit (``surplus_taken_back``)."""
    taken: dict[int, Decimal] = {}
    for t in transactions:
        if t.from_surplus is not None and t.parent_id is not None:
            taken[t.parent_id] = taken.get(t.parent_id, Decimal(0)) + t.from_surplus
    if not taken:
        return transactions
    return [replace(t, surplus_taken_back=taken[t.id]) if t.surplus is not None and t.id in taken else t
            for t in transactions]
