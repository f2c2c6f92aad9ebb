"""Until when an authorization is held, on the local Stripe server (localstripe's charges had no
``payment_method_details``)."""
from __future__ import annotations

from support.stripe_server import contract


def test_an_authorized_card_charge_says_until_when_it_can_be_captured(stripe_client):
    contract.check_capture_before(stripe_client)
