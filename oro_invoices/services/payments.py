"""Payments: transactions, the recalculated or forced payment status, and its hooks."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.errors import Conflict, InvoiceNotPosted, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument, PaymentStatus
from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import N_, Amount, Message
from oro_invoices.domain.money import from_minor, given_money, to_minor, too_many_decimals
from oro_invoices.domain.payment_labels import action_label
from oro_invoices.domain.payment_limits import over_limit
from oro_invoices.integration.payment_methods import PaymentMethods
from oro_invoices.persistence import activity
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.models import Invoice, PaymentState, PaymentTransaction
from oro_invoices.persistence.read_models import (
    FROM_SURPLUS_KEY,
    OVER_REFUND_COVERED_KEY,
    OVER_REFUND_KEY,
    SURPLUS_KEY,
    is_reversal,
)
from oro_invoices.persistence.received_payments import note_received
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.over_refunds import covers, refunded_beyond, restate
from oro_invoices.services.payment_records import still_held
from oro_invoices.services.schemas import PaymentInputSchema, load_storable

log = logging.getLogger(__name__)

#: A payment status change: ``(old, new)``, or None when the status stayed.
StatusChange = tuple[PaymentStatus, PaymentStatus] | None
#: Actions that pay the invoice.
PAID_ACTIONS = pstatus.PAID_ACTIONS
#: What a refund, capture or cancel may act on (its ``parent_id``): a successful transaction of the
#: same invoice of one of these actions.
PARENT_ACTIONS = {"refund": ("charge", "capture"), "capture": ("authorize",), "cancel": ("authorize",)}
#: Runs in the transaction that recorded a payment (``Payments.on_recorded``); returns what to
#: run once it committed, or None. An error it raises rolls the payment back.
RecordedStep = Callable[[Session, Invoice, PaymentTransaction], Callable[[], None] | None]


@dataclass(frozen=True)
class RecordedPayment:
    """A recorded transaction; ``created`` is False when it was recorded earlier (a redelivery)."""

    transaction: views.TransactionView
    created: bool


class Payments:
    """``record_payment`` and ``force_payment_status``; ``force_status`` serves updates too."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx
        self._methods: PaymentMethods | None = None
        #: Called for every transaction recorded (``services.customer_credit`` keeps its ledger).
        self.on_recorded: RecordedStep | None = None

    def method_label(self, code: str) -> str:
        """What people read for the payment method ``code`` (the installed method's label first)."""
        if self._methods is None:
            self._methods = PaymentMethods.from_plugins(self.ctx.plugins)
        return self._methods.label(code)

    def record_payment(self, invoice_id: int, payload: Mapping[str, Any], *,
                       actor: str = "system") -> views.TransactionView:
        """Record a payment transaction and recalculate the payment status.

        A transaction with the same method, action and provider reference is
        recorded once: a redelivered webhook returns the existing one.
        """
        return self.record(invoice_id, payload, actor=actor).transaction

    def record(self, invoice_id: int, payload: Mapping[str, Any], *,
               actor: str = "system", receipt: bool = False, keep_surplus: bool = False,
               taken: bool = False, given: bool = False, same_amount: bool = False) -> RecordedPayment:
        """``record_payment``, saying whether this call recorded the transaction.

        Amounts are bounded by what remains for the action (``domain.payment_limits``).
        Redeliveries are idempotent on every database, also when they arrive at once: the
        unique provider event decides, and the loser returns the winner's transaction.
        ``receipt``: the customer is emailed its receipt once it commits, where payment receipts
        are on (``services.mail.receipts``), as for a payment through a payment method.
        ``keep_surplus``: a successful charge of more than the amount due pays the amount due,
        and the rest (its ``surplus``) is kept as the customer's credit (``services.customer_credit``)
        instead of being refused. ``taken``: a provider reports money it took (a charge or a
        capture): it is recorded whatever the amount due, its surplus kept as the customer's credit
        (when the invoice has a customer). A refund of a payment with a surplus gives that back first.
        ``given``: a provider reports a refund it made: money left the account, so it is recorded
        beyond what remains to refund of the invoice too, what was over noted in its data
        (``OVER_REFUND_KEY``: what it gave back beyond what was paid for the invoice as a whole). A
        successful payment made while refunds had given back more than was paid covers that first,
        as the amount due counts it, noted in its data (``OVER_REFUND_COVERED_KEY``).
        ``same_amount`` (an external system's payment): a transaction under a provider reference
        recorded before with another amount is a ``Conflict``, not a redelivery.
        """
        data: dict[str, Any] = load_storable(PaymentInputSchema(), payload)
        computed = (SURPLUS_KEY, FROM_SURPLUS_KEY, OVER_REFUND_KEY, OVER_REFUND_COVERED_KEY)
        if isinstance(data.get("data"), dict) and data["data"].keys() & set(computed):
            # only the amounts say what is kept as credit or given back from it, and only a provider's
            # report what was refunded beyond the payment, never the caller's data
            data["data"] = {key: value for key, value in data["data"].items() if key not in computed}
        with self.ctx.translate_errors(), self.ctx.write() as s:
            inv = self.ctx.load(s, invoice_id)
            if inv.status != "posted":
                raise InvoiceNotPosted(Message("Invoice %(id)s is a draft: payments can be taken only for posted "
                                               "invoices.", id=inv.id))
            # Locked first: payments of one invoice wait for each other, so each sees the last one.
            state = self.ctx.payment_state(s, inv.id, lock=True)
            # the decimals first: an amount the currency cannot have is wrong whatever reference it
            # comes under; a reference recorded before is then its redelivery, whatever is left to
            # pay (a retried credit application asks for what is left: nothing)
            try:
                amount = to_minor(data["amount"], inv.currency)
            except ValidationError:
                raise ValidationError([("amount", too_many_decimals(inv.currency))]) from None
            existing = self._recorded(s, invoice_id, data, same_amount=same_amount)
            if existing is not None:
                return RecordedPayment(existing, created=False)
            if data["amount"] <= 0:
                raise ValidationError([("amount", "Must be greater than 0.")])
            summary = pstatus.summarize(self._facts(s, inv.id))
            if keep_surplus and not taken:
                _check_keepable(inv, state, summary, data, amount)
            counted = amount - self._surplus(s, data, amount, inv, state, summary, keep=keep_surplus or taken)
            if data.get("parent_id") is not None and data["action"] != "authorize":
                parent_problem = self._parent_problem(s, inv, data["action"], data["parent_id"])
                if parent_problem is not None:
                    raise ValidationError([parent_problem])
            if data["action"] == "authorize" and data.get("parent_id") is not None:
                problem = self._renewal_problem(s, inv, data["parent_id"], amount, data["successful"])
            else:
                too_much = over_limit(data["action"], counted, successful=data["successful"],
                                      total=inv.total_amount - (state.amount_credited if data["successful"] else 0),
                                      summary=summary, currency=inv.currency)
                problem = ("amount", too_much) if too_much is not None else None
            if problem is not None and taken and data["action"] in PAID_ACTIONS and data["successful"]:
                # the provider took it: recorded all the same (an invoice without a customer, paid twice)
                log.warning("Recorded %s of %s %s on invoice %s beyond its limit: %s", data["action"],
                            data["amount"], inv.currency, inv.id, problem[1])
            elif problem is not None and given and data["action"] == "refund" and data["successful"]:
                # the provider gave it back (a refund made twice): recorded, and what was over said
                log.warning("Recorded a refund of %s %s on invoice %s beyond what remains: %s", data["amount"],
                            inv.currency, inv.id, problem[1])
                data["data"] = {**(data.get("data") or {}),
                                OVER_REFUND_KEY: str(from_minor(refunded_beyond(summary, counted), inv.currency))}
            elif problem is not None:
                raise ValidationError([problem])
            if data["successful"] and data["action"] in PAID_ACTIONS and (covered := covers(summary, counted)):
                data["data"] = {**(data.get("data") or {}), OVER_REFUND_COVERED_KEY: str(from_minor(covered, inv.currency))}
            tx = PaymentTransaction(
                invoice_id=inv.id, method=data["method"], action=data["action"], amount=amount,
                currency=inv.currency, successful=data["successful"],
                provider_reference=data.get("provider_reference"), parent_id=data.get("parent_id"),
                notes=data.get("notes") or "", actor=actor, data=data.get("data"), created_at=self.ctx.clock())
            try:
                with s.begin_nested():
                    s.add(tx)
                    s.flush()
            except IntegrityError:
                # The same provider event, recorded meanwhile by a concurrent request.
                existing = self._recorded(s, invoice_id, data, same_amount=same_amount)
                if existing is None:
                    raise
                return RecordedPayment(existing, created=False)
            if receipt and data["successful"]:
                note_received(s, tx.id)
            activity.record(s, inv.id, "payment", actor,
                            _payment_summary(data, amount, inv.currency, self.method_label(data["method"])),
                            {"transaction_id": tx.id, "method": data["method"], "action": data["action"]})
            if data["successful"] and data["action"] == "refund" and is_reversal(data.get("data")):
                # as if the payment had never been recorded: what the others noted of an over-refund
                restate(s, inv.id, inv.currency)
            after = self.on_recorded(s, inv, tx) if self.on_recorded is not None else None
            state.payment_method = data["method"]
            change = self._recalculate(s, inv, state, actor)
            view = views.transaction(tx)
            doc = self.ctx.document(s, inv)
        if after is not None:
            after()
        self.status_hooks(doc, change, actor)
        return RecordedPayment(view, created=True)

    @staticmethod
    def _surplus(s: Session, data: dict[str, Any], amount: int, inv: Invoice, state: PaymentState,
                 summary: pstatus.PaymentSummary, *, keep: bool) -> int:
        """What of a successful transaction of ``amount`` is not the invoice's (minor units), noted in
        ``data``: of a payment, what is over the amount due, when ``keep`` it as the customer's
        credit; of a refund, the surplus its payment kept that it gives back first."""
        if not data["successful"]:
            return 0
        cur = inv.currency
        if data["action"] in PAID_ACTIONS and keep:
            due = _due(inv, state, summary)
            if amount <= due or inv.customer_id is None:
                return 0
            surplus = amount - due
            data["data"] = {**(data.get("data") or {}), SURPLUS_KEY: str(from_minor(surplus, cur))}
            return surplus
        if data["action"] != "refund" or data.get("parent_id") is None:
            return 0
        parent = s.get(PaymentTransaction, data["parent_id"])
        if parent is None or parent.invoice_id != inv.id:
            return 0
        given_back = sum(views.surplus_of("refund", d, cur) for d in s.execute(
            select(PaymentTransaction.data).where(PaymentTransaction.parent_id == parent.id,
                                                  PaymentTransaction.action == "refund",
                                                  PaymentTransaction.successful.is_(True))).scalars())
        back = min(amount, views.surplus_of(parent.action, parent.data, cur) - given_back)
        if back <= 0:
            return 0
        data["data"] = {**(data.get("data") or {}), FROM_SURPLUS_KEY: str(from_minor(back, cur))}
        return back

    @staticmethod
    def _parent_problem(s: Session, inv: Invoice, action: str, parent_id: int) -> tuple[str, Message] | None:
        """Why ``parent_id`` cannot be the parent of a ``action`` recorded on ``inv`` (field, message),
        or None: a refund names a successful charge or capture of the same invoice, a capture or a
        cancel a successful authorization of it; a charge or an invoice has none."""
        allowed = PARENT_ACTIONS.get(action)
        if allowed is None:
            return "parent_id", Message("A transaction of action %(action)s has no parent: leave parent_id out.",
                                        action=action)
        parent = s.get(PaymentTransaction, parent_id)
        if parent is None or parent.invoice_id != inv.id or parent.action not in allowed or not parent.successful:
            return "parent_id", Message("A %(action)s acts on a successful %(parents)s of this invoice; transaction "
                                        "%(id)s is not one.", action=action, parents=" or ".join(allowed),
                                        id=parent_id)
        return None

    @staticmethod
    def _renewal_problem(s: Session, inv: Invoice, parent_id: int, amount: int,
                         successful: bool) -> tuple[str, str] | None:
        """Why a re-authorization of ``amount`` cannot renew the authorization ``parent_id`` (field,
        message), or None: it renews a successful authorization of the same invoice, for at most
        what that still holds."""
        parent = s.get(PaymentTransaction, parent_id)
        if parent is None or parent.invoice_id != inv.id or parent.action != "authorize" or not parent.successful:
            return "parent_id", Message("An authorization with a parent renews a successful authorization of "
                                        "this invoice; transaction %(id)s is not one.", id=parent_id)
        held = still_held(s, parent)
        if successful and amount > held:
            return "amount", Message("Exceeds what the authorization it renews still holds (%(limit)s).",
                                     limit=Amount(from_minor(held, inv.currency), inv.currency))
        return None

    def _recorded(self, s: Session, invoice_id: int, data: Mapping[str, Any], *,
                  same_amount: bool = False) -> views.TransactionView | None:
        """The transaction already recorded for this provider event, if any.

        ``Conflict`` when the event was recorded for another invoice, or (``same_amount``) with
        another amount.
        """
        if not data.get("provider_reference"):
            return None
        existing = s.execute(select(PaymentTransaction).where(
            PaymentTransaction.method == data["method"],
            PaymentTransaction.action == data["action"],
            PaymentTransaction.provider_reference == data["provider_reference"])).scalar_one_or_none()
        if existing is None:
            return None
        if existing.invoice_id != invoice_id:
            raise Conflict(Message("That provider reference belongs to another invoice."))
        view = views.transaction(existing)
        if same_amount and isinstance(data.get("amount"), Decimal) and data["amount"] != view.amount:
            # not the same event again: another amount under a reference recorded before
            raise Conflict(Message("A %(action)s with provider reference %(reference)s is recorded already, of "
                                   "%(recorded)s; this one says %(amount)s. Give the new transaction a reference of "
                                   "its own.", action=existing.action, reference=existing.provider_reference,
                                   recorded=Amount(view.amount, existing.currency),
                                   amount=given_money(data["amount"], existing.currency)))
        return view

    def force_payment_status(self, invoice_id: int, status: str | PaymentStatus | None, *,
                             actor: str = "system") -> InvoiceDocument:
        """Set the payment status from outside; it is then kept. ``None`` resumes recalculation."""
        with self.ctx.write() as s:
            inv = self.ctx.load(s, invoice_id)
            change = self.force_status(s, inv, status, actor)
            doc = self.ctx.document(s, inv)
        self.status_hooks(doc, change, actor)
        return doc

    def force_status(self, s: Session, inv: Invoice, status: str | PaymentStatus | None,
                     actor: str) -> StatusChange:
        """Force (or, with None, release) the status of ``inv`` inside the caller's transaction."""
        state = self.ctx.payment_state(s, inv.id, lock=True)
        if status is None:
            state.forced = False
            return self._recalculate(s, inv, state, actor)
        try:
            new = PaymentStatus(status)
        except ValueError:
            raise ValidationError([("payment_status", Message("Unknown payment status %(status)s.",
                                                              status=quoted(status)))]) from None
        old = PaymentStatus(state.payment_status)
        state.forced = True
        state.payment_status = new.value
        state.updated_at = self.ctx.clock()
        if old is not new:
            activity.record(s, inv.id, "payment_status", actor,
                            Message("Payment status set to %(status)s", status=Message(new.label)),
                            {"old": old.value, "new": new.value, "forced": True})
            return old, new
        return None

    def status_hooks(self, doc: InvoiceDocument, change: StatusChange, actor: str) -> None:
        """Announce a status change (and, when it became paid in full, the payment)."""
        if change is None:
            return
        old, new = change
        self.ctx.hook("invoice_payment_status_changed", invoice=doc, old_status=old, new_status=new, actor=actor)
        if new is PaymentStatus.PAID_IN_FULL:
            self.ctx.hook("invoice_paid", invoice=doc, actor=actor)

    def facts(self, s: Session, invoice_id: int) -> list[pstatus.TransactionFacts]:
        """The invoice's transactions as the status calculation reads them."""
        return self._facts(s, invoice_id)

    def _facts(self, s: Session, invoice_id: int) -> list[pstatus.TransactionFacts]:
        rows = s.execute(select(PaymentTransaction.action, PaymentTransaction.amount,
                                PaymentTransaction.successful, PaymentTransaction.parent_id,
                                PaymentTransaction.data, PaymentTransaction.currency)
                         .where(PaymentTransaction.invoice_id == invoice_id)).all()
        return [views.facts(a, m, ok, parent, data, currency) for a, m, ok, parent, data, currency in rows]

    def recalculate(self, s: Session, inv: Invoice, state: PaymentState, actor: str) -> StatusChange:
        """Recalculate the status of ``inv`` (``state`` locked) in the caller's transaction."""
        return self._recalculate(s, inv, state, actor)

    def _recalculate(self, s: Session, inv: Invoice, state: PaymentState, actor: str) -> StatusChange:
        facts = self._facts(s, inv.id)
        summary = pstatus.summarize(facts)
        state.amount_paid = summary.net_paid
        state.amount_held = summary.open_authorized
        state.updated_at = self.ctx.clock()
        if state.forced:
            return None
        old = PaymentStatus(state.payment_status)
        new = pstatus.calculate(inv.total_amount, facts, state.amount_credited)
        if old is new:
            return None
        state.payment_status = new.value
        activity.record(s, inv.id, "payment_status", actor,
                        Message("Payment status: %(status)s", status=Message(new.label)),
                        {"old": old.value, "new": new.value, "forced": False})
        return old, new


def _payment_summary(data: Mapping[str, Any], amount: int, currency: str, method: str) -> Message:
    """The activity entry of a recorded transaction of ``amount`` (minor units): "Charge of 40.00
    EUR via Cash: successful", with the currency's decimals whatever was written ("400.00" of JPY: 400 JPY)."""
    action = N_("Reversal") if is_reversal(data.get("data")) else action_label(data["action"])
    values = {"action": Message(action), "amount": Amount(from_minor(amount, currency), currency),
              "method": Message(method) if method else ""}
    if data["successful"]:
        return Message("%(action)s of %(amount)s via %(method)s: successful", **values)
    return Message("%(action)s of %(amount)s via %(method)s: failed", **values)


def _check_keepable(inv: Invoice, state: PaymentState, summary: pstatus.PaymentSummary, data: Mapping[str, Any],
                    amount: int) -> None:
    """Refuse a payment over the amount due asked to keep the rest as credit (``keep_surplus``)
    when the invoice names no customer to keep it for, saying so rather than that it exceeds."""
    if not data["successful"] or data["action"] not in PAID_ACTIONS or inv.customer_id is not None:
        return
    due = _due(inv, state, summary)
    if amount > due:
        cur = inv.currency
        raise ValidationError([("amount", Message(
            "Invoice %(number)s names no customer, so the %(surplus)s over its amount due cannot be kept as "
            "credit: record at most %(due)s.", number=inv.invoice_number,
            surplus=Amount(from_minor(amount - due, cur), cur), due=Amount(from_minor(due, cur), cur)))])


def _due(inv: Invoice, state: PaymentState, summary: pstatus.PaymentSummary) -> int:
    """What the invoice still has due before a new payment (minor units, never below zero)."""
    return max(inv.total_amount - state.amount_credited - summary.net_paid, 0)
