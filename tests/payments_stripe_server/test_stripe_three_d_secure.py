"""3-D Secure on the local Stripe server: the outcome of the challenge, and its events."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest
from support.stripe_server import contract
from support.stripe_server.fixtures import PUBLISHABLE_KEY


def _authenticate(base_url: str, pending, success: bool) -> None:
    form = urllib.parse.urlencode({"key": PUBLISHABLE_KEY, "client_secret": pending.client_secret}).encode()
    url = f"{base_url}/v1/payment_intents/{pending.id}/_authenticate?success={str(success).lower()}"
    with urllib.request.urlopen(urllib.request.Request(url, data=form, method="POST"), timeout=10):
        pass


def test_a_failed_challenge_sends_payment_intent_payment_failed(stripe_server, stripe_client, stripe_webhooks):
    """Stripe: when the customer fails 3-D Secure, the PaymentIntent returns to requires_payment_method
    with last_payment_error.code payment_intent_authentication_failure, and payment_intent.payment_failed is sent."""
    pending = contract.intent(stripe_client, payment_method="pm_card_authenticationRequired", confirm=True)
    _authenticate(stripe_server, pending, success=False)
    failed = stripe_client.v1.payment_intents.retrieve(pending.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    event = stripe_webhooks.wait_for_event("payment_intent.payment_failed", pending.id)
    error = event.data.object.last_payment_error
    assert (error.type, error.code) == ("invalid_request_error", "payment_intent_authentication_failure")
    assert error.payment_method.card.last4 == "3184"


def test_a_completed_challenge_pays(stripe_server, stripe_client, stripe_webhooks):
    """Stripe: once 3-D Secure is completed the payment proceeds and payment_intent.succeeded is sent."""
    pending = contract.intent(stripe_client, payment_method="pm_card_threeDSecure2Required", confirm=True)
    assert pending.status == "requires_action"
    _authenticate(stripe_server, pending, success=True)
    assert stripe_client.v1.payment_intents.retrieve(pending.id).status == "succeeded"
    stripe_webhooks.wait_for_event("payment_intent.succeeded", pending.id)


@pytest.mark.parametrize("number,decline_code", [("4000008260003178", "insufficient_funds"),
                                                 ("4000008400001629", "generic_decline")])
def test_a_card_declined_after_its_challenge(stripe_server, stripe_client, number, decline_code):
    """Stripe (docs.stripe.com/testing#authentication-and-setup): these cards require 3-D Secure, then
    the charge is declined with a card_error."""
    card = {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    pending = contract.intent(stripe_client, payment_method_data=card, confirm=True)
    assert pending.status == "requires_action"
    with pytest.raises(urllib.error.HTTPError) as raised:
        _authenticate(stripe_server, pending, success=True)
    assert raised.value.code == 402
    failed = stripe_client.v1.payment_intents.retrieve(pending.id)
    assert (failed.status, failed.last_payment_error.decline_code) == ("requires_payment_method", decline_code)
