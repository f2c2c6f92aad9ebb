"""Stripe's webhook events: the attempt one claims to be about, its signature, and its outcomes.

Stripe signs each delivery with the endpoint's signing secret (``Stripe-Signature: t=…,v1=…``,
HMAC-SHA256 over ``"{t}.{body}"``); ``stripe.Webhook.construct_event`` checks it and the
timestamp's age before anything is read. The events used:

- ``payment_intent.succeeded``, ``payment_intent.payment_failed``, ``payment_intent.canceled``,
  ``payment_intent.amount_capturable_updated``: the PaymentIntent's outcome (``reports.intent_events``);
  ``payment_intent.processing``: its payment is on its way (``reports.intent_processing``: a SEPA
  Direct Debit, whose ``succeeded`` or ``payment_failed`` comes days later);
- ``refund.created``, ``refund.updated``, ``refund.failed``, ``charge.refund.updated``: the refund's
  outcome; ``charge.refunded``: the outcomes of every refund of the charge, listed from Stripe (the
  charge's own ``refunds`` list is not sent to recent API versions).

A partial capture (made in the Stripe Dashboard) is recorded from ``payment_intent.succeeded`` as
the capture of ``amount_received`` and the release of the rest. The refund Stripe makes of that
rest is not a refund of the payment and is left out (``reports.release_refund``); telling it
needs the charge, which a refund event names only by id, so a refund the add-on did not ask for
has its charge read.

Other event types are acknowledged and ignored.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oro_invoices.integration.payment_methods import CallbackRejected, Processing, ProviderCallback, ProviderEvent
from oro_invoices.integration.stripe_method import reports

if TYPE_CHECKING:  # pragma: no cover
    import stripe

log = logging.getLogger("oro_invoices.payments.stripe")

SIGNATURE_HEADER = "stripe-signature"
INTENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
                 "payment_intent.amount_capturable_updated", "payment_intent.processing")
REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
CHARGE_REFUNDED = "charge.refunded"
HANDLED_EVENTS = (*INTENT_EVENTS, *REFUND_EVENTS, CHARGE_REFUNDED)

#: Lists the refunds of a charge.
RefundLister = Callable[[str], list["stripe.Refund"]]
#: The PaymentIntent read again with its latest charge expanded (or as it came, when that fails).
ChargeExpander = Callable[["stripe.PaymentIntent"], "stripe.PaymentIntent"]
#: Reads a charge.
ChargeReader = Callable[[str], "stripe.Charge"]


def is_webhook(callback: ProviderCallback) -> bool:
    """A server-to-server delivery (a POST), as opposed to the customer's browser coming back."""
    return callback.http_method.upper() == "POST"


def claimed_attempt(callback: ProviderCallback) -> str | None:
    """The attempt id in the event object's metadata, read without verifying anything."""
    try:
        payload = json.loads(callback.body)
        value = payload["data"]["object"]["metadata"][reports.ATTEMPT_KEY]
    except (ValueError, TypeError, KeyError):
        return None
    return value if isinstance(value, str) and value else None


def verify(callback: ProviderCallback, secret: str) -> stripe.Event:
    """The event, once its signature checks out with ``secret``; else ``CallbackRejected``."""
    import stripe
    signature = callback.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        raise CallbackRejected("The Stripe webhook has no Stripe-Signature header.", ends_attempt=False)
    if not secret:
        raise CallbackRejected("No webhook signing secret is configured for Stripe (System > Configuration > "
                               "Invoices > Stripe), so the webhook cannot be verified.", ends_attempt=False)
    try:
        event: stripe.Event = stripe.Webhook.construct_event(callback.body, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise CallbackRejected(f"The Stripe webhook's signature does not match the signing secret: "
                               f"{exc.user_message or exc}", ends_attempt=False) from None
    except ValueError as exc:
        raise CallbackRejected(f"The Stripe webhook is not a JSON event ({exc}).", ends_attempt=False) from None
    return event


def event_processing(event: stripe.Event) -> list[Processing]:
    """The payment a verified event reports on its way (``payment_intent.processing``), if any."""
    import stripe
    obj: Any = event.data.object
    if event.type in INTENT_EVENTS and isinstance(obj, stripe.PaymentIntent):
        return reports.intent_processing(obj)
    return []


def event_outcomes(event: stripe.Event, list_refunds: RefundLister, read_charge: ChargeReader,
                   with_charge: ChargeExpander = lambda intent: intent) -> list[ProviderEvent]:
    """The outcomes a verified event reports (none for the event types not used). An authorized
    PaymentIntent is read again through ``with_charge``: the event names its charge only by id,
    and the charge says until when the authorization is held."""
    import stripe
    obj: Any = event.data.object
    if event.type in INTENT_EVENTS and isinstance(obj, stripe.PaymentIntent):
        if obj.status == "requires_capture" and isinstance(reports.field(obj, "latest_charge"), str):
            obj = with_charge(obj)
        return reports.intent_events(obj)
    if event.type in REFUND_EVENTS and isinstance(obj, stripe.Refund):
        if _releases(obj, list_refunds, read_charge):
            log.info("Stripe refund %s releases what a partial capture left; not a refund of the payment.", obj.id)
            return []
        found = reports.refund_event(obj)
        return [found] if found is not None else []
    if event.type == CHARGE_REFUNDED and isinstance(obj, stripe.Charge):
        refunds = list_refunds(obj.id)
        release = reports.release_refund(obj, refunds)
        return [found for refund in refunds
                if refund.id != release and (found := reports.refund_event(refund)) is not None]
    if event.type in HANDLED_EVENTS:
        log.warning("Stripe event %s (%s) carries no %s object; ignored.", event.id, event.type,
                    event.type.split(".")[0])
    return []


def _releases(refund: stripe.Refund, list_refunds: RefundLister, read_charge: ChargeReader) -> bool:
    """Whether ``refund`` is the one Stripe made of what a partial capture left uncaptured."""
    import stripe
    if reports.metadata(refund).get(reports.ATTEMPT_KEY):
        return False  # asked for by the add-on
    named = reports.field(refund, "charge")
    charge_id = reports.object_id(named)
    if not charge_id:
        return False
    charge = named if isinstance(named, stripe.Charge) else read_charge(charge_id)
    if reports.uncaptured(charge) <= 0:
        return False
    return reports.release_refund(charge, list_refunds(charge_id)) == refund.id
