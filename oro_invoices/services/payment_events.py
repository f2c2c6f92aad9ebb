"""Provider events, each applied once, in any order: the replay-safe side of payments.

Every event a method reports is stored under its method and event id (unique in the
database) in the same transaction that records its payment transaction, so a redelivery, a
retry racing the first delivery, or a customer reloading the response page finds the event
and changes nothing. A refused event does not use up its id: a later delivery of that id that
reports something else (the genuine answer after a copy with a changed amount) is checked as
a new one. What an event says is checked against the add-on's own record before anything is
recorded:

- a charge or authorization must be for exactly the amount its attempt was started with
  (a provider's amount is never trusted over the attempt: a different one is refused and logged);
  a capture may take less than its authorization (a partial capture), never more;
- a refund, capture or cancel acting on a payment that has not arrived yet is *deferred* and
  applied as soon as that payment is recorded (events arrive late and out of order);
- a refund, capture or cancel may never move more than remains of the payment it acts on;
- an authorization started to renew another one (a re-authorization: its attempt names the
  authorization) records that one as its parent, and what the old one still held moves to it.

Recorded transactions go through ``Payments.record_payment``, which recalculates the payment
status and announces the change (``invoice_payment_status_changed``) after the commit.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import InvoiceError, NotFound
from oro_invoices.domain.invoice import display_number
from oro_invoices.domain.limits import quoted, without_hidden
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import from_minor
from oro_invoices.domain.payment_labels import action_label
from oro_invoices.integration.payment_methods import (
    REPLY_PAGE,
    AttemptRecord,
    CallbackRejected,
    CallbackResult,
    MethodConfig,
    PaymentMethod,
    ProviderCallback,
    ProviderError,
    ProviderEvent,
    account_settings,
    callback_settings,
    signature_check,
)
from oro_invoices.persistence import activity
from oro_invoices.persistence.models import Invoice, PaymentAttempt, PaymentEvent, PaymentShare, PaymentTransaction
from oro_invoices.persistence.read_models import (
    ATTEMPT_KEY,
    CREDIT_NOTE_KEY,
    REFERENCE_KEY,
    REMITTANCE_KEY,
    RemittanceView,
)
from oro_invoices.persistence.received_payments import RECEIPTED_ACTIONS, note_received, note_received_together
from oro_invoices.services.checkout import Checkout
from oro_invoices.services.context import ServiceContext, current_batch
from oro_invoices.services.payment_records import (
    AttemptView,
    attempt_invoices,
    attempt_record,
    charge_parts,
    find_attempt,
    refresh_processing,
    refunded_from,
    shares_of,
    still_held,
)
from oro_invoices.services.payments import PARENT_ACTIONS, Payments

log = logging.getLogger("oro_invoices.payments")

APPLIED, DEFERRED, REFUSED, DUPLICATE = "applied", "deferred", "refused", "duplicate"
#: A copy of an event verified with the settings of another scope on the invoice's own provider
#: account: acknowledged, nothing kept (the copy sent to the invoice's own endpoint settles it).
IGNORED = "ignored"
#: The payload key of the scope (organization, website) whose settings verified a callback naming no attempt.
VERIFIED_KEY = "verified_scope"
#: The payload key of the further scopes whose settings verified copies of a deferred event.
ALSO_VERIFIED_KEY = "verified_also"
#: Where the settings that verified an event stand to its invoice's (``PaymentEvents._verified_by``).
OWN, SAME_ACCOUNT, ELSEWHERE = "own", "same account", "elsewhere"
#: An organization and website (None, None: the global settings).
Scope = tuple[int | None, int | None]
#: How many passes over deferred events one applied event may trigger.
MAX_RETRY_PASSES = 20


@dataclass(frozen=True)
class EventOutcome:
    """What became of one provider event (``outcome``: applied, deferred, refused, duplicate, ignored)."""

    event_id: str
    outcome: str
    reason: str = ""
    transaction_id: int | None = None


@dataclass(frozen=True)
class CallbackOutcome:
    """What a provider callback did, and whose result page the customer sees next.

    ``rejected`` holds why the callback could not be trusted (nothing was recorded).
    ``unchecked`` holds why the method could not ask its provider about the callback (the provider
    was out of reach: nothing was recorded, and the attempt is left as it was, for the provider's
    next report or delivery to settle).
    """

    attempt: AttemptView | None
    reply: str
    outcomes: tuple[EventOutcome, ...] = ()
    rejected: str = ""
    unchecked: str = ""


class PaymentEvents:
    """Applies provider events once; handles provider callbacks."""

    def __init__(self, ctx: ServiceContext, payments: Payments, checkout: Checkout):
        self.ctx = ctx
        self.payments = payments
        self.checkout = checkout

    # ---- callbacks ----------------------------------------------------------------------

    def handle_callback(self, method_name: str, callback: ProviderCallback, *,
                        actor: str | None = None) -> CallbackOutcome:
        """Verify a provider callback through its method and apply what it reports.

        A callback that cannot be verified records nothing; when it names a known attempt,
        that attempt ends as failed (a later genuine answer still succeeds it) and the
        outcome carries ``rejected``; otherwise, or when the refusal says it must not end the
        attempt (``CallbackRejected.ends_attempt``: a forged webhook), ``CallbackRejected`` is raised.
        A method that cannot reach its provider to read the callback (``ProviderError``) records
        nothing either: the outcome carries ``unchecked`` when the callback names a known attempt
        (left as it was: the customer may well have paid), else the error is raised.
        """
        method = self.checkout.methods.get(method_name)
        if method is None:
            raise NotFound(Message("There is no payment method %(name)s.", name=quoted(method_name)))
        actor = actor or f"{method.label} notification"
        try:
            claimed = method.callback_attempt(callback)
        except CallbackRejected:
            raise
        except Exception as exc:  # a method's parser must not turn garbage into a 500
            raise CallbackRejected(f"The notification could not be read ({type(exc).__name__}).") from None
        with self.ctx.db.session() as s:
            row = find_attempt(s, claimed)
            record = attempt_record(row) if row is not None else None
            invoice = s.get(Invoice, row.invoice_id) if row is not None else None
            scope = (invoice.organization_id, invoice.website_id) if invoice is not None else (None, None)
        keys = callback_settings(method) if record is None else ()
        verified: Scope | None = None
        try:
            if keys:
                result, verified, holds = self._verify_anywhere(method_name, method, callback, keys)
                if not holds:
                    # verified with settings no invoice has (an organization's or website's own, set
                    # up before its first invoice): nothing it reports is theirs; acknowledged, as
                    # the provider expects for an event ignored, and nothing recorded
                    log.info("A %s notification verified with the settings of organization %s, website %s, "
                             "which no invoice has: ignored.", method_name, *verified)
                    return CallbackOutcome(None, result.reply)
            else:
                result = self._verify(method_name, method.handle_callback, callback, record,
                                      self.checkout.method_config(method, *scope))
        except CallbackRejected as exc:
            log.warning("Refused a %s notification: %s", method_name, exc.message)
            public_id = record.attempt_id if record is not None else None
            if public_id is None or not exc.ends_attempt:
                raise
            self.checkout.finish_attempt(
                public_id, succeeded=False, actor=actor,
                message=Message("The payment provider's answer could not be verified: %(reason)s",
                                reason=exc.message))
            return CallbackOutcome(self.checkout.attempt(public_id), REPLY_PAGE, rejected=exc.message)
        except ProviderError as exc:
            log.warning("Could not check a %s notification with the provider: %s", method_name, exc.message)
            if record is None:
                raise
            return CallbackOutcome(self.checkout.attempt(record.attempt_id), REPLY_PAGE, unchecked=exc.message)
        for report in result.processing:     # on their way: each holds its amount until its outcome comes
            self.checkout.mark_processing(report, method_name, actor=actor)
        outcomes = self.apply(method_name, result.events, actor=actor, verified=verified)
        attempt = None
        if result.attempt_id:
            try:
                attempt = self.checkout.attempt(result.attempt_id)
            except NotFound:
                attempt = None
        return CallbackOutcome(attempt, result.reply, tuple(outcomes))

    def _verify_anywhere(self, method_name: str, method: PaymentMethod, callback: ProviderCallback,
                         keys: tuple[str, ...]) -> tuple[CallbackResult, Scope, bool]:
        """A callback that names no attempt, verified with the settings of the first scope whose
        ``keys`` verify it (the global ones first, then each organization's and website's own), that
        scope, and whether an invoice has its settings. Refused by all, the refusal raised is the
        first by a scope that has ``keys`` set."""
        refused: CallbackRejected | None = None
        refused_configured = False
        check = signature_check(method)
        for scope, config, holds in self._callback_scopes(method, keys):
            try:
                if not holds and check is not None:
                    # nothing of it is recorded: its signature checked, the provider is not asked (the
                    # scope's own API key is not known when the host does not tell a website's organization)
                    return self._verify(method_name, lambda c, _, cfg: check(c, cfg), callback, None, config), \
                        scope, holds
                return self._verify(method_name, method.handle_callback, callback, None, config), scope, holds
            except CallbackRejected as exc:
                configured = any(config.get(key) for key in keys)
                if refused is None or (configured and not refused_configured):
                    refused, refused_configured = exc, configured
        assert refused is not None  # the global scope is always tried
        raise refused

    def _callback_scopes(self, method: PaymentMethod, keys: tuple[str, ...]
                         ) -> list[tuple[Scope, MethodConfig, bool]]:
        """The global scope, then each organization and website of an invoice, then each that sets
        one of ``keys`` itself, whose ``keys`` differ from those of the scopes before it, each with
        ``method``'s settings there and whether an invoice has them (the global ones count as had)."""
        with self.ctx.db.session() as s:
            places = s.execute(select(Invoice.organization_id, Invoice.website_id).distinct()).all()
        found: list[tuple[Scope, MethodConfig, bool]] = []
        seen: set[tuple[str, ...]] = set()
        candidates = [((None, None), True), *(((p[0], p[1]), True) for p in sorted(places, key=_scope_order)),
                      *((place, False) for place in sorted(self._setting_scopes(keys), key=_scope_order))]
        for place, holds in candidates:
            config = self.checkout.method_config(method, place[0], place[1])
            values = tuple(str(config.get(key) or "") for key in keys)
            if values in seen or (found and not any(values)):
                continue
            seen.add(values)
            found.append((place, config, holds))
        return found

    def _setting_scopes(self, keys: tuple[str, ...]) -> set[Scope]:
        """Each organization and website (with its organization, when the host knows it) that
        stores one of ``keys`` itself."""
        settings = self.ctx.settings
        if settings is None:
            return set()
        found: set[Scope] = set()
        for key in keys:
            found |= {(item.scope_id, None) for item in settings.stored_everywhere(key, "organization")
                      if item.scope_id is not None}
            for item in settings.stored_everywhere(key, "website"):
                if item.scope_id is not None:
                    website = self.ctx.host.websites.get_website(item.scope_id) if self.ctx.host is not None else None
                    found.add((website.organization_id if website is not None else None, item.scope_id))
        return found

    def _verified_by(self, s: Session, method_name: str, row: PaymentEvent, invoice_id: int) -> str:
        """Whose settings verified the callback(s) ``row`` came in, to its invoice: ``OWN`` (its own,
        or no scope's were tried), ``SAME_ACCOUNT`` (another scope's, which names the same provider
        account as the invoice's: that account's event, of which the invoice's own endpoint gets a
        copy too) or ``ELSEWHERE`` (another account's: one organization's signing secret must not
        settle another's payments)."""
        payload = row.payload or {}
        scopes = [scope for scope in [payload.get(VERIFIED_KEY), *(payload.get(ALSO_VERIFIED_KEY) or [])]
                  if isinstance(scope, list) and len(scope) == 2]
        method = self.checkout.methods.get(method_name)
        invoice = s.get(Invoice, invoice_id)
        if not scopes or method is None or invoice is None:
            return OWN
        own = self.checkout.method_config(method, invoice.organization_id, invoice.website_id)
        found = ELSEWHERE
        for scope in scopes:
            by = self.checkout.method_config(method, scope[0], scope[1])
            if _same(by, own, callback_settings(method)):
                return OWN
            account = account_settings(method)
            if account and all(own.get(key) for key in account) and _same(by, own, account):
                found = SAME_ACCOUNT
        return found

    @staticmethod
    def _verify(method_name: str, handle: Callable[[ProviderCallback, AttemptRecord | None, MethodConfig],
                                                   CallbackResult],
                callback: ProviderCallback, record: AttemptRecord | None, config: MethodConfig) -> CallbackResult:
        """The method's reading of a callback; anything it chokes on counts as unverifiable."""
        try:
            return handle(callback, record, config)
        except InvoiceError:
            raise
        except Exception as exc:
            log.exception("The %s method failed to read a notification", method_name)
            raise CallbackRejected(f"The notification could not be read ({type(exc).__name__}).") from None

    # ---- events -------------------------------------------------------------------------

    def apply(self, method_name: str, events: Iterable[ProviderEvent], *, actor: str,
              notes: str = "", verified: Scope | None = None) -> list[EventOutcome]:
        """Apply each event at most once (each in its own transaction). ``verified``: the scope
        whose settings verified the callback that named no attempt; its events are recorded only on
        invoices whose settings verify the same way."""
        return [self._apply_one(method_name, event, actor, notes, verified) for event in events]

    def _apply_one(self, method_name: str, event: ProviderEvent, actor: str, notes: str,
                   verified: Scope | None = None) -> EventOutcome:
        try:
            with self.ctx.batch() as batch:
                s = batch.session
                row = s.execute(select(PaymentEvent).where(
                    PaymentEvent.method == method_name, PaymentEvent.event_id == event.event_id)
                    .with_for_update()).scalar_one_or_none()
                if row is not None:
                    row.deliveries += 1
                    if row.outcome == DEFERRED and _copy_verified_elsewhere(row, event, verified):
                        # one account's event sent to several scopes' endpoints: which copy is the
                        # invoice's own is known once the payment it acts on is
                        row.payload = _also_verified(row, verified)
                        return EventOutcome(event.event_id, DUPLICATE, row.reason, row.transaction_id)
                    if row.outcome != REFUSED or _says(row) == _says_of(event, verified):
                        return EventOutcome(event.event_id, DUPLICATE, row.reason, row.transaction_id)
                    # A refusal does not use up the event id: this delivery says something else (a
                    # copy with a changed AMOUNT came first, say), so it is checked as new.
                    _retell(row, event, notes, verified)
                    return self._settle_new(s, method_name, row, actor)
                row = PaymentEvent(
                    method=method_name, event_id=event.event_id, action=event.action,
                    successful=event.successful, amount=event.amount, currency=event.currency,
                    provider_reference=_cut(event.provider_reference),
                    parent_reference=_cut(event.parent_reference), outcome=DEFERRED, reason="",
                    payload=_payload(event, notes, verified), deliveries=1, received_at=self.ctx.clock())
                s.add(row)
                s.flush()
                return self._settle_new(s, method_name, row, actor)
        except IntegrityError:
            # The same event, stored meanwhile by a concurrent delivery: that one applies it.
            return EventOutcome(event.event_id, DUPLICATE)

    def _settle_new(self, s: Session, method_name: str, row: PaymentEvent, actor: str) -> EventOutcome:
        """Settle a delivery just stored, then the deferred events it may unblock."""
        outcome = self._settle(s, method_name, row, actor)
        if outcome.outcome == APPLIED:
            self._retry_deferred(s, method_name, row.invoice_id, actor)
        return outcome

    def absorb(self, method_name: str, event: ProviderEvent, transaction_id: int) -> None:
        """Keep ``event`` as applied by the transaction ``transaction_id`` without recording one of its
        own: the release of an authorization that a re-authorization renewed. The provider's own
        report of it later is then a duplicate."""
        try:
            with self.ctx.batch() as batch:
                s = batch.session
                tx = s.get(PaymentTransaction, transaction_id)
                batch.session.add(PaymentEvent(
                    method=method_name, event_id=event.event_id, action=event.action,
                    successful=event.successful, amount=event.amount, currency=event.currency,
                    provider_reference=_cut(event.provider_reference),
                    parent_reference=_cut(event.parent_reference), outcome=APPLIED, reason="",
                    payload=_payload(event, ""), deliveries=1, received_at=self.ctx.clock(),
                    invoice_id=tx.invoice_id if tx is not None else None, transaction_id=transaction_id,
                    applied_at=self.ctx.clock()))
        except IntegrityError:
            return  # the provider's report arrived first and was kept

    def _retry_deferred(self, s: Session, method_name: str, invoice_id: int | None, actor: str) -> None:
        """Apply the deferred events that the event just applied may have unblocked."""
        for _ in range(MAX_RETRY_PASSES):
            progressed = False
            rows = s.execute(select(PaymentEvent).where(
                PaymentEvent.method == method_name, PaymentEvent.outcome == DEFERRED,
                or_(PaymentEvent.invoice_id == invoice_id, PaymentEvent.invoice_id.is_(None)))
                .order_by(PaymentEvent.id)).scalars().all()
            for row in rows:
                if self._settle(s, method_name, row, actor).outcome != DEFERRED:
                    progressed = True
            if not progressed:
                return

    def _settle(self, s: Session, method_name: str, row: PaymentEvent, actor: str) -> EventOutcome:
        """Check ``row`` against the records and record its transaction, defer it, or refuse it."""
        payload: Mapping[str, Any] = row.payload or {}
        claimed = payload.get("attempt_id")
        attempt = find_attempt(s, claimed, lock=True) if claimed else None
        if claimed and attempt is None:
            return self._refuse(s, row, Message("No payment was started with the reference %(reference)s.",
                                                reference=quoted(claimed)), actor)
        if attempt is not None and attempt.method != method_name:
            return self._refuse(s, row, Message("The reference belongs to a payment of another method."), actor)
        parent = None
        if row.action == "authorize" and attempt is not None and attempt.parent_transaction_id is not None:
            parent = s.get(PaymentTransaction, attempt.parent_transaction_id)  # the one it renews
        elif row.action in PARENT_ACTIONS:
            parent = self._parent(s, method_name, row, attempt)
            if parent is None:
                row.invoice_id = attempt.invoice_id if attempt is not None else row.invoice_id
                row.reason = "Waits for the payment it acts on to be recorded."
                return EventOutcome(row.event_id, DEFERRED, row.reason)
        invoice_id = attempt.invoice_id if attempt is not None else parent.invoice_id if parent is not None else None
        if invoice_id is None:
            return self._refuse(s, row, Message("The event names neither a started payment nor a recorded one."),
                                actor)
        row.invoice_id = invoice_id
        verified_by = self._verified_by(s, method_name, row, invoice_id) if attempt is None else OWN
        if verified_by == SAME_ACCOUNT:
            log.info("Ignored %s event %s: a copy verified with the settings of another organization or website "
                     "on the same account as its invoice's; the copy to the invoice's own endpoint settles it.",
                     method_name, row.event_id)
            event_id = row.event_id
            s.delete(row)  # nothing kept: the invoice's own copy is checked as new, whenever it comes
            s.flush()
            return EventOutcome(event_id, IGNORED, "Verified with the settings of another organization or website "
                                "on the same provider account as the invoice's; its copy to the invoice's own "
                                "endpoint is the one recorded.")
        if verified_by == ELSEWHERE:
            log.warning("Refused %s event %s: verified with the settings of another organization or website "
                        "than its invoice's.", method_name, row.event_id)
            return self._refuse(s, row, Message("The notification was verified with the settings of another "
                                                "organization or website than the invoice's: not recorded."), actor)
        expected_currency = attempt.currency if attempt is not None else parent.currency if parent else row.currency
        if row.currency != expected_currency:
            return self._refuse(s, row, Message("The provider reports %(reported)s, but the payment is in "
                                                "%(expected)s: not recorded.", reported=row.currency,
                                                expected=expected_currency), actor, attempt)
        if (attempt is not None and attempt.kind == "payment" and row.action in ("charge", "authorize")
                and row.amount != attempt.amount):
            reported, started = from_minor(row.amount, row.currency), from_minor(attempt.amount, attempt.currency)
            log.warning("Refused %s event %s: amount %s %s differs from the %s %s the payment was started with.",
                        method_name, row.event_id, reported, row.currency, started, attempt.currency)
            return self._refuse(s, row, Message("The provider reports %(reported)s, but the payment was started "
                                                "for %(started)s: not recorded.",
                                                reported=Amount(reported, row.currency),
                                                started=Amount(started, attempt.currency)), actor, attempt)
        message = str(payload.get("message") or "")
        shares = shares_of(s, attempt) if attempt is not None and attempt.kind == "payment" else []
        if shares and row.action != "charge":
            return self._refuse(s, row, Message("A payment of several invoices is charged at once, but the provider "
                                                "reports %(action)s: not recorded.",
                                                action=Message(action_label(row.action))), actor, attempt)
        record: dict[str, Any] = {
            "method": method_name, "action": row.action,
            "amount": str(from_minor(row.amount, row.currency)), "successful": row.successful,
            "provider_reference": row.provider_reference,
            "parent_id": parent.id if parent is not None else None,
            # a provider's words may carry what no shown text may: kept without it
            "notes": without_hidden(str(payload.get("notes") or message))[:10_000],
            "data": {**dict(payload.get("data") or {}), "event_id": row.event_id,
                     **({ATTEMPT_KEY: attempt.public_id} if attempt is not None else {}),
                     **({CREDIT_NOTE_KEY: attempt.credit_note_id}
                        if attempt is not None and attempt.credit_note_id is not None and row.action == "refund"
                        else {})},
        }
        if shares and attempt is not None:
            return self._settle_shares(s, row, attempt, shares, record, actor, message)
        if parent is not None and row.successful:
            left = (still_held(s, parent) if parent.action == "authorize"
                    else parent.amount - refunded_from(s, parent, row.action))
            # a refund made at the provider of a payment of several invoices: spread over their shares
            spread = (self._spread_refund(s, row, parent, record, actor)
                      if row.amount > left and row.action == "refund" and attempt is None else None)
            if spread is not None:
                return spread
            # a refund beyond it the provider made (a refund confirmed as not made, then made again):
            # the money left the account, so it is recorded (``given``), and what it gave back beyond
            # what was paid for the invoice is said
            if row.amount > left and row.action != "refund":
                return self._refuse(s, row, Message("%(action)s of %(amount)s exceeds what remains of the "
                                                    "payment (%(left)s).", action=Message(action_label(row.action)),
                                                    amount=Amount(from_minor(row.amount, row.currency), row.currency),
                                                    left=Amount(from_minor(left, row.currency), row.currency)),
                                    actor, attempt)
        try:
            # money the provider took is recorded whatever is due now (paid twice: its surplus is credit)
            tx = self.payments.record(invoice_id, record, actor=actor,
                                      taken=row.successful and row.action in ("charge", "capture"),
                                      given=row.successful and row.action == "refund").transaction
        except InvoiceError as exc:
            log.warning("Refused %s event %s: %s", method_name, row.event_id, exc.message)
            return self._refuse(s, row, Message("Not recorded: %(reason)s", reason=exc.message), actor, attempt)
        row.outcome, row.reason, row.transaction_id = APPLIED, "", tx.id
        row.applied_at = self.ctx.clock()
        if tx.over_refunded is not None:
            self._over_refunded(s, row, invoice_id, tx.over_refunded, actor)
        if row.successful and row.action in RECEIPTED_ACTIONS:
            note_received(s, tx.id)  # the customer's receipt, once this commits (services.mail.receipts)
        if attempt is not None:
            _finish(attempt, row, tx.id, message, self.ctx.clock())
            _settled(s, attempt)
        if parent is not None and row.successful and row.action in ("capture", "cancel"):
            # a capture or cancellation asked from here whose answer was lost, reported under the
            # authorization's payment (Stripe's webhook): it is done
            for waiting in s.execute(select(PaymentAttempt).where(
                    PaymentAttempt.parent_transaction_id == parent.id, PaymentAttempt.kind == row.action,
                    PaymentAttempt.status == "started")).scalars():
                _finish(waiting, row, tx.id, message, self.ctx.clock())
        return EventOutcome(row.event_id, APPLIED, "", tx.id)

    def _over_refunded(self, s: Session, row: PaymentEvent, invoice_id: int, over: Decimal, actor: str) -> None:
        """Say on the invoice that the provider refunded more than was paid for it (``over``)."""
        log.warning("Recorded %s event %s: a refund of %s %s, %s %s more than was paid for its invoice.",
                    row.method, row.event_id, from_minor(row.amount, row.currency), row.currency, over, row.currency)
        method = self.checkout.methods.label(row.method)
        left = Amount(from_minor(row.amount, row.currency) - over, row.currency)
        activity.record(s, invoice_id, "payment", actor,
                        Message("Over-refunded: %(method)s reports a refund of %(amount)s that it made, but only "
                                "%(left)s remained to refund of what was paid for the invoice, so %(over)s more than "
                                "was paid has been given back. It is recorded because the money left the account: check the payment at "
                                "%(method)s and settle the %(over)s with the customer.", method=method,
                                amount=Amount(from_minor(row.amount, row.currency), row.currency), left=left,
                                over=Amount(over, row.currency)),
                        {"event_id": row.event_id, "over_refunded": str(over)})

    def _settle_shares(self, s: Session, row: PaymentEvent, attempt: PaymentAttempt, shares: list[PaymentShare],
                       record: Mapping[str, Any], actor: str, message: str) -> EventOutcome:
        """Record a charge of several invoices as one payment on each, for its share: all of them or
        none. The first carries the provider's reference; each names the whole payment (``remittance``)."""
        invoices = {inv.id: inv for inv in s.execute(select(Invoice).where(
            Invoice.id.in_([share.invoice_id for share in shares]))).scalars()}
        remittance = RemittanceView(
            from_minor(attempt.amount, attempt.currency),
            tuple(display_number(invoices[share.invoice_id].invoice_number, share.invoice_id) for share in shares),
            tuple(share.invoice_id for share in shares)).to_data()
        # a declined try received nothing: its shares name no payment received
        parts = [(share.invoice_id, {**record, "amount": str(from_minor(share.amount, attempt.currency)),
                                     "data": {**record["data"], **({REMITTANCE_KEY: remittance} if row.successful
                                                                   else {})}}) for share in shares]
        recorded = self._record_parts(s, row, parts, actor, attempt)
        if isinstance(recorded, EventOutcome):
            return recorded
        for share, tx_id in zip(shares, recorded, strict=True):
            if not self._paid_share(s, share):   # a second approved answer: the shares keep the first
                share.transaction_id = tx_id
        if row.successful:
            note_received_together(s, recorded)  # one receipt listing every invoice it paid
        _finish(attempt, row, recorded[0], message, self.ctx.clock())
        _settled(s, attempt)
        return EventOutcome(row.event_id, APPLIED, "", recorded[0])

    @staticmethod
    def _paid_share(s: Session, share: PaymentShare) -> bool:
        """Whether ``share`` names money received already (not a declined try)."""
        tx = s.get(PaymentTransaction, share.transaction_id) if share.transaction_id is not None else None
        return tx is not None and tx.successful

    def _spread_refund(self, s: Session, row: PaymentEvent, parent: PaymentTransaction,
                       record: Mapping[str, Any], actor: str) -> EventOutcome | None:
        """A refund the provider reports of a payment of several invoices (made at the provider, so
        not for one invoice) and larger than what remains of the first share (``parent``): spread over
        the charge's shares in their order, each up to what remains of it. None when it is not such a refund,
        or more than the whole payment has left (then refused as any other)."""
        parts: list[tuple[int, dict[str, Any]]] = []
        wanted = row.amount
        for tx in charge_parts(s, parent):
            if wanted <= 0:
                break
            amount = min(tx.amount - refunded_from(s, tx, "refund"), wanted)
            if amount > 0:
                parts.append((tx.invoice_id, {**record, "amount": str(from_minor(amount, row.currency)),
                                                 "parent_id": tx.id}))
                wanted -= amount
        if wanted > 0 or not parts:
            return None
        recorded = self._record_parts(s, row, parts, actor, None)
        if isinstance(recorded, EventOutcome):
            return recorded
        for tx_id in recorded:
            note_received(s, tx_id)   # each invoice's refund receipt
        return EventOutcome(row.event_id, APPLIED, "", recorded[0])

    def _record_parts(self, s: Session, row: PaymentEvent, parts: list[tuple[int, dict[str, Any]]], actor: str,
                      attempt: PaymentAttempt | None) -> list[int] | EventOutcome:
        """Record one event as several transactions (invoice id, record): all of them, the first
        with the provider's reference, or none and the event refused. The transactions' ids."""
        batch = current_batch()
        announced = len(batch.events) if batch is not None else 0
        recorded: list[int] = []
        try:
            with s.begin_nested():
                for position, (invoice_id, part) in enumerate(parts):
                    if position:   # one transaction per provider reference: the others name it
                        part = {**part, "provider_reference": None,
                                "data": {**part["data"], REFERENCE_KEY: part["provider_reference"] or ""}}
                    taken = row.successful and row.action == "charge"
                    recorded.append(self.payments.record(invoice_id, part, actor=actor, taken=taken).transaction.id)
        except InvoiceError as exc:
            if batch is not None:
                del batch.events[announced:]   # what the rolled-back transactions announced
            log.warning("Refused %s event %s: %s", row.method, row.event_id, exc.message)
            return self._refuse(s, row, Message("Not recorded: %(reason)s", reason=exc.message), actor, attempt)
        row.outcome, row.reason, row.transaction_id = APPLIED, "", recorded[0]
        row.applied_at = self.ctx.clock()
        return recorded

    def _parent(self, s: Session, method_name: str, row: PaymentEvent,
                attempt: PaymentAttempt | None) -> PaymentTransaction | None:
        """The recorded payment a refund, capture or cancel acts on, or None (not arrived yet)."""
        actions = PARENT_ACTIONS[row.action]
        # a refund's, capture's or cancellation's own attempt names what it acts on (a capture
        # reported under its authorization's payment attempt does not: that one names what it renewed)
        if attempt is not None and attempt.kind != "payment" and attempt.parent_transaction_id is not None:
            parent = s.get(PaymentTransaction, attempt.parent_transaction_id)
            return parent if parent is not None and parent.action in actions else None
        if not row.parent_reference:
            return None
        return s.execute(select(PaymentTransaction).where(
            PaymentTransaction.method == method_name,
            PaymentTransaction.provider_reference == row.parent_reference,
            PaymentTransaction.action.in_(actions), PaymentTransaction.successful.is_(True))
            .order_by(PaymentTransaction.id).limit(1)).scalar_one_or_none()

    def _refuse(self, s: Session, row: PaymentEvent, reason: str, actor: str,
                attempt: PaymentAttempt | None = None) -> EventOutcome:
        row.outcome, row.reason = REFUSED, reason[:2000]
        if attempt is not None and attempt.status == "started":
            attempt.status, attempt.message, attempt.updated_at = "failed", reason[:2000], self.ctx.clock()
            _settled(s, attempt)
        # a payment of several invoices: every one of them says so
        for invoice_id in attempt_invoices(s, attempt) if attempt is not None else [row.invoice_id]:
            if invoice_id is None:
                continue
            activity.record(s, invoice_id, "payment", actor,
                            Message("A notification from %(method)s (%(action)s) was refused: %(reason)s",
                                    method=self.checkout.methods.label(row.method),
                                    action=Message(action_label(row.action)), reason=reason),
                            {"event_id": row.event_id})
        # the reason itself (a ``Message``) while it fits: a page shows its amounts in the reader's formats
        return EventOutcome(row.event_id, REFUSED, reason if len(reason) <= 2000 else row.reason)


def _finish(attempt: PaymentAttempt, row: PaymentEvent, transaction_id: int, message: str, now: Any) -> None:
    """An applied event ends its attempt: a success wins over any failure, never the reverse."""
    if row.successful:
        attempt.status, attempt.transaction_id = "succeeded", transaction_id
    elif attempt.status != "succeeded":
        attempt.status = "failed"
    attempt.message = message[:2000]
    if row.provider_reference and not attempt.provider_reference:
        attempt.provider_reference = row.provider_reference
    attempt.updated_at = now


def _settled(s: Session, attempt: PaymentAttempt) -> None:
    """A payment that was on its way (reported processing) ended: its invoices no longer keep its amount."""
    if attempt.processing_since is not None and attempt.status != "started":
        s.flush()
        refresh_processing(s, attempt_invoices(s, attempt))


def _says(row: PaymentEvent) -> tuple[Any, ...]:
    """What a stored event reports that its checks read: another delivery of the same id
    saying the same is a redelivery."""
    return (row.action, row.successful, row.amount, row.currency, row.provider_reference,
            row.parent_reference, (row.payload or {}).get("attempt_id"), (row.payload or {}).get(VERIFIED_KEY))


def _copy_verified_elsewhere(row: PaymentEvent, event: ProviderEvent, verified: Scope | None) -> bool:
    """Whether ``event`` says what ``row`` does, but came verified with another scope's settings."""
    stored, said = _says(row), _says_of(event, verified)
    return verified is not None and stored[:-1] == said[:-1] and stored[-1] != said[-1]


def _also_verified(row: PaymentEvent, verified: Scope | None) -> dict[str, Any]:
    """``row``'s payload naming ``verified`` among the scopes whose settings verified a copy of it."""
    payload = dict(row.payload or {})
    also = [scope for scope in payload.get(ALSO_VERIFIED_KEY) or [] if isinstance(scope, list)]
    if verified is not None and list(verified) not in also:
        also.append(list(verified))
    payload[ALSO_VERIFIED_KEY] = also
    return payload


def _same(one: MethodConfig, other: MethodConfig, keys: tuple[str, ...]) -> bool:
    """Whether two scopes' settings have the same values of ``keys`` (unset counts as empty)."""
    return all(str(one.get(key) or "").strip() == str(other.get(key) or "").strip() for key in keys)


def _scope_order(scope: tuple[int | None, int | None]) -> tuple[int, int]:
    """An order of scopes (None, the wider scope, first)."""
    return (scope[0] if scope[0] is not None else -1, scope[1] if scope[1] is not None else -1)


def _says_of(event: ProviderEvent, verified: Scope | None = None) -> tuple[Any, ...]:
    """``_says`` of an event as it would be stored."""
    return (event.action, event.successful, event.amount, event.currency, _cut(event.provider_reference),
            _cut(event.parent_reference), event.attempt_id, list(verified) if verified is not None else None)


def _retell(row: PaymentEvent, event: ProviderEvent, notes: str, verified: Scope | None = None) -> None:
    """The refused ``row`` now holds what ``event`` reports, to be checked again."""
    row.action, row.successful, row.amount, row.currency = event.action, event.successful, event.amount, event.currency
    row.provider_reference, row.parent_reference = _cut(event.provider_reference), _cut(event.parent_reference)
    row.payload, row.outcome, row.reason = _payload(event, notes, verified), DEFERRED, ""


def _cut(value: str | None) -> str | None:
    return value[:255] if value else None


def _payload(event: ProviderEvent, notes: str, verified: Scope | None = None) -> dict[str, Any]:
    return {"attempt_id": event.attempt_id, "message": event.message[:2000],
            "data": {str(k)[:64]: str(v)[:500] for k, v in dict(event.data).items()},
            "notes": notes[:10_000], **({VERIFIED_KEY: list(verified)} if verified is not None else {})}
