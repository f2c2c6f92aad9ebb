"""Declined cards on the local Stripe server (stock localstripe let them succeed, or failed them as
invalid_request_error without decline_code and payment_intent)."""
from __future__ import annotations

import pytest
from support.stripe_server import contract


def _card(number: str) -> dict:
    return {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}


@pytest.mark.parametrize("number,code,decline_code", [
    ("4000000000000002", "card_declined", "generic_decline"),
    ("4000000000009995", "card_declined", "insufficient_funds"),
    ("4000000000009987", "card_declined", "lost_card"),
    ("4000000000009979", "card_declined", "stolen_card"),
    ("4000000000000069", "expired_card", "expired_card"),
    ("4000000000000127", "incorrect_cvc", "incorrect_cvc"),
    ("4000000000000119", "processing_error", "processing_error"),
    ("4000000000000341", "card_declined", "generic_decline"),
])
def test_decline_cards_fail_with_a_card_error(stripe_client, number, code, decline_code):
    """Stripe (docs.stripe.com/testing#declined-payments): each decline card fails the payment with HTTP 402,
    type=card_error, its error code and decline_code, and the PaymentIntent in the error."""
    contract.check_declined(stripe_client, decline_code, code, payment_method_data=_card(number))


@pytest.mark.parametrize("payment_method,decline_code", [
    ("pm_card_visa_chargeDeclined", "generic_decline"),
    ("pm_card_chargeDeclined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ("pm_card_chargeCustomerFail", "generic_decline"),
])
def test_decline_payment_methods_fail_with_a_card_error(stripe_client, payment_method, decline_code):
    """Stripe: the decline test PaymentMethods fail like their cards: card_error with decline_code and payment_intent."""
    contract.check_declined(stripe_client, decline_code, payment_method=payment_method)


def test_a_decline_sends_payment_intent_payment_failed(stripe_client, stripe_webhooks):
    """Stripe: a failed payment attempt sends payment_intent.payment_failed with last_payment_error."""
    error = contract.check_declined(stripe_client, "insufficient_funds",
                                    payment_method="pm_card_visa_chargeDeclinedInsufficientFunds")
    event = stripe_webhooks.wait_for_event("payment_intent.payment_failed", error.error.payment_intent.id)
    failure = event.data.object.last_payment_error
    assert (failure.type, failure.code, failure.decline_code) == ("card_error", "card_declined", "insufficient_funds")
    assert failure.payment_method.card.last4 == "9995"
