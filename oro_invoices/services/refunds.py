"""Refunds and cancellations of recorded payments, through the provider that took them.

Never more than remains: what was refunded already and what a refund still waiting for its
provider's answer holds (``payment_records.PENDING_HOLD``) are subtracted, under the
invoice's row lock, before the provider is asked. The provider's answer is applied like any
other provider event (``payment_events``), so a webhook about the same refund later changes
nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import Conflict, NotFound, ValidationError
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import from_minor, minor_units, parse_decimal, to_minor
from oro_invoices.integration.payment_methods import (
    CancelRequest,
    PaymentMethod,
    ProviderError,
    RefundRequest,
    TransactionRef,
)
from oro_invoices.persistence import activity
from oro_invoices.persistence.models import Invoice, PaymentAttempt, PaymentTransaction
from oro_invoices.services.checkout import Checkout
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.payment_events import APPLIED, DUPLICATE, EventOutcome, PaymentEvents
from oro_invoices.services.payment_records import (
    check_request_key,
    new_public_id,
    pending_against,
    refunded_from,
)
from oro_invoices.services.schemas import check_storable

MAX_NOTES = 10_000


@dataclass(frozen=True)
class TransactionActions:
    """What an admin may still do with one recorded transaction (amounts in its currency)."""

    transaction_id: int
    refundable: Decimal
    cancelable: Decimal
    currency: str


@dataclass(frozen=True)
class ProviderOutcome:
    """How a refund or cancellation went: ``successful``, or the provider's ``message``."""

    successful: bool
    amount: Decimal
    currency: str
    message: str
    transaction_id: int | None


@dataclass(frozen=True)
class _Prepared:
    method: PaymentMethod
    ref: TransactionRef
    attempt_id: str
    amount: int
    organization_id: int
    website_id: int | None


#: The actions of the transactions a provider may still refund or cancel.
ACTIONABLE = ("charge", "capture", "authorize")


class Refunds:
    """Refund a charge; cancel an authorization."""

    def __init__(self, ctx: ServiceContext, checkout: Checkout, events: PaymentEvents):
        self.ctx = ctx
        self.checkout = checkout
        self.events = events

    def actions(self, invoice_id: int) -> dict[int, TransactionActions]:
        """For each transaction of the invoice a provider can still act on: what remains."""
        now = self.ctx.clock()
        result: dict[int, TransactionActions] = {}
        with self.ctx.db.session() as s:
            rows = s.execute(select(PaymentTransaction).where(
                PaymentTransaction.invoice_id == invoice_id, PaymentTransaction.successful.is_(True),
                PaymentTransaction.action.in_(ACTIONABLE))).scalars().all()
            for tx in rows:
                if tx.method not in self.checkout.methods or _payment_attempt(s, tx) is None:
                    continue
                refundable = cancelable = 0
                if tx.action in ("charge", "capture"):
                    refundable = tx.amount - refunded_from(s, tx, "refund") - pending_against(s, tx, "refund", now)
                else:
                    cancelable = (tx.amount - refunded_from(s, tx, "capture") - refunded_from(s, tx, "cancel")
                                  - pending_against(s, tx, "cancel", now))
                result[tx.id] = TransactionActions(tx.id, from_minor(max(refundable, 0), tx.currency),
                                                   from_minor(max(cancelable, 0), tx.currency), tx.currency)
        return result

    def refund(self, transaction_id: int, amount: object = None, *, notes: str = "",
               actor: str, request_key: str | None = None) -> ProviderOutcome:
        """Refund ``amount`` (default: all that remains) of a successful charge through its provider.

        ``request_key``: the refund form's one-time key; the same form submitted again is
        refused (``AlreadyRequested``) instead of refunding twice.
        """
        prepared = self._prepare(transaction_id, "refund", amount, notes, actor, request_key)
        request = RefundRequest(
            attempt_id=prepared.attempt_id, transaction=prepared.ref, amount=prepared.amount,
            currency=prepared.ref.currency, notes=notes, timestamp=self.ctx.clock(),
            config=self.checkout.method_config(prepared.method, prepared.organization_id,
                                               prepared.website_id))
        try:
            event = prepared.method.refund(request)
        except ProviderError as exc:
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, message=exc.message, actor=actor)
            raise
        return self._outcome(prepared, self.events.apply(prepared.method.name, [event], actor=actor,
                                                         notes=notes)[0], event.successful, event.message)

    def cancel(self, transaction_id: int, *, notes: str = "", actor: str,
               request_key: str | None = None) -> ProviderOutcome:
        """Cancel (void) what remains of an authorization through its provider (``request_key``:
        as for ``refund``)."""
        prepared = self._prepare(transaction_id, "cancel", None, notes, actor, request_key)
        request = CancelRequest(
            attempt_id=prepared.attempt_id, transaction=prepared.ref, notes=notes,
            timestamp=self.ctx.clock(),
            config=self.checkout.method_config(prepared.method, prepared.organization_id,
                                               prepared.website_id))
        try:
            event = prepared.method.cancel(request)
        except ProviderError as exc:
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, message=exc.message, actor=actor)
            raise
        return self._outcome(prepared, self.events.apply(prepared.method.name, [event], actor=actor,
                                                         notes=notes)[0], event.successful, event.message)

    def _outcome(self, prepared: _Prepared, outcome: EventOutcome, successful: bool,
                 message: str) -> ProviderOutcome:
        applied = outcome.outcome in (APPLIED, DUPLICATE)
        if not applied:
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, actor="system",
                                         message=outcome.reason or message)
        return ProviderOutcome(successful=successful and applied,
                               amount=from_minor(prepared.amount, prepared.ref.currency),
                               currency=prepared.ref.currency,
                               message=message if applied else outcome.reason or message,
                               transaction_id=outcome.transaction_id)

    def _prepare(self, transaction_id: int, kind: str, amount: object, notes: str, actor: str,
                 request_key: str | None = None) -> _Prepared:
        """Check the transaction and the amount, and record the attempt (under the invoice's lock)."""
        if len(notes) > MAX_NOTES:
            raise ValidationError([("notes", Message("At most %(limit)s characters.", limit=MAX_NOTES))])
        check_storable(notes, "notes")
        key = check_request_key(request_key)
        now = self.ctx.clock()
        with self.ctx.translate_errors(), self.ctx.write() as s:
            tx = s.get(PaymentTransaction, transaction_id)
            if tx is None:
                raise NotFound(Message("Payment transaction %(id)s does not exist.", id=transaction_id))
            invoice: Invoice = self.ctx.load(s, tx.invoice_id, lock=True)
            if key is not None:
                _refuse_repeat(s, tx.invoice_id, key, kind)
            wanted = ("charge", "capture") if kind == "refund" else ("authorize",)
            if not tx.successful or tx.action not in wanted:
                raise Conflict(Message("Only a successful charge can be refunded.") if kind == "refund"
                               else Message("Only a successful authorization can be canceled."))
            method = self.checkout.methods.get(tx.method)
            origin = _payment_attempt(s, tx)
            if method is None or origin is None:
                raise Conflict(Message("This %(action)s was not taken through a payment method of the add-on "
                                       "(%(method)s); refund it where it was made.", action=tx.action,
                                       method=tx.method) if kind == "refund" else
                               Message("This %(action)s was not taken through a payment method of the add-on "
                                       "(%(method)s); cancel it where it was made.", action=tx.action,
                                       method=tx.method))
            if kind == "refund":
                left = tx.amount - refunded_from(s, tx, "refund") - pending_against(s, tx, "refund", now)
            else:
                left = (tx.amount - refunded_from(s, tx, "capture") - refunded_from(s, tx, "cancel")
                        - pending_against(s, tx, "cancel", now))
            if left <= 0:
                raise Conflict(Message("Nothing remains to refund of this payment.") if kind == "refund"
                               else Message("Nothing remains to cancel of this payment."))
            minor = left if kind == "cancel" else _amount(amount, left, tx.currency)
            row = PaymentAttempt(
                public_id=new_public_id(), invoice_id=tx.invoice_id, kind=kind, method=tx.method,
                amount=minor, currency=tx.currency, status="started", origin="backoffice",
                parent_transaction_id=tx.id, message="", actor=actor, created_at=now, updated_at=now,
                request_key=key)
            s.add(row)
            s.flush()
            money = Amount(from_minor(minor, tx.currency), tx.currency)
            summary = (Message("Refund of %(amount)s requested from %(method)s", amount=money, method=method.label)
                       if kind == "refund" else
                       Message("Cancellation of %(amount)s requested from %(method)s", amount=money,
                               method=method.label))
            activity.record(s, tx.invoice_id, "payment", actor,
                            Message("%(summary)s: %(reason)s", summary=summary, reason=notes) if notes else summary,
                            {"attempt": row.public_id, "transaction_id": tx.id})
            ref = TransactionRef(transaction_id=tx.id, action=tx.action, amount=tx.amount,
                                 currency=tx.currency, provider_reference=tx.provider_reference or "",
                                 attempt_id=origin.public_id, data=dict(tx.data or {}))
            return _Prepared(method, ref, row.public_id, minor, invoice.organization_id, invoice.website_id)


def _payment_attempt(s: Session, tx: PaymentTransaction) -> PaymentAttempt | None:
    """The attempt that took ``tx`` (its reference at the provider)."""
    return s.execute(select(PaymentAttempt).where(
        PaymentAttempt.transaction_id == tx.id, PaymentAttempt.kind == "payment")).scalar_one_or_none()


def _amount(amount: object, left: int, currency: str) -> int:
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return left
    value = parse_decimal(amount.strip() if isinstance(amount, str) else amount, "amount")
    try:
        minor = to_minor(value, currency)
    except ValidationError:
        raise ValidationError([("amount", Message("%(currency)s amounts have at most %(places)s decimals.",
                                                  currency=currency, places=minor_units(currency)))]) from None
    if not 0 < minor <= left:
        raise ValidationError([("amount", Message("Must be more than 0 and at most %(amount)s, what remains of "
                                                  "the payment.", amount=Amount(from_minor(left, currency), currency)))])
    return minor


class AlreadyRequested(Conflict):
    """The refund or cancellation form was submitted before: nothing was requested again."""


def _refuse_repeat(s: Session, invoice_id: int, key: str, kind: str) -> None:
    """Raise ``AlreadyRequested`` when ``key`` already started a refund or cancellation of the invoice."""
    found = s.execute(select(PaymentAttempt).where(PaymentAttempt.invoice_id == invoice_id,
                                                   PaymentAttempt.request_key == key)).scalar_one_or_none()
    if found is not None:
        money = Amount(from_minor(found.amount, found.currency), found.currency)
        raise AlreadyRequested(
            Message("This refund of %(amount)s was already requested (%(when)s); it was not requested again.",
                    amount=money, when=found.created_at) if kind == "refund" else
            Message("This cancellation of %(amount)s was already requested (%(when)s); it was not requested "
                    "again.", amount=money, when=found.created_at))
