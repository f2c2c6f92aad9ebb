"""Customers' credit: money a customer has with the seller that no invoice owes.

Credit comes in when a credit note gives back money the customer paid and the admin keeps it
as credit (the settlement ``"credit"`` of ``services.credit_notes``), and when a payment
recorded by hand is more than the amount due and the admin keeps the rest (``keep_surplus``).
It goes out when applied to one of the customer's open invoices in its currency (``apply``: a
payment of the method ``customer_credit``, which lowers the amount due and recalculates the
payment status like any payment), or when given back outside the add-on (``pay_out``).

Reversing an application (Reverse, as for any payment recorded outside the payment methods)
puts the credit back; reversing a payment whose surplus was kept takes the surplus back, as
long as it has not been spent. Each change is one ledger entry written in the transaction of
what caused it (``persistence.customer_credit``) and announced after its commit through the
``customer_credit_changed`` hook.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.customer_credit import CreditBalance, CreditEntry
from oro_invoices.domain.errors import Conflict, InvoiceError, InvoiceNotPosted, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import (
    AMOUNT_LIMIT,
    from_minor,
    is_decimal_text,
    minor_units,
    not_a_decimal,
    to_minor,
    too_many_decimals,
)
from oro_invoices.persistence import activity
from oro_invoices.persistence import customer_credit as ledger
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.customer_credit import CreditEntryRow, EntryKind, Owner
from oro_invoices.persistence.models import Invoice, PaymentTransaction
from oro_invoices.persistence.read_models import REVERSES_KEY, is_reversal
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.payment_records import check_request_key, reference_problems
from oro_invoices.services.payments import Payments, RecordedPayment
from oro_invoices.services.schemas import check_storable

#: The setting that applies the customer's credit to an invoice when it is posted.
APPLY_ON_POSTING = "oro_invoices.customer_credit.apply_on_posting"
#: The payment method of an application of credit to an invoice.
CREDIT_METHOD = ledger.CREDIT_METHOD
#: The provider reference of an application: this prefix and the form's one-time key.
APPLIED_PREFIX = "credit-"
log = logging.getLogger(__name__)
#: How many ledger entries a page shows at once.
ENTRIES_PAGE = 50


@dataclass(frozen=True)
class CustomerCreditView:
    """A customer's credit: the balance per currency and the newest ledger entries."""

    organization_id: int
    customer_id: int
    balances: tuple[CreditBalance, ...]
    entries: tuple[CreditEntry, ...]
    #: Older entries exist: the id to page on (``before_id``), else None.
    older_than: int | None

    def balance(self, currency: str) -> Decimal:
        """The balance in ``currency`` (0 when the customer never had credit in it)."""
        return next((b.amount for b in self.balances if b.currency == currency), Decimal(0))


@dataclass(frozen=True)
class PaidOut:
    """Credit given back outside the add-on; ``created`` is False when the form did it before."""

    entry: CreditEntry
    created: bool


class CustomerCredit:
    """``of``, ``available``, ``apply``, ``pay_out``; ``keep`` and ``on_recorded`` serve the
    credit notes and the payments."""

    def __init__(self, ctx: ServiceContext, payments: Payments):
        self.ctx = ctx
        self.payments = payments

    # ---- reading ------------------------------------------------------------------------

    def of(self, customer_id: int, *, organization_id: int, currency: str | None = None,
           before_id: int | None = None, limit: int = ENTRIES_PAGE) -> CustomerCreditView:
        """The customer's credit in ``organization_id``: every currency's balance and the newest
        ``limit`` entries (of ``currency``, older than ``before_id``)."""
        with self.ctx.db.session() as s:
            balances = tuple(CreditBalance(cur, from_minor(amount, cur))
                             for cur, amount in ledger.balances(s, organization_id, customer_id))
            rows = ledger.entries(s, organization_id, customer_id, currency=currency, before_id=before_id,
                                  limit=limit + 1)
            views = _entries(s, rows[:limit])
        return CustomerCreditView(organization_id, customer_id, balances, tuple(views),
                                  views[-1].id if len(rows) > limit else None)

    def balances(self, customer_id: int, *, organization_id: int) -> tuple[CreditBalance, ...]:
        """The customer's credit in ``organization_id`` per currency it has any in, by currency."""
        return self.balances_of([customer_id], organization_id=organization_id).get(customer_id, ())

    def balances_of(self, customer_ids: Collection[int], *,
                    organization_id: int) -> dict[int, tuple[CreditBalance, ...]]:
        """``balances`` of several customers (a corporate account's), read at once: each customer
        holding credit, with its balances by currency."""
        found: dict[int, list[CreditBalance]] = {}
        with self.ctx.db.session() as s:
            for customer, cur, amount in ledger.balances_of(s, organization_id, customer_ids):
                if amount > 0:
                    found.setdefault(customer, []).append(CreditBalance(cur, from_minor(amount, cur)))
        return {customer: tuple(held) for customer, held in found.items()}

    def available(self, invoice: InvoiceDocument) -> Decimal:
        """The credit the invoice's customer has in the invoice's currency (0 without a customer)."""
        if invoice.customer_id is None:
            return Decimal(0)
        with self.ctx.db.session() as s:
            return from_minor(ledger.balance(s, _owner(invoice)), invoice.currency)

    # ---- writing ------------------------------------------------------------------------

    def apply(self, invoice_id: int, *, amount: Decimal | str | None = None, actor: str,
              request_key: str | None = None) -> RecordedPayment:
        """Pay ``amount`` of the invoice (left out: as much as the credit covers) from its
        customer's credit in its currency; ``created`` is False when this form
        (``request_key``) applied it before.

        :raises ValidationError: the amount is not a positive amount, is more than the amount
            due beyond what an open authorization holds (the seller captures that) or more than
            the credit.
        :raises Conflict: the invoice cannot be paid, has no customer, or the customer has no
            credit in its currency.
        """
        key = check_request_key(request_key) or secrets.token_urlsafe(24)
        with self.ctx.db.session() as s:
            doc = self.ctx.read(s, invoice_id)
            existing = s.execute(select(PaymentTransaction.invoice_id).where(
                PaymentTransaction.method == CREDIT_METHOD, PaymentTransaction.action == "charge",
                PaymentTransaction.provider_reference == APPLIED_PREFIX + key)).scalar_one_or_none()
            have = ledger.balance(s, _owner(doc)) if doc.customer_id is not None else 0
        if existing is not None and existing != invoice_id:
            raise Conflict(Message("This form already applied credit to another invoice. Reload the page and try "
                                   "again."))
        if existing is None:
            self._check_applicable(doc, have)
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            amount = min(from_minor(have, doc.currency), _payable(doc))
        elif existing is None and doc.amount_held > 0:
            self._check_not_held(doc, amount)
        payload = {"method": CREDIT_METHOD, "action": "charge", "amount": str(amount).strip(), "successful": True,
                   "provider_reference": APPLIED_PREFIX + key}
        return self.payments.record(invoice_id, payload, actor=actor)

    def applied_with(self, invoice_id: int, request_key: str | None) -> bool:
        """Whether the form ``request_key`` applied credit to the invoice already (a key that
        cannot be one never did)."""
        try:
            key = check_request_key(request_key)
        except ValidationError:
            return False
        if key is None:
            return False
        with self.ctx.db.session() as s:
            return s.execute(select(PaymentTransaction.id).where(
                PaymentTransaction.invoice_id == invoice_id, PaymentTransaction.method == CREDIT_METHOD,
                PaymentTransaction.action == "charge",
                PaymentTransaction.provider_reference == APPLIED_PREFIX + key)).first() is not None

    @staticmethod
    def _check_not_held(doc: InvoiceDocument, amount: Decimal | str) -> None:
        """``ValidationError`` when ``amount`` would pay what an open authorization holds of ``doc``."""
        try:
            asked = Decimal(str(amount).strip())
        except ArithmeticError:
            return                       # not a number: refused as such when recorded
        if not asked.is_finite() or asked != round(asked, minor_units(doc.currency)):
            return                       # more decimals than the currency has: refused as such when recorded
        if asked > _payable(doc):
            raise ValidationError([("amount", Message(
                "At most %(most)s: an authorization holds %(held)s of what is due, which the seller collects by "
                "capturing it.", most=Amount(_payable(doc), doc.currency), held=Amount(doc.amount_held, doc.currency)))])

    @staticmethod
    def _check_applicable(doc: InvoiceDocument, have: int) -> None:
        if not doc.is_posted:
            raise InvoiceNotPosted(Message("Invoice %(number)s is a draft: credit is applied to posted invoices "
                                           "only.", number=doc.display_number))
        if doc.is_credit_note or not pstatus.is_owed(doc.payment_status, _payable(doc)):
            raise Conflict(Message("Invoice %(number)s has nothing to pay, so no credit can be applied to it.",
                                   number=doc.display_number))
        if doc.customer_id is None:
            raise Conflict(Message("Invoice %(number)s has no customer, so no customer's credit can pay it.",
                                   number=doc.display_number))
        if have <= 0:
            raise Conflict(Message("%(customer)s has no credit in %(currency)s to apply.",
                                   customer=doc.customer_name or Message("The customer"), currency=doc.currency))

    def apply_on_posting(self, doc: InvoiceDocument, *, actor: str) -> bool:
        """Where ``oro_invoices.customer_credit.apply_on_posting`` is on for the just posted
        ``doc``, pay what its customer's credit covers, once per invoice; whether it did. A credit
        spent meanwhile is logged, never raised: the invoice is posted either way."""
        if doc.customer_id is None or doc.is_credit_note or not doc.is_posted \
                or not pstatus.is_payable(doc.payment_status, _payable(doc)) \
                or not self.ctx.invoice_setting(APPLY_ON_POSTING, doc) or self.available(doc) <= 0:
            return False
        try:
            return self.apply(doc.id, actor=actor, request_key=f"posting-{doc.id:016d}").created
        except InvoiceError as exc:
            log.warning("The credit of customer %s was not applied to invoice %s at posting: %s", doc.customer_id,
                        doc.id, exc.message)
            return False

    def pay_out(self, customer_id: int, *, organization_id: int, currency: str, amount: Decimal | str,
                reference: str = "", notes: str = "", actor: str, request_key: str | None = None) -> PaidOut:
        """Give ``amount`` of the customer's credit back outside the add-on (a bank transfer, a
        check: ``reference``); ``created`` is False when this form (``request_key``) did it before.

        :raises ValidationError: one ``(field, message)`` per problem (an amount that is not a
            positive amount of ``currency``, or more than the credit).
        """
        key = check_request_key(request_key)
        reference, notes = reference.strip(), notes.strip()
        check_storable({"reference": reference, "notes": notes})
        errors: list[tuple[str, str]] = []
        minor = _minor_amount(amount, currency, errors)
        errors += reference_problems(reference, notes)
        if errors:
            raise ValidationError(errors)
        owner = Owner(organization_id, customer_id, currency)
        now = self.ctx.clock()
        with self.ctx.translate_errors(), self.ctx.write() as s:
            earlier = ledger.entry_with_key(s, organization_id, key) if key else None
            if earlier is not None:
                return PaidOut(_entries(s, [earlier])[0], created=False)
            row = ledger.lock(s, owner, now)
            if minor > row.balance:
                raise ValidationError([("amount", Message(
                    "The customer has %(balance)s of credit: at most that can be given back.",
                    balance=Amount(from_minor(row.balance, currency), currency)))])
            entry = ledger.change(s, row, -minor, EntryKind.PAID_OUT, actor=actor, now=now, reference=reference,
                                  notes=notes, request_key=key)
            view = _entries(s, [entry])[0]
        self.announce(view, actor)
        return PaidOut(view, created=True)

    # ---- inside the transactions of others ----------------------------------------------

    def keep(self, s: Session, inv: Invoice, credit_note: Invoice, amount: int, actor: str) -> CreditEntry:
        """Keep ``amount`` (minor units) a credit note gives back as the customer's credit (in
        the credit note's transaction; ``announce`` the entry once it committed).

        :raises ValidationError: the invoice has no customer.
        """
        if inv.customer_id is None:
            raise ValidationError([("settlement", Message(
                "Invoice %(number)s has no customer to keep the credit for: choose \"refund\" or \"outside\".",
                number=inv.invoice_number))])
        now = self.ctx.clock()
        row = ledger.lock(s, _owner(inv), now)
        entry = ledger.change(s, row, amount, EntryKind.CREDIT_NOTE, actor=actor, now=now, invoice_id=inv.id,
                              credit_note_id=credit_note.id)
        return _entries(s, [entry])[0]

    def on_recorded(self, s: Session, inv: Invoice, tx: PaymentTransaction) -> Callable[[], None] | None:
        """Keep the ledger of a payment transaction just recorded on ``inv`` (``Payments.on_recorded``):
        an application of credit takes it, its reversal gives it back; a payment's surplus is
        kept, and taken back when that payment is reversed. Returns the announcement to make
        after the commit.

        :raises ValidationError: the credit does not cover the application, or the surplus to
            take back was spent.
        """
        entry: CreditEntryRow | None
        if tx.method == CREDIT_METHOD:
            entry = self._credit_payment(s, inv, tx)
        else:
            entry = self._surplus(s, inv, tx)
        if entry is None:
            return None
        view = _entries(s, [entry])[0]
        return lambda: self.announce(view, tx.actor)

    def _credit_payment(self, s: Session, inv: Invoice, tx: PaymentTransaction) -> CreditEntryRow:
        if not tx.successful or tx.action not in ("charge", "refund"):
            raise ValidationError([("method", Message(
                "Customer credit pays an invoice (a successful charge) or is given back by a refund; it cannot "
                "record a failed payment, an authorization, a capture or a cancellation."))])
        if inv.customer_id is None:
            raise ValidationError([("method", Message(
                "Invoice %(number)s has no customer, so no customer's credit can pay it.",
                number=inv.invoice_number))])
        if tx.action == "refund":
            self._check_reversal(s, inv, tx)
        now = self.ctx.clock()
        row = ledger.lock(s, _owner(inv), now)
        if tx.action == "refund":
            return ledger.change(s, row, tx.amount, EntryKind.RETURNED, actor=tx.actor, now=now,
                                 invoice_id=inv.id, transaction_id=tx.id, notes=tx.notes or "")
        if tx.amount > row.balance:
            raise ValidationError([("amount", Message(
                "%(customer)s has %(balance)s of credit, less than %(amount)s.",
                customer=inv.customer_name or Message("The customer"),
                balance=Amount(from_minor(row.balance, inv.currency), inv.currency),
                amount=Amount(from_minor(tx.amount, inv.currency), inv.currency)))])
        return ledger.change(s, row, -tx.amount, EntryKind.APPLIED, actor=tx.actor, now=now, invoice_id=inv.id,
                             transaction_id=tx.id)

    @staticmethod
    def _check_reversal(s: Session, inv: Invoice, tx: PaymentTransaction) -> None:
        """A refund of customer credit is the reversal of one application of it to ``inv``, for no
        more than that application: else ``ValidationError``."""
        parent = s.get(PaymentTransaction, tx.parent_id) if tx.parent_id is not None else None
        data = tx.data if isinstance(tx.data, dict) else {}
        if not is_reversal(data) or parent is None or data.get(REVERSES_KEY) != parent.id \
                or parent.invoice_id != inv.id or parent.method != CREDIT_METHOD or parent.action != "charge" \
                or not parent.successful:
            raise ValidationError([("method", Message(
                "Credit applied to an invoice is given back by reversing the application, not by a refund."))])
        undone = sum(s.execute(select(PaymentTransaction.amount).where(
            PaymentTransaction.parent_id == parent.id, PaymentTransaction.action == "refund",
            PaymentTransaction.successful.is_(True), PaymentTransaction.id != tx.id)).scalars())
        if tx.amount > parent.amount - undone:
            raise ValidationError([("amount", Message(
                "An application of credit is reversed once, for its whole amount (%(amount)s).",
                amount=Amount(from_minor(parent.amount, inv.currency), inv.currency)))])

    def _surplus(self, s: Session, inv: Invoice, tx: PaymentTransaction) -> CreditEntryRow | None:
        """A payment's surplus into the credit; a refund's share of it out again (``Payments.record``
        noted both in the transaction's data)."""
        amount = views.surplus_of(tx.action, tx.data, inv.currency) if tx.successful else 0
        if amount <= 0:
            return None
        cur = inv.currency
        now = self.ctx.clock()
        row = ledger.lock(s, _owner(inv), now)
        if tx.action != "refund":
            activity.record(s, inv.id, "payment", tx.actor, Message(
                "%(amount)s over the amount due kept as the customer's credit",
                amount=Amount(from_minor(amount, cur), cur)), {"transaction_id": tx.id})
            return ledger.change(s, row, amount, EntryKind.SURPLUS, actor=tx.actor, now=now, invoice_id=inv.id,
                                 transaction_id=tx.id)
        if row.balance < amount:
            field = "reason" if is_reversal(tx.data) else "amount"
            raise ValidationError([(field, surplus_spent(Amount(from_minor(amount, cur), cur),
                                                         Amount(from_minor(row.balance, cur), cur)))])
        activity.record(s, inv.id, "payment", tx.actor, Message(
            "%(amount)s of the customer's credit, kept from this payment, given back with it",
            amount=Amount(from_minor(amount, cur), cur)), {"transaction_id": tx.id})
        return ledger.change(s, row, -amount, EntryKind.SURPLUS_REVERSED, actor=tx.actor, now=now,
                             invoice_id=inv.id, transaction_id=tx.id)

    def announce(self, entry: CreditEntry, actor: str) -> None:
        """Call ``customer_credit_changed`` for a committed change."""
        self.ctx.hook("customer_credit_changed", entry=entry, actor=actor)


def surplus_spent(surplus: Amount, balance: Amount) -> Message:
    """Why a refund or reversal of a payment does not take back the ``surplus`` it kept as the
    customer's credit: only ``balance`` of the credit is left."""
    return Message("%(surplus)s of this payment was kept as the customer's credit, and only %(balance)s of credit "
                   "is left: the rest was applied to invoices or given back. Reverse those applications first, or "
                   "settle the payment with the customer outside the add-on.", surplus=surplus, balance=balance)


def _owner(invoice: Invoice | InvoiceDocument) -> Owner:
    assert invoice.customer_id is not None
    return Owner(invoice.organization_id, invoice.customer_id, invoice.currency)


def _minor_amount(amount: Decimal | str, currency: str, errors: list[tuple[str, str]]) -> int:
    """``amount`` (a ``Decimal``, or text written as ``domain.money.is_decimal_text`` reads it) as
    minor units of ``currency``, or 0 with the problem added to ``errors``."""
    text = amount.strip() if isinstance(amount, str) else None
    if text is not None and not is_decimal_text(text):
        errors.append(("amount", not_a_decimal(text, currency)))
        return 0
    value = Decimal(text) if text is not None else amount
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        errors.append(("amount", Message("Must be greater than 0.")))
        return 0
    if value >= AMOUNT_LIMIT:
        errors.append(("amount", Message("Must be less than %(max)s.", max=AMOUNT_LIMIT)))
        return 0
    try:
        return to_minor(value, currency)
    except ValidationError:
        errors.append(("amount", too_many_decimals(currency)))
        return 0


def _entries(s: Session, rows: Sequence[CreditEntryRow]) -> list[CreditEntry]:
    """The entries as the pages show them, with the numbers of the invoices they name."""
    ids = {i for row in rows for i in (row.invoice_id, row.credit_note_id) if i is not None}
    numbers = dict(s.execute(select(Invoice.id, Invoice.invoice_number).where(Invoice.id.in_(ids))).all()) \
        if ids else {}
    # a surplus taken back: by a refund of its payment, or by the reversal of one recorded in error
    taking = sorted({row.transaction_id for row in rows if row.kind == EntryKind.SURPLUS_REVERSED.value
                     and row.transaction_id is not None})
    refunds = {tx_id: reference or "" for tx_id, reference, data in s.execute(
        select(PaymentTransaction.id, PaymentTransaction.provider_reference, PaymentTransaction.data)
        .where(PaymentTransaction.id.in_(taking))) if not is_reversal(data)} if taking else {}
    return [CreditEntry(
        id=row.id, organization_id=row.organization_id, customer_id=row.customer_id, currency=row.currency,
        kind=row.kind, amount=from_minor(row.amount, row.currency),
        balance_after=from_minor(row.balance_after, row.currency), invoice_id=row.invoice_id,
        invoice_number=numbers.get(row.invoice_id) if row.invoice_id else None, credit_note_id=row.credit_note_id,
        credit_note_number=numbers.get(row.credit_note_id) if row.credit_note_id else None,
        transaction_id=row.transaction_id, reference=row.reference, notes=row.notes, actor=row.actor,
        created_at=row.created_at, by_refund=row.kind == EntryKind.SURPLUS_REVERSED.value and row.transaction_id in refunds,
        refund_reference=refunds.get(row.transaction_id, "") if row.transaction_id is not None else "") for row in rows]


def _payable(doc: InvoiceDocument) -> Decimal:
    """What of ``doc``'s amount due credit may pay: not what an open authorization holds, nor
    anything of an invoice whose payment is authorized (the seller collects that by capturing)."""
    return pstatus.unheld(doc.payment_status, doc.amount_due, doc.amount_held)
