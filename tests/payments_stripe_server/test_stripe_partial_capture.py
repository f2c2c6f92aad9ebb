"""A partial capture on the local Stripe server (localstripe refunded the rest but said nothing of
it: no ``amount_captured``, no ``amount_received`` short of the amount, no refund events)."""
from __future__ import annotations

from support.stripe_server import contract


def test_a_partial_capture_takes_part_and_refunds_the_rest(stripe_client):
    contract.check_partial_capture(stripe_client)
