"""The local Stripe server itself: where it listens, what it leaves on disk, webhooks and errors."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import stripe
from support.stripe_server.contract import paid_intent
from support.stripe_server.webhooks import webhook_endpoint

PICKLE = Path("/tmp/localstripe.pickle")


def _state(path: Path) -> tuple[bool, int]:
    return (True, path.stat().st_mtime_ns) if path.exists() else (False, 0)


def test_it_listens_on_127_0_0_1_only(stripe_server):
    """Stock localstripe binds "::" (every interface); this server answers on 127.0.0.1 and nowhere else."""
    url = urlsplit(stripe_server)
    assert url.hostname == "127.0.0.1"
    with urllib.request.urlopen(stripe_server + "/js.stripe.com/v3/", timeout=10) as response:
        assert response.status == 200
    with pytest.raises(ConnectionRefusedError):  # another loopback address: refused unless bound to all
        socket.create_connection(("127.0.0.2", url.port), timeout=5).close()


def test_it_writes_nothing_to_tmp_localstripe_pickle(stripe_client):
    before = _state(PICKLE)
    stripe_client.v1.customers.create({"email": "ada@example.com"})
    paid_intent(stripe_client)
    assert _state(PICKLE) == before


def test_webhooks_are_signed_like_stripe_and_verify_with_construct_event(stripe_server, stripe_client):
    """Stripe: each delivery carries ``Stripe-Signature: t=…,v1=…``, the HMAC-SHA256 of "{t}.{payload}"
    with the endpoint's secret, which ``stripe.Webhook.construct_event`` verifies."""
    with webhook_endpoint(stripe_server, events=["payment_intent.succeeded"], secret="whsec_signed") as receiver:
        paid = paid_intent(stripe_client)
        event = receiver.wait_for_event("payment_intent.succeeded", paid.id)
        assert event.data.object.amount == paid.amount
        delivery = receiver.deliveries[-1]
        timestamp, signature = (part.split("=", 1)[1] for part in delivery.signature.split(","))
        assert int(timestamp) > 0 and len(signature) == 64
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(delivery.payload, delivery.signature, "whsec_another_secret")
        tampered = delivery.payload.replace(paid.id.encode(), b"pi_forged")
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(tampered, delivery.signature, "whsec_signed")


def test_an_unregistered_endpoint_gets_no_more_deliveries(stripe_server, stripe_client):
    with webhook_endpoint(stripe_server) as receiver:
        pass
    paid = paid_intent(stripe_client)
    with webhook_endpoint(stripe_server, events=["payment_intent.succeeded"]) as witness:
        witness.wait_for_event("payment_intent.succeeded", paid.id)
    assert receiver.deliveries == []


def test_events_are_listed_newest_first(stripe_client):
    """Stripe: ``GET /v1/events`` lists events "sorted by creation date, with the most recent appearing first"."""
    first, second = paid_intent(stripe_client), paid_intent(stripe_client)
    listed = [e.data.object.id for e in stripe_client.v1.events.list({"type": "payment_intent.succeeded"}).data]
    assert listed.index(second.id) < listed.index(first.id)


def test_an_unknown_url_is_a_stripe_error(stripe_server):
    """Stripe answers an unknown route with a JSON ``invalid_request_error`` "Unrecognized request URL"."""
    request = urllib.request.Request(stripe_server + "/v1/no_such_things", method="POST", data=b"",
                                     headers={"Authorization": "Bearer sk_test_local"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    error = json.loads(raised.value.read())["error"]
    assert raised.value.code == 404
    assert error == {"type": "invalid_request_error",
                     "message": "Unrecognized request URL (POST: /v1/no_such_things)."}


def test_the_session_server_is_the_only_one(stripe_server):
    from support.stripe_server.server import StripeServer
    with pytest.raises(RuntimeError, match="one server per process"):
        StripeServer().start()


def test_a_failure_inside_the_stand_in_is_an_api_error(stripe_client, monkeypatch):
    """Stripe reports its own failures as type api_error (HTTP 500), which the SDK raises as APIError;
    stock localstripe answered aiohttp's HTML 500, which the SDK cannot read."""
    from localstripe.resources import Customer

    def broken(cls, **data):
        raise RuntimeError("store unavailable")

    monkeypatch.setattr(Customer, "_api_create", classmethod(broken))
    with pytest.raises(stripe.APIError) as raised:
        stripe_client.v1.customers.create({"email": "ada@example.com"})
    assert raised.value.http_status == 500
    assert raised.value.user_message == "The local Stripe stand-in failed: RuntimeError: store unavailable"
