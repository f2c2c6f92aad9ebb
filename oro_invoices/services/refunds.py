"""Refunds, captures, cancellations and re-authorizations of recorded payments, through the
provider that took them.

Never more than remains: what was refunded already and what a refund still waiting for its
provider's answer holds (``payment_records.awaiting_answer``: on its way, or its answer lost)
are subtracted, under the invoice's row lock, before the provider is asked. The provider's answer is applied like any
other provider event (``payment_events``), so a webhook about the same refund later changes
nothing.

A capture is bounded before the provider is asked by the same rule that bounds recording it
(``payment_limits.capturable``): never more than the authorization holds, nor than the invoice
still has due and held open. The Capture dialog offers that amount, so what a provider captures
is recorded. Should its report still be refused (the provider took more than it was asked, say),
``NotRecorded`` says in words that the customer was charged, how much, and what to do.

A re-authorization renews an open authorization before its provider releases it: the provider
authorizes what the old one still holds again on the same card and releases the old hold; the
new authorization is recorded with the old one as its parent (``statuses``: it moves the hold).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.errors import Conflict, NotFound, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.domain.messages import N_, Amount, Message
from oro_invoices.domain.money import AMOUNT_LIMIT, from_minor, parse_decimal, to_minor, too_many_decimals
from oro_invoices.domain.payment_limits import capturable as capture_rule
from oro_invoices.integration.payment_methods import (
    CAPTURE_BEFORE,
    CancelRequest,
    CaptureRequest,
    CapturingMethod,
    OutcomeUnknown,
    PaymentMethod,
    ProviderError,
    ProviderEvent,
    ReauthorizeRequest,
    ReauthorizingMethod,
    RefundRequest,
    TransactionRef,
    captures_part,
    resends_safely,
)
from oro_invoices.persistence import activity
from oro_invoices.persistence.models import Invoice, PaymentAttempt, PaymentState, PaymentTransaction
from oro_invoices.persistence.read_models import REFERENCE_KEY
from oro_invoices.services.checkout import Checkout
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.payment_events import APPLIED, DUPLICATE, REFUSED, EventOutcome, PaymentEvents
from oro_invoices.services.payment_records import (
    awaiting_answer,
    check_request_key,
    find_attempt,
    new_public_id,
    notes_problems,
    pending_against,
    reference_problems,
    refunded_from,
    still_held,
    taking_attempt,
    unanswered,
)
from oro_invoices.services.schemas import check_storable

log = logging.getLogger(__name__)

MAX_NOTES = 10_000
#: How long a provider that ``resends_safely`` keeps a request's idempotency key (Stripe: at least
#: 24 hours); a request whose answer was lost is sent again only within it.
RESEND_WITHIN = dt.timedelta(hours=24)
#: The requests an admin may confirm as made at the provider (no further step waits on the provider).
CONFIRMABLE = ("refund", "cancel")


@dataclass(frozen=True)
class Unanswered:
    """A refund, capture, cancellation or re-authorization (``kind``) of a transaction whose
    provider's answer was lost: its amount stays reserved until the provider reports it, it is
    asked again (``resendable``: the same request), or an admin says what the provider did."""

    attempt_id: str
    kind: str
    amount: Decimal
    currency: str
    asked_at: dt.datetime
    method: str
    #: Asking again sends the same request, which the provider carries out at most once.
    resendable: bool
    #: An admin may say the provider made it (a refund or cancellation), not only that it did not.
    confirmable: bool


@dataclass(frozen=True)
class TransactionActions:
    """What an admin may still do with one recorded transaction (amounts in its currency)."""

    transaction_id: int
    refundable: Decimal
    cancelable: Decimal
    currency: str
    capturable: Decimal = Decimal(0)
    #: Until when the provider holds an authorization that is still open (None: not said).
    capture_before: dt.datetime | None = None
    #: What a re-authorization would renew (0: the method cannot renew this authorization).
    reauthorizable: Decimal = Decimal(0)
    #: Whether less than ``capturable`` may be captured (the provider releases the rest).
    captures_part: bool = False
    #: The requests on it whose answer was lost, oldest first.
    unanswered: tuple[Unanswered, ...] = ()


@dataclass(frozen=True)
class ExpiringAuthorization:
    """An open authorization and until when its provider holds it."""

    transaction_id: int
    invoice_id: int
    organization_id: int
    website_id: int | None
    held_until: dt.datetime
    #: What it still holds, in its currency, and its payment method's name.
    amount: Decimal = Decimal(0)
    currency: str = ""
    method: str = ""
    #: Why it cannot be renewed or settled now: a re-authorization of it whose answer was lost holds
    #: all it holds until settled (None: there is none).
    unsettled: Message | None = None


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
    invoice_id: int


#: The actions of the transactions a provider may still refund, capture or cancel.
ACTIONABLE = ("charge", "capture", "authorize")


@dataclass(frozen=True)
class _Kind:
    """What one kind of request acts on, and how its refusals and activity are worded."""

    parents: tuple[str, ...]
    wrong_parent: str
    elsewhere: str
    nothing_left: str
    requested: str
    repeated: str
    #: the activity of a request whose answer was lost, sent again (``Refunds._unconfirmed``)
    resent: str = ""


_KINDS = {
    "refund": _Kind(
        ("charge", "capture"), N_("Only a successful charge can be refunded."),
        N_("This %(action)s was not taken through a payment method of the add-on (%(method)s); refund it "
           "where it was made."),
        N_("Nothing remains to refund of this payment."), N_("Refund of %(amount)s requested from %(method)s"),
        N_("This refund of %(amount)s was already requested (%(when)s); it was not requested again."),
        N_("Refund of %(amount)s asked again through %(method)s (the same request)")),
    "cancel": _Kind(
        ("authorize",), N_("Only a successful authorization can be canceled."),
        N_("This %(action)s was not taken through a payment method of the add-on (%(method)s); cancel it "
           "where it was made."),
        N_("Nothing remains to cancel of this payment."), N_("Cancellation of %(amount)s requested from %(method)s"),
        N_("This cancellation of %(amount)s was already requested (%(when)s); it was not requested again."),
        N_("Cancellation of %(amount)s asked again through %(method)s (the same request)")),
    "capture": _Kind(
        ("authorize",), N_("Only a successful authorization can be captured."),
        N_("This %(action)s was not taken through a payment method of the add-on (%(method)s); capture it "
           "where it was made."),
        N_("Nothing remains to capture of this payment."), N_("Capture of %(amount)s requested from %(method)s"),
        N_("This capture of %(amount)s was already requested (%(when)s); it was not requested again."),
        N_("Capture of %(amount)s asked again through %(method)s (the same request)")),
    "reauthorize": _Kind(
        ("authorize",), N_("Only a successful authorization can be re-authorized."),
        N_("This %(action)s was not taken through a payment method of the add-on (%(method)s); re-authorize "
           "it where it was made."),
        N_("Nothing remains to re-authorize of this payment."),
        N_("Re-authorization of %(amount)s requested from %(method)s"),
        N_("This re-authorization of %(amount)s was already requested (%(when)s); it was not requested again."),
        N_("Re-authorization of %(amount)s asked again through %(method)s (the same request)")),
}
#: How a request is named in a sentence ("the refund of €5.00").
_REQUEST_WORDS = {"refund": N_("refund"), "capture": N_("capture"), "cancel": N_("cancellation"),
                  "reauthorize": N_("re-authorization")}
#: The requests whose lost answer is sent again when asked again (through a method that ``resends_safely``).
_RESENDABLE = ("refund", "capture", "cancel", "reauthorize")
#: The payment statuses an invoice with an open authorization can have.
_MAY_HOLD = tuple(status.value for status in (PaymentStatus.AUTHORIZED, PaymentStatus.AUTHORIZED_PARTIALLY,
                                              PaymentStatus.CANCELED_PARTIALLY, PaymentStatus.PAID_PARTIALLY))
#: The attempt a request records: a re-authorization is a payment of its own (a new authorization).
_ATTEMPT_KIND = {"reauthorize": "payment"}


class Refunds:
    """Refund a charge; capture, cancel or re-authorize an authorization."""

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
            invoice = s.get(Invoice, invoice_id) if any(tx.action == "authorize" for tx in rows) else None
            lost = self._unanswered(s, [tx.id for tx in rows], now) if rows else {}
            for tx in rows:
                origin = taking_attempt(s, tx) if tx.method in self.checkout.methods else None
                if origin is None:
                    continue
                refundable = cancelable = capturable = renewable = 0
                held_until = None
                if tx.action in ("charge", "capture"):
                    refundable = _left(s, tx, "refund", now)
                else:
                    method = self.checkout.methods.get(tx.method)
                    cancelable = _left(s, tx, "cancel", now)
                    if isinstance(method, CapturingMethod):
                        capturable = self._capturable(s, invoice, cancelable, now) if invoice is not None else 0
                        if capturable < cancelable and not captures_part(method):
                            capturable = 0   # it captures all it holds, and that is more than may be captured
                    if cancelable > 0 and self._renews(method, tx, origin, invoice):
                        renewable = cancelable
                    held_until = _held_until(tx) if cancelable > 0 else None
                result[tx.id] = TransactionActions(
                    tx.id, from_minor(max(refundable, 0), tx.currency), from_minor(max(cancelable, 0), tx.currency),
                    tx.currency, from_minor(max(capturable, 0), tx.currency), held_until,
                    from_minor(max(renewable, 0), tx.currency),
                    captures_part=capturable > 0 and captures_part(self.checkout.methods.get(tx.method)),
                    unanswered=tuple(lost.get(tx.id, ())))
        return result

    def _unanswered(self, s: Session, transaction_ids: list[int], now: dt.datetime) -> dict[int, list[Unanswered]]:
        """The requests on each of ``transaction_ids`` whose answer was lost (one statement)."""
        found: dict[int, list[Unanswered]] = {}
        rows = s.execute(select(PaymentAttempt).where(
            PaymentAttempt.parent_transaction_id.in_(transaction_ids), unanswered())
            .order_by(PaymentAttempt.id)).scalars()
        for row in rows:
            kind = _request_kind(row)
            method = self.checkout.methods.get(row.method)
            found.setdefault(cast(int, row.parent_transaction_id), []).append(Unanswered(
                row.public_id, kind, from_minor(row.amount, row.currency), row.currency, row.created_at,
                row.method, _resends(method, row, now), kind in CONFIRMABLE))
        return found

    def refund(self, transaction_id: int, amount: object = None, *, notes: str = "",
               actor: str, request_key: str | None = None, credit_note_id: int | None = None) -> ProviderOutcome:
        """Refund ``amount`` (default: all that remains) of a successful charge through its provider.

        ``request_key``: the refund form's one-time key; the same form submitted again is
        refused (``AlreadyRequested``) instead of refunding twice. ``credit_note_id``: the credit
        note this refund settles; its transaction carries it, and it is no refund of the invoice.

        When the provider's answer does not come back (``OutcomeUnknown``), the refund may have
        been made: its attempt stays open, holding its amount until the provider reports it (or an
        admin says what it did, ``confirm_unanswered``); a refund of the same amount asked meanwhile
        sends that same request again (the same idempotency key, within ``RESEND_WITHIN``), which
        the provider never carries out twice.
        """
        prepared = self._prepare(transaction_id, "refund", amount, notes, actor, request_key, credit_note_id)
        request = RefundRequest(
            attempt_id=prepared.attempt_id, transaction=prepared.ref, amount=prepared.amount,
            currency=prepared.ref.currency, notes=notes, timestamp=self.ctx.clock(),
            config=self.checkout.method_config(prepared.method, prepared.organization_id,
                                               prepared.website_id))
        try:
            event = prepared.method.refund(request)
        except OutcomeUnknown as exc:
            raise self._unconfirmed(prepared, exc, actor, "refund") from None
        except ProviderError as exc:
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, message=exc.message, actor=actor)
            raise
        applied = self.events.apply(prepared.method.name, [event], actor=actor, notes=notes)[0]
        if event.successful and applied.outcome == REFUSED:
            self._refunded_not_recorded(prepared, event, applied, actor)
        return self._outcome(prepared, applied, event.successful, event.message)

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
        except OutcomeUnknown as exc:
            raise self._unconfirmed(prepared, exc, actor, "cancel") from None
        except ProviderError as exc:
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, message=exc.message, actor=actor)
            raise
        return self._outcome(prepared, self.events.apply(prepared.method.name, [event], actor=actor,
                                                         notes=notes)[0], event.successful, event.message)

    def capture(self, transaction_id: int, amount: object = None, *, notes: str = "", actor: str,
                request_key: str | None = None) -> ProviderOutcome:
        """Capture ``amount`` (default: all that remains) of an authorization through its provider
        (``request_key``: as for ``refund``); the capture can then be refunded like a charge.
        Less than remains only through a method that captures part; its provider releases the rest."""
        prepared = self._prepare(transaction_id, "capture", amount, notes, actor, request_key)
        request = CaptureRequest(
            attempt_id=prepared.attempt_id, transaction=prepared.ref, amount=prepared.amount,
            currency=prepared.ref.currency, notes=notes, timestamp=self.ctx.clock(),
            config=self.checkout.method_config(prepared.method, prepared.organization_id,
                                               prepared.website_id))
        try:
            answer = cast(CapturingMethod, prepared.method).capture(request)
            events = [answer] if isinstance(answer, ProviderEvent) else list(answer)
            if not events or events[0].action != "capture":
                raise ProviderError(Message("%(method)s did not report a capture.", method=prepared.method.label))
        except OutcomeUnknown as exc:
            raise self._unconfirmed(prepared, exc, actor, "capture") from None
        except ProviderError as exc:
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, message=exc.message, actor=actor)
            raise
        event = events[0]
        applied = self.events.apply(prepared.method.name, [event], actor=actor, notes=notes)[0]
        # then the provider's release of the rest (a partial capture), in its own words
        self.events.apply(prepared.method.name, events[1:], actor=actor)
        if event.successful and applied.outcome == REFUSED:
            self._taken_not_recorded(prepared, event, applied, actor)
        if applied.outcome in (APPLIED, DUPLICATE):
            # the event names the authorization's attempt (see CapturingMethod): this one ends here,
            # its outcome recorded by the transaction
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=event.successful, message=event.message,
                                         actor=actor, record=False)
        return self._outcome(prepared, applied, event.successful, event.message)

    def reauthorize(self, transaction_id: int, *, notes: str = "", actor: str,
                    request_key: str | None = None) -> ProviderOutcome:
        """Renew what an authorization still holds through its provider before the hold expires
        (``request_key``: as for ``refund``): a new authorization, then the old one released.
        ``ProviderOutcome.transaction_id`` is the new authorization.

        When the provider's answer is lost (``OutcomeUnknown``), the new authorization may have been
        made: the attempt stays open, reserving the old one until it is settled, and asking again
        meanwhile sends the same request (through a method that ``resends_safely``), so the provider
        answers with the authorization it made the first time instead of making a second one."""
        prepared = self._prepare(transaction_id, "reauthorize", None, notes, actor, request_key)
        with self.ctx.db.session() as s:
            doc = self.ctx.document(s, self.ctx.load(s, prepared.invoice_id))
        request = ReauthorizeRequest(
            attempt_id=prepared.attempt_id, transaction=prepared.ref, invoice=doc, amount=prepared.amount,
            currency=prepared.ref.currency, description=f"Invoice {doc.display_number}", notes=notes,
            timestamp=self.ctx.clock(),
            config=self.checkout.method_config(prepared.method, prepared.organization_id, prepared.website_id))
        try:
            renewal = cast(ReauthorizingMethod, prepared.method).reauthorize(request)
        except OutcomeUnknown as exc:
            raise self._unconfirmed(prepared, exc, actor, "reauthorize") from None
        except ProviderError as exc:
            self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, message=exc.message, actor=actor)
            raise
        event = renewal.authorization
        applied = self.events.apply(prepared.method.name, [event], actor=actor, notes=notes)[0]
        if applied.outcome in (APPLIED, DUPLICATE) and applied.transaction_id and renewal.release is not None:
            self.events.absorb(prepared.method.name, renewal.release, applied.transaction_id)
        return self._outcome(prepared, applied, event.successful, event.message)

    def confirm_unanswered(self, transaction_id: int, attempt_id: str, *, made: bool, reference: str = "",
                           actor: str) -> ProviderOutcome:
        """Say what the provider did with a request on ``transaction_id`` whose answer was lost
        (``attempt_id``), as an admin checked at the provider: ``made`` records the refund or
        cancellation (under the provider's ``reference``, when given); not made ends the request,
        and what it reserved is free again. A capture or re-authorization is only ever recorded as
        its provider reports it (or asked again).

        :raises Conflict: the request is no longer waiting for its answer, or it is sent again
            safely (asked again, its provider answers what it did).
        """
        reference = reference.strip()
        errors = reference_problems(reference, "")
        if errors:
            raise ValidationError(errors)
        check_storable(reference, "reference")
        now = self.ctx.clock()
        with self.ctx.translate_errors(), self.ctx.write() as s:
            tx = s.get(PaymentTransaction, transaction_id)
            if tx is None:
                raise NotFound(Message("Payment transaction %(id)s does not exist.", id=transaction_id))
            self.ctx.load(s, tx.invoice_id, lock=True)
            row = find_attempt(s, attempt_id, lock=True)
            if row is None or row.parent_transaction_id != tx.id or row.status != "started" or not row.message:
                raise Conflict(Message("This request is no longer waiting for its provider's answer: it was "
                                       "reported, asked again or confirmed already."))
            method = self.checkout.methods.get(row.method)
            label = method.label if method is not None else row.method
            kind = _request_kind(row)
            if _resends(method, row, now):
                raise Conflict(Message("Ask %(method)s again instead: the same request is sent, and %(method)s "
                                       "answers what it did the first time.", method=label))
            if made and kind not in CONFIRMABLE:
                raise Conflict(Message("A %(request)s is recorded only as %(method)s reports it. If %(method)s did "
                                       "not make it, confirm that it was not made.",
                                       request=Message(_REQUEST_WORDS[kind]), method=label))
            amount = Amount(from_minor(row.amount, row.currency), row.currency)
            prepared = _Prepared(cast(PaymentMethod, method), TransactionRef(
                transaction_id=tx.id, action=tx.action, amount=tx.amount, currency=tx.currency,
                provider_reference=tx.provider_reference or "", attempt_id=row.public_id),
                row.public_id, row.amount, 0, None, tx.invoice_id)
            words = {"method": label, "request": Message(_REQUEST_WORDS[kind]), "amount": amount}
            said = (Message("Confirmed that %(method)s made the %(request)s of %(amount)s", **words) if made else
                    Message("Confirmed that %(method)s did not make the %(request)s of %(amount)s; it is no longer "
                            "reserved", **words))
            activity.record(s, tx.invoice_id, "payment", actor,
                            Message("%(summary)s (reference %(reference)s)", summary=said, reference=reference)
                            if reference else said, {"attempt": row.public_id, "transaction_id": tx.id})
            parent_reference, method_name = tx.provider_reference, row.method
        if not made:
            self.checkout.finish_attempt(attempt_id, succeeded=False, actor=actor, record=False,
                                         message=Message("Not made at %(method)s (confirmed).", method=label))
            return ProviderOutcome(successful=False, amount=amount.amount, currency=amount.currency,
                                   message=said, transaction_id=None)
        event = ProviderEvent(event_id=f"confirmed-{attempt_id}", action=kind, successful=True,
                              amount=prepared.amount, currency=amount.currency, attempt_id=attempt_id,
                              provider_reference=reference or None, parent_reference=parent_reference,
                              message=str(said))
        applied = self.events.apply(method_name, [event], actor=actor)[0]
        return self._outcome(prepared, applied, True, said)

    def release_renewed(self, method_name: str, outcomes: Iterable[EventOutcome]) -> None:
        """Release at its provider each authorization that a renewal recorded from the provider's
        own report replaced (the answer to the re-authorization was lost, so the old hold was never
        released): the same cancellation ``reauthorize`` sends, kept as applied by the renewal. One
        that cannot be released is said in the invoice's activity, to cancel it at the provider."""
        method = self.checkout.methods.get(method_name)
        for outcome in outcomes:
            if method is None or outcome.outcome != APPLIED or outcome.transaction_id is None:
                continue
            with self.ctx.db.session() as s:
                new = s.get(PaymentTransaction, outcome.transaction_id)
                old = s.get(PaymentTransaction, new.parent_id) if new is not None and new.parent_id else None
                if new is None or old is None or new.action != "authorize" or not new.successful \
                        or old.action != "authorize":
                    continue
                renewal, origin = taking_attempt(s, new), taking_attempt(s, old)
                invoice = s.get(Invoice, old.invoice_id)
                if renewal is None or origin is None or invoice is None:
                    continue
                request = CancelRequest(
                    attempt_id=renewal.public_id, transaction=_ref(old, origin), notes="",
                    timestamp=self.ctx.clock(),
                    config=self.checkout.method_config(method, invoice.organization_id, invoice.website_id))
                invoice_id, renewed_id, amount = invoice.id, new.id, Amount(from_minor(old.amount, old.currency),
                                                                             old.currency)
            try:
                release = method.cancel(request)
                if not release.successful:
                    raise ProviderError(release.message)
            except ProviderError as exc:
                log.error("Could not release authorization %s after its renewal was reported: %s",
                          request.transaction.transaction_id, exc.message)
                with self.ctx.write() as s:
                    activity.record(s, invoice_id, "payment", "system", Message(
                        "%(method)s reported the renewal of the authorization of %(amount)s, but the old "
                        "authorization could not be released (%(reason)s). Cancel it at %(method)s so that the "
                        "customer's card carries one hold.", method=method.label, amount=amount,
                        reason=_sentence(exc.message).rstrip(".")), {"transaction_id": renewed_id})
                continue
            self.events.absorb(method_name, release, renewed_id)

    def expiring(self, until: dt.datetime) -> list[ExpiringAuthorization]:
        """The open authorizations whose provider said it holds them until a time between now and
        ``until``, soonest first (read among the invoices whose status can leave one open)."""
        now = self.ctx.clock()
        found = []
        with self.ctx.db.session() as s:
            rows = s.execute(
                select(PaymentTransaction, Invoice.organization_id, Invoice.website_id)
                .join(PaymentState, PaymentState.invoice_id == PaymentTransaction.invoice_id)
                .join(Invoice, Invoice.id == PaymentTransaction.invoice_id)
                .where(PaymentState.payment_status.in_(_MAY_HOLD), PaymentTransaction.action == "authorize",
                       PaymentTransaction.successful.is_(True))).all()
            for tx, organization_id, website_id in rows:
                held_until = _held_until(tx)
                if held_until is None or not now < held_until <= until:
                    continue
                left, unsettled = _left(s, tx, "cancel", now), None
                if left <= 0:
                    # a lost renewal holds it all: it still lapses at the provider unless that is settled
                    method = self.checkout.methods.get(tx.method)
                    unsettled = _reserved(s, tx, method, method.label if method is not None else tx.method, now,
                                          kind="payment")
                    left = still_held(s, tx) if unsettled is not None else 0
                if left > 0:
                    found.append(ExpiringAuthorization(tx.id, tx.invoice_id, organization_id, website_id,
                                                       held_until, from_minor(left, tx.currency), tx.currency,
                                                       tx.method, unsettled))
        return sorted(found, key=lambda a: (a.held_until, a.transaction_id))

    def _capturable(self, s: Session, invoice: Invoice, held: int, now: dt.datetime) -> int:
        """What of an authorization of ``invoice`` that still holds ``held`` (less what is being
        captured of it) may be captured now: ``payment_limits.capturable`` with the invoice's
        transactions, credit notes and the captures of all its authorizations still waiting for
        their provider's answer."""
        state = self.ctx.payment_state(s, invoice.id)
        summary = pstatus.summarize(self.events.payments.facts(s, invoice.id))
        pending = int(sum(s.execute(select(PaymentAttempt.amount).where(
            PaymentAttempt.invoice_id == invoice.id, PaymentAttempt.kind == "capture",
            awaiting_answer(now))).scalars()))
        return capture_rule(held, invoice.total_amount - state.amount_credited, summary, pending=pending)

    def _unconfirmed(self, prepared: _Prepared, exc: OutcomeUnknown, actor: str, kind: str) -> ProviderError:
        """The answer to a refund, capture, cancellation or re-authorization (``kind``) did not come back: keep its
        attempt open (it holds its amount, and ``_resumable`` finds it when its method resends
        safely), say so in the activity, and the error telling the admin."""
        currency = prepared.ref.currency
        words = {"method": prepared.method.label, "amount": Amount(from_minor(prepared.amount, currency), currency),
                 "reason": exc.detail or exc.message}
        if not resends_safely(prepared.method):
            message = Message(
                "%(method)s did not answer whether it carried out the %(request)s of %(amount)s (%(reason)s). It "
                "may have been made: its amount stays reserved until you check the payment at %(method)s and "
                "confirm on the invoice's payment whether it was made. Do not ask for it again: a request sent "
                "again is a new one there.",
                request=Message(_REQUEST_WORDS.get(kind, N_("refund"))), **words)
        elif kind == "reauthorize":
            message = Message(
                "%(method)s did not answer whether it re-authorized %(amount)s (%(reason)s). The new authorization "
                "may have been made: the old one stays reserved for it until %(method)s reports it. Re-authorizing "
                "again sends this same request, which %(method)s never carries out twice.", **words)
        elif kind == "capture":
            message = Message(
                "%(method)s did not answer whether it captured %(amount)s (%(reason)s). The capture may have been "
                "made: the authorization stays reserved for it until %(method)s reports it. Capturing again sends "
                "this same request, which %(method)s never carries out twice.", **words)
        elif kind == "cancel":
            message = Message(
                "%(method)s did not answer whether it canceled the authorization of %(amount)s (%(reason)s). It may "
                "have been canceled: it stays reserved until %(method)s reports it. Canceling again sends this "
                "same request, which %(method)s never carries out twice.", **words)
        else:
            message = Message(
                "%(method)s did not answer whether it refunded %(amount)s (%(reason)s). The refund may have been "
                "made: its amount stays reserved until %(method)s reports it. Asking again for the same amount "
                "sends this same request, which %(method)s never carries out twice.", **words)
        with self.ctx.write() as s:
            row = find_attempt(s, prepared.attempt_id, lock=True)
            if row is not None and row.status == "started":
                row.message = str(message)[:2000]     # started, with what happened: unconfirmed
                row.updated_at = self.ctx.clock()
            activity.record(s, prepared.invoice_id, "payment", actor, message, {"attempt": prepared.attempt_id})
        return ProviderError(message)

    def _refunded_not_recorded(self, prepared: _Prepared, event: ProviderEvent, applied: EventOutcome,
                               actor: str) -> None:
        """The provider gave ``event.amount`` back but its report was refused: say so (not that
        the refund was not made), as the provider reported it (in its currency; and what was asked,
        where that differs), in the activity too, and raise ``NotRecorded``."""
        words, as_asked = _reported(prepared, event)
        if as_asked:
            ended = Message("%(method)s refunded %(amount)s, but it was not recorded.", **words)
            said = N_("%(method)s refunded %(amount)s to the customer, but it was not recorded: %(reason)s Check the "
                      "refund at %(method)s (reference %(reference)s); the invoice's payments do not show it.")
        else:
            ended = Message("%(method)s refunded %(amount)s (%(asked)s was asked), but it was not recorded.", **words)
            said = N_("%(method)s refunded %(amount)s to the customer (%(asked)s was asked), but it was not recorded: "
                      "%(reason)s Check the refund at %(method)s (reference %(reference)s); the invoice's payments "
                      "do not show it.")
        self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, actor=actor, record=False, message=ended)
        message = Message(said, **words,
                          reason=_sentence(applied.reason) if applied.reason else Message("its report was refused."),
                          reference=event.provider_reference or event.event_id)
        with self.ctx.write() as s:
            activity.record(s, prepared.invoice_id, "payment", actor, message,
                            {"attempt": prepared.attempt_id, "event_id": event.event_id,
                             "provider_reference": event.provider_reference, "not_recorded": True})
        raise NotRecorded(message)

    def _taken_not_recorded(self, prepared: _Prepared, event: ProviderEvent, applied: EventOutcome,
                            actor: str) -> None:
        """The provider captured ``event.amount`` but its report was refused: say so in the
        activity, as the provider reported it (in its currency; and what was asked, where that
        differs) with its provider reference, to refund it there, end the capture's attempt, and
        raise ``NotRecorded``."""
        currency = prepared.ref.currency
        words, as_asked = _reported(prepared, event)
        if as_asked:
            ended = Message("%(method)s captured %(amount)s, but it was not recorded.", **words)
            said = N_("%(method)s captured %(amount)s from the customer, but it was not recorded: %(reason)s Refund "
                      "the %(amount)s at %(method)s (reference %(reference)s).")
        else:
            ended = Message("%(method)s captured %(amount)s (%(asked)s was asked), but it was not recorded.", **words)
            said = N_("%(method)s captured %(amount)s from the customer (%(asked)s was asked), but it was not "
                      "recorded: %(reason)s Refund the %(amount)s at %(method)s (reference %(reference)s).")
        # ended first, so that it no longer counts as a capture waiting for its answer
        self.checkout.finish_attempt(prepared.attempt_id, succeeded=False, actor=actor, record=False, message=ended)
        with self.ctx.write() as s:
            invoice = self.ctx.load(s, prepared.invoice_id)
            tx = s.get(PaymentTransaction, prepared.ref.transaction_id)
            held = _left(s, tx, "cancel", self.ctx.clock()) if tx is not None else 0
            room = self._capturable(s, invoice, held, self.ctx.clock())
            reason: str
            # the reported amount is measured against what is held only in the payment's currency
            same_currency = event.currency == currency
            if same_currency and event.amount > held:
                reason = Message("that is more than the authorization holds (%(held)s).",
                                 held=Amount(from_minor(held, currency), currency))
            elif same_currency and event.amount > room:
                reason = Message("only %(limit)s of invoice %(number)s could still be captured (a payment or "
                                 "credit note recorded meanwhile settles the rest).",
                                 limit=Amount(from_minor(room, currency), currency), number=invoice.invoice_number)
            else:
                reason = _sentence(applied.reason) if applied.reason else Message("its report was refused.")
            message = Message(said, **words, reason=reason, reference=event.provider_reference or event.event_id)
            activity.record(s, prepared.invoice_id, "payment", actor, message,
                            {"attempt": prepared.attempt_id, "event_id": event.event_id,
                             "provider_reference": event.provider_reference, "not_recorded": True})
        raise NotRecorded(message)

    def _renews(self, method: PaymentMethod | None, tx: PaymentTransaction, origin: PaymentAttempt,
                invoice: Invoice | None) -> bool:
        """Whether ``method`` can renew the authorization ``tx`` (started by ``origin``) with the
        settings of its ``invoice``."""
        if not isinstance(method, ReauthorizingMethod) or invoice is None:
            return False
        config = self.checkout.method_config(method, invoice.organization_id, invoice.website_id)
        return method.can_reauthorize(_ref(tx, origin), config)

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
                 request_key: str | None = None, credit_note_id: int | None = None) -> _Prepared:
        """Check the transaction and the amount, and record the attempt (under the invoice's lock)."""
        if len(notes) > MAX_NOTES:
            raise ValidationError([("notes", Message("At most %(limit)s characters.", limit=MAX_NOTES))])
        check_storable(notes, "notes")
        if problems := notes_problems(notes):
            raise ValidationError(problems)
        key = check_request_key(request_key)
        words = _KINDS[kind]
        now = self.ctx.clock()
        with self.ctx.translate_errors(), self.ctx.write() as s:
            tx = s.get(PaymentTransaction, transaction_id)
            if tx is None:
                raise NotFound(Message("Payment transaction %(id)s does not exist.", id=transaction_id))
            invoice: Invoice = self.ctx.load(s, tx.invoice_id, lock=True)
            left = held = _left(s, tx, kind, now)
            method = self.checkout.methods.get(tx.method)
            origin = taking_attempt(s, tx)
            resumed = (_resumable(s, tx, kind, amount, left, now, key)
                       if kind in _RESENDABLE and method is not None and resends_safely(method) else None)
            if key is not None and resumed is None:
                _refuse_repeat(s, tx.invoice_id, key, words)
            if not tx.successful or tx.action not in words.parents:
                raise Conflict(Message(words.wrong_parent))
            if resumed is not None and method is not None and origin is not None:
                summary = Message(_KINDS[kind].resent, amount=Amount(from_minor(resumed.amount, tx.currency),
                                                                     tx.currency), method=method.label)
                activity.record(s, tx.invoice_id, "payment", actor, summary,
                                {"attempt": resumed.public_id, "transaction_id": tx.id})
                return _Prepared(method, _ref(tx, origin), resumed.public_id, resumed.amount,
                                 invoice.organization_id, invoice.website_id, invoice.id)
            if left <= 0:
                waiting = _reserved(s, tx, method, method.label if method is not None else tx.method, now)
                raise Conflict(waiting or Message(words.nothing_left))
            if method is None or origin is None:
                raise Conflict(Message(words.elsewhere, action=tx.action, method=tx.method))
            if kind == "capture" and not isinstance(method, CapturingMethod):
                raise Conflict(Message("%(method)s cannot capture an authorization from here; capture it at "
                                       "%(method)s, which then reports it.", method=method.label))
            if kind == "reauthorize" and not self._renews(method, tx, origin, invoice):
                raise Conflict(Message("%(method)s cannot re-authorize this payment: its card was not kept for "
                                       "payments without the customer. Capture it before it expires, or cancel "
                                       "it.", method=method.label))
            if kind == "capture":
                left = self._capturable(s, invoice, held, now)
                _check_capturable(invoice, method, held, left, tx.currency)
            # a capture bound by what the authorization has free (not by what the invoice has due)
            # names the unanswered request that reserves the rest, as a refund does
            minor = (_amount_within(s, tx, method, amount, left, now) if kind == "refund"
                     or (kind == "capture" and left == held)
                     else _amount(amount, left, tx.currency) if kind == "capture" else left)
            if kind == "capture" and minor < held and not captures_part(method):
                raise ValidationError([("amount", Message(
                    "%(method)s captures all an authorization holds (%(amount)s), not part of it.",
                    method=method.label, amount=Amount(from_minor(held, tx.currency), tx.currency)))])
            row = PaymentAttempt(
                public_id=new_public_id(), invoice_id=tx.invoice_id, kind=_ATTEMPT_KIND.get(kind, kind),
                method=tx.method, amount=minor, currency=tx.currency, status="started", origin="backoffice",
                parent_transaction_id=tx.id, message="", actor=actor, created_at=now, updated_at=now,
                request_key=key, credit_note_id=credit_note_id)
            s.add(row)
            s.flush()
            summary = Message(words.requested, amount=Amount(from_minor(minor, tx.currency), tx.currency),
                              method=method.label)
            activity.record(s, tx.invoice_id, "payment", actor,
                            Message("%(summary)s: %(reason)s", summary=summary, reason=notes) if notes else summary,
                            {"attempt": row.public_id, "transaction_id": tx.id})
            return _Prepared(method, _ref(tx, origin), row.public_id, minor, invoice.organization_id,
                             invoice.website_id, invoice.id)


def _left(s: Session, tx: PaymentTransaction, kind: str, now: dt.datetime) -> int:
    """What remains of ``tx`` for a ``kind`` request: of a charge, what is not refunded or being
    refunded; of an authorization, what is not captured, canceled, renewed or being any of these."""
    if kind == "refund":
        return tx.amount - refunded_from(s, tx, "refund") - pending_against(s, tx, "refund", now)
    return (still_held(s, tx) - pending_against(s, tx, "cancel", now) - pending_against(s, tx, "capture", now)
            - pending_against(s, tx, "payment", now))


def _check_capturable(invoice: Invoice, method: PaymentMethod, held: int, limit: int, currency: str) -> None:
    """Refuse, before the provider is asked, a capture of an authorization holding ``held`` when
    at most ``limit`` may be captured (``payment_limits.capturable``) and that is nothing, or
    less than all while ``method`` captures only all."""
    money = {"held": Amount(from_minor(held, currency), currency),
             "limit": Amount(from_minor(limit, currency), currency)}
    if limit <= 0:
        raise Conflict(Message("Nothing can be captured: invoice %(number)s has nothing due that this "
                               "authorization's %(held)s would pay (it was paid another way or credited). "
                               "Cancel the authorization to release it.", number=invoice.invoice_number, **money))
    if limit < held and not captures_part(method):
        raise Conflict(Message("%(method)s captures all an authorization holds (%(held)s), but only %(limit)s of "
                               "invoice %(number)s may be captured. Cancel the authorization, and have the "
                               "customer pay what is due.", method=method.label, number=invoice.invoice_number,
                               **money))


def _reported(prepared: _Prepared, event: ProviderEvent) -> tuple[dict[str, Any], bool]:
    """What a message about money the provider reported moving says (``method``; ``amount``: as
    the provider reported it, in its currency; ``asked``: what was asked, in the payment's), and
    whether the two are the same, so that ``asked`` need not be said."""
    currency = prepared.ref.currency
    words: dict[str, Any] = {"method": prepared.method.label,
                             "amount": Amount(from_minor(event.amount, event.currency), event.currency),
                             "asked": Amount(from_minor(prepared.amount, currency), currency)}
    return words, (event.amount, event.currency) == (prepared.amount, currency)


def _sentence(text: str) -> str:
    """``text`` ending with a period."""
    return text if text.endswith(".") else f"{text}."


def _ref(tx: PaymentTransaction, origin: PaymentAttempt) -> TransactionRef:
    """``tx`` as a method reads it (``origin``: the attempt that took it)."""
    return TransactionRef(transaction_id=tx.id, action=tx.action, amount=tx.amount, currency=tx.currency,
                          # a share of a payment of several invoices: the reference the payment has
                          provider_reference=tx.provider_reference or _shared_reference(tx, origin),
                          attempt_id=origin.public_id,
                          data=dict(tx.data or {}))


def _shared_reference(tx: PaymentTransaction, origin: PaymentAttempt) -> str:
    """The provider's reference of the payment of several invoices ``tx`` is a share of: what its
    first share was recorded with (kept in each other share's data), else the attempt's."""
    kept = (tx.data or {}).get(REFERENCE_KEY)
    return str(kept) if isinstance(kept, str) and kept else origin.provider_reference or ""


def _held_until(tx: PaymentTransaction) -> dt.datetime | None:
    """Until when the provider said it holds the authorization ``tx`` (None: not said, or not a time)."""
    value = (tx.data or {}).get(CAPTURE_BEFORE)
    try:
        when = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def _resumable(s: Session, tx: PaymentTransaction, kind: str, amount: object, left: int, now: dt.datetime,
               key: str | None) -> PaymentAttempt | None:
    """The refund, capture, cancellation or re-authorization (``kind``) of ``tx`` whose provider did not answer
    (``Refunds._unconfirmed``: started, with a message, within ``RESEND_WITHIN``) asked by the same
    form (``key``) or for the same ``amount`` (all that remains: what it holds, when nothing else
    remains), to be sent again rather than asked anew."""
    rows = s.execute(select(PaymentAttempt).where(
        PaymentAttempt.parent_transaction_id == tx.id, PaymentAttempt.kind == _ATTEMPT_KIND.get(kind, kind),
        unanswered(), PaymentAttempt.created_at > now - RESEND_WITHIN).order_by(PaymentAttempt.id)).scalars()
    for row in rows:
        if key is not None and row.request_key == key:
            return row
        try:
            if _amount(amount, left + row.amount, tx.currency) == row.amount:
                return row
        except ValidationError:
            continue
    return None


def _request_kind(row: PaymentAttempt) -> str:
    """What ``row`` asked its provider for: a refund, capture, cancellation or re-authorization."""
    return "reauthorize" if row.kind == "payment" else row.kind


def _resends(method: PaymentMethod | None, row: PaymentAttempt, now: dt.datetime) -> bool:
    """Whether ``row``, whose answer was lost, is sent again when asked again: through a method
    that ``resends_safely``, while its provider still knows the request's key."""
    return method is not None and resends_safely(method) and row.created_at > now - RESEND_WITHIN


def _reserved(s: Session, tx: PaymentTransaction, method: PaymentMethod | None, label: str,
              now: dt.datetime, kind: str | None = None) -> Message | None:
    """Why nothing remains of ``tx``: the oldest request on it whose answer was lost (of that attempt
    ``kind`` when given), what holds its amount and how to settle it (None: there is none)."""
    row = s.execute(select(PaymentAttempt).where(
        PaymentAttempt.parent_transaction_id == tx.id, unanswered(),
        *([PaymentAttempt.kind == kind] if kind is not None else [])).order_by(PaymentAttempt.id)
        .limit(1)).scalar_one_or_none()
    if row is None:
        return None
    kind = _request_kind(row)
    words = {"method": label, "request": Message(_REQUEST_WORDS[kind]), "when": row.created_at,
             "amount": Amount(from_minor(row.amount, row.currency), row.currency)}
    if _resends(method, row, now):
        return Message("%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked "
                       "%(when)s), so its amount stays reserved until %(method)s reports it. Ask for the "
                       "%(request)s again: the same request is sent, which %(method)s never carries out twice.",
                       **words)
    return Message("%(method)s did not answer whether it carried out the %(request)s of %(amount)s (asked %(when)s), "
                   "so its amount stays reserved. Check the payment at %(method)s and confirm on the invoice's "
                   "payment whether it was made.", **words)


def _amount_within(s: Session, tx: PaymentTransaction, method: PaymentMethod, amount: object, left: int,
                   now: dt.datetime) -> int:
    """``_amount`` (of a refund, or of a capture bound by what the authorization has free); refused
    while a request whose answer was lost reserves part of ``tx``, the refusal says so, and how to
    settle that request."""
    try:
        return _amount(amount, left, tx.currency)
    except ValidationError:
        waiting = _reserved(s, tx, method, method.label, now)
        if waiting is None:
            raise
        raise ValidationError([("amount", Message(
            "Must be more than 0 and at most %(amount)s, what remains of the payment besides what a request "
            "whose answer was lost reserves. %(reserved)s",
            amount=Amount(from_minor(left, tx.currency), tx.currency), reserved=waiting))]) from None


def _amount(amount: object, left: int, currency: str) -> int:
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return left
    value = parse_decimal(amount.strip() if isinstance(amount, str) else amount, "amount", currency)
    minor = None
    if abs(value) < AMOUNT_LIMIT:   # beyond it, out of bounds (and too long to round)
        try:
            minor = to_minor(value, currency)
        except ValidationError:
            raise ValidationError([("amount", too_many_decimals(currency))]) from None
    if minor is None or not 0 < minor <= left:
        raise ValidationError([("amount", Message("Must be more than 0 and at most %(amount)s, what remains of "
                                                  "the payment.", amount=Amount(from_minor(left, currency), currency)))])
    return minor


class AlreadyRequested(Conflict):
    """The refund, capture or cancellation form was submitted before: nothing was requested again."""


class NotRecorded(Conflict):
    """The provider took the money (a capture) or gave it back (a refund), but its report could not
    be recorded: the message says so, with the amount and the provider's reference to act on it there."""


def _refuse_repeat(s: Session, invoice_id: int, key: str, words: _Kind) -> None:
    """Raise ``AlreadyRequested`` when ``key`` already started a request on the invoice."""
    found = s.execute(select(PaymentAttempt).where(PaymentAttempt.invoice_id == invoice_id,
                                                   PaymentAttempt.request_key == key)).scalar_one_or_none()
    if found is not None:
        raise AlreadyRequested(Message(words.repeated, amount=Amount(from_minor(found.amount, found.currency),
                                                                      found.currency), when=found.created_at))
