"""pytest fixtures of the local Stripe server (loaded through ``pytest_plugins`` in tests/conftest.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from support.stripe_server.server import StripeServer
from support.stripe_server.webhooks import WebhookReceiver, webhook_endpoint

SECRET_KEY = "sk_test_local"
PUBLISHABLE_KEY = "pk_test_local"


def local_client(base_url: str, api_key: str = SECRET_KEY) -> stripe.StripeClient:
    """The official SDK's client, pointed at the local server, without retries."""
    return stripe.StripeClient(api_key, base_addresses={"api": base_url}, max_network_retries=0)


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[str]:
    """The base URL of the local Stripe server, started once and stopped at the end of the session."""
    server = StripeServer()
    yield server.start()
    server.stop()


@pytest.fixture
def stripe_client(stripe_server: str) -> stripe.StripeClient:
    """A secret-key ``StripeClient`` of the local server."""
    return local_client(stripe_server)


@pytest.fixture
def stripe_webhooks(stripe_server: str) -> Iterator[WebhookReceiver]:
    """A webhook endpoint registered for every event during the test; its events are verified on reading."""
    with webhook_endpoint(stripe_server) as receiver:
        yield receiver
