"""Confirming PaymentIntents on the local Stripe server (stock localstripe refused every confirm parameter)."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe
from support.stripe_server import contract
from support.stripe_server.fixtures import PUBLISHABLE_KEY, local_client

CARD_4242 = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_confirm_with_a_payment_method(stripe_client):
    """Stripe: POST /v1/payment_intents/{id}/confirm takes payment_method; the payment then succeeds."""
    confirmed = contract.check_confirm_with_payment_method(stripe_client)
    assert isinstance(confirmed.latest_charge, str)


def test_confirm_with_payment_method_data_from_a_test_token(stripe_client):
    """Stripe: confirm takes payment_method_data and creates the PaymentMethod from it (card[token] here)."""
    contract.check_confirm_with_payment_method_data(stripe_client)


def test_confirm_with_payment_method_data_from_card_details(stripe_client):
    """Stripe: payment_method_data[card] may carry the card's number, expiry and CVC."""
    contract.check_confirm_with_payment_method_data(stripe_client, card=CARD_4242)


def test_create_takes_stripes_parameters(stripe_client):
    """Stripe: create accepts description, receipt_email, automatic_payment_methods and
    payment_method_data, and return_url with confirm=true (stock localstripe: 400 "Unexpected …")."""
    created = stripe_client.v1.payment_intents.create({
        "amount": 1_234, "currency": "usd", "description": "Invoice INV-7", "receipt_email": "ada@example.com",
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "payment_method_data": {"type": "card", "card": {"token": "tok_visa"}},
        "confirm": True, "return_url": contract.RETURN_URL})
    assert created.status == "succeeded"
    assert (created.description, created.receipt_email) == ("Invoice INV-7", "ada@example.com")
    assert created.automatic_payment_methods.enabled is True
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.payment_intents.create({"amount": 100, "currency": "usd", "return_url": contract.RETURN_URL})
    assert raised.value.param == "return_url"


def test_an_unsupported_confirm_parameter_is_named(stripe_client):
    created = contract.intent(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.payment_intents.confirm(created.id, {"payment_method": "pm_card_visa", "mandate": "x"})
    assert raised.value.param == "mandate"
    assert "local Stripe stand-in does not support it" in str(raised.value.user_message)


def test_confirm_with_a_return_url_redirects_through_3d_secure_and_back(stripe_client):
    """Stripe: with a return_url, a card needing 3-D Secure gives next_action.redirect_to_url; after the
    challenge the customer returns to return_url?payment_intent=…&payment_intent_client_secret=…&redirect_status=…"""
    outcomes = {}
    for success in ("true", "false"):
        pending = contract.check_confirm_with_return_url(stripe_client)
        challenge_url = pending.next_action.redirect_to_url.url
        with urllib.request.urlopen(challenge_url, timeout=10) as page:
            assert "Complete authentication" in page.read().decode()
        form = urllib.parse.urlencode({"client_secret": pending.client_secret, "success": success}).encode()
        with pytest.raises(urllib.error.HTTPError) as redirect:
            urllib.request.build_opener(_NoRedirect).open(challenge_url.split("?")[0], data=form, timeout=10)
        assert redirect.value.code == 303
        location = urllib.parse.urlsplit(redirect.value.headers["Location"])
        assert location._replace(query="").geturl() == contract.RETURN_URL
        query = dict(urllib.parse.parse_qsl(location.query))
        assert query["payment_intent"] == pending.id
        assert query["payment_intent_client_secret"] == pending.client_secret
        outcomes[success] = (query["redirect_status"], stripe_client.v1.payment_intents.retrieve(pending.id).status)
    assert outcomes == {"true": ("succeeded", "succeeded"), "false": ("failed", "requires_payment_method")}


def test_confirm_with_the_publishable_key_and_client_secret(stripe_server, stripe_client):
    """Stripe: Stripe.js confirms with the publishable key and the PaymentIntent's client_secret; a wrong
    client_secret is refused, and without one a publishable key may not confirm."""
    publishable = local_client(stripe_server, PUBLISHABLE_KEY)
    contract.check_confirm_with_publishable_key(stripe_client, publishable)
    created = contract.intent(stripe_client)
    with pytest.raises(stripe.AuthenticationError):
        publishable.v1.payment_intents.confirm(created.id, {"payment_method": "pm_card_visa"})
    assert stripe_client.v1.payment_intents.retrieve(created.id).status == "requires_payment_method"


def test_a_new_card_may_be_confirmed_after_a_decline(stripe_client):
    """Stripe: a declined PaymentIntent returns to requires_payment_method and can be confirmed again."""
    error = contract.check_declined(stripe_client, "generic_decline", payment_method="pm_card_chargeDeclined")
    retried = stripe_client.v1.payment_intents.confirm(error.error.payment_intent.id, {"payment_method": "pm_card_visa"})
    assert retried.status == "succeeded" and retried.last_payment_error is None


def test_a_paid_intent_cannot_be_confirmed_again(stripe_client):
    """Stripe: confirming a PaymentIntent that already succeeded is payment_intent_unexpected_state."""
    paid = contract.paid_intent(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.payment_intents.confirm(paid.id, {"payment_method": "pm_card_visa"})
    assert raised.value.code == "payment_intent_unexpected_state"
