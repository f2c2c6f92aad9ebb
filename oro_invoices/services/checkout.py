"""Paying invoices online: the one rule deciding whether an invoice can be paid, and starting a payment.

``Checkout.availability`` is that rule. The storefront's Pay button, the payment pages, the
guest payment link, the link and QR code in emails and in the PDF made at posting all ask it,
so nothing offers a payment that cannot be made. An invoice (never a credit note) can be paid
when it is posted, its
scope has payments on (invoices enabled, Enable Invoice Payments, a Payment Method chosen),
money is due beyond what open authorizations hold (``amount_held``: the seller collects that by
capturing) and its payment status does not settle it, and either it carries an external
payment URL (Pay goes there) or the configured method takes the amount due in its currency and
the storefront base URL is configured (the provider must be able to come back).

With partial payments, a payment of part never leaves less due than the method takes
(``Availability.least_left``, its minimum): what remains must be payable online too, so the
customer pays all, or leaves at least that much.

``start_payment`` records an attempt and asks the method what the payment page shows; the
events the provider reports are applied by ``payment_events.PaymentEvents``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.errors import Conflict, NotFound, ValidationError
from oro_invoices.domain.invoice import InternalStatus, InvoiceDocument, PaymentStatus
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import (
    AMOUNT_LIMIT,
    from_minor,
    parse_decimal,
    round_money,
    to_minor,
    too_many_decimals,
)
from oro_invoices.integration.links import STOREFRONT_BASE_URL, absolute_link
from oro_invoices.integration.payment_methods import (
    AmountLimits,
    MethodConfig,
    PaymentMethod,
    PaymentMethods,
    PaymentPage,
    PaymentRequest,
    Processing,
    ProviderError,
)
from oro_invoices.persistence import activity
from oro_invoices.persistence.models import PaymentAttempt
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.payment_records import (
    AttemptView,
    attempt_invoices,
    attempt_view,
    check_request_key,
    find_attempt,
    new_public_id,
    processing_payments,
    refresh_processing,
)
from oro_invoices.services.reads import Reads

log = logging.getLogger("oro_invoices.payments")

# Why an invoice can or cannot be paid (``Availability.reason``).
PAYABLE = "payable"                # the configured method takes it
EXTERNAL = "external"              # Pay sends the customer to the invoice's external payment URL
NOT_POSTED = "not_posted"
PAYMENTS_OFF = "payments_off"
NOTHING_DUE = "nothing_due"        # nothing due, or a status that settles it (paid, authorized, refunded,
                                   # voided, credited), or a credit note (never paid)
NO_METHOD = "no_method"            # the method does not take this amount or currency, or is not set up
ORIGINS = ("storefront", "guest")


class PayableInvoice(Protocol):
    """What the rule reads of an invoice (``InvoiceDocument`` and ``InvoiceSummary`` have it)."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> InternalStatus: ...
    @property
    def payment_status(self) -> PaymentStatus: ...
    @property
    def amount_due(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def organization_id(self) -> int: ...
    @property
    def website_id(self) -> int | None: ...
    @property
    def external_payment_url(self) -> str | None: ...
    @property
    def is_credit_note(self) -> bool: ...
    @property
    def amount_held(self) -> Decimal: ...
    @property
    def amount_processing(self) -> Decimal: ...


@dataclass(frozen=True)
class PaymentPolicy:
    """The payment settings of one organization and website."""

    enabled: bool
    method_name: str
    method: PaymentMethod | None
    config: MethodConfig
    partial: bool
    partial_minimum: Decimal
    base_url: str


@dataclass(frozen=True)
class Availability:
    """Whether (and how, and which amounts) an invoice can be paid; true when it can."""

    reason: str
    method: PaymentMethod | None = None
    external_url: str | None = None
    currency: str = ""
    amount_due: int = 0
    minimum: int = 0
    maximum: int = 0
    partial: bool = False
    #: A payment of part (less than the amount due) leaves at least this due: the least the
    #: method takes, so that the rest can be paid online too (0: no such bound).
    least_left: int = 0
    #: What payments the provider reported as processing cover of the amount due (minor units):
    #: not offered again (``amount_due`` is what is left beside them).
    processing: int = 0

    def __bool__(self) -> bool:
        return self.reason in (PAYABLE, EXTERNAL)

    @property
    def online(self) -> bool:
        """Paid here, through the configured method (not at an external URL)."""
        return self.reason == PAYABLE

    def accepts(self, amount: int) -> bool:
        """Whether ``amount`` (minor units) may be paid: within the bounds, and all that is due or
        leaving at least ``least_left`` due."""
        return self.minimum <= amount <= self.maximum and (
            amount == self.amount_due or self.amount_due - amount >= self.least_left)

    @property
    def amounts(self) -> tuple[Decimal, Decimal, Decimal]:
        """``(minimum, maximum, amount due)`` as decimals of the currency."""
        return (from_minor(self.minimum, self.currency), from_minor(self.maximum, self.currency),
                from_minor(self.amount_due, self.currency))


@dataclass(frozen=True)
class StartedPayment:
    """A started payment: its attempt, and what the payment page shows (None once it ended)."""

    attempt: AttemptView
    page: PaymentPage | None
    method_label: str = ""


@dataclass
class _PolicyCache:
    values: dict[tuple[int, int | None], PaymentPolicy] = field(default_factory=dict)


class Checkout:
    """The payability rule, the payment methods, and starting payments."""

    def __init__(self, ctx: ServiceContext, reads: Reads):
        self.ctx = ctx
        self.reads = reads
        self._methods: PaymentMethods | None = None

    # ---- the methods and the settings ---------------------------------------------------

    @property
    def methods(self) -> PaymentMethods:
        """The registered payment methods (asked of the plugins once)."""
        if self._methods is None:
            self._methods = PaymentMethods.from_plugins(self.ctx.plugins)
        return self._methods

    def policy(self, organization_id: int, website_id: int | None) -> PaymentPolicy:
        """The payment settings of an organization and website."""
        def value(key: str) -> Any:
            return self.ctx.setting(key, organization_id=organization_id, website_id=website_id)
        name = str(value("oro_invoices.payment_method") or "")
        enabled = bool(value("oro_invoices.enabled") and value("oro_invoices.payments_enabled") and name)
        method = self.methods.get(name) if enabled else None
        config = {key: value(key) for key in method.setting_keys} if method is not None else {}
        return PaymentPolicy(
            enabled=enabled, method_name=name, method=method, config=config,
            partial=bool(value("oro_invoices.partial_payments_enabled")),
            partial_minimum=Decimal(str(value("oro_invoices.partial_payment_minimum") or "0")),
            base_url=str(value(STOREFRONT_BASE_URL) or "") if enabled else "")

    def method_config(self, method: PaymentMethod, organization_id: int | None,
                      website_id: int | None) -> MethodConfig:
        """``method``'s settings for a scope (global when ``organization_id`` is None)."""
        return {key: self.ctx.setting(key, organization_id=organization_id, website_id=website_id)
                for key in method.setting_keys}

    # ---- the rule -----------------------------------------------------------------------

    def availability(self, invoice: PayableInvoice, *, policy: PaymentPolicy | None = None,
                     processing: int | None = None) -> Availability:
        """Whether ``invoice`` can be paid now, how, and which amounts (the one rule).
        ``processing``: what payments on their way cover of it (minor units; None: read here)."""
        if invoice.status is not InternalStatus.POSTED:
            return Availability(NOT_POSTED, currency=invoice.currency)
        currency = invoice.currency
        # what open authorizations hold the seller collects by capturing: it is not paid again
        due = to_minor(invoice.amount_due, currency) - to_minor(invoice.amount_held, currency)
        if processing is None:
            processing = to_minor(invoice.amount_processing, currency)
        # nor is what a payment on its way covers (a SEPA Direct Debit): it arrives, or fails and is due again
        in_flight = min(max(processing, 0), max(due, 0))
        due -= in_flight
        if invoice.is_credit_note or not pstatus.is_payable(invoice.payment_status, due):
            return Availability(NOTHING_DUE, currency=currency, amount_due=max(due, 0), processing=in_flight)
        policy = policy or self.policy(invoice.organization_id, invoice.website_id)
        if not policy.enabled:
            return Availability(PAYMENTS_OFF, currency=currency)
        if invoice.external_payment_url:
            return Availability(EXTERNAL, external_url=invoice.external_payment_url,
                                currency=currency, amount_due=due, minimum=due, maximum=due, processing=in_flight)
        method = policy.method
        limits = method.limits(currency, policy.config) if method is not None else None
        if method is None or limits is None or not policy.base_url or due < limits.minimum \
                or (due > limits.maximum and not policy.partial):
            return Availability(NO_METHOD, method=method, currency=currency, amount_due=due, processing=in_flight)
        low, high, least_left = self._bounds(policy, limits, due, currency)
        return Availability(PAYABLE, method=method, currency=currency, amount_due=due,
                            minimum=low, maximum=high, partial=policy.partial and low < high,
                            least_left=least_left, processing=in_flight)

    @staticmethod
    def _bounds(policy: PaymentPolicy, limits: AmountLimits, due: int, currency: str) -> tuple[int, int, int]:
        """``(minimum, maximum, least left)`` of what may be paid of ``due``: a payment of part
        leaves at least the method's minimum due (else nobody could pay the rest online)."""
        high = min(due, limits.maximum)
        if not policy.partial:
            return high, high, 0
        floor = to_minor(round_money(policy.partial_minimum, currency), currency)
        low = max(limits.minimum, floor, 1)
        least_left = max(limits.minimum, 0)
        most_part = due - least_left                     # the most a payment of part may be
        if high < due:                                   # the method cannot take all: only part
            high = min(high, most_part)
        elif most_part < low:                            # no part leaves enough: all, or nothing
            return due, due, 0
        return min(low, high), high, least_left

    def availabilities(self, invoices: Iterable[PayableInvoice]) -> dict[int, Availability]:
        """``availability`` of each invoice by id, reading each scope's settings once."""
        cache = _PolicyCache()
        result: dict[int, Availability] = {}
        for invoice in invoices:
            if invoice.status is not InternalStatus.POSTED:
                result[invoice.id] = Availability(NOT_POSTED, currency=invoice.currency)
                continue
            key = (invoice.organization_id, invoice.website_id)
            if key not in cache.values:
                cache.values[key] = self.policy(*key)
            result[invoice.id] = self.availability(invoice, policy=cache.values[key])
        return result

    # ---- payments on their way ----------------------------------------------------------

    def processing(self, invoice_ids: Iterable[int]) -> dict[int, list[AttemptView]]:
        """The payments of each invoice the provider reported as processing, still on their way
        (``payment_records.processing_payments``)."""
        with self.ctx.db.session() as s:
            return processing_payments(s, invoice_ids)

    def mark_processing(self, report: Processing, method_name: str, *, actor: str) -> bool:
        """Keep a provider's report that a started payment is on its way: from then on it holds its
        amount, until the provider reports its outcome (the attempt ends). Once per attempt; a report
        about no started payment of this method, or for another amount, changes nothing (False)."""
        with self.ctx.write() as s:
            row = find_attempt(s, report.attempt_id, lock=True)
            if row is None or row.kind != "payment" or row.method != method_name or row.status != "started" \
                    or row.parent_transaction_id is not None:
                return False
            if row.amount != report.amount or row.currency != report.currency.upper():
                log.warning("Ignored a %s report that attempt %s is processing: %s %s, not the %s %s it was started "
                            "with.", method_name, row.public_id, report.amount, report.currency, row.amount,
                            row.currency)
                return False
            if row.processing_since is not None:
                return True
            row.processing_since = row.updated_at = self.ctx.clock()
            refresh_processing(s, attempt_invoices(s, row))
            for invoice_id in attempt_invoices(s, row):
                activity.record(s, invoice_id, "payment", actor,
                                Message("Payment of %(amount)s via %(method)s is being processed",
                                        amount=Amount(from_minor(row.amount, row.currency), row.currency),
                                        method=self.methods.label(row.method)), {"attempt": row.public_id})
            return True

    def can_pay(self, invoice: PayableInvoice) -> bool:
        """Whether anything may offer to pay ``invoice`` (the Pay button, links, QR codes)."""
        return bool(self.availability(invoice))

    def pay_link(self, invoice: InvoiceDocument) -> str | None:
        """The guest payment link of ``invoice`` while it can be paid, else None."""
        if not self.can_pay(invoice):
            return None
        return self.ctx.payment_url(invoice)

    # ---- starting a payment -------------------------------------------------------------

    def start_payment(self, invoice_id: int, *, amount: object = None, actor: str,
                      origin: str, return_path: str, cancel_path: str,
                      request_key: str | None = None, payer_email: str = "") -> StartedPayment:
        """Record a payment attempt and ask the method what the payment page shows.

        :param amount: what the customer chose to pay (a decimal string); None pays the amount
            due. Another amount is accepted only when partial payments are allowed, between
            the minimum and the amount due.
        :param origin: "storefront" (a customer user) or "guest" (the guest payment link).
        :param return_path: the site-relative URL of the method's callback route; made
            absolute under the storefront base URL.
        :param cancel_path: the site-relative URL of the payment page.
        :param request_key: the payment form's key: submitting the same form again returns
            the attempt it started (ended ones come back with ``page`` None).
        :param payer_email: who pays, when known (a signed-in customer user): the provider is told
            their address rather than the invoice's customer user's (a colleague paying it).
        """
        if origin not in ORIGINS:
            raise ValidationError([("origin", Message("Must be one of %(choices)s.", choices=", ".join(ORIGINS)))])
        key = check_request_key(request_key)
        ended = self._ended(invoice_id, key) if key is not None else None
        if ended is not None:       # this form's payment ended already: its result, not a refusal
            return ended
        doc = self.reads.get(invoice_id)
        policy = self.policy(doc.organization_id, doc.website_id)
        available = self.availability(doc, policy=policy)
        if not available.online or available.method is None:
            raise Conflict(unavailable_message(doc, available))
        method = available.method
        minor = self._amount(available, amount)
        with self.ctx.translate_errors(), self.ctx.write() as s:
            self.ctx.load(s, doc.id, lock=True)
            row = None
            if key is not None:
                row = s.execute(select(PaymentAttempt).where(
                    PaymentAttempt.invoice_id == doc.id, PaymentAttempt.request_key == key)).scalar_one_or_none()
            if row is not None:
                if row.amount != minor or row.method != method.name:
                    raise Conflict(Message("This payment form was already sent with another amount. Reload the "
                                           "payment page and try again."))
            else:
                row = PaymentAttempt(
                    public_id=new_public_id(), invoice_id=doc.id, kind="payment", method=method.name,
                    amount=minor, currency=doc.currency, status="started", origin=origin,
                    request_key=key, message="", actor=actor, created_at=self.ctx.clock(),
                    updated_at=self.ctx.clock())
                s.add(row)
                s.flush()
                activity.record(s, doc.id, "payment", actor,
                                Message("Payment of %(amount)s started via %(method)s",
                                        amount=Amount(from_minor(minor, doc.currency), doc.currency),
                                        method=method.label), {"attempt": row.public_id, "origin": origin})
            view = attempt_view(row)
        if view.finished:
            return StartedPayment(view, None, method.label)
        request = PaymentRequest(
            attempt_id=view.public_id, invoice=doc, amount=minor, currency=doc.currency,
            description=f"Invoice {doc.display_number}",
            return_url=absolute_link(policy.base_url, return_path),
            cancel_url=absolute_link(policy.base_url, cancel_path),
            customer_email=payer_email or doc.customer_user_email, timestamp=self.ctx.clock(),
            config=policy.config)
        return StartedPayment(view, self.hand_over(method, request, actor=actor), method.label)

    def _ended(self, invoice_id: int, key: str) -> StartedPayment | None:
        """The payment of this invoice the form ``key`` started, once it ended."""
        with self.ctx.db.session() as s:
            row = s.execute(select(PaymentAttempt).where(
                PaymentAttempt.invoice_id == invoice_id, PaymentAttempt.request_key == key,
                PaymentAttempt.kind == "payment", PaymentAttempt.status != "started")).scalar_one_or_none()
            return StartedPayment(attempt_view(row), None, self.methods.label(row.method)) if row is not None else None

    def hand_over(self, method: PaymentMethod, request: PaymentRequest, *, actor: str) -> PaymentPage:
        """What ``method`` shows for the attempt ``request`` started: a refusal of the provider ends
        the attempt as failed and is raised; the provider's reference is kept on the attempt."""
        try:
            page = method.start(request)
        except ProviderError as exc:
            self.finish_attempt(request.attempt_id, succeeded=False, message=exc.message, actor=actor)
            raise
        if page.provider_reference:
            with self.ctx.write() as s:
                row = find_attempt(s, request.attempt_id, lock=True)
                if row is not None and not row.provider_reference:
                    row.provider_reference = page.provider_reference[:255]
        return page

    def _amount(self, available: Availability, amount: object) -> int:
        """The amount to pay in minor units, checked against the invoice's bounds."""
        currency = available.currency
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            if available.maximum != available.amount_due:
                raise ValidationError([("amount", Message("Enter the amount to pay (at most %(amount)s).",
                                                          amount=Amount(from_minor(available.maximum, currency),
                                                                        currency)))])
            return available.amount_due
        value = parse_decimal(amount.strip() if isinstance(amount, str) else amount, "amount", currency)
        minor = _minor_or_none(value, currency)
        low, high, due = available.amounts
        if minor is not None and available.minimum <= minor <= available.maximum and not available.accepts(minor):
            least = from_minor(available.least_left, currency)
            raise ValidationError([("amount", Message(
                "Pay all of %(due)s, or at most %(most)s: at least %(least)s must remain due, the least "
                "%(method)s takes, so that the rest can be paid online.", due=Amount(due, currency),
                most=Amount(due - least, currency), least=Amount(least, currency),
                method=available.method.label if available.method is not None else ""))])
        if minor is None or not available.minimum <= minor <= available.maximum:
            if available.minimum == available.maximum:
                raise ValidationError([("amount", Message("Must be %(amount)s: partial payments are not accepted "
                                                          "for this invoice.", amount=Amount(high, currency)))])
            raise ValidationError([("amount", Message("Must be between %(low)s and %(high)s.",
                                                      low=Amount(low, currency), high=Amount(high, currency)))])
        return minor

    def finish_attempt(self, public_id: str, *, succeeded: bool, message: str | Message, actor: str,
                       record: bool = True) -> None:
        """Mark a started attempt as ended (a failure never overrides a success); a failure is
        recorded in the activity unless ``record`` is false (a transaction records it)."""
        with self.ctx.write() as s:
            row = find_attempt(s, public_id, lock=True)
            if row is None or row.status == "succeeded":
                return
            row.status = "succeeded" if succeeded else "failed"
            row.message = str(message)[:2000]
            row.updated_at = self.ctx.clock()
            if row.processing_since is not None:     # no longer on its way
                refresh_processing(s, attempt_invoices(s, row))
            if not succeeded and record:
                # a payment attempt that names a transaction renews that authorization
                kind = "reauthorize" if row.kind == "payment" and row.parent_transaction_id is not None else row.kind
                for invoice_id in attempt_invoices(s, row):     # each invoice of a payment of several
                    activity.record(s, invoice_id, "payment", actor,
                                    _not_through(kind, self.methods.label(row.method), message),
                                    {"attempt": row.public_id})

    def attempt(self, public_id: str) -> AttemptView:
        """The attempt with this public id; ``NotFound`` when there is none."""
        with self.ctx.db.session() as s:
            row = find_attempt(s, public_id)
            if row is None:
                raise NotFound(Message("That payment does not exist."))
            return attempt_view(row)


def _minor_or_none(value: Decimal, currency: str) -> int | None:
    """``value`` in ``currency``'s minor units; None when it is ``AMOUNT_LIMIT`` or more either
    way (beyond any invoice's bounds, and too long to round)."""
    if abs(value) >= AMOUNT_LIMIT:
        return None
    try:
        return to_minor(value, currency)
    except ValidationError:
        raise ValidationError([("amount", too_many_decimals(currency))]) from None


def unavailable_message(doc: InvoiceDocument, available: Availability) -> str:
    """Why ``doc`` cannot be paid online now, in the customer's words."""
    number = doc.display_number
    if available.reason == NOT_POSTED:
        return Message("Invoice %(number)s is not issued yet, so it cannot be paid.", number=number)
    if available.reason == PAYMENTS_OFF:
        return Message("Invoice %(number)s cannot be paid online.", number=number)
    if available.reason == NOTHING_DUE and available.processing > 0 and doc.amount_due > 0:
        return Message("Invoice %(number)s cannot be paid again: a payment of %(amount)s is being processed.",
                       number=number, amount=Amount(from_minor(available.processing, doc.currency), doc.currency))
    if available.reason == NOTHING_DUE:
        return _nothing_due(doc)
    if available.reason == EXTERNAL:
        return Message("Invoice %(number)s is paid on the seller's payment page.", number=number)
    return Message("No payment methods are available, please contact us to proceed.")



def _nothing_due(doc: InvoiceDocument) -> Message:
    """Why nothing of ``doc`` is paid online: a credit note, an authorization the seller collects, a
    status that leaves the rest to the seller, or nothing due."""
    number, status = doc.display_number, doc.payment_status
    if doc.is_credit_note:
        return Message("Credit note %(number)s is not paid: it lowers what is due on the invoice it corrects.",
                       number=number)
    if status is PaymentStatus.AUTHORIZED or pstatus.is_held_in_full(doc.amount_due, doc.amount_held):
        return Message("Invoice %(number)s cannot be paid again: its payment is authorized and the seller collects "
                       "it.", number=number)
    if doc.amount_due > 0:
        return Message("Invoice %(number)s cannot be paid online: its payment status is %(status)s. Please contact "
                       "the seller about paying it.", number=number, status=Message(status.label))
    if doc.total_amount == 0:
        return Message("Invoice %(number)s has nothing to pay: its total is zero.", number=number)
    return Message("Invoice %(number)s cannot be paid: nothing is due (%(status)s).", number=number,
                   status=Message(status.label))


def _not_through(kind: str, method: str, reason: str | Message) -> Message:
    """The activity entry of an attempt that failed: "Payment via Card did not go through: declined"."""
    if kind == "refund":
        return Message("Refund via %(method)s did not go through: %(reason)s", method=method, reason=reason)
    if kind == "cancel":
        return Message("Cancel via %(method)s did not go through: %(reason)s", method=method, reason=reason)
    if kind == "capture":
        return Message("Capture via %(method)s did not go through: %(reason)s", method=method, reason=reason)
    if kind == "reauthorize":
        return Message("Re-authorization via %(method)s did not go through: %(reason)s", method=method,
                       reason=reason)
    return Message("Payment via %(method)s did not go through: %(reason)s", method=method, reason=reason)
