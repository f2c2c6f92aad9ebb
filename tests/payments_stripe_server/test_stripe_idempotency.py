"""Idempotency keys on the local Stripe server (stock localstripe ignored them)."""
from __future__ import annotations

import uuid

import pytest
import stripe
from support.stripe_server import contract


def test_a_retry_with_the_same_key_replays_the_first_result(stripe_client):
    """Stripe: requests with the same Idempotency-Key and the same parameters return the first result
    with Idempotent-Replayed: true (https://docs.stripe.com/api/idempotent_requests)."""
    invoice = f"INV-{uuid.uuid4().hex[:8]}"
    contract.check_idempotent_replay(stripe_client, invoice)
    listed = stripe_client.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
    assert len([pi for pi in listed if pi.metadata.to_dict() == {"invoice": invoice}]) == 1


def test_the_same_key_with_other_parameters_is_an_idempotency_error(stripe_client):
    """Stripe: an Idempotency-Key reused with other parameters fails with type idempotency_error (400)."""
    contract.check_idempotency_key_reused_with_other_parameters(stripe_client)


def test_a_declined_payment_is_replayed_not_charged_again(stripe_client):
    """Stripe: the saved result includes errors once the endpoint ran ("including 500 errors"): the retry
    of a declined payment gets the same card error and no second PaymentIntent."""
    key = f"declined-{uuid.uuid4()}"
    params = {"amount": 4_200, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True}
    errors = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as raised:
            stripe_client.v1.payment_intents.create(params, {"idempotency_key": key})
        errors.append(raised.value)
    assert errors[0].error.payment_intent.id == errors[1].error.payment_intent.id
    assert errors[1].headers.get("Idempotent-Replayed") == "true"


def test_a_request_refused_for_its_parameters_saves_nothing(stripe_client):
    """Stripe: "If incoming parameters failed validation … no idempotent result is saved", so the
    corrected request may use the same key."""
    key = f"invalid-{uuid.uuid4()}"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.create({"amount": 0, "currency": "usd"}, {"idempotency_key": key})
    created = stripe_client.v1.payment_intents.create({"amount": 100, "currency": "usd"}, {"idempotency_key": key})
    assert created.amount == 100
    assert created.last_response.headers.get("Idempotent-Replayed") is None


def test_keys_are_kept_per_api_key(stripe_server):
    """Saved results belong to the caller (Stripe keeps them per account): another API key using the same
    key value gets a result of its own."""
    from support.stripe_server.fixtures import local_client
    key = f"shared-{uuid.uuid4()}"
    params = {"amount": 700, "currency": "usd"}
    mine = local_client(stripe_server, "sk_test_one").v1.payment_intents.create(params, {"idempotency_key": key})
    theirs = local_client(stripe_server, "sk_test_two").v1.payment_intents.create(params, {"idempotency_key": key})
    assert mine.id != theirs.id
