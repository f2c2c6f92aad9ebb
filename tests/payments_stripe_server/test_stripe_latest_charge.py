"""PaymentIntent.latest_charge on the local Stripe server (stock localstripe embedded the charge)."""
from __future__ import annotations

from support.stripe_server import contract


def test_latest_charge_is_an_id_expandable_to_the_charge(stripe_client):
    """Stripe: PaymentIntent.latest_charge is "expandable": the id of the latest charge unless expanded."""
    contract.check_latest_charge_is_an_id(stripe_client)


def test_events_carry_the_charge_id_too(stripe_client, stripe_webhooks):
    """Stripe: event payloads show objects unexpanded, so latest_charge is an id there as well."""
    paid = contract.paid_intent(stripe_client)
    event = stripe_webhooks.wait_for_event("payment_intent.succeeded", paid.id)
    assert isinstance(event.data.object.latest_charge, str)
    assert event.data.object.latest_charge == paid.latest_charge
