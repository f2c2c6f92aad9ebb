"""Cards kept for later payments on the local Stripe server (localstripe refused
``setup_future_usage``, reused any card and challenged off-session payments)."""
from __future__ import annotations

from support.stripe_server import contract


def test_a_card_kept_for_later_pays_without_the_customer(stripe_client):
    contract.check_card_kept_for_later(stripe_client)


def test_a_card_used_without_a_customer_is_not_used_again(stripe_client):
    contract.check_used_card_not_reused(stripe_client)


def test_without_the_customer_a_card_asking_for_authentication_is_declined(stripe_client):
    contract.check_off_session_authentication_required(stripe_client)
