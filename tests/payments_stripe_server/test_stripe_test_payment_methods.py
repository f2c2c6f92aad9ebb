"""Stripe's test PaymentMethod ids on the local Stripe server (stock localstripe answered 404 for most)."""
from __future__ import annotations

import pytest
from support.stripe_server import contract


def test_pm_card_authentication_required_asks_for_3d_secure(stripe_client):
    """Stripe (docs.stripe.com/testing#authentication-and-setup): pm_card_authenticationRequired always
    requires 3-D Secure: the PaymentIntent waits in requires_action."""
    contract.check_authentication_required_test_method(stripe_client)


def test_pm_card_charge_declined_is_declined_not_missing(stripe_client):
    """Stripe: pm_card_chargeDeclined is a PaymentMethod whose charges are declined (generic_decline)."""
    contract.check_declined(stripe_client, "generic_decline", payment_method="pm_card_chargeDeclined")


@pytest.mark.parametrize("test_id,last4,brand", [
    ("pm_card_visa", "4242", "visa"), ("pm_card_mastercard", "4444", "mastercard"),
    ("pm_card_threeDSecure2Required", "3220", "visa"), ("pm_card_chargeDeclinedExpiredCard", "0069", "visa"),
])
def test_each_use_of_a_test_id_makes_a_payment_method_of_its_card(stripe_client, test_id, last4, brand):
    """Stripe: a test id stands for a test card; using it creates a PaymentMethod (pm_…) of that card."""
    created = stripe_client.v1.payment_intents.create({"amount": 500, "currency": "usd", "payment_method": test_id})
    assert created.payment_method != test_id
    method = stripe_client.v1.payment_methods.retrieve(str(created.payment_method))
    assert (method.card.last4, method.card.brand) == (last4, brand)
