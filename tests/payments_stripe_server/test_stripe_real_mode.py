"""The same checks as the local Stripe server's tests, against Stripe's own test mode.

Skipped unless ``STRIPE_TEST_SECRET_KEY`` (an ``sk_test_…`` key) is set; the publishable-key check
also needs ``STRIPE_TEST_PUBLISHABLE_KEY``. Run with
``STRIPE_TEST_SECRET_KEY=sk_test_… pytest tests/payments_stripe_server/test_stripe_real_mode.py``.
A failure here, where the local test passes, is a place where the stand-in differs from Stripe.
``STRIPE_TEST_API_BASE`` points the checks at another Stripe-compatible server instead (for example
the local one, run with ``cd tests && python -m support.stripe_server``).
"""
from __future__ import annotations

import os

import pytest
import stripe
from support.stripe_server import contract

SECRET_KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")
PUBLISHABLE_KEY = os.environ.get("STRIPE_TEST_PUBLISHABLE_KEY", "")
API_BASE = os.environ.get("STRIPE_TEST_API_BASE")

pytestmark = pytest.mark.skipif(not SECRET_KEY, reason="STRIPE_TEST_SECRET_KEY is not set")


def client(key: str) -> stripe.StripeClient:
    if API_BASE:
        return stripe.StripeClient(key, base_addresses={"api": API_BASE}, max_network_retries=0)
    return stripe.StripeClient(key, max_network_retries=0)


@pytest.fixture
def real_client() -> stripe.StripeClient:
    if not SECRET_KEY.startswith("sk_test_"):
        pytest.fail("STRIPE_TEST_SECRET_KEY must be a test-mode key (sk_test_…)")
    return client(SECRET_KEY)


def test_idempotent_replay(real_client):
    contract.check_idempotent_replay(real_client)


def test_idempotency_key_reused_with_other_parameters(real_client):
    contract.check_idempotency_key_reused_with_other_parameters(real_client)


def test_confirm_with_payment_method(real_client):
    contract.check_confirm_with_payment_method(real_client)


def test_confirm_with_payment_method_data(real_client):
    contract.check_confirm_with_payment_method_data(real_client)


def test_confirm_with_return_url(real_client):
    contract.check_confirm_with_return_url(real_client)


@pytest.mark.skipif(not PUBLISHABLE_KEY, reason="STRIPE_TEST_PUBLISHABLE_KEY is not set")
def test_confirm_with_publishable_key(real_client):
    contract.check_confirm_with_publishable_key(real_client, client(PUBLISHABLE_KEY))


@pytest.mark.parametrize("payment_method,decline_code", [
    ("pm_card_visa_chargeDeclined", "generic_decline"),
    ("pm_card_chargeDeclined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
])
def test_declined(real_client, payment_method, decline_code):
    contract.check_declined(real_client, decline_code, payment_method=payment_method)


def test_declined_token(real_client):
    contract.check_declined(real_client, "generic_decline",
                            payment_method_data={"type": "card", "card": {"token": "tok_chargeDeclined"}})


def test_authentication_required_test_method(real_client):
    contract.check_authentication_required_test_method(real_client)


def test_refund_limits(real_client):
    contract.check_refund_limits(real_client)


def test_refund_events(real_client):
    contract.check_refund_events(real_client)


def test_cancel_event(real_client):
    contract.check_cancel_event(real_client)


def test_refunds_listed_newest_first(real_client):
    contract.check_refunds_listed_newest_first(real_client)


def test_latest_charge_is_an_id(real_client):
    contract.check_latest_charge_is_an_id(real_client)


def test_capture_before(real_client):
    contract.check_capture_before(real_client)


def test_partial_capture(real_client):
    contract.check_partial_capture(real_client)


def test_card_kept_for_later(real_client):
    contract.check_card_kept_for_later(real_client)


def test_used_card_not_reused(real_client):
    contract.check_used_card_not_reused(real_client)


def test_off_session_authentication_required(real_client):
    contract.check_off_session_authentication_required(real_client)
