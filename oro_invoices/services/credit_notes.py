"""Corrections without touching a posted invoice: credit notes, void, re-issue.

A credit note is a document of its own: a row of the invoice table with
``document_type = "credit_note"`` and the invoice it credits, numbered in its own gapless
series (``oro_invoices.credit_note_number_prefix``, ``CN-2026-11-00001``), posted, frozen,
linked into the hash chain and given its PDF exactly like an invoice. What it takes off the
invoice is kept with the invoice's payment state (``amount_credited``), which lowers the
amount due and the payment status follows (``domain.statuses``).

Everything for one invoice happens under its row lock, so two credit notes written at once
never credit more than the invoice has left: per line (quantity and amount), per tax rate
and in total. A credit note that gives money back the customer already paid says how:
refunded through the payment method that took it (asked after the commit, like any refund),
kept as the customer's credit for their next invoices (``services.customer_credit``), or
settled outside the add-on.

A credit note never takes off what an open payment authorization holds: while one is open, a
credit that would leave less due than it holds is refused (capture or cancel it first), as Void
is refused, so a capture is never for more than is due.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_percent
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from oro_invoices.adapters.commerce import normal_vat_id
from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.customer_credit import CreditEntry
from oro_invoices.domain.errors import Conflict, InvoiceError, InvoiceNotPosted, ValidationError
from oro_invoices.domain.invoice import (
    DocumentRef,
    DocumentType,
    InvoiceDocument,
    LineInput,
    PaymentStatus,
    compute_lines,
    display_number,
    tax_category_for,
)
from oro_invoices.domain.limits import REASON_MAX
from oro_invoices.domain.messages import Amount, Message, Percent, PluralMessage
from oro_invoices.domain.money import from_minor, minor_units, round_money, to_minor, too_many_decimals
from oro_invoices.domain.payment_limits import open_authorization
from oro_invoices.i18n import translate
from oro_invoices.integration.payment_methods import ProviderError
from oro_invoices.persistence import activity
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.corrections import CORRECTIONS, Corrections, corrections_of_rows
from oro_invoices.persistence.models import Activity, Invoice, InvoiceLineRow, PaymentState
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.customer_credit import CustomerCredit
from oro_invoices.services.lifecycle import CreditedInvoice, Lifecycle
from oro_invoices.services.payment_records import check_request_key
from oro_invoices.services.payments import Payments, StatusChange
from oro_invoices.services.refunds import NotRecorded, ProviderOutcome, Refunds
from oro_invoices.services.schemas import (
    CreditNoteInputSchema,
    check_storable,
    decimal_places,
    load_storable,
)

CREDIT_NOTE = DocumentType.CREDIT_NOTE.value
REFUND = "refund"
OUTSIDE = "outside"
#: Kept as the customer's credit (``services.customer_credit``).
CREDIT = "credit"
SETTLEMENTS = (REFUND, CREDIT, OUTSIDE)
#: The key of the credited invoice's ``credit_note`` activity entry that keeps its amount due
#: right after the credit note.
DUE_AFTER = "amount_due_after"

@dataclass(frozen=True)
class CreditableLine:
    """One invoice line and what of it may still be credited."""

    position: int
    description: str
    tax_rate: Decimal
    quantity: Decimal
    remaining_quantity: Decimal
    row_total: Decimal
    remaining_amount: Decimal
    #: the amounts credited at the line's tax rate leave less than the rest of the line: the
    #: remaining quantity and amount are what still fits under that rate
    limited_by_rate: bool = False


@dataclass(frozen=True)
class Creditable:
    """What remains creditable of an invoice: per line, per tax rate (net) and in total."""

    invoice_id: int
    currency: str
    lines: tuple[CreditableLine, ...]
    rates: dict[Decimal, Decimal]
    total: Decimal
    amount_paid: Decimal

    @property
    def anything(self) -> bool:
        return self.total > 0


@dataclass(frozen=True)
class CreditResult:
    """A posted credit note, the invoice it credits, and how a refund it asked for went."""

    credit_note: InvoiceDocument
    invoice: InvoiceDocument
    settlement: str | None = None
    refund: ProviderOutcome | None = None
    refund_error: str = ""
    #: the provider made the refund, but its report could not be recorded (``refund_error`` says so)
    refund_unrecorded: bool = False


@dataclass(frozen=True)
class ReissueResult:
    """The credit note that voided the invoice and the corrected draft that replaces it."""

    credit_note: InvoiceDocument
    invoice: InvoiceDocument
    draft: InvoiceDocument


@dataclass(frozen=True)
class Settlement:
    """How a credit note gives back money already paid: ``how`` is "refund", "credit" or "outside"."""

    how: str
    amount: Decimal


def settlement_of(s: Session, credit_note: InvoiceDocument) -> Settlement | None:
    """The settlement a credit note was made with (recorded on the credited invoice's
    activity), or None when it gave nothing back (or was imported)."""
    data = _credit_entry(s, credit_note)
    if data is None or not data.get("settlement"):
        return None
    return Settlement(str(data["settlement"]), Decimal(str(data["refund_amount"])))


def amount_due_after(s: Session, credit_note: InvoiceDocument) -> Decimal | None:
    """What the credited invoice had left due right after ``credit_note`` was made (recorded
    on its activity), or None when that was not kept (imported, or made before it was)."""
    data = _credit_entry(s, credit_note)
    value = (data or {}).get(DUE_AFTER)
    return Decimal(str(value)) if value is not None else None


def _credit_entry(s: Session, credit_note: InvoiceDocument) -> dict[str, Any] | None:
    """The data of the credited invoice's activity entry that recorded ``credit_note``."""
    if credit_note.credited_invoice is None:
        return None
    rows = s.execute(select(Activity.data).where(Activity.invoice_id == credit_note.credited_invoice.id,
                                                 Activity.kind == "credit_note")
                     .order_by(Activity.id)).scalars()
    return next((data for data in rows if (data or {}).get("credit_note_id") == credit_note.id), None)


#: A line's tax rate (normalized), VAT category code and exemption reason.
_Kind = tuple[Decimal, str, str]


@dataclass
class _Credited:
    """What the posted credit notes of one invoice took so far (minor units, quantities)."""

    quantity: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    amount: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    base: dict[Decimal, int] = field(default_factory=lambda: defaultdict(int))
    tax: dict[Decimal, int] = field(default_factory=lambda: defaultdict(int))
    #: the net amount per (rate, VAT category, exemption reason)
    category_base: dict[_Kind, int] = field(default_factory=lambda: defaultdict(int))
    by_amount: bool = False


@dataclass(frozen=True)
class _Planned:
    lines: list[LineInput]
    credited_line_ids: list[int | None]
    #: What the credit note takes off the invoice (its total, within what remains).
    takes: int
    settlement: str | None
    refund_transaction: int | None
    refund_amount: int


class CreditNotes:
    """``creditable``, ``create``, ``void``, ``reissue`` and the links between documents."""

    def __init__(self, ctx: ServiceContext, lifecycle: Lifecycle, payments: Payments, refunds: Refunds,
                 credit: CustomerCredit):
        self.ctx = ctx
        self.lifecycle = lifecycle
        self.payments = payments
        self.refunds = refunds
        self.credit = credit

    # ---- reading ------------------------------------------------------------------------

    def creditable(self, invoice_id: int) -> Creditable:
        """What remains creditable of the invoice (for the Create Credit Note form)."""
        with self.ctx.db.session() as s:
            inv = self.ctx.load(s, invoice_id)
            self._check_creditable(inv)
            state = self.ctx.payment_state(s, inv.id)
            return _creditable(inv, state, _credited(s, inv))

    def corrections_of(self, invoice_id: int) -> Corrections:
        """The credit notes of an invoice and the invoices that replace it, oldest first, read
        in one statement (the view page shows both)."""
        with self.ctx.db.session() as s:  # plain rows: the view page reads no ORM instance here
            rows: Sequence[Sequence[Any]] = s.connection().execute(CORRECTIONS, {"invoice_id": invoice_id}).all()
        return corrections_of_rows(invoice_id, rows)

    def credit_notes_of(self, invoice_id: int) -> list[views.InvoiceSummary]:
        """The posted credit notes of an invoice, oldest first."""
        return self.corrections_of(invoice_id).credit_notes

    def reissues_of(self, invoice_id: int) -> list[DocumentRef]:
        """The invoices (drafts or posted) issued to replace this voided invoice."""
        return self.corrections_of(invoice_id).reissues

    # ---- writing ------------------------------------------------------------------------

    def create(self, invoice_id: int, payload: Mapping[str, Any], *, actor: str = "system",
               request_key: str | None = None) -> CreditResult:
        """Post a credit note against a posted invoice.

        ``payload`` (``CreditNoteInputSchema``): ``full: true``, or ``lines`` (``{"line":
        position, "quantity": "2"}``) and/or ``amounts`` (``{"tax_rate": "0.19", "amount":
        "10.00"}``, net); ``reason``; when the credit gives back money already paid,
        ``settlement`` ``"refund"`` (through the payment method that took it; optionally
        ``transaction_id``, the charge to refund), ``"credit"`` (kept as the customer's credit)
        or ``"outside"``.

        :raises ValidationError: nothing to credit, or more than remains (naming the line or
            tax rate and its limit); a settlement is needed and missing.
        :raises InvoiceNotPosted: the invoice is a draft.
        :raises Conflict: the document is a credit note.
        :raises AlreadyCredited: ``request_key`` (the form's one-time key) made a credit note already.
        """
        data = _load(payload)
        key = check_request_key(request_key)
        with self.ctx.translate_errors(), self.ctx.write() as s:
            inv = self.ctx.load(s, invoice_id, lock=True)
            if key is not None:
                _refuse_repeat(s, inv.id, key)
            self._check_creditable(inv)
            state = self.ctx.payment_state(s, inv.id, lock=True)
            plan = self._plan(s, inv, state, data)
            self._check_authorizations(s, inv, state, plan)
            note, change = self._issue(s, inv, state, plan, data["reason"], actor, key,
                                       buyer_reference=data["buyer_reference"].strip())
            kept: CreditEntry | None = None
            if plan.settlement == CREDIT:
                kept = self.credit.keep(s, inv, note, plan.refund_amount, actor)
            note_doc, inv_doc = self.ctx.document(s, note), self.ctx.document(s, inv)
        self._announce(note_doc, inv_doc, change, actor)
        if kept is not None:
            self.credit.announce(kept, actor)
        return self._settle(note_doc, inv_doc, plan, actor)

    def void(self, invoice_id: int, *, reason: str = "", actor: str = "system") -> CreditResult:
        """Void a posted invoice the seller keeps no money of (nothing paid, or all of it refunded)
        and holds no authorization for: a credit note for all that remains, and the payment status
        "Voided" (also when it was forced). Pay is offered nowhere after."""
        with self.ctx.translate_errors(), self.ctx.write() as s:
            note, inv, change = self._void_locked(s, invoice_id, reason, actor)
            note_doc, inv_doc = self.ctx.document(s, note), self.ctx.document(s, inv)
        self._announce(note_doc, inv_doc, change, actor)
        return CreditResult(note_doc, inv_doc)

    def reissue(self, invoice_id: int, *, reason: str = "", actor: str = "system") -> ReissueResult:
        """Void the invoice and create a corrected draft copied from it, in one transaction.

        The draft names the voided invoice (``reissued_from``); it is edited and posted like
        any draft and gets a new number then.
        """
        with self.ctx.translate_errors(), self.ctx.write() as s:
            note, inv, change = self._void_locked(s, invoice_id, reason, actor)
            draft = self._copy_as_draft(s, inv, actor)
            activity.record(s, inv.id, "reissued", actor,
                            Message("Re-issued: corrected draft %(draft)s replaces this invoice", draft=draft.id),
                            {"draft_id": draft.id, "credit_note_id": note.id})
            note_doc, inv_doc = self.ctx.document(s, note), self.ctx.document(s, inv)
            draft_doc = self.ctx.document(s, draft)
        self._announce(note_doc, inv_doc, change, actor)
        self.ctx.hook("invoice_created", invoice=draft_doc, actor=actor)
        return ReissueResult(note_doc, inv_doc, draft_doc)

    def take_off(self, s: Session, inv: Invoice, note: Invoice, actor: str) -> CreditedInvoice:
        """Take an imported (historical) credit note, posted in ``s``, off ``inv`` (row-locked).

        Its lines credit amounts per tax rate, bounded like any credit note: per rate and in
        total never more than remains.
        """
        cur = inv.currency
        _check_same_parties(inv, note)
        state = self.ctx.payment_state(s, inv.id, lock=True)
        credited = _credited(s, inv)  # the note is flushed: it is counted
        errors: list[tuple[str, str]] = [
            ("lines", Message("At %(rate)s tax at most %(amount)s (net) of invoice %(number)s remain creditable.",
                              rate=Percent(rate), number=inv.invoice_number,
                              amount=Amount(from_minor(base - (credited.base[rate] - new), cur), cur)))
            for rate, new in _bases(note).items()
                  if credited.base[rate] > (base := _bases(inv).get(rate, 0))]
        remaining = inv.total_amount - state.amount_credited
        if note.total_amount > remaining and not errors:
            errors.append(("lines", Message("The credit note totals %(total)s, more than the %(remaining)s of "
                                            "invoice %(number)s that remain creditable.",
                                            total=Amount(from_minor(note.total_amount, cur), cur),
                                            remaining=Amount(from_minor(remaining, cur), cur),
                                            number=inv.invoice_number)))
        if errors:
            raise ValidationError(errors)
        exhausts = all(credited.base[rate] >= base for rate, base in _bases(inv).items())
        state.amount_credited += remaining if exhausts else note.total_amount
        activity.record(s, inv.id, "credit_note", actor,
                        Message("Credit note %(number)s of %(amount)s (imported)", number=note.invoice_number,
                                amount=Amount(from_minor(note.total_amount, cur), cur)),
                        {"credit_note_id": note.id, "credit_note_number": note.invoice_number,
                         "amount": str(from_minor(note.total_amount, cur)), "settlement": None})
        change = self.payments.recalculate(s, inv, state, actor)
        s.flush()
        return CreditedInvoice(self.ctx.document(s, inv), change)

    # ---- helpers ------------------------------------------------------------------------

    @staticmethod
    def _check_creditable(inv: Invoice) -> None:
        if inv.document_type == CREDIT_NOTE:
            raise Conflict(Message("%(number)s is a credit note: only invoices can be credited.",
                                   number=inv.invoice_number))
        if inv.status != "posted":
            raise InvoiceNotPosted(Message("Invoice %(number)s is a draft: change or delete it instead; only "
                                           "posted invoices are credited.",
                                           number=display_number(inv.invoice_number, inv.id)))

    def _void_locked(self, s: Session, invoice_id: int, reason: str,
                     actor: str) -> tuple[Invoice, Invoice, StatusChange]:
        if len(reason) > REASON_MAX:
            raise ValidationError([("reason", Message("At most %(limit)s characters.", limit=REASON_MAX))])
        check_storable(reason, "reason")
        inv = self.ctx.load(s, invoice_id, lock=True)
        self._check_creditable(inv)
        state = self.ctx.payment_state(s, inv.id, lock=True)
        summary = pstatus.summarize(self.payments.facts(s, inv.id))
        if summary.net_paid > 0:     # money kept: a payment refunded in full no longer stops it
            raise Conflict(Message("Invoice %(number)s has a successful payment (%(paid)s) and cannot be "
                                   "voided: create a credit note and refund the payment instead.",
                                   number=inv.invoice_number,
                                   paid=Amount(from_minor(summary.net_paid, inv.currency), inv.currency)))
        if open_authorization(summary) > 0:
            raise Conflict(Message("Invoice %(number)s has an open payment authorization: cancel it before "
                                   "voiding the invoice.", number=inv.invoice_number))
        plan = self._plan(s, inv, state, {"full": True, "lines": [], "amounts": [], "settlement": None,
                                          "transaction_id": None})
        forced = state.forced
        state.forced = False  # a voided invoice is voided, whatever status was set from outside
        note, change = self._issue(s, inv, state, plan, reason, actor)
        status = PaymentStatus(state.payment_status)
        if status is not PaymentStatus.VOIDED:  # a remainder lost to rounding, or a forced status
            before = change[0] if change else status
            state.payment_status = PaymentStatus.VOIDED.value
            change = (before, PaymentStatus.VOIDED)
        activity.record(s, inv.id, "voided", actor,
                        _with_reason(Message("Voided by credit note %(number)s", number=note.invoice_number),
                                     reason),
                        {"credit_note_id": note.id, "released_forced_status": forced})
        return note, inv, change

    def _check_authorizations(self, s: Session, inv: Invoice, state: PaymentState, plan: _Planned) -> None:
        """Refuse a credit note that would leave less due than the invoice's open payment
        authorizations hold: capturing them would then charge the customer more than is due."""
        summary = pstatus.summarize(self.payments.facts(s, inv.id))
        held = open_authorization(summary)
        if held <= 0:
            return
        cur = inv.currency
        due = inv.total_amount - state.amount_credited - plan.takes - summary.net_paid
        if due >= held:
            return
        money = Amount(from_minor(held, cur), cur)
        if due <= 0:
            raise Conflict(Message(
                "Invoice %(number)s has an open payment authorization of %(held)s, and this credit note would "
                "leave nothing due: cancel the authorization (or capture what the customer is to pay) first, "
                "then create the credit note.", number=inv.invoice_number, held=money))
        raise Conflict(Message(
            "Invoice %(number)s has an open payment authorization of %(held)s, and this credit note would leave "
            "only %(due)s due: capture what the customer is to pay (or cancel the authorization) first, then "
            "credit the rest.", number=inv.invoice_number, held=money, due=Amount(from_minor(due, cur), cur)))

    def _plan(self, s: Session, inv: Invoice, state: PaymentState, data: Mapping[str, Any]) -> _Planned:
        """The credit note's lines, checked against what remains; how a refund is settled."""
        cur = inv.currency
        credited = _credited(s, inv)
        left = _creditable(inv, state, credited)
        if not left.anything:
            raise Conflict(Message("Invoice %(number)s is credited in full already: nothing remains to credit.",
                                   number=inv.invoice_number))
        language = self.ctx.document_locale(inv)    # the credit note's own words are the invoice's language
        if data["full"]:
            lines, ids = _full_lines(inv, credited, left, language)
        else:
            lines, ids = _chosen_lines(inv, credited, left, data["lines"], data["amounts"], language)
        computed, totals = compute_lines(lines, cur)
        errors: list[tuple[str, str]] = []
        by_line = {line.id: line for line in inv.lines}
        for index, (line, line_id) in enumerate(zip(computed, ids, strict=True)):
            if line_id is None:
                continue
            original = by_line[line_id]
            limit = original.row_total - credited.amount[line_id]
            if to_minor(line.row_total, cur) > limit:
                errors.append((f"lines[{index}].quantity",
                               Message("Line %(line)s (%(description)s): crediting %(quantity)s comes to "
                                       "%(amount)s, more than the %(limit)s that remain creditable of it.",
                                       line=original.position, description=original.description,
                                       quantity=line.quantity, amount=Amount(line.row_total, cur),
                                       limit=Amount(from_minor(limit, cur), cur))))
        bases = _bases(inv)
        # Per rate, whatever the VAT categories at it (a rate's lines may be of several).
        new_bases: dict[Decimal, int] = defaultdict(int)
        for tax in totals.taxes:
            new_bases[tax.rate.normalize()] += to_minor(tax.base, cur)
        for rate, base in new_bases.items():
            limit = bases.get(rate, 0) - credited.base[rate]
            if base > limit:
                errors.append((_rate_field(inv, data, rate), Message("At %(rate)s tax at most %(limit)s (net) remain creditable; "
                                                  "this credit note would take %(amount)s.", rate=Percent(rate),
                                                  limit=Amount(from_minor(limit, cur), cur),
                                                  amount=Amount(from_minor(base, cur), cur))))
        total = to_minor(totals.total_amount, cur)
        if total < 0 and not errors:
            errors.append(("lines", Message(
                "The credit note would total %(total)s: a credit note takes back a positive amount. Credit a "
                "discount line together with the lines it reduces.", total=Amount(totals.total_amount, cur))))
        elif total == 0 and not errors:
            errors.append(("", "The credit note would total 0: choose lines or amounts to credit."))
        if errors:
            raise ValidationError(errors)
        # Tax is rounded per document and rate, so credit notes can differ from the invoice's
        # tax by a cent: what one takes off never exceeds what remains, and crediting every
        # net amount credits the invoice in full.
        exhausts = all(credited.base[rate] + new_bases.get(rate, 0) >= base for rate, base in bases.items())
        remaining = inv.total_amount - state.amount_credited
        takes = remaining if exhausts else min(total, remaining)
        return self._settlement(s, inv, state, lines, ids, takes, data)

    def _settlement(self, s: Session, inv: Invoice, state: PaymentState, lines: list[LineInput],
                    ids: list[int | None], takes: int, data: Mapping[str, Any]) -> _Planned:
        """How money already paid that the credit gives back is settled (refund, credit or outside)."""
        cur = inv.currency
        over = state.amount_paid - (inv.total_amount - state.amount_credited - takes)
        give_back = max(min(over, takes), 0)
        settlement, tx_id = data.get("settlement"), data.get("transaction_id")
        if give_back <= 0:
            return _Planned(lines, ids, takes, None, None, 0)
        money = Amount(from_minor(give_back, cur), cur)
        if settlement is None:
            raise ValidationError([("settlement", _unsettled(inv, state, takes, money))])
        if settlement == CREDIT and inv.customer_id is None:
            raise ValidationError([("settlement", Message(
                "Invoice %(number)s has no customer to keep the credit for: choose \"refund\" or \"outside\".",
                number=inv.invoice_number))])
        if settlement in (OUTSIDE, CREDIT):
            return _Planned(lines, ids, takes, settlement, None, give_back)
        actions = self.refunds.actions(inv.id)
        if tx_id is not None:
            chosen = actions.get(tx_id)
            if chosen is None:
                raise ValidationError([("transaction_id", Message(
                    "Transaction %(transaction)s is not a payment of invoice %(number)s that can be refunded "
                    "here.", transaction=tx_id, number=inv.invoice_number))])
        else:
            candidates = sorted(actions.values(), key=lambda a: a.refundable, reverse=True)
            if not candidates or candidates[0].refundable <= 0:
                raise ValidationError([("settlement", Message(
                    "No payment of invoice %(number)s was taken through a payment method of the add-on, so it "
                    "cannot be refunded here: choose \"credit\" or \"outside\".", number=inv.invoice_number))])
            chosen = candidates[0]
        if to_minor(chosen.refundable, cur) < give_back:
            raise ValidationError([("transaction_id" if tx_id is not None else "settlement",
                                    Message("Transaction %(transaction)s has %(left)s left to refund, less "
                                            "than the %(amount)s to give back: refund part by hand and choose "
                                            "\"outside\", or pick another transaction.",
                                            transaction=chosen.transaction_id,
                                            left=Amount(chosen.refundable, cur), amount=money))])
        return _Planned(lines, ids, takes, REFUND, chosen.transaction_id, give_back)

    def _issue(self, s: Session, inv: Invoice, state: PaymentState, plan: _Planned, reason: str,
               actor: str, request_key: str | None = None, *,
               buyer_reference: str = "") -> tuple[Invoice, StatusChange]:
        """Write and post the credit note, and take it off the invoice (all in ``s``); it states the
        invoice's buyer, with ``buyer_reference`` (BT-10) instead of the invoice's when given."""
        cur = inv.currency
        now = self.ctx.clock()
        today = self.ctx.books_today(inv)    # the day of its organization's books
        note = Invoice(
            status="draft", document_type=CREDIT_NOTE, credited_invoice_id=inv.id,
            organization_id=inv.organization_id, website_id=inv.website_id, customer_id=inv.customer_id,
            customer_user_id=inv.customer_user_id, customer_name=inv.customer_name,
            customer_user_email=inv.customer_user_email, order_id=inv.order_id,
            order_identifier=inv.order_identifier, purchase_order=inv.purchase_order,
            invoice_date=today, due_date=today, currency=cur,
            bill_to=inv.bill_to, ship_to=inv.ship_to, payment_token=secrets.token_urlsafe(24),
            buyer={**(inv.buyer or {}), "reference": buyer_reference} if buyer_reference else inv.buyer,
            credit_reason=reason.strip() or None, created_by=actor, created_at=now, updated_at=now)
        computed, totals = compute_lines(plan.lines, cur)
        note.lines = [InvoiceLineRow(
            position=line.position, description=line.description, sku=line.sku, unit=line.unit,
            quantity=line.quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
            row_total=to_minor(line.row_total, cur), row_tax=to_minor(line.row_tax, cur),
            tax_category=given.tax_category or None, tax_exemption_reason=given.tax_exemption_reason or None,
            credited_line_id=line_id)
            for line, given, line_id in zip(computed, plan.lines, plan.credited_line_ids, strict=True)]
        note.subtotal = to_minor(totals.subtotal, cur)
        note.tax_amount = to_minor(totals.tax_amount, cur)
        note.total_amount = to_minor(totals.total_amount, cur)
        s.add(note)
        s.flush()
        # A credit note is never paid: its status says what it is and is never recalculated.
        s.add(PaymentState(invoice_id=note.id, payment_status=PaymentStatus.CREDITED.value, forced=True,
                           updated_at=now))
        activity.record(s, note.id, "created", actor,
                        _with_reason(PluralMessage("Credit note for invoice %(number)s, %(num)d line, total %(total)s",
                                                   "Credit note for invoice %(number)s, %(num)d lines, total %(total)s",
                                                   len(computed), number=inv.invoice_number,
                                                   total=Amount(totals.total_amount, cur)), reason),
                        {"credited_invoice_id": inv.id, "reason": reason})
        self.lifecycle.post_locked(s, note, actor)
        state.amount_credited += plan.takes
        # Credited in full, the invoice is Voided or Credited, whatever status was set from outside.
        released = state.forced and state.amount_credited >= inv.total_amount
        if released:
            state.forced = False
        refund = Amount(from_minor(plan.refund_amount, cur), cur)
        summary = Message("Credit note %(number)s of %(amount)s", number=note.invoice_number,
                          amount=Amount(totals.total_amount, cur))
        if plan.settlement == REFUND:
            summary = Message("Credit note %(number)s of %(amount)s; %(refund)s to be refunded through the "
                              "payment method (transaction %(transaction)s)", number=note.invoice_number,
                              amount=Amount(totals.total_amount, cur), refund=refund,
                              transaction=plan.refund_transaction or "")
        elif plan.settlement == OUTSIDE:
            summary = Message("Credit note %(number)s of %(amount)s; %(refund)s given back outside the add-on",
                              number=note.invoice_number, amount=Amount(totals.total_amount, cur), refund=refund)
        elif plan.settlement == CREDIT:
            summary = Message("Credit note %(number)s of %(amount)s; %(refund)s kept as the customer's credit",
                              number=note.invoice_number, amount=Amount(totals.total_amount, cur), refund=refund)
        activity.record(s, inv.id, "credit_note", actor, _with_reason(summary, reason),
                        {"credit_note_id": note.id, "credit_note_number": note.invoice_number,
                         "amount": str(totals.total_amount), "settlement": plan.settlement,
                         "refund_amount": str(from_minor(plan.refund_amount, cur)) if plan.settlement else None,
                         "transaction_id": plan.refund_transaction, "reason": reason,
                         DUE_AFTER: str(from_minor(max(inv.total_amount - state.amount_credited
                                                       - state.amount_paid, 0), cur)),
                         **({"released_forced_status": True} if released else {}),
                         **({"request_key": request_key} if request_key else {})})
        change = self.payments.recalculate(s, inv, state, actor)
        s.flush()
        return note, change

    def _copy_as_draft(self, s: Session, inv: Invoice, actor: str) -> Invoice:
        now = self.ctx.clock()
        today = self.ctx.books_today(inv)    # the day of its organization's books
        due = today + (inv.due_date - inv.invoice_date) if inv.due_date is not None else None
        draft = Invoice(
            status="draft", document_type=DocumentType.INVOICE.value, reissued_from_id=inv.id,
            organization_id=inv.organization_id, website_id=inv.website_id, customer_id=inv.customer_id,
            customer_user_id=inv.customer_user_id, customer_name=inv.customer_name,
            customer_user_email=inv.customer_user_email, order_id=inv.order_id,
            order_identifier=inv.order_identifier, purchase_order=inv.purchase_order,
            invoice_date=today, due_date=due, currency=inv.currency,
            bill_to=inv.bill_to, ship_to=inv.ship_to, buyer=inv.buyer, delivery_date=inv.delivery_date,
            delivery_period_start=inv.delivery_period_start, delivery_period_end=inv.delivery_period_end,
            external_payment_url=inv.external_payment_url, subtotal=inv.subtotal, tax_amount=inv.tax_amount, total_amount=inv.total_amount,
            payment_token=secrets.token_urlsafe(24), created_by=actor, created_at=now, updated_at=now)
        draft.lines = [InvoiceLineRow(
            position=l.position, description=l.description, sku=l.sku, unit=l.unit, quantity=l.quantity,
            unit_price=l.unit_price, tax_rate=l.tax_rate, row_total=l.row_total, row_tax=l.row_tax,
            tax_category=l.tax_category, tax_exemption_reason=l.tax_exemption_reason)
            for l in inv.lines]
        s.add(draft)
        s.flush()
        s.add(PaymentState(invoice_id=draft.id, payment_status=PaymentStatus.PENDING.value, updated_at=now))
        activity.record(s, draft.id, "created", actor,
                        Message("Re-issued from voided invoice %(number)s: a corrected draft to edit and post",
                                number=inv.invoice_number),
                        {"reissued_from_id": inv.id})
        s.flush()
        return draft

    def _announce(self, note: InvoiceDocument, inv: InvoiceDocument, change: StatusChange, actor: str) -> None:
        self.lifecycle.documents.submit_posting_pdf(note)
        self.ctx.hook("invoice_created", invoice=note, actor=actor)
        self.ctx.hook("invoice_posted", invoice=note, actor=actor)
        self.payments.status_hooks(inv, change, actor)

    def _settle(self, note: InvoiceDocument, inv: InvoiceDocument, plan: _Planned, actor: str) -> CreditResult:
        """Ask the payment method for the refund the credit note needs (after its commit)."""
        if plan.settlement != REFUND or plan.refund_transaction is None:
            return CreditResult(note, inv, plan.settlement)
        amount = from_minor(plan.refund_amount, inv.currency)
        outcome: ProviderOutcome | None = None
        try:
            outcome = self.refunds.refund(plan.refund_transaction, format(amount, "f"),
                                          notes=f"Credit note {note.invoice_number}", actor=actor,
                                          credit_note_id=note.id)
            error = "" if outcome.successful else (outcome.message or "The payment method refused the refund.")
        except NotRecorded as exc:   # made at the provider: never ask for it again (the activity says so)
            return CreditResult(note, self._reload(inv.id), REFUND, None, exc.message, refund_unrecorded=True)
        except (ProviderError, InvoiceError) as exc:
            error = getattr(exc, "message", None) or str(exc)
        if error:
            with self.ctx.write() as s:
                activity.record(s, inv.id, "credit_note", actor,
                                Message("The refund of %(amount)s for credit note %(number)s failed: "
                                        "%(error)s Refund it from the Payments section.",
                                        amount=Amount(amount, inv.currency), number=note.invoice_number,
                                        error=_sentence(error)),
                                {"credit_note_id": note.id, "transaction_id": plan.refund_transaction})
        return CreditResult(note, self._reload(inv.id), REFUND, outcome, error)

    def _reload(self, invoice_id: int) -> InvoiceDocument:
        with self.ctx.db.session() as s:
            return self.ctx.document(s, self.ctx.load(s, invoice_id))


# ---- what remains creditable ------------------------------------------------------------

def given_back_elsewhere(s: Session, invoice_id: int) -> list[tuple[str, str, int]]:
    """What the invoice's credit notes gave back of its payments without a transaction of the
    add-on: ``(credit note number, "outside" or "credit", minor units)`` each (``given_back_by``)."""
    rows = s.execute(select(Activity.data, Invoice.currency).join(Invoice, Invoice.id == Activity.invoice_id)
                     .where(Activity.invoice_id == invoice_id, Activity.kind == "credit_note")
                     .order_by(Activity.id)).all()
    return [found for data, currency in rows if (found := given_back_by(data, currency)) is not None]


def given_back_by(data: Any, currency: str) -> tuple[str, str, int] | None:
    """What a credit note gave back of its invoice's payments without a transaction of the
    add-on, as the data of the invoice's ``credit_note`` activity entry says: ``(credit note
    number, "outside" or "credit", minor units)``, or None. (A refund through the payment method
    is a transaction, which lowers what was paid.)"""
    data = data if isinstance(data, dict) else {}
    if data.get("settlement") not in (OUTSIDE, CREDIT) or not data.get("refund_amount"):
        return None
    amount = to_minor(Decimal(str(data["refund_amount"])), currency)
    if amount <= 0:
        return None
    return str(data.get("credit_note_number") or ""), str(data["settlement"]), amount


def _load(payload: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise ValidationError([("", "Expected a JSON object saying what to credit.")])
    data: dict[str, Any] = load_storable(CreditNoteInputSchema(), payload)
    return data


def _credited(s: Session, inv: Invoice) -> _Credited:
    """What the invoice's posted credit notes took, per line, per tax rate."""
    notes = s.execute(select(Invoice).where(Invoice.credited_invoice_id == inv.id, Invoice.status == "posted")
                      .options(selectinload(Invoice.lines))).scalars().all()
    credited = _Credited()
    for note in notes:
        for rate, base in _bases(note).items():
            credited.base[rate] += base
        for kind, base in _kind_bases(note).items():
            credited.category_base[kind] += base
        for line in note.lines:
            if line.credited_line_id is None:
                credited.by_amount = True
            else:
                credited.quantity[line.credited_line_id] += line.quantity
                credited.amount[line.credited_line_id] += line.row_total
    return credited


def _bases(inv: Invoice) -> dict[Decimal, int]:
    """The net amount per (normalized) tax rate of a document, in minor units."""
    bases: dict[Decimal, int] = defaultdict(int)
    for line in inv.lines:
        bases[line.tax_rate.normalize()] += line.row_total
    return dict(bases)


def _kind_of(line: InvoiceLineRow) -> _Kind:
    rate = line.tax_rate.normalize()
    return rate, tax_category_for(line.tax_category or "", rate).value, line.tax_exemption_reason or ""


def _kind_bases(inv: Invoice) -> dict[_Kind, int]:
    """The net amount per tax rate, VAT category and exemption reason of a document (minor units)."""
    bases: dict[_Kind, int] = defaultdict(int)
    for line in inv.lines:
        bases[_kind_of(line)] += line.row_total
    return dict(bases)


def _creditable(inv: Invoice, state: PaymentState, credited: _Credited) -> Creditable:
    cur = inv.currency
    room = _room(inv, credited)
    lines = tuple(_creditable_line(l, credited, room[l.tax_rate.normalize()], cur)
                  for l in sorted(inv.lines, key=lambda l: l.position))
    rates = {rate: from_minor(max(base - credited.base[rate], 0), cur) for rate, base in sorted(_bases(inv).items())}
    return Creditable(invoice_id=inv.id, currency=cur, lines=lines, rates=rates,
                      total=from_minor(max(inv.total_amount - state.amount_credited, 0), cur),
                      amount_paid=from_minor(state.amount_paid, cur))


def _room(inv: Invoice, credited: _Credited) -> dict[Decimal, int]:
    """Per tax rate, the most one line at it may still credit (minor units): the net amount not
    credited yet, plus what remains of its discount lines (credited together with the line they
    reduce). Below a line's own remainder only once amounts were credited at that rate."""
    room = {rate: base - credited.base[rate] for rate, base in _bases(inv).items()}
    for line in inv.lines:
        room[line.tax_rate.normalize()] += max(credited.amount[line.id] - line.row_total, 0)
    return room


def _creditable_line(line: InvoiceLineRow, credited: _Credited, room: int, currency: str) -> CreditableLine:
    """What remains of ``line``: its quantity and amount not credited yet, or, where the amounts
    credited at its rate leave less (``room``), the quantity (in the line's own steps: whole
    units for a line of 9) and its amount that still fit."""
    quantity = max(line.quantity - credited.quantity[line.id], Decimal(0))
    amount = max(line.row_total - credited.amount[line.id], 0)
    limited = line.row_total > 0 and line.unit_price > 0 and amount > max(room, 0)
    if limited:
        step = Decimal(1).scaleb(-decimal_places(_plain(line.quantity)))
        fits = (from_minor(max(room, 0), currency) / line.unit_price).quantize(step, rounding=ROUND_DOWN)
        quantity = min(quantity, max(fits, Decimal(0)))
        amount = to_minor(round_money(quantity * line.unit_price, currency), currency)
    return CreditableLine(position=line.position, description=line.description, tax_rate=line.tax_rate,
                          quantity=line.quantity, remaining_quantity=quantity,
                          row_total=from_minor(line.row_total, currency),
                          remaining_amount=from_minor(amount, currency), limited_by_rate=limited)


def _full_lines(inv: Invoice, credited: _Credited, left: Creditable,
                language: str) -> tuple[list[LineInput], list[int | None]]:
    """Everything that remains: the lines (their remaining quantities) or, once amounts were
    credited per tax rate, the remaining net amount per rate."""
    if not credited.by_amount:
        lines: list[LineInput] = []
        ids: list[int | None] = []
        for row in sorted(inv.lines, key=lambda l: l.position):
            remaining = row.quantity - credited.quantity[row.id]
            if remaining > 0:
                lines.append(_line_from(row, remaining, left, inv.currency))
                ids.append(row.id)
        return lines, ids
    lines = [line for rate, amount in left.rates.items() if amount > 0
             for line in _amount_lines(inv, credited, rate, amount, language)]
    return lines, [None] * len(lines)


def _chosen_lines(inv: Invoice, credited: _Credited, left: Creditable, chosen_lines: list[Mapping[str, Any]],
                  amounts: list[Mapping[str, Any]], language: str) -> tuple[list[LineInput], list[int | None]]:
    by_position = {row.position: row for row in inv.lines}
    remaining = {line.position: line for line in left.lines}
    errors: list[tuple[str, str]] = []
    lines: list[LineInput] = []
    ids: list[int | None] = []
    seen: set[int] = set()
    for index, item in enumerate(chosen_lines):
        position, quantity = item["line"], item["quantity"]
        row = by_position.get(position)
        if row is None:
            errors.append((f"lines[{index}].line", Message("Invoice %(number)s has no line %(line)s (it has "
                                                           "lines 1 to %(last)s).", number=inv.invoice_number,
                                                           line=position, last=len(by_position))))
            continue
        if position in seen:
            errors.append((f"lines[{index}].line", Message("Line %(line)s is given twice.", line=position)))
            continue
        seen.add(position)
        limit = remaining[position].remaining_quantity
        if quantity > limit and remaining[position].limited_by_rate:
            errors.append((f"lines[{index}].quantity",
                           Message("Line %(line)s (%(description)s): at most %(limit)s of %(quantity)s remain "
                                   "creditable, as amounts credited at %(rate)s tax leave %(left)s (net) at that "
                                   "rate; %(asked)s asked.", line=position, description=row.description,
                                   limit=_plain(limit), quantity=_plain(row.quantity), rate=Percent(row.tax_rate),
                                   left=Amount(left.rates[row.tax_rate.normalize()], inv.currency),
                                   asked=_plain(quantity))))
            continue
        if quantity > limit:
            errors.append((f"lines[{index}].quantity",
                           Message("Line %(line)s (%(description)s): at most %(limit)s of %(quantity)s remain "
                                   "creditable; %(asked)s asked.", line=position, description=row.description,
                                   limit=_plain(limit), quantity=_plain(row.quantity), asked=_plain(quantity))))
            continue
        lines.append(_line_from(row, quantity, left, inv.currency))
        ids.append(row.id)
    places = minor_units(inv.currency)
    for index, item in enumerate(amounts):
        rate, amount = item["tax_rate"].normalize(), item["amount"]
        if rate not in left.rates:
            known = tuple(Percent(r) for r in left.rates)
            errors.append((f"amounts[{index}].tax_rate", Message(
                "Invoice %(number)s has no line taxed at %(rate)s; its rates: %(rates)s.",
                number=inv.invoice_number, rate=Percent(rate), rates=known)))
            continue
        if decimal_places(amount) > places:
            errors.append((f"amounts[{index}].amount", too_many_decimals(inv.currency)))
            continue
        if amount > left.rates[rate]:
            errors.append((f"amounts[{index}].amount",
                           Message("At %(rate)s tax at most %(limit)s (net) remain creditable; %(asked)s "
                                   "asked.", rate=Percent(rate), limit=Amount(left.rates[rate], inv.currency),
                                   asked=Amount(amount, inv.currency))))
            continue
        split = _amount_lines(inv, credited, rate, amount, language)
        lines.extend(split)
        ids.extend([None] * len(split))
    if errors:
        raise ValidationError(errors)
    return lines, ids


def _rate_field(inv: Invoice, data: Mapping[str, Any], rate: Decimal) -> str:
    """The input that asked too much at ``rate``: its amount, else the last line asked at it."""
    if data["full"]:
        return "full"
    amounts = [i for i, item in enumerate(data["amounts"]) if item["tax_rate"].normalize() == rate]
    if amounts:
        return f"amounts[{amounts[-1]}].amount"
    rates = {row.position: row.tax_rate.normalize() for row in inv.lines}
    lines = [i for i, item in enumerate(data["lines"]) if rates.get(item["line"]) == rate]
    return f"lines[{lines[-1]}].quantity" if lines else "amounts"


def _line_from(row: InvoiceLineRow, quantity: Decimal, left: Creditable, currency: str) -> LineInput:
    """The line crediting ``quantity`` of ``row``. The last part of a line (all of its quantity
    that remains) credits exactly the amount that remains of it, so a line credited in parts is
    credited in full: where the earlier parts' rounding left a cent more or less (0.5 × 19.99 was
    10.00, so 9.99 remain), its unit price is the one whose product rounds to that amount."""
    price = row.unit_price
    remains = next(line for line in left.lines if line.position == row.position)
    if quantity == remains.remaining_quantity and row.row_total > 0 and not remains.limited_by_rate:
        price = _fitted_price(price, quantity, remains.remaining_amount, currency)
    return LineInput(description=row.description, quantity=quantity, unit_price=price,
                     tax_rate=row.tax_rate, sku=row.sku, unit=row.unit, tax_category=row.tax_category or "",
                     tax_exemption_reason=row.tax_exemption_reason or "")


def _fitted_price(price: Decimal, quantity: Decimal, amount: Decimal, currency: str) -> Decimal:
    """``price`` when ``quantity`` × ``price`` rounds to ``amount``; else the price with the
    fewest decimals (up to the six a price may have) that does, or ``price`` when none does."""
    if round_money(quantity * price, currency) == amount:
        return price
    for places in range(minor_units(currency), 7):
        fitted = (amount / quantity).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if round_money(quantity * fitted, currency) == amount:
            return fitted
    return price


def _amount_lines(inv: Invoice, credited: _Credited, rate: Decimal, amount: Decimal,
                  language: str) -> list[LineInput]:
    """The lines crediting ``amount`` (net) at ``rate``, described in ``language``: the credit
    note's PDF keeps its words for good. Each states the VAT category (and exemption reason) of
    the invoice's lines it reduces, so that crediting a reverse-charge or exempt sale is not
    stated as a zero-rated one. Where the invoice's lines at ``rate`` are of several categories
    (AE and Z at 0 %), the amount is shared among them in proportion to what remains of each
    (the largest remainders take the odd cents): a price reduction on the whole sale at that
    rate, as a document-level allowance is shared among the VAT categories it reduces."""
    rate = rate.normalize()
    rate_written = format_percent(rate, locale=language, decimal_quantization=False)
    description = translate(language, Message("Credit at %(rate)s tax", rate=rate_written))
    bases = {kind: base for kind, base in _kind_bases(inv).items() if kind[0] == rate}
    shares = _shares(to_minor(amount, inv.currency), {
        kind: max(base - credited.category_base[kind], 0) for kind, base in bases.items()} or {(rate, "", ""): 1})
    return [LineInput(description=description, quantity=Decimal(1), unit_price=from_minor(share, inv.currency),
                      tax_rate=rate, tax_category=category, tax_exemption_reason=reason)
            for (_rate, category, reason), share in shares.items() if share > 0]


def _shares(amount: int, weights: dict[_Kind, int]) -> dict[_Kind, int]:
    """``amount`` shared in proportion to ``weights`` (all of it to one kind when only one
    remains or none does), whole minor units by the largest remainder."""
    if len(weights) == 1 or sum(weights.values()) <= 0:
        return {max(weights, key=lambda k: weights[k]): amount}
    total = sum(weights.values())
    shares = {kind: amount * weight // total for kind, weight in weights.items()}
    by_remainder = sorted(weights, key=lambda k: (amount * weights[k] % total, weights[k]), reverse=True)
    for kind in by_remainder[:amount - sum(shares.values())]:
        shares[kind] += 1
    return shares


def _unsettled(inv: Invoice, state: PaymentState, takes: int, money: Amount) -> Message:
    """Why a credit that gives ``money`` back needs a settlement, saying how much of the invoice
    was paid: all that was due (before this credit), or part of it."""
    cur = inv.currency
    choose = Message("Choose \"refund\" (through the payment method that took it), \"credit\" (kept as the "
                     "customer's credit) or \"outside\" (settled outside the add-on).")
    due_before = inv.total_amount - state.amount_credited
    if state.amount_paid >= due_before:
        return Message("Invoice %(number)s is paid in full: this credit gives %(amount)s back to the customer. "
                       "%(choose)s", number=inv.invoice_number, amount=money, choose=choose)
    return Message("Invoice %(number)s is partly paid (%(paid)s of %(due)s): this credit leaves %(left)s to pay, "
                   "so it gives %(amount)s back to the customer. %(choose)s", number=inv.invoice_number,
                   paid=Amount(from_minor(state.amount_paid, cur), cur),
                   due=Amount(from_minor(due_before, cur), cur),
                   left=Amount(from_minor(max(due_before - takes, 0), cur), cur), amount=money, choose=choose)


def _plain(number: Decimal) -> Decimal:
    """``number`` without trailing zeros or an exponent (``2E+1`` → ``20``)."""
    return Decimal(f"{number.normalize():f}")


def _with_reason(summary: Message, reason: str) -> Message:
    """An activity summary followed by the reason the user gave, when one was given."""
    return Message("%(summary)s: %(reason)s", summary=summary, reason=reason) if reason else summary


def _sentence(text: str) -> str:
    """``text`` ending with a period (a message that has one stays translatable)."""
    return text if text.endswith(".") else f"{text}."


class AlreadyCredited(Conflict):
    """The Create Credit Note form was submitted before: no second credit note was made."""


def _refuse_repeat(s: Session, invoice_id: int, key: str) -> None:
    """Raise ``AlreadyCredited`` when the form key ``key`` made a credit note of the invoice
    (the caller holds the invoice's lock, so two submissions cannot both pass)."""
    rows = s.execute(select(Activity).where(Activity.invoice_id == invoice_id,
                                            Activity.kind == "credit_note")).scalars()
    for row in rows:
        if (row.data or {}).get("request_key") == key:
            number = (row.data or {}).get("credit_note_number") or ""
            raise AlreadyCredited(Message("Credit note %(number)s was already created from this form; no "
                                          "second credit note was made.", number=number))


def _check_same_parties(inv: Invoice, note: Invoice) -> None:
    """An imported credit note is in its invoice's currency (its amounts are taken off the
    invoice's as they are) and, where both name a customer or state the buyer's VAT id (an
    e-invoice's BT-48), for the same one."""
    errors: list[tuple[str, str]] = []
    if note.currency != inv.currency:
        errors.append(("currency", Message(
            "The credit note is in %(currency)s, and invoice %(number)s, which it credits, in %(invoice_currency)s: a "
            "credit note is in the currency of its invoice.", currency=note.currency, number=inv.invoice_number,
            invoice_currency=inv.currency)))
    if note.customer_id is not None and inv.customer_id is not None and note.customer_id != inv.customer_id:
        errors.append(("customer_id", Message(
            "The credit note is for customer %(customer)s, and invoice %(number)s, which it credits, for customer "
            "%(invoice_customer)s: a credit note is for the customer of its invoice.", customer=note.customer_id,
            number=inv.invoice_number, invoice_customer=inv.customer_id)))
    note_vat_id, vat_id = (note.buyer or {}).get("vat_id") or "", (inv.buyer or {}).get("vat_id") or ""
    if note_vat_id and vat_id and normal_vat_id(note_vat_id) != normal_vat_id(vat_id):
        errors.append(("buyer", Message(
            "The credit note's buyer has the VAT id %(vat_id)s, and the buyer of invoice %(number)s, which it credits, "
            "%(invoice_vat_id)s: a credit note is for the buyer of its invoice.", vat_id=note_vat_id,
            number=inv.invoice_number, invoice_vat_id=vat_id)))
    if errors:
        raise ValidationError(errors)
