"""Paying invoices with the Stripe method in tests: the account, a configured service, and what
Stripe.js, the 3-D Secure page and Stripe's webhooks would do.

``StripeAccount`` is the local server (the ``stripe_server`` fixture) or, when
``STRIPE_TEST_SECRET_KEY`` (and ``STRIPE_TEST_PUBLISHABLE_KEY``) are set, Stripe's test mode.
The browser's part is played with the official SDK and Stripe's test PaymentMethod ids; the
customer's return is the callback Stripe.js makes (``payment_intent``,
``payment_intent_client_secret``, ``redirect_status`` added to the return URL); webhooks are
Stripe's own events (``GET /v1/events``) signed with the endpoint's secret as Stripe signs them.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.payment_methods import PaymentPage, ProviderCallback
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.integration.stripe_method import settings as keys
from oro_invoices.services.facade import InvoiceService
from support.fakepay import BASE_URL
from support.payloads import invoice_payload
from support.stripe_server.contract import find_event

WEBHOOK_SECRET = "whsec_oro_invoices_test_secret"
REAL_SECRET_ENV, REAL_PUBLISHABLE_ENV = "STRIPE_TEST_SECRET_KEY", "STRIPE_TEST_PUBLISHABLE_KEY"


@dataclass(frozen=True)
class StripeAccount:
    """Where the payments go: the local server, or Stripe's test mode (``real``)."""

    api_base: str
    secret_key: str
    publishable_key: str
    js_url: str
    real: bool = False

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(self.secret_key, base_addresses={"api": self.api_base}, max_network_retries=0)

    def local_only(self, why: str) -> None:
        """Skip the rest of a test against Stripe's test mode (the stand-in has a hook Stripe lacks)."""
        if self.real:
            pytest.skip(f"local server only: {why}")


def local_account(server_url: str) -> StripeAccount:
    return StripeAccount(server_url, "sk_test_local", "pk_test_local", f"{server_url}/js.stripe.com/v3/")


def real_account() -> StripeAccount | None:
    secret = os.environ.get(REAL_SECRET_ENV, "")
    if not secret:
        return None
    return StripeAccount("https://api.stripe.com", secret, os.environ.get(REAL_PUBLISHABLE_ENV, "pk_test_unset"),
                         "https://js.stripe.com/v3/", real=True)


@pytest.fixture(params=["local", "real"])
def stripe_account(request) -> StripeAccount:
    """The local server, and Stripe's test mode when ``STRIPE_TEST_SECRET_KEY`` is set (skipped otherwise)."""
    if request.param == "real":
        account = real_account()
        if account is None:
            pytest.skip(f"Stripe test mode: set {REAL_SECRET_ENV} (and {REAL_PUBLISHABLE_ENV}) to run")
        return account
    return local_account(request.getfixturevalue("stripe_server"))


def configure_stripe(settings: Settings, account: StripeAccount, *, partial: bool = False, minimum: str = "0",
                     action: str = "charge", webhook_secret: str = WEBHOOK_SECRET, base_url: str = BASE_URL,
                     scope: str = "global", scope_id: int | None = None, reauthorize: bool = False) -> None:
    """Invoices and payments on, paid with Stripe through ``account``."""
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.storefront_base_url", base_url)
    for key, value in {
        "oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "stripe",
        "oro_invoices.partial_payments_enabled": partial, "oro_invoices.partial_payment_minimum": minimum,
        keys.SECRET_KEY: account.secret_key, keys.PUBLISHABLE_KEY: account.publishable_key,
        keys.WEBHOOK_SECRET: webhook_secret, keys.API_BASE: account.api_base, keys.JS_URL: account.js_url,
        keys.PAYMENT_ACTION: action, keys.REAUTHORIZE: reauthorize,
    }.items():
        settings.set(key, value, scope, scope_id)


def stripe_service(db, account: StripeAccount, **options: Any) -> tuple[InvoiceService, Settings]:
    """A service over ``db`` with the default plugins (Stripe among them), paying through ``account``."""
    settings = Settings(MemoryConfigStore(), payment_methods=("stripe", "oropay"))
    configure_stripe(settings, account, **options)
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings,
                             payment_url=lambda inv: f"{BASE_URL}/invoices/pay/{inv.payment_token}")
    return service, settings


def posted(service: InvoiceService, **overrides: Any):
    """A posted invoice (231.86 USD unless overridden), with an email unique to this run, so that
    Stripe customers made by other tests on the same account are not found."""
    overrides.setdefault("customer_user_email", f"buyer-{time.time_ns()}@acme.test")
    doc = service.create(invoice_payload(**overrides), actor="import")
    return service.post(doc.id, actor="admin")


def start(service: InvoiceService, invoice_id: int, amount: str | None = None, **kwargs: Any):
    kwargs.setdefault("actor", "buyer@acme.test")
    kwargs.setdefault("origin", "storefront")
    kwargs.setdefault("return_path", "/invoices/pay/notify/stripe")
    kwargs.setdefault("cancel_path", f"/customer/invoices/{invoice_id}/payment")
    return service.start_payment(invoice_id, amount=amount, **kwargs)


def intent_id(page: PaymentPage) -> str:
    return page.fields["client_secret"].split("_secret_")[0]


def confirm(account: StripeAccount, page: PaymentPage, payment_method: str) -> stripe.PaymentIntent:
    """What Stripe.js does with the card the customer typed: confirm the page's PaymentIntent
    (a decline raises ``stripe.CardError``, as Stripe answers)."""
    return account.client().v1.payment_intents.confirm(
        intent_id(page), {"payment_method": payment_method, "return_url": page.fields["return_url"]})


def back_from_stripe(page: PaymentPage, redirect_status: str) -> ProviderCallback:
    """The customer's browser coming back to the return URL, as Stripe.js sends it."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.fields["return_url"]).query))
    query.update(payment_intent=intent_id(page), payment_intent_client_secret=page.fields["client_secret"],
                 redirect_status=redirect_status)
    return ProviderCallback(http_method="GET", query=query)


def authenticate(account: StripeAccount, intent: stripe.PaymentIntent, success: bool) -> ProviderCallback:
    """Complete or fail the 3-D Secure challenge ``next_action.redirect_to_url`` leads to, as the
    customer would on that page; the browser's return to the shop that follows."""
    account.local_only("Stripe's test 3-D Secure page needs a browser")
    assert intent.status == "requires_action", intent.status
    url = intent.next_action.redirect_to_url.url
    secret = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["client_secret"]
    body = urllib.parse.urlencode({"client_secret": secret, "success": "true" if success else "false"}).encode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(url.split("?")[0], data=body, method="POST"), timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 303, answer.read()
        location = answer.headers["Location"]
    else:
        raise AssertionError("the 3-D Secure page did not send the customer back")
    return ProviderCallback(http_method="GET", query=dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query)))


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, made the way Stripe makes it."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def webhook(event: stripe.Event | bytes, secret: str = WEBHOOK_SECRET, signature: str | None = None) -> ProviderCallback:
    """A webhook delivery of ``event`` (an event from the API, or a raw body) signed with ``secret``."""
    body = event if isinstance(event, bytes) else json.dumps(event.to_dict(for_json=True)).encode()
    headers = {"content-type": "application/json; charset=utf-8",
               "stripe-signature": sign(body, secret) if signature is None else signature}
    return ProviderCallback(http_method="POST", headers={k: v for k, v in headers.items() if v}, body=body)


def stripe_event(account: StripeAccount, type: str, object_id: str) -> stripe.Event:
    """Stripe's event of ``type`` about ``object_id`` (polled: Stripe lists events within seconds)."""
    return find_event(account.client(), type, object_id)


def stripe_events(account: StripeAccount, wanted: dict[tuple[str, str], int], timeout: float = 30) -> list[stripe.Event]:
    """Every event of each ``(type, object id)`` in ``wanted``, waiting until each has its count."""
    client = account.client()
    types = sorted({type for type, _ in wanted})
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, stripe.Event] = {}
        for type in types:
            for event in client.v1.events.list({"type": type, "limit": 100}).data:
                if (event.type, event.data.object.id) in wanted:
                    found[event.id] = event
        counts: dict[tuple[str, str], int] = {}
        for event in found.values():
            counts[(event.type, event.data.object.id)] = counts.get((event.type, event.data.object.id), 0) + 1
        if all(counts.get(key, 0) >= n for key, n in wanted.items()):
            return list(found.values())
        if time.monotonic() > deadline:
            raise AssertionError(f"Stripe listed {counts}, expected {wanted}")
        time.sleep(0.5)


def sepa_event(account: StripeAccount, page: PaymentPage, type: str, **changes: Any) -> bytes:
    """The body of Stripe's ``type`` event about the page's PaymentIntent, paid by SEPA Direct Debit,
    with ``changes`` to the PaymentIntent (its status in that state)."""
    intent = account.client().v1.payment_intents.retrieve(intent_id(page)).to_dict(for_json=True)
    intent.update({"payment_method": "pm_sepa_debit_test", "payment_method_types": ["card", "sepa_debit"],
                   "latest_charge": None, "last_payment_error": None, "amount_received": 0, **changes})
    return json.dumps({"id": f"evt_{type.replace('.', '_')}_{time.time_ns()}", "object": "event",
                       "api_version": "2025-03-31.basil", "created": int(time.time()), "livemode": False,
                       "pending_webhooks": 1, "type": type, "data": {"object": intent}}).encode()


def sepa_processing(account: StripeAccount, page: PaymentPage) -> bytes:
    """``payment_intent.processing``: the debit is on its way."""
    return sepa_event(account, page, "payment_intent.processing", status="processing")


def sepa_succeeded(account: StripeAccount, page: PaymentPage, amount: int) -> bytes:
    """``payment_intent.succeeded``: the debit arrived (its charge a ``py_…``)."""
    return sepa_event(account, page, "payment_intent.succeeded", status="succeeded",
                      latest_charge="py_sepa_test_" + intent_id(page)[3:], amount_received=amount)


def sepa_failed(account: StripeAccount, page: PaymentPage) -> bytes:
    """``payment_intent.payment_failed``: the debit bounced (back to ``requires_payment_method``)."""
    return sepa_event(account, page, "payment_intent.payment_failed", status="requires_payment_method",
                      last_payment_error={"type": "invalid_request_error", "code": "insufficient_funds",
                                          "charge": "py_sepa_failed_" + intent_id(page)[3:],
                                          "message": "The customer's account has insufficient funds to cover this "
                                                     "payment.",
                                          "payment_method": {"id": "pm_sepa_debit_test", "object": "payment_method",
                                                             "type": "sepa_debit"}})


def answers_lost(service: InvoiceService, resource: str, call: str, times: int, *,
                 kept: Callable[[Any], Any] = lambda answer: answer.id,
                 losing: Callable[..., bool] = lambda *args: True) -> list[Any]:
    """Make the next ``times`` calls of the Stripe client's ``v1.<resource>.<call>`` (those
    ``losing(*args)`` picks) reach Stripe but lose its answer, as a connection dropped after the
    request was sent; what Stripe made meanwhile, each answer as ``kept`` reads it (its id)."""
    method = service.payment_methods.get("stripe")
    real, made = method.client_factory, []

    def factory(settings):
        client = real(settings)
        api = getattr(client.v1, resource)
        original = getattr(api, call)

        def and_lose(*args, **kwargs):
            answer = original(*args, **kwargs)
            if losing(*args) and len(made) < times:
                made.append(kept(answer))
                raise stripe.APIConnectionError("Read timed out.")
            return answer
        setattr(api, call, and_lose)
        return client
    method.client_factory = factory
    return made
