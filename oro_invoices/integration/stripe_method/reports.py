"""What a PaymentIntent or a refund says, as provider events.

Event ids name the outcome, not the message that reported it: the customer's return and every
webhook about the same outcome carry the same id, so the service applies it once however often
and in whatever order they come (``<pi>/succeeded``, ``<pi>/authorized``, ``<pi>/captured``,
``<pi>/canceled``, ``<pi>/released``, ``<pi>/failed/<charge, payment method or code>``,
``<re>/succeeded``, ``<re>/failed``). Charges, authorizations and captures carry the attempt id from the
PaymentIntent's metadata. A transaction's provider reference is its Stripe charge (``ch_…``;
a try that failed before any charge is ``<pi>/<payment method or code>``), which refunds, captures
and cancellations name as their parent; the PaymentIntent's id is in the event's data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oro_invoices.domain.messages import Message
from oro_invoices.integration.payment_methods import CAPTURE_BEFORE, Processing, ProviderError, ProviderEvent

if TYPE_CHECKING:  # pragma: no cover
    import stripe

#: The metadata keys the add-on puts on its PaymentIntents and refunds.
ATTEMPT_KEY, INVOICE_ID_KEY, INVOICE_NUMBER_KEY = "attempt_id", "invoice_id", "invoice_number"
#: The metadata of a PaymentIntent paying several invoices: all their ids and numbers.
INVOICE_IDS_KEY, INVOICE_NUMBERS_KEY, INVOICE_COUNT_KEY = "invoice_ids", "invoice_numbers", "invoice_count"


def field(obj: Any, name: str) -> Any:
    """A field of a Stripe object, or None when the object has no such field."""
    return getattr(obj, name, None)


def object_id(value: Any) -> str:
    """The id of an expandable field (an id, or the expanded object), or ""."""
    if isinstance(value, str):
        return value
    found = field(value, "id")
    return found if isinstance(found, str) else ""


def metadata(obj: Any) -> dict[str, str]:
    """A Stripe object's metadata as a plain dict (empty when it has none)."""
    data = field(obj, "metadata")
    if data is None:
        return {}
    plain = data.to_dict() if hasattr(data, "to_dict") else dict(data)
    return {str(key): str(value) for key, value in plain.items()}


def intent_attempt(intent: Any) -> str | None:
    """The attempt id a PaymentIntent's metadata names, if any."""
    return metadata(intent).get(ATTEMPT_KEY) or None


@dataclass(frozen=True)
class _Intent:
    """What every event about one PaymentIntent shares."""

    pi: str
    attempt: str | None
    currency: str
    amount: int
    charge: str
    data: dict[str, str]

    def event(self, suffix: str, action: str, successful: bool, message: str, *, reference: str = "",
              amount: int | None = None, parent: bool = False, with_attempt: bool = True,
              extra: dict[str, str] | None = None) -> ProviderEvent:
        return ProviderEvent(
            event_id=f"{self.pi}/{suffix}", action=action, successful=successful,
            amount=self.amount if amount is None else amount, currency=self.currency,
            attempt_id=self.attempt if with_attempt else None,
            provider_reference=reference or self.charge or self.pi,
            parent_reference=(self.charge or self.pi) if parent else None, message=message,
            data={**self.data, **(extra or {})})


def capture_before(charge: Any) -> str:
    """Until when Stripe holds an uncaptured charge (``payment_method_details.card.capture_before``),
    as an ISO 8601 UTC time; "" when the charge is not expanded or does not say."""
    card = field(field(charge, "payment_method_details"), "card")
    when = field(card, "capture_before")
    if not isinstance(when, int) or isinstance(when, bool) or when <= 0:
        return ""
    return dt.datetime.fromtimestamp(when, dt.UTC).isoformat()


def intent_events(intent: stripe.PaymentIntent) -> list[ProviderEvent]:
    """The outcomes a PaymentIntent has reached (none while it is still on its way:
    ``intent_processing``)."""
    manual = field(intent, "capture_method") == "manual"
    charge_id = object_id(field(intent, "latest_charge"))
    facts = _Intent(pi=intent.id, attempt=intent_attempt(intent), currency=str(intent.currency).upper(),
                    amount=int(intent.amount), charge=charge_id,
                    data={"payment_intent": intent.id, "status": str(intent.status),
                          **({"charge": charge_id} if charge_id else {}),
                          **({"setup_future_usage": "off_session"}
                             if field(intent, "setup_future_usage") == "off_session" else {})})
    first_action = "authorize" if manual else "charge"
    held_until = capture_before(field(intent, "latest_charge"))
    authorized = facts.event("authorized", "authorize", True, "Authorized by Stripe.",
                             extra={CAPTURE_BEFORE: held_until} if held_until else None)
    status = intent.status
    if status == "succeeded" and not manual:
        return [facts.event("succeeded", "charge", True, "Paid with Stripe.")]
    if status == "succeeded":
        received = field(intent, "amount_received")
        captured = received if isinstance(received, int) and 0 < received <= facts.amount else facts.amount
        events = [authorized, facts.event("captured", "capture", True, "Captured in Stripe.", amount=captured,
                                          parent=True)]
        if captured < facts.amount:  # a partial capture: Stripe released the rest of the authorization
            events.append(facts.event("released", "cancel", True,
                                      Message("Stripe released what was not captured."),
                                      amount=facts.amount - captured, parent=True, with_attempt=False))
        return events
    if status == "requires_capture":
        return [authorized]
    if status == "canceled":
        reason = {"reason": str(field(intent, "cancellation_reason") or "")}
        if manual and charge_id:
            return [authorized, facts.event("canceled", "cancel", True, "The authorization was canceled.",
                                            parent=True, with_attempt=False, extra=reason)]
        return [facts.event("canceled", first_action, False, "The payment was canceled at Stripe.",
                            reference=f"{intent.id}/canceled", extra=reason)]
    error = field(intent, "last_payment_error")
    if status != "requires_payment_method" or error is None:
        return []
    code = str(field(error, "code") or "")
    decline = str(field(error, "decline_code") or "")
    failed_charge = object_id(field(error, "charge"))
    which = failed_charge or object_id(field(error, "payment_method")) or code or "error"
    # each failed try is a transaction of its own: the charge that failed, else the try's card
    return [facts.event(f"failed/{which}", first_action, False,
                        str(field(error, "message") or "The payment was declined."),
                        reference=failed_charge or f"{intent.id}/{which}",
                        extra={k: v for k, v in (("charge", failed_charge), ("code", code),
                                                 ("decline_code", decline)) if v})]


def intent_processing(intent: stripe.PaymentIntent) -> list[Processing]:
    """A PaymentIntent Stripe is still processing (``processing``: a SEPA Direct Debit, say, whose
    outcome comes days later) as the report that its payment is on its way; none otherwise."""
    attempt = intent_attempt(intent)
    if intent.status != "processing" or attempt is None:
        return []
    return [Processing(attempt_id=attempt, amount=int(intent.amount), currency=str(intent.currency).upper())]


def refund_event(refund: stripe.Refund) -> ProviderEvent | None:
    """A refund's outcome (None while it waits for the customer's bank details); its parent is
    the charge it refunds."""
    status = str(field(refund, "status") or "")
    if status in ("succeeded", "pending"):
        successful, suffix = True, "succeeded"
    elif status in ("failed", "canceled"):
        successful, suffix = False, "failed"
    else:
        return None
    reason = str(field(refund, "failure_reason") or "")
    return ProviderEvent(
        event_id=f"{refund.id}/{suffix}", action="refund", successful=successful, amount=int(refund.amount),
        currency=str(refund.currency).upper(), attempt_id=metadata(refund).get(ATTEMPT_KEY) or None,
        provider_reference=refund.id,
        parent_reference=object_id(field(refund, "charge")) or None,
        message=Message("Refunded through Stripe.") if successful
        else Message("Stripe could not refund: %(reason)s.", reason=reason or status),
        data={"refund": refund.id, "status": status, "payment_intent": object_id(field(refund, "payment_intent")),
              **({"failure_reason": reason} if reason else {})})


def uncaptured(charge: Any) -> int:
    """What a partial capture of ``charge`` left uncaptured (0 when it is not captured, or whole)."""
    amount, captured = field(charge, "amount"), field(charge, "amount_captured")
    if field(charge, "captured") is not True or not isinstance(amount, int) or not isinstance(captured, int):
        return 0
    return max(amount - captured, 0)


def release_refund(charge: Any, refunds: list[stripe.Refund]) -> str | None:
    """The id of the refund Stripe made of what a partial capture of ``charge`` left uncaptured
    ("any additional amount will be automatically refunded"), or None.

    It is made with the capture, so before any refund of what was captured: it is the charge's
    first refund, for exactly the uncaptured amount, and not one the add-on asked for. It moved no
    money the add-on recorded as received (the release is recorded from the PaymentIntent), so it
    is not a refund of the payment.
    """
    left = uncaptured(charge)
    if left <= 0 or not refunds:
        return None
    # Stripe lists the newest first, also within one second (``created`` counts seconds)
    first = min(refunds[::-1], key=lambda refund: field(refund, "created") or 0)
    if field(first, "amount") != left or metadata(first).get(ATTEMPT_KEY):
        return None
    return str(first.id)


def capture_events(intent: stripe.PaymentIntent) -> list[ProviderEvent]:
    """The capture of an authorized PaymentIntent asked for by the add-on, then the release of
    the rest when it captured part: the events the ``payment_intent.succeeded`` webhook about it
    carries (the same ids; the capture with the authorization's attempt).

    :raises ProviderError: Stripe did not capture it.
    """
    found = [event for event in intent_events(intent) if event.action in ("capture", "cancel")]
    if intent.status != "succeeded" or not found or found[0].action != "capture":
        raise ProviderError(Message("Stripe did not capture the payment (status %(status)s).",
                                    status=str(intent.status)))
    return found


def cancel_event(intent: stripe.PaymentIntent, attempt_id: str) -> ProviderEvent:
    """The cancellation of an authorized PaymentIntent asked for by the add-on's ``attempt_id``
    (the same event id as the ``payment_intent.canceled`` webhook about it)."""
    canceled = intent.status == "canceled"
    charge = object_id(field(intent, "latest_charge")) or intent.id
    return ProviderEvent(
        event_id=f"{intent.id}/canceled", action="cancel", successful=canceled, amount=int(intent.amount),
        currency=str(intent.currency).upper(), attempt_id=attempt_id, provider_reference=charge,
        parent_reference=charge,
        message=Message("The authorization was canceled.") if canceled
        else Message("Stripe did not cancel the authorization (status %(status)s).", status=str(intent.status)),
        data={"payment_intent": intent.id, "charge": charge, "status": str(intent.status)})
