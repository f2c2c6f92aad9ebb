"""Payments the seller received outside any payment method (a bank transfer, a check, cash),
recorded by an admin on the invoice (**Record Payment**), and their reversal when recorded in error.

A payment recorded by hand is a successful ``charge`` of one of ``OFFLINE_METHODS``, of at most
the amount due, recorded while the invoice is owed (``statuses.is_owed``: also a refunded invoice
with an amount due, which the storefront's Pay no longer offers, and one held in full by an
authorization, ``statuses.is_held``: its payment authorized, or its rest). Such a payment settles
no authorization: once it pays the invoice, an authorization has nothing left to capture
(``payment_limits.capturable``), and once captured, nothing is left to record. The day it was received (from ``RECEIVED_DAYS_BACK`` days back, the
three years the aging and the activity statement look back, to today) and the reference the admin
typed (a bank statement line, a check number) are kept in its data (``read_models``). The
payment form's one-time key is its provider reference, so the same form sent twice records one
payment. The payment status is recalculated and announced as for any payment, and where payment
receipts are on the customer is emailed its receipt, as for a payment made online.

**Reverse** undoes one: a ``refund`` of its whole amount marked as its reversal (its parent is
the payment, its data names it). The status is then recalculated as if the payment had never
been recorded (``domain.statuses``), so the invoice is due again; the customer never sees either
of them. A payment is reversed once. Any successful charge recorded outside the payment methods
is reversible: recorded here, or over the API by an external system (a bank transfer an ERP
reported in error); a payment through an installed payment method is refunded through it instead.
It is not reversed while credit notes gave back (outside the add-on, or as the customer's credit)
money that the payments left would no longer cover: that money is in no transaction, so the
invoice would read as due less than the customer owes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.errors import Conflict, NotFound, ValidationError
from oro_invoices.domain.limits import REASON_MAX
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import from_minor, to_minor
from oro_invoices.integration.payment_methods import PaymentMethods
from oro_invoices.persistence.models import Invoice, PaymentTransaction
from oro_invoices.persistence.read_models import (
    BY_HAND_PREFIX,
    RECEIVED_ON_KEY,
    REFERENCE_KEY,
    REMITTANCE_KEY,
    REVERSES_KEY,
    RemittanceView,
    TransactionView,
    transaction,
)
from oro_invoices.persistence.received_payments import note_received_together
from oro_invoices.services.context import ServiceContext, ZoneScope
from oro_invoices.services.credit_notes import CREDIT, OUTSIDE, given_back_elsewhere
from oro_invoices.services.payment_records import check_request_key, notes_problems, reference_problems
from oro_invoices.services.payments import Payments, RecordedPayment
from oro_invoices.services.reads import Reads

#: How a payment recorded by hand was received (``payment_labels`` names each).
OFFLINE_METHODS = ("bank_transfer", "check", "cash", "direct_debit", "other")
#: How many days back a payment may have been received: three years, as far back as the aging is
#: judged (``services.aging``); an older day is a typing error (0001-01-01, 2016 for 2026).
RECEIVED_DAYS_BACK = 3 * 366


def earliest_received(today: dt.date) -> dt.date:
    """The first day a payment recorded on ``today`` may have been received."""
    return today - dt.timedelta(days=RECEIVED_DAYS_BACK)


class ManualPayments:
    """``record`` a payment received outside the payment methods; ``reverse`` one recorded in error."""

    def __init__(self, ctx: ServiceContext, reads: Reads, payments: Payments):
        self.ctx = ctx
        self.reads = reads
        self.payments = payments
        self._methods: PaymentMethods | None = None

    def record(self, invoice_id: int, *, amount: Decimal | str, method: str, received_on: dt.date | None,
               reference: str = "", notes: str = "", actor: str, request_key: str,
               remittance: RemittanceView | None = None, receipt: bool = True,
               keep_surplus: bool = False) -> RecordedPayment:
        """Record a payment received on ``received_on`` by ``method``; ``created`` is False when this
        form (``request_key``) recorded it before. ``remittance``: the one payment received for
        several invoices that this is the invoice's share of (``services.remittances``);
        ``receipt`` False: the customer is not emailed its receipt (recorded over the API).
        ``keep_surplus``: an amount over the amount due pays it, and the rest is kept as the
        customer's credit (``services.customer_credit``) instead of being refused.

        :raises ValidationError: one ``(field, message)`` per problem (``amount`` over the amount due).
        :raises Conflict: the invoice cannot be paid (a draft, a credit note, nothing due, a
            status that settles it).
        """
        key = check_request_key(request_key)
        if key is None:
            raise ValidationError([("request_key", Message("The payment form is damaged; open Record Payment "
                                                           "again."))])
        reference, notes = reference.strip(), notes.strip()
        doc = self.reads.get(invoice_id)
        errors = self.check_receipt(method=method, received_on=received_on, reference=reference, notes=notes,
                                    scope=doc)
        if errors or received_on is None:
            raise ValidationError(errors)
        provider_reference = BY_HAND_PREFIX + key
        earlier = self._recorded(invoice_id, method, "charge", provider_reference)
        if earlier is not None:
            return earlier
        if not doc.is_posted or doc.is_credit_note or not pstatus.is_owed(doc.payment_status, doc.amount_due):
            raise Conflict(Message("Invoice %(number)s has nothing to pay, so no payment can be recorded for it.",
                                   number=doc.display_number))
        data: dict[str, Any] = {RECEIVED_ON_KEY: received_on.isoformat(), REFERENCE_KEY: reference}
        if remittance is not None:
            data[REMITTANCE_KEY] = remittance.to_data()
        payload = {"method": method, "action": "charge", "amount": str(amount).strip(), "successful": True,
                   "provider_reference": provider_reference, "notes": notes, "data": data}
        return self.payments.record(invoice_id, payload, actor=actor, receipt=receipt, keep_surplus=keep_surplus)

    def receipt_together(self, transaction_ids: list[int]) -> None:
        """Have the customer emailed one receipt for the payments ``transaction_ids``, recorded
        (with ``receipt`` False) as the shares of one payment received for several invoices,
        where receipts are on (``services.mail.receipts``)."""
        if transaction_ids:
            with self.ctx.write() as s:
                note_received_together(s, transaction_ids)

    def check_receipt(self, *, method: str, received_on: dt.date | None, reference: str,
                      notes: str, scope: ZoneScope | None = None) -> list[tuple[str, str]]:
        """What is wrong with how, when and under which reference a payment was received (``[]``:
        nothing); ``reference`` and ``notes`` already stripped. ``received_on`` may be no later
        than the day of the books of ``scope``'s organization (``ServiceContext.books_today``),
        whatever website ``scope`` names: the day it counts on in them (docs/payments.md)."""
        errors: list[tuple[str, str]] = []
        if method not in OFFLINE_METHODS:
            errors.append(("method", Message("Choose how the payment was received.")))
        today = self.ctx.books_today(scope)
        if received_on is None:
            errors.append(("received_on", Message("Give the day the payment was received.")))
        elif received_on > today:
            errors.append(("received_on", Message("The payment cannot be received after today (%(today)s).",
                                                  today=today)))
        elif received_on < earliest_received(today):
            errors.append(("received_on", Message(
                "A payment received more than three years ago cannot be recorded: choose a day from %(first)s to "
                "%(today)s.", first=earliest_received(today), today=today)))
        return errors + reference_problems(reference, notes)

    def reversible(self, payment: TransactionView) -> bool:
        """Whether ``payment`` may be reversed (were it not reversed yet): a successful charge
        recorded outside the installed payment methods."""
        return payment.action == "charge" and payment.successful and payment.reverses is None \
            and payment.method not in self.methods

    @property
    def methods(self) -> PaymentMethods:
        if self._methods is None:
            self._methods = PaymentMethods.from_plugins(self.ctx.plugins)
        return self._methods

    def reverse(self, invoice_id: int, transaction_id: int, *, reason: str, actor: str) -> RecordedPayment:
        """Undo the payment ``transaction_id`` of ``invoice_id``, recorded outside the payment
        methods in error; ``created`` is False when it was reversed before.

        :raises NotFound: no such payment of this invoice (or one made through a payment method).
        :raises ValidationError: no ``reason``.
        :raises Conflict: less than its amount remains of what was paid for the invoice.
        """
        reason = reason.strip()
        with self.ctx.db.session() as s:
            row = s.get(PaymentTransaction, transaction_id)
            payment = transaction(row) if row is not None else None
        if payment is None or payment.invoice_id != invoice_id or not self.reversible(payment):
            raise NotFound(Message("There is no payment recorded outside the payment methods with id %(id)s on "
                                   "this invoice.", id=transaction_id))
        if not reason:
            raise ValidationError([("reason", Message("Say why the payment is reversed."))])
        if len(reason) > REASON_MAX:
            raise ValidationError([("reason", Message("At most %(limit)s characters.", limit=REASON_MAX))])
        if problems := notes_problems(reason, "reason"):
            raise ValidationError(problems)
        self._check_given_back(payment)
        payload = {"method": payment.method, "action": "refund", "amount": str(payment.amount), "successful": True,
                   "provider_reference": f"reversal-{payment.id}", "parent_id": payment.id, "notes": reason,
                   "data": {REVERSES_KEY: payment.id, REFERENCE_KEY: payment.shown_reference}}
        try:
            return self.payments.record(invoice_id, payload, actor=actor)
        except ValidationError as err:
            if [field for field, _ in err.errors] != ["amount"]:
                raise
            # only what remains of what was paid may be taken back, as for any refund
            raise self._beyond_paid(payment) from None

    def _beyond_paid(self, payment: TransactionView) -> Conflict:
        """Why ``payment`` is not reversed when less than its amount remains of what was paid for
        its invoice (``beyond_paid_refusal``)."""
        with self.ctx.db.session() as s:
            inv = s.get(Invoice, payment.invoice_id)
            cur = inv.currency if inv is not None else payment.currency
            left = self.ctx.payment_state(s, payment.invoice_id).amount_paid if inv is not None else 0
        return Conflict(beyond_paid_refusal(payment, from_minor(left, cur)))

    def _check_given_back(self, payment: TransactionView) -> None:
        """Refuse to reverse ``payment`` when credit notes gave back (outside the add-on, or as the
        customer's credit) money that the payments left after it would not cover
        (``given_back_refusal``)."""
        with self.ctx.db.session() as s:
            inv = s.get(Invoice, payment.invoice_id)
            if inv is None:
                return
            given = given_back_elsewhere(s, inv.id)
            if not given:
                return
            state = self.ctx.payment_state(s, inv.id)
            refusal = given_back_refusal(payment, given, paid=state.amount_paid,
                                         remains=inv.total_amount - state.amount_credited)
        if refusal is not None:
            raise Conflict(refusal)

    def recorded_with(self, invoice_id: int, request_key: str) -> TransactionView | None:
        """The payment the form ``request_key`` recorded on ``invoice_id`` by hand, if any."""
        with self.ctx.db.session() as s:
            row = s.execute(select(PaymentTransaction).where(
                PaymentTransaction.invoice_id == invoice_id, PaymentTransaction.action == "charge",
                PaymentTransaction.provider_reference == BY_HAND_PREFIX + request_key)).scalar_one_or_none()
            return transaction(row) if row is not None else None

    def _recorded(self, invoice_id: int, method: str, action: str, reference: str) -> RecordedPayment | None:
        """The payment this form recorded before, if any (``Conflict`` for another invoice's form)."""
        with self.ctx.db.session() as s:
            row = s.execute(select(PaymentTransaction).where(
                PaymentTransaction.method == method, PaymentTransaction.action == action,
                PaymentTransaction.provider_reference == reference)).scalar_one_or_none()
            if row is None:
                return None
            if row.invoice_id != invoice_id:
                raise Conflict(Message("This payment form belongs to another invoice; open Record Payment again."))
            return RecordedPayment(transaction(row), created=False)


def reversal_takes(payment: TransactionView) -> Decimal:
    """What reversing ``payment`` takes back of what was paid for its invoice: its amount less
    what of its surplus is still the customer's credit, which the reversal takes back from the
    credit instead (read with ``with_surplus_taken_back``, as ``Payments.record`` counts it)."""
    return payment.amount - min(payment.amount, payment.surplus_kept)


def beyond_paid(payment: TransactionView, amount_paid: Decimal) -> bool:
    """Whether reversing ``payment`` would take back more than remains of what was paid for its
    invoice (``amount_paid``: what the invoice keeps of it, ``InvoiceDocument.amount_paid``), so
    that it is refused (``beyond_paid_refusal`` says why): the bound ``payment_limits.over_limit``
    sets any refund, read without asking the database again."""
    return reversal_takes(payment) > amount_paid


def beyond_paid_refusal(payment: TransactionView, left: Decimal) -> Message:
    """Why ``payment`` is not reversed when only ``left`` remains of what was paid for its
    invoice: refunds gave back part of it, or (``over_refund_covered``) it covered what refunds
    had given back beyond what was paid, which no transaction can take back again."""
    cur = payment.currency
    values = {"amount": Amount(payment.amount, cur), "left": Amount(left, cur),
              "covered": Amount(payment.over_refund_covered or Decimal(0), cur)}
    if payment.over_refund_covered:
        return Message(
            "This payment cannot be reversed: %(covered)s of it covered what refunds had given back beyond "
            "what was paid for this invoice, so only %(left)s of what was paid remains to take back, not its "
            "%(amount)s. Settle the payment and the over-refund it covered with the customer outside the "
            "add-on.", **values)
    return Message(
        "This payment cannot be reversed: refunds already gave back part of what was paid for this invoice, "
        "so only %(left)s of what was paid remains to take back, not its %(amount)s. Settle the payment with "
        "the customer outside the add-on.", **values)


def given_back_refusal(payment: TransactionView, given: list[tuple[str, str, int]], *, paid: int,
                       remains: int) -> Message | None:
    """Why ``payment`` is not reversed when credit notes gave back money the payments left after
    it would not cover (None: they would): ``given`` is what they gave back outside the add-on
    or as the customer's credit (``credit_notes.given_back_elsewhere``), ``paid`` what the invoice
    keeps of what was paid and ``remains`` its total less its credit notes (minor units).

    Such money is in no transaction: it went back out of what was paid. With the payment
    reversed, the invoice would read as due what remains of its total, while the customer
    also has what was given back, so it would read as due less than the customer owes. The
    reversal is allowed only while the payments left still pay the invoice and that money.
    """
    if not given:
        return None
    cur = payment.currency
    back = sum(amount for _, _, amount in given)
    left_paid = paid - to_minor(payment.amount, cur)
    if left_paid >= remains + back:
        return None
    shown = max(remains - max(left_paid, 0), 0)
    numbers = ", ".join(number for number, _, _ in given)
    values = {"numbers": numbers, "back": Amount(from_minor(back, cur), cur),
              "shown": Amount(from_minor(shown, cur), cur),
              "owed": Amount(from_minor(max(remains + back - left_paid, 0), cur), cur)}
    if all(how == OUTSIDE for _, how, _ in given):
        return Message(
            "%(back)s of what was paid for this invoice was given back to the customer outside the add-on "
            "(credit note %(numbers)s). Reversed, this payment would leave that money out of what the "
            "customer owes: the invoice would read %(shown)s due instead of %(owed)s. So it is not "
            "reversed; settle the payment and the money given back with the customer outside the add-on.",
            **values)
    if all(how == CREDIT for _, how, _ in given):
        return Message(
            "%(back)s of what was paid for this invoice was kept as the customer's credit (credit note "
            "%(numbers)s). Reversed, this payment would leave the customer that credit for money never "
            "received, so it is not reversed.", **values)
    return Message(
        "%(back)s of what was paid for this invoice was given back to the customer, outside the add-on or as "
        "the customer's credit (credit notes %(numbers)s). Reversed, this payment would leave that money out "
        "of what the customer owes: the invoice would read %(shown)s due instead of %(owed)s. So it is not "
        "reversed.", **values)


def reversed_payments(transactions: Iterable[TransactionView]) -> set[int]:
    """The ids of the payments among ``transactions`` that a reversal undid."""
    return {t.reverses for t in transactions if t.reverses is not None}
