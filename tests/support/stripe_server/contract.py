"""What Stripe documents for the calls the payment code makes, as checks over a ``StripeClient``.

The local server's tests run each check against the stand-in; tests/payments_stripe_server/
test_stripe_real_mode.py runs the same checks against Stripe's test mode when keys are set, so a
difference between the stand-in and Stripe shows up as a failing check there. Only test PaymentMethod
ids and tokens are used (Stripe refuses raw card numbers from most accounts).
"""
from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import stripe

RETURN_URL = "https://shop.example.com/invoices/pay/return"


def intent(client: stripe.StripeClient, amount: int = 10_000, **params: Any) -> stripe.PaymentIntent:
    """A card PaymentIntent (``payment_method_types=["card"]`` keeps Stripe from asking for a return_url)."""
    return client.v1.payment_intents.create({"amount": amount, "currency": "usd",
                                             "payment_method_types": ["card"], **params})


def paid_intent(client: stripe.StripeClient, amount: int = 10_000) -> stripe.PaymentIntent:
    paid = intent(client, amount, payment_method="pm_card_visa", confirm=True)
    assert paid.status == "succeeded"
    return paid


def find_event(client: stripe.StripeClient, type: str, object_id: str, timeout: float = 20) -> stripe.Event:
    """The event of ``type`` about ``object_id`` from ``GET /v1/events`` (newest first), polling until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        for event in client.v1.events.list({"type": type, "limit": 100}).data:
            if event.data.object.id == object_id:
                return event
        if time.monotonic() > deadline:
            raise AssertionError(f"no {type} event about {object_id} within {timeout}s")
        time.sleep(0.5)


def check_idempotent_replay(client: stripe.StripeClient, invoice: str = "INV-1") -> None:
    """Stripe: a retry with the same Idempotency-Key and parameters returns the first result, marked
    ``Idempotent-Replayed: true``, and performs nothing twice (``invoice``: the metadata it carries)."""
    key = f"replay-{uuid.uuid4()}"
    params: Any = {"amount": 2_500, "currency": "usd", "payment_method_types": ["card"],
                   "metadata": {"invoice": invoice}}
    first = client.v1.payment_intents.create(params, {"idempotency_key": key})
    again = client.v1.payment_intents.create(params, {"idempotency_key": key})
    assert again.id == first.id
    assert first.last_response.headers.get("Idempotent-Replayed") != "true"
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"


def check_idempotency_key_reused_with_other_parameters(client: stripe.StripeClient) -> None:
    """Stripe: reusing a key with other parameters is an ``idempotency_error`` (HTTP 400)."""
    key = f"mismatch-{uuid.uuid4()}"
    client.v1.payment_intents.create({"amount": 2_500, "currency": "usd", "payment_method_types": ["card"]},
                                     {"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.payment_intents.create({"amount": 2_600, "currency": "usd", "payment_method_types": ["card"]},
                                         {"idempotency_key": key})
    assert raised.value.http_status == 400
    assert raised.value.error is not None and raised.value.error.type == "idempotency_error"


def check_confirm_with_payment_method(client: stripe.StripeClient) -> stripe.PaymentIntent:
    """Stripe: confirm takes ``payment_method``; a test id becomes a new PaymentMethod of that card."""
    created = intent(client)
    assert created.status == "requires_payment_method"
    confirmed = client.v1.payment_intents.confirm(created.id, {"payment_method": "pm_card_visa"})
    assert confirmed.status == "succeeded"
    assert isinstance(confirmed.payment_method, str) and confirmed.payment_method.startswith("pm_")
    assert confirmed.payment_method != "pm_card_visa"
    return confirmed


def check_confirm_with_payment_method_data(client: stripe.StripeClient, card: Any = None) -> stripe.PaymentIntent:
    """Stripe: confirm takes ``payment_method_data`` and creates the PaymentMethod from it."""
    created = intent(client)
    confirmed = client.v1.payment_intents.confirm(created.id, {
        "payment_method_data": {"type": "card", "card": card or {"token": "tok_visa"},
                                "billing_details": {"name": "Ada Buyer"}}})
    assert confirmed.status == "succeeded"
    method = client.v1.payment_methods.retrieve(str(confirmed.payment_method))
    assert method.card is not None and method.card.last4 == "4242"
    assert method.billing_details.name == "Ada Buyer"
    return confirmed


def check_confirm_with_return_url(client: stripe.StripeClient) -> stripe.PaymentIntent:
    """Stripe: a card needing 3-D Secure, confirmed with a ``return_url``, asks for a redirect
    (``next_action.type = redirect_to_url``) that comes back to that URL."""
    created = intent(client)
    confirmed = client.v1.payment_intents.confirm(created.id, {"payment_method": "pm_card_authenticationRequired",
                                                               "return_url": RETURN_URL})
    assert confirmed.status == "requires_action"
    assert confirmed.next_action is not None and confirmed.next_action.type == "redirect_to_url"
    assert confirmed.next_action.redirect_to_url.return_url == RETURN_URL
    assert confirmed.next_action.redirect_to_url.url.startswith(("http://", "https://"))
    return confirmed


def check_confirm_with_publishable_key(client: stripe.StripeClient, publishable: stripe.StripeClient) -> None:
    """Stripe: with the publishable key (as Stripe.js calls), confirm needs the PaymentIntent's
    ``client_secret``; a wrong one is refused."""
    created = intent(client)
    params: Any = {"payment_method": "pm_card_visa", "client_secret": created.client_secret + "x"}
    with pytest.raises(stripe.InvalidRequestError):
        publishable.v1.payment_intents.confirm(created.id, params)
    params["client_secret"] = created.client_secret
    confirmed = publishable.v1.payment_intents.confirm(created.id, params)
    assert confirmed.status == "succeeded"


def check_declined(client: stripe.StripeClient, decline_code: str, code: str = "card_declined",
                   **payment: Any) -> stripe.CardError:
    """Stripe: a declined confirmation is HTTP 402 ``card_error`` with ``code``, ``decline_code`` and the
    PaymentIntent (now ``requires_payment_method``) in the error; ``payment`` is ``payment_method=…``
    or ``payment_method_data=…``."""
    with pytest.raises(stripe.CardError) as raised:
        intent(client, confirm=True, **payment)
    error = raised.value
    assert error.http_status == 402 and error.code == code
    assert error.error is not None
    assert error.error.type == "card_error" and error.error.decline_code == decline_code
    assert error.error.payment_intent is not None
    assert error.error.payment_intent.status == "requires_payment_method"
    failed = client.v1.payment_intents.retrieve(error.error.payment_intent.id)
    assert failed.last_payment_error is not None and failed.last_payment_error.decline_code == decline_code
    return error


def check_authentication_required_test_method(client: stripe.StripeClient) -> None:
    """Stripe: ``pm_card_authenticationRequired`` always asks for 3-D Secure."""
    confirmed = intent(client, payment_method="pm_card_authenticationRequired", confirm=True)
    assert confirmed.status == "requires_action"
    assert confirmed.next_action is not None and confirmed.next_action.type == "use_stripe_sdk"


def check_refund_limits(client: stripe.StripeClient) -> None:
    """Stripe: refunds may not exceed what is left unrefunded on the charge (400 on ``amount``), and a
    fully refunded charge is ``charge_already_refunded``."""
    paid = paid_intent(client, 10_000)
    client.v1.refunds.create({"payment_intent": paid.id, "amount": 6_000})
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create({"payment_intent": paid.id, "amount": 5_000})
    assert too_much.value.http_status == 400 and too_much.value.param == "amount"
    last = client.v1.refunds.create({"payment_intent": paid.id, "amount": 4_000, "reason": "requested_by_customer"})
    assert last.reason == "requested_by_customer"
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create({"payment_intent": paid.id})
    assert again.value.code == "charge_already_refunded"
    charge = client.v1.charges.retrieve(str(paid.latest_charge))
    assert charge.amount_refunded == 10_000 and charge.refunded is True


def check_refund_events(client: stripe.StripeClient) -> None:
    """Stripe: a refund sends ``refund.created`` and ``charge.refunded``; updating it sends ``refund.updated``."""
    paid = paid_intent(client, 3_000)
    refund = client.v1.refunds.create({"payment_intent": paid.id, "amount": 1_000})
    client.v1.refunds.update(refund.id, {"metadata": {"note": "goodwill"}})
    assert find_event(client, "refund.created", refund.id).data.object.amount == 1_000
    assert find_event(client, "charge.refunded", str(paid.latest_charge)).data.object.amount_refunded == 1_000
    assert find_event(client, "refund.updated", refund.id).data.object.metadata.note == "goodwill"


def check_cancel_event(client: stripe.StripeClient) -> None:
    """Stripe: canceling a PaymentIntent (an authorization released) sends ``payment_intent.canceled``
    with the intent canceled."""
    held = intent(client, 2_500, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    assert held.status == "requires_capture"
    client.v1.payment_intents.cancel(held.id)
    assert find_event(client, "payment_intent.canceled", held.id).data.object.status == "canceled"


def check_refunds_listed_newest_first(client: stripe.StripeClient) -> None:
    """Stripe: refunds are listed "with the most recent refunds appearing first", also when they
    were made within the same second."""
    paid = paid_intent(client, 3_000)
    made = [client.v1.refunds.create({"payment_intent": paid.id, "amount": amount}).id for amount in (100, 200, 300)]
    listed = client.v1.refunds.list({"charge": str(paid.latest_charge)}).data
    assert [refund.id for refund in listed] == made[::-1]


def check_latest_charge_is_an_id(client: stripe.StripeClient) -> None:
    """Stripe: ``latest_charge`` is the id of the charge, expandable to the charge."""
    paid = paid_intent(client, 1_500)
    assert isinstance(paid.latest_charge, str) and paid.latest_charge.startswith("ch_")
    expanded = client.v1.payment_intents.retrieve(paid.id, {"expand": ["latest_charge"]})
    assert isinstance(expanded.latest_charge, stripe.Charge)
    assert expanded.latest_charge.id == paid.latest_charge and expanded.latest_charge.amount == 1_500


def check_capture_before(client: stripe.StripeClient) -> None:
    """Stripe: an authorized card charge (``capture_method=manual``) says until when it can be
    captured, ``payment_method_details.card.capture_before`` (a Unix time, days ahead); a charge
    captured at once has none."""
    held = intent(client, 2_000, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    assert held.status == "requires_capture"
    charge = client.v1.payment_intents.retrieve(held.id, {"expand": ["latest_charge"]}).latest_charge
    assert isinstance(charge, stripe.Charge)
    capture_before = charge.payment_method_details.card.capture_before
    assert time.time() + 24 * 3600 < capture_before < time.time() + 31 * 24 * 3600
    paid = paid_intent(client, 2_000)
    paid_charge = client.v1.payment_intents.retrieve(paid.id, {"expand": ["latest_charge"]}).latest_charge
    assert getattr(paid_charge.payment_method_details.card, "capture_before", None) is None


def check_partial_capture(client: stripe.StripeClient) -> None:
    """Stripe: capturing less than an authorized PaymentIntent (``amount_to_capture``) succeeds it
    with ``amount_received`` what was captured, and the charge's ``amount_captured`` says the same;
    "any additional amount will be automatically refunded" (Capture a charge): a refund of the rest
    is made with the capture, and ``charge.refunded`` is sent; what was captured can still be
    refunded, no more."""
    held = intent(client, 10_000, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    client.v1.payment_intents.capture(held.id, {"amount_to_capture": 6_000})
    captured = client.v1.payment_intents.retrieve(held.id)
    assert (captured.status, captured.amount, captured.amount_received) == ("succeeded", 10_000, 6_000)
    charge = client.v1.charges.retrieve(str(captured.latest_charge))
    assert (charge.captured, charge.amount, charge.amount_captured) == (True, 10_000, 6_000)
    assert [refund.amount for refund in client.v1.refunds.list({"charge": charge.id}).data] == [4_000]
    assert find_event(client, "charge.refunded", charge.id).data.object.amount_captured == 6_000
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create({"charge": charge.id, "amount": 6_001})
    assert too_much.value.param == "amount"
    assert client.v1.refunds.create({"charge": charge.id, "amount": 6_000}).status == "succeeded"


def check_card_kept_for_later(client: stripe.StripeClient) -> None:
    """Stripe: ``setup_future_usage=off_session`` with a ``customer`` attaches the card to the customer
    once the payment succeeds; it then pays again without the customer (``off_session``)."""
    customer = client.v1.customers.create({"email": f"kept-{uuid.uuid4().hex[:8]}@example.com"}).id
    held = intent(client, 2_000, customer=customer, payment_method="pm_card_visa", confirm=True,
                  capture_method="manual", setup_future_usage="off_session")
    assert (held.status, held.setup_future_usage) == ("requires_capture", "off_session")
    card = held.payment_method if isinstance(held.payment_method, str) else held.payment_method.id
    assert client.v1.payment_methods.retrieve(card).customer == customer
    again = intent(client, 2_000, customer=customer, payment_method=card, confirm=True, off_session=True,
                   capture_method="manual")
    assert again.status == "requires_capture"


def check_used_card_not_reused(client: stripe.StripeClient) -> None:
    """Stripe: a PaymentMethod used once without being attached to a customer cannot be used again."""
    paid = paid_intent(client, 1_000)
    card = paid.payment_method if isinstance(paid.payment_method, str) else paid.payment_method.id
    with pytest.raises(stripe.InvalidRequestError, match="may not be used again"):
        intent(client, 1_000, payment_method=card, confirm=True)


def check_off_session_authentication_required(client: stripe.StripeClient) -> None:
    """Stripe: without the customer a card that always asks for 3-D Secure is declined with
    ``authentication_required`` (4000002760003184), the PaymentIntent in the error."""
    customer = client.v1.customers.create({"email": f"auth-{uuid.uuid4().hex[:8]}@example.com"}).id
    card = client.v1.payment_methods.attach("pm_card_authenticationRequired", {"customer": customer}).id
    with pytest.raises(stripe.CardError) as declined:
        intent(client, 1_000, customer=customer, payment_method=card, confirm=True, off_session=True)
    assert declined.value.code == "authentication_required"
    assert declined.value.error.payment_intent is not None
