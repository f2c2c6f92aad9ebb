"""Stripe as a ``PaymentMethod``: a PaymentIntent per attempt, the card collected by Stripe.js.

Starting a payment finds or creates the Stripe customer and creates a PaymentIntent for the
amount (idempotency key from the invoice and the attempt, so a double click or a retry makes one
PaymentIntent); the payment page then mounts Stripe's Payment Element and confirms it in the
browser (``web/static/oro_invoices_stripe.js``), 3-D Secure included. Stripe sends the customer
back to the callback route with ``payment_intent``, ``payment_intent_client_secret`` and
``redirect_status``; the server retrieves that PaymentIntent itself and reports its outcome.
Webhooks (POSTs to the same route) are verified with the signing secret. Refunds, captures and
cancellations go through the API with the attempt's idempotency key.

With Authorize Only and Allow Re-Authorization, the card is kept for payments without the customer
(``setup_future_usage``), so that an authorization can be renewed before Stripe releases it: a new
PaymentIntent for what it still holds, confirmed off-session with the same card, then the old one
canceled.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import from_minor
from oro_invoices.integration.payment_methods import (
    CLIENT_FORM,
    REPLY_ACK,
    REPLY_REDIRECT,
    AmountLimits,
    AttemptRecord,
    CallbackRejected,
    CallbackResult,
    CancelRequest,
    CaptureRequest,
    MethodConfig,
    PaymentPage,
    PaymentRequest,
    ProviderCallback,
    ProviderError,
    ProviderEvent,
    Reauthorization,
    ReauthorizeRequest,
    RefundRequest,
    TransactionRef,
)
from oro_invoices.integration.stripe_method import reports, webhooks
from oro_invoices.integration.stripe_method.amounts import charge_limits
from oro_invoices.integration.stripe_method.client import make_client, provider_error, sdk_installed
from oro_invoices.integration.stripe_method.customers import customer_for
from oro_invoices.integration.stripe_method.settings import (
    API_BASE,
    SECRET_KEY,
    SETTING_KEYS,
    STRIPE_JS_URL,
    WEBHOOK_SECRET,
    StripeSettings,
    read,
)

if TYPE_CHECKING:  # pragma: no cover
    import stripe
    from stripe.params import (
        PaymentIntentCaptureParams,
        PaymentIntentCreateParams,
        PaymentIntentRetrieveParams,
        RefundCreateParams,
        RefundListParams,
    )

log = logging.getLogger("oro_invoices.payments.stripe")

#: The add-on's static script that mounts the Payment Element and confirms the payment.
BROWSER_SCRIPT = "oro_invoices_stripe.js"
#: Further origins Stripe.js uses when it is Stripe's own (docs.stripe.com/security/guide#content-security-policy).
STRIPE_JS_ORIGINS = ("https://*.js.stripe.com", "https://hooks.stripe.com")
PAYMENT_INTENT_ID = re.compile(r"^pi_[A-Za-z0-9]{1,250}$")
CHARGE_ID = re.compile(r"^(ch|py)_[A-Za-z0-9]{1,250}$")
#: How a PaymentIntent is read: with its latest charge, which says until when an authorization is held.
READ_INTENT: PaymentIntentRetrieveParams = {"expand": ["latest_charge"]}
#: Stripe keeps metadata values to 500 characters.
METADATA_VALUE = 500
#: The metadata key of a renewing PaymentIntent naming the one it renews.
RENEWS_KEY = "renews_payment_intent"
#: What the payment page tells the customer when the card is kept for renewing the authorization.
CARD_KEPT = Message("Stripe keeps your card so that the seller can renew this authorization before it expires.")

ClientFactory = Callable[[StripeSettings], "stripe.StripeClient"]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class StripeMethod:
    """The Stripe method (``stripe``)."""

    name = "stripe"
    label = "Stripe"
    setting_keys = SETTING_KEYS
    #: ``amount_to_capture``: Stripe captures part of an authorization and releases the rest.
    captures_part = True
    #: Refunds, captures and cancellations carry the attempt's idempotency key: sent again, Stripe
    #: answers what it did the first time (for 24 hours) instead of doing it twice.
    resends_safely = True
    #: An event that names no attempt (a refund made in the Stripe Dashboard) is verified with the
    #: signing secret of each scope that has one, and settles only payments of invoices using it.
    callback_settings = (WEBHOOK_SECRET,)
    #: One secret key (at one API address) is one Stripe account: scopes sharing it share its events.
    account_settings = (SECRET_KEY, API_BASE)

    def __init__(self, client_factory: ClientFactory = make_client):
        self.client_factory = client_factory

    # ---- which payments -----------------------------------------------------------------

    def limits(self, currency: str, config: MethodConfig) -> AmountLimits | None:
        """Stripe's minimum and largest charge in ``currency``; None without both keys, without
        the stripe package, or for a currency not in Stripe's minimum table."""
        if not read(config).configured or not sdk_installed():
            return None
        return charge_limits(currency)

    def pays_several(self, config: MethodConfig) -> bool:
        """Several invoices are paid at once when Stripe charges (not when it only authorizes)."""
        return read(config).capture_method == "automatic"

    # ---- paying -------------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> PaymentPage:
        settings = read(request.config)
        client = self.client_factory(settings)
        invoice = request.invoice
        params: PaymentIntentCreateParams = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            # the payment methods enabled in the Stripe Dashboard that suit the amount and currency
            "automatic_payment_methods": {"enabled": True},
            "capture_method": settings.capture_method,
            "description": request.description[:1000],
            "metadata": {reports.ATTEMPT_KEY: request.attempt_id, reports.INVOICE_ID_KEY: str(invoice.id),
                         reports.INVOICE_NUMBER_KEY: invoice.display_number[:METADATA_VALUE],
                         **_several_metadata(request)},
        }
        import stripe
        try:
            # a payment is its payer's: the invoice's customer user's Stripe customer only when they pay
            customer = customer_for(client, invoice) if _paid_by_its_customer_user(request) else None
            if customer:
                params["customer"] = customer
                if settings.keeps_cards:
                    params["setup_future_usage"] = "off_session"
            intent = client.v1.payment_intents.create(
                params, {"idempotency_key": f"oro-invoices-payment-{invoice.id}-{request.attempt_id}"})
        except stripe.StripeError as exc:
            raise provider_error(exc, Message("creating the payment")) from None
        if reports.intent_attempt(intent) != request.attempt_id or intent.amount != request.amount:
            raise ProviderError(Message("Stripe answered with a payment other than the one asked for; "
                                        "nothing was charged. Please start the payment again."))
        if not intent.client_secret:
            raise ProviderError(Message("Stripe's answer has no client secret for the payment form."))
        return PaymentPage(
            kind=CLIENT_FORM, script_url=settings.js_url, local_script=BROWSER_SCRIPT,
            fields={"publishable_key": settings.publishable_key, "client_secret": intent.client_secret,
                    "return_url": with_query(request.return_url, attempt=request.attempt_id)},
            provider_reference=intent.id, origins=self._origins(settings),
            notice=CARD_KEPT if params.get("setup_future_usage") else "")

    @staticmethod
    def _origins(settings: StripeSettings) -> tuple[str, ...]:
        found = [origin(settings.js_url), origin(settings.api_base)]
        if origin(settings.js_url) == origin(STRIPE_JS_URL):
            found.extend(STRIPE_JS_ORIGINS)
        return tuple(dict.fromkeys(o for o in found if o))

    # ---- what comes back ----------------------------------------------------------------

    def callback_attempt(self, callback: ProviderCallback) -> str | None:
        if webhooks.is_webhook(callback):
            return webhooks.claimed_attempt(callback)
        return callback.query.get("attempt") or None

    def handle_callback(self, callback: ProviderCallback, attempt: AttemptRecord | None,
                        config: MethodConfig) -> CallbackResult:
        settings = read(config)
        if webhooks.is_webhook(callback):
            return self._webhook(callback, attempt, settings)
        return self._return(callback, attempt, settings)

    def verify_callback(self, callback: ProviderCallback, config: MethodConfig) -> CallbackResult:
        """A webhook delivery's signature checked with ``config``'s signing secret, nothing read from
        Stripe (``payment_methods.signature_check``)."""
        if not webhooks.is_webhook(callback):
            raise CallbackRejected("The return from Stripe names no payment that was started here.")
        webhooks.verify(callback, read(config).webhook_secret)
        return CallbackResult(reply=REPLY_ACK)

    def _return(self, callback: ProviderCallback, attempt: AttemptRecord | None,
                settings: StripeSettings) -> CallbackResult:
        """The customer's browser back from Stripe.js: the PaymentIntent's outcome, read from Stripe."""
        if attempt is None or attempt.kind != "payment":
            raise CallbackRejected("The return from Stripe names no payment that was started here.")
        pi = callback.query.get("payment_intent", "")
        if not PAYMENT_INTENT_ID.match(pi):
            raise CallbackRejected("The return from Stripe names no PaymentIntent.", attempt_id=attempt.attempt_id)
        if attempt.provider_reference and pi != attempt.provider_reference:
            raise CallbackRejected(f"The return from Stripe is about PaymentIntent {pi}, not this payment's.",
                                   attempt_id=attempt.attempt_id)
        import stripe
        try:
            intent = self.client_factory(settings).v1.payment_intents.retrieve(pi, READ_INTENT)
        except stripe.InvalidRequestError as exc:
            raise CallbackRejected(f"Stripe does not know PaymentIntent {pi}: {exc.user_message or exc}",
                                   attempt_id=attempt.attempt_id) from None
        except stripe.StripeError as exc:
            raise provider_error(exc, Message("reading the payment's outcome")) from None
        if intent.id != pi or reports.intent_attempt(intent) != attempt.attempt_id:
            raise CallbackRejected(f"PaymentIntent {pi} was not made for this payment.",
                                   attempt_id=attempt.attempt_id)
        return CallbackResult(events=tuple(reports.intent_events(intent)), attempt_id=attempt.attempt_id,
                              reply=REPLY_REDIRECT, processing=tuple(reports.intent_processing(intent)))

    def _webhook(self, callback: ProviderCallback, attempt: AttemptRecord | None,
                 settings: StripeSettings) -> CallbackResult:
        """A webhook delivery: verified, then read (an answer to Stripe, no page)."""
        event = webhooks.verify(callback, settings.webhook_secret)
        claimed = webhooks.claimed_attempt(callback)
        if claimed and attempt is None:
            # Made by another installation sharing the Stripe account: not ours to record.
            log.info("Stripe event %s (%s) is about attempt %s, unknown here; ignored.", event.id, event.type,
                     claimed)
            return CallbackResult(reply=REPLY_ACK)

        def list_refunds(charge: str) -> list[stripe.Refund]:
            import stripe
            params: RefundListParams = {"charge": charge, "limit": 100}
            try:
                return list(self.client_factory(settings).v1.refunds.list(params).auto_paging_iter())
            except stripe.StripeError as exc:
                raise provider_error(exc, Message("listing the refunds of a charge")) from None

        def read_charge(charge: str) -> stripe.Charge:
            import stripe
            try:
                return self.client_factory(settings).v1.charges.retrieve(charge)
            except stripe.StripeError as exc:
                raise provider_error(exc, Message("reading the charge of a refund")) from None

        def with_charge(intent: stripe.PaymentIntent) -> stripe.PaymentIntent:
            import stripe
            try:
                found = self.client_factory(settings).v1.payment_intents.retrieve(intent.id, READ_INTENT)
            except stripe.StripeError as exc:
                log.warning("Could not read PaymentIntent %s again (%s); until when it is held stays unknown.",
                            intent.id, exc.user_message or exc)
                return intent
            return found if found.id == intent.id else intent

        return CallbackResult(events=tuple(webhooks.event_outcomes(event, list_refunds, read_charge, with_charge)),
                              reply=REPLY_ACK, processing=tuple(webhooks.event_processing(event)))

    # ---- refunds and cancellations --------------------------------------------------------

    def refund(self, request: RefundRequest) -> ProviderEvent:
        parent = request.transaction
        params: RefundCreateParams = {
            "amount": request.amount,
            "metadata": {reports.ATTEMPT_KEY: request.attempt_id, "payment_attempt_id": parent.attempt_id,
                         **({"notes": request.notes[:METADATA_VALUE]} if request.notes else {})},
        }
        intent = str(parent.data.get("payment_intent") or "")
        if CHARGE_ID.match(parent.provider_reference):
            params["charge"] = parent.provider_reference
        elif PAYMENT_INTENT_ID.match(intent):
            params["payment_intent"] = intent
        else:
            raise ProviderError(Message("This payment has no Stripe charge to refund."))
        import stripe
        try:
            refund = self.client_factory(read(request.config)).v1.refunds.create(
                params, {"idempotency_key": f"oro-invoices-refund-{request.attempt_id}"})
        except stripe.StripeError as exc:
            raise provider_error(exc, Message("refunding the payment")) from None
        event = reports.refund_event(refund)
        if event is None:
            raise ProviderError(Message("Stripe waits for the customer before refunding (%(status)s); the "
                                        "refund is recorded when Stripe reports it.", status=str(refund.status)))
        if event.currency != request.currency or event.amount != request.amount:
            # amounts as money in their own currency (Stripe's are minor units: 2500 is $25.00, ¥2,500)
            raise ProviderError(Message("Stripe refunded %(refunded)s instead of %(asked)s; check the Stripe "
                                        "Dashboard.",
                                        refunded=Amount(from_minor(event.amount, event.currency), event.currency),
                                        asked=Amount(from_minor(request.amount, request.currency), request.currency)))
        return event

    def capture(self, request: CaptureRequest) -> list[ProviderEvent]:
        intent_id = str(request.transaction.data.get("payment_intent") or "")
        if not PAYMENT_INTENT_ID.match(intent_id):
            raise ProviderError(Message("This authorization has no Stripe PaymentIntent to capture."))
        import stripe
        params: PaymentIntentCaptureParams = {"amount_to_capture": request.amount}
        try:
            intent = self.client_factory(read(request.config)).v1.payment_intents.capture(
                intent_id, params, {"idempotency_key": f"oro-invoices-capture-{request.attempt_id}"})
        except stripe.StripeError as exc:
            raise provider_error(exc, Message("capturing the payment")) from None
        return reports.capture_events(intent)

    def cancel(self, request: CancelRequest) -> ProviderEvent:
        intent_id = str(request.transaction.data.get("payment_intent") or "")
        if not PAYMENT_INTENT_ID.match(intent_id):
            raise ProviderError(Message("This authorization has no Stripe PaymentIntent to cancel."))
        import stripe
        client = self.client_factory(read(request.config))
        try:
            intent = client.v1.payment_intents.cancel(
                intent_id, None, {"idempotency_key": f"oro-invoices-cancel-{request.attempt_id}"})
        except stripe.StripeError as exc:
            # refused because it is canceled already (by a renewal running meanwhile, or in the
            # Dashboard): released all the same
            current = None if isinstance(exc, stripe.APIConnectionError) else self._read(client, intent_id)
            if current is None or current.id != intent_id or current.status != "canceled":
                raise provider_error(exc, Message("canceling the authorization")) from None
            intent = current
        return reports.cancel_event(intent, request.attempt_id)

    # ---- renewing authorizations ----------------------------------------------------------

    def can_reauthorize(self, transaction: TransactionRef, config: MethodConfig) -> bool:
        """An authorization whose card Stripe kept for payments without the customer, while
        Allow Re-Authorization is on."""
        return (read(config).keeps_cards and transaction.data.get("setup_future_usage") == "off_session"
                and bool(PAYMENT_INTENT_ID.match(str(transaction.data.get("payment_intent") or ""))))

    def reauthorize(self, request: ReauthorizeRequest) -> Reauthorization:
        """A new PaymentIntent for what the old one still holds, confirmed off-session with its
        kept card; then the old one canceled. A new authorization made before a failure is canceled."""
        import stripe
        client = self.client_factory(read(request.config))
        old_id = str(request.transaction.data.get("payment_intent") or "")
        try:
            old = client.v1.payment_intents.retrieve(old_id)
        except stripe.StripeError as exc:
            # a read changes nothing at Stripe: whatever happened to it, nothing may have been made
            raise ProviderError(provider_error(exc, Message("reading the authorization to renew")).message) from None
        card, customer = reports.object_id(old.payment_method), reports.object_id(old.customer)
        if not card or not customer:
            raise ProviderError(Message("Stripe did not keep the card of this authorization, so it cannot be "
                                        "renewed. Capture it before it expires, or cancel it."))
        params: PaymentIntentCreateParams = {
            "amount": request.amount, "currency": request.currency.lower(), "customer": customer,
            "payment_method": card, "capture_method": "manual",
            # confirmed here, without the customer: no payment method that would send them elsewhere
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "setup_future_usage": "off_session", "confirm": True, "off_session": True,
            "description": request.description[:1000], "expand": ["latest_charge"],
            "metadata": {reports.ATTEMPT_KEY: request.attempt_id, reports.INVOICE_ID_KEY: str(request.invoice.id),
                         reports.INVOICE_NUMBER_KEY: request.invoice.display_number[:METADATA_VALUE],
                         RENEWS_KEY: old_id},
        }
        try:
            # the attempt's key: asked again after a lost answer, Stripe answers with the same PaymentIntent
            new = client.v1.payment_intents.create(
                params, {"idempotency_key": f"oro-invoices-reauthorize-{request.attempt_id}"})
        except stripe.CardError as exc:
            raise ProviderError(Message("Stripe declined the card: %(said)s The authorization stays as it was.",
                                        said=(exc.user_message or str(exc)).strip())) from None
        except stripe.StripeError as exc:   # a lost answer: OutcomeUnknown, nothing released
            raise provider_error(exc, Message("renewing the authorization")) from None
        if new.status != "requires_capture" or reports.intent_attempt(new) != request.attempt_id \
                or new.amount != request.amount:
            self._release(client, new.id, f"oro-invoices-reauthorize-undo-{request.attempt_id}")
            raise ProviderError(Message("Stripe did not authorize the card again (status %(status)s); the "
                                        "authorization stays as it was.", status=str(new.status)))
        try:
            released = client.v1.payment_intents.cancel(
                old_id, None, {"idempotency_key": f"oro-invoices-release-{request.attempt_id}"})
        except stripe.StripeError as exc:
            current = self._read(client, old_id)
            lost = isinstance(exc, stripe.APIConnectionError)
            if current is None and lost:
                # the release may have been made: keep the new hold; asked again, both requests are
                # sent again under the same keys and Stripe carries out each once
                raise provider_error(exc, Message("releasing the authorization being renewed")) from None
            if current is None or current.status != "canceled":  # not released: undo the new one
                self._release(client, new.id, f"oro-invoices-reauthorize-undo-{request.attempt_id}")
                # known not to be released, and the new hold undone: a plain failure, nothing changed
                raise ProviderError(provider_error(
                    exc, Message("releasing the authorization being renewed")).message) from None
            released = current
        authorized = next(e for e in reports.intent_events(new) if e.action == "authorize")
        return Reauthorization(authorization=authorized, release=reports.cancel_event(released, request.attempt_id))

    def _release(self, client: stripe.StripeClient, intent_id: str, key: str) -> None:
        """Cancel ``intent_id``, logging (not raising) when Stripe refuses."""
        import stripe
        try:
            client.v1.payment_intents.cancel(intent_id, None, {"idempotency_key": key})
        except stripe.StripeError as exc:
            log.error("Could not cancel PaymentIntent %s after a failed renewal (%s); cancel it in the Stripe "
                      "Dashboard.", intent_id, exc.user_message or exc)

    @staticmethod
    def _read(client: stripe.StripeClient, intent_id: str) -> stripe.PaymentIntent | None:
        import stripe
        try:
            return client.v1.payment_intents.retrieve(intent_id)
        except stripe.StripeError:
            return None


def _paid_by_its_customer_user(request: PaymentRequest) -> bool:
    """Whether the payment's Stripe customer is the invoice's customer user's: only when that user is
    who pays (``customer_email``; a colleague paying makes a payment without a Stripe customer)."""
    return request.customer_email.strip().casefold() == request.invoice.customer_user_email.strip().casefold()


def _several_metadata(request: PaymentRequest) -> dict[str, str]:
    """Of a payment of several invoices, their ids and numbers, as many whole ones as Stripe's 500
    characters hold (then ``invoice_count`` says how many there are)."""
    if not request.invoices:
        return {}
    return {reports.INVOICE_IDS_KEY: _whole(",", [str(doc.id) for doc in request.invoices]),
            reports.INVOICE_NUMBERS_KEY: _whole(", ", [doc.display_number for doc in request.invoices]),
            reports.INVOICE_COUNT_KEY: str(len(request.invoices))}


def _whole(separator: str, values: list[str]) -> str:
    """``values`` joined, as many whole ones as fit in a metadata value."""
    text = ""
    for value in values:
        joined = f"{text}{separator}{value}" if text else value
        if len(joined) > METADATA_VALUE:
            break
        text = joined
    return text
