"""Refunds on the local Stripe server (stock localstripe accepted over-refunds and sent no refund events)."""
from __future__ import annotations

import pytest
import stripe
from support.stripe_server import contract


def test_a_refund_may_not_exceed_what_is_left_on_the_charge(stripe_client):
    """Stripe: a refund larger than the charge's unrefunded amount is refused (400, param amount), and a
    fully refunded charge is charge_already_refunded."""
    contract.check_refund_limits(stripe_client)


def test_the_over_refund_message_names_both_amounts(stripe_client):
    """Stripe: "Refund amount ($150.00) is greater than unrefunded amount on charge ($100.00)"."""
    paid = contract.paid_intent(stripe_client, 10_000)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create({"charge": str(paid.latest_charge), "amount": 15_000})
    assert raised.value.user_message == ("Refund amount ($150.00) is greater than unrefunded amount on charge "
                                         "($100.00)")
    assert stripe_client.v1.charges.retrieve(str(paid.latest_charge)).amount_refunded == 0


def test_a_refund_reason_must_be_one_of_stripes(stripe_client):
    """Stripe: reason is duplicate, fraudulent or requested_by_customer."""
    paid = contract.paid_intent(stripe_client, 1_000)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create({"payment_intent": paid.id, "reason": "changed_mind"})
    assert raised.value.param == "reason"
    refund = stripe_client.v1.refunds.create({"payment_intent": paid.id, "reason": "duplicate"})
    assert (refund.reason, refund.amount, refund.payment_intent) == ("duplicate", 1_000, paid.id)


def test_an_unpaid_intent_has_nothing_to_refund(stripe_client):
    """Stripe: refunding a PaymentIntent without a successful charge is a 400, not a server error."""
    unpaid = contract.intent(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create({"payment_intent": unpaid.id})
    assert raised.value.http_status == 400 and raised.value.param == "payment_intent"


def test_refunds_send_refund_and_charge_events_listed_by_the_api(stripe_client):
    """Stripe: a refund sends refund.created and charge.refunded; updating it sends refund.updated."""
    contract.check_refund_events(stripe_client)


def test_refund_events_reach_webhook_endpoints_signed(stripe_client, stripe_webhooks):
    """Stripe: refund.created, charge.refunded and refund.updated are delivered to webhook endpoints, signed."""
    paid = contract.paid_intent(stripe_client, 8_000)
    refund = stripe_client.v1.refunds.create({"payment_intent": paid.id, "amount": 3_000})
    stripe_client.v1.refunds.update(refund.id, {"metadata": {"ticket": "T-1"}})
    created = stripe_webhooks.wait_for_event("refund.created", refund.id)
    assert (created.data.object.amount, created.data.object.charge) == (3_000, paid.latest_charge)
    charge = stripe_webhooks.wait_for_event("charge.refunded", str(paid.latest_charge)).data.object
    assert (charge.amount_refunded, charge.refunded) == (3_000, False)
    assert stripe_webhooks.wait_for_event("refund.updated", refund.id).data.object.metadata.ticket == "T-1"


def test_refunds_are_listed_newest_first(stripe_client):
    """Stripe: the most recent refunds first (localstripe listed the oldest first within one second)."""
    contract.check_refunds_listed_newest_first(stripe_client)


def test_canceling_an_authorization_sends_payment_intent_canceled(stripe_client, stripe_webhooks):
    """Stripe: a canceled PaymentIntent sends payment_intent.canceled, listed and delivered signed
    (stock localstripe sent nothing)."""
    contract.check_cancel_event(stripe_client)
    held = contract.intent(stripe_client, 1_200, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    stripe_client.v1.payment_intents.cancel(held.id)
    delivered = stripe_webhooks.wait_for_event("payment_intent.canceled", held.id).data.object
    assert (delivered.status, delivered.amount) == ("canceled", 1_200)
