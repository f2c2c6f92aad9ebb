"""The Stripe.js stand-in driven in Chromium: a shop page pays with a card typed into its element."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from support import chromium
from support.stripe_server import contract
from support.stripe_server.fixtures import PUBLISHABLE_KEY, local_client

pytestmark = pytest.mark.browser

PAY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pay</title><script src="{stripe_js}"></script></head>
<body><h1>Pay invoice</h1>
<form id="pay"><div id="card"></div><button type="submit">Pay</button></form>
<p id="result" role="status"></p>
<script>
  const params = new URLSearchParams(location.search);
  const secret = params.get('client_secret'), mode = params.get('mode');
  const stripe = Stripe('{publishable_key}');
  const elements = mode === 'payment' ? stripe.elements({{clientSecret: secret}}) : stripe.elements();
  const element = elements.create(mode === 'payment' ? 'payment' : 'card');
  element.mount('#card');
  // mode=server: the card becomes a PaymentMethod, the shop's server confirms, the page handles 3-D Secure
  async function payThroughServer() {{
    const created = await stripe.createPaymentMethod({{type: 'card', card: element}});
    if (created.error) return created;
    const response = await fetch('/confirm', {{method: 'POST', body: new URLSearchParams({{
      payment_method: created.paymentMethod.id, client_secret: secret}})}});
    const confirmed = await response.json();
    if (confirmed.status === 'requires_action') {{
      const handled = await stripe.handleCardAction(secret);
      if (handled.error) return handled;
    }}
    return stripe.retrievePaymentIntent(secret);
  }}
  document.getElementById('pay').addEventListener('submit', async (event) => {{
    event.preventDefault();
    const result = mode === 'payment'
      ? await stripe.confirmPayment({{elements, confirmParams: {{return_url: location.origin + '/return?invoice=7'}}}})
      : mode === 'server' ? await payThroughServer()
      : await stripe.confirmCardPayment(secret, {{payment_method: {{card: element, billing_details: {{name: 'Ada'}}}}}});
    document.getElementById('result').textContent = result.error
      ? `Error: ${{result.error.code}} ${{result.error.decline_code || '-'}}: ${{result.error.message}}`
      : `Paid: ${{result.paymentIntent.status}}`;
  }});
</script></body></html>
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium; nothing is downloaded."""
    return chromium.launch_args(browser_type_launch_args)


@pytest.fixture
def shop_page(stripe_server) -> Iterator[str]:
    """A shop on another origin than the Stripe server: ``/pay`` (the element), ``/confirm`` and ``/return``."""
    page = PAY_PAGE.format(stripe_js=f"{stripe_server}/js.stripe.com/v3/", publishable_key=PUBLISHABLE_KEY)
    stripe_client = local_client(stripe_server)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            """``/confirm``: the shop's server confirms the intent with the PaymentMethod the page created."""
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            intent_id = form["client_secret"][0].split("_secret_")[0]
            confirmed = stripe_client.v1.payment_intents.confirm(intent_id, {
                "payment_method": form["payment_method"][0]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"status": confirmed.status}).encode())

        def do_GET(self) -> None:
            body = (page if self.path.startswith("/pay") else "<!doctype html><title>Back</title><h1>Back</h1>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def type_card(page: Page, number: str) -> None:
    for placeholder, value in (("number", number), ("exp_month", "12"), ("exp_year", "34"), ("cvc", "123"),
                               ("postal_code", "10115")):
        page.get_by_placeholder(placeholder, exact=True).fill(value)


def open_pay_page(page: Page, shop: str, client, mode: str):
    pending = contract.intent(client, 4_990)
    page.goto(f"{shop}/pay?mode={mode}&client_secret={pending.client_secret}")
    return pending


@pytest.mark.parametrize("number", ["4242424242424242", "5555555555554444"])
def test_confirm_card_payment_sends_the_typed_card(page: Page, shop_page, stripe_client, number):
    """Stripe.js: confirmCardPayment(clientSecret, {payment_method: {card: element}}) pays with the card
    typed into the element."""
    pending = open_pay_page(page, shop_page, stripe_client, "card")
    type_card(page, number)
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("status")).to_have_text("Paid: succeeded")
    paid = stripe_client.v1.payment_intents.retrieve(pending.id)
    method = stripe_client.v1.payment_methods.retrieve(str(paid.payment_method))
    assert (paid.status, method.card.last4) == ("succeeded", number[-4:])
    assert method.billing_details.address.postal_code == "10115"


@pytest.mark.parametrize("button,shown,status", [
    ("Complete authentication", "Paid: succeeded", "succeeded"),
    ("Fail authentication", "Error: payment_intent_authentication_failure -: We are unable to authenticate your "
                            "payment method. Please choose a different payment method and try again.",
     "requires_payment_method"),
])
def test_confirm_card_payment_with_a_3d_secure_card(page: Page, shop_page, stripe_client, button, shown, status):
    """Stripe.js: a card needing 3-D Secure opens the challenge; completing it pays, failing it resolves
    with error.code payment_intent_authentication_failure."""
    pending = open_pay_page(page, shop_page, stripe_client, "card")
    type_card(page, "4000002760003184")
    page.get_by_role("button", name="Pay").click()
    challenge = page.get_by_role("dialog", name="3D Secure authentication")
    expect(challenge).to_contain_text("Test payment of 49.90 USD")
    challenge.get_by_role("button", name=button).click()
    expect(page.get_by_role("status")).to_have_text(shown)
    assert stripe_client.v1.payment_intents.retrieve(pending.id).status == status


def test_confirm_card_payment_with_a_declined_card(page: Page, shop_page, stripe_client):
    """Stripe.js: a declined card resolves with a card error carrying its decline_code."""
    pending = open_pay_page(page, shop_page, stripe_client, "card")
    type_card(page, "4000000000009995")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("status")).to_have_text(
        "Error: card_declined insufficient_funds: Your card has insufficient funds.")
    assert stripe_client.v1.payment_intents.retrieve(pending.id).status == "requires_payment_method"


def test_an_incomplete_card_is_refused_in_the_page(page: Page, shop_page, stripe_client):
    """Stripe.js: an incomplete card number is a validation_error before anything is sent."""
    pending = open_pay_page(page, shop_page, stripe_client, "card")
    type_card(page, "42424242")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("status")).to_have_text("Error: incomplete_number -: Your card number is incomplete.")
    assert stripe_client.v1.payment_intents.retrieve(pending.id).status == "requires_payment_method"


@pytest.mark.parametrize("number,button", [("4242424242424242", None),
                                           ("4000002760003184", "Complete authentication")])
def test_confirm_payment_redirects_to_the_return_url(page: Page, shop_page, stripe_client, number, button):
    """Stripe.js: elements({clientSecret}) + confirmPayment({elements, confirmParams: {return_url}})
    redirects to return_url?payment_intent=…&payment_intent_client_secret=…&redirect_status=succeeded."""
    pending = open_pay_page(page, shop_page, stripe_client, "payment")
    type_card(page, number)
    page.get_by_role("button", name="Pay").click()
    if button:
        page.get_by_role("dialog", name="3D Secure authentication").get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", name="Back")).to_be_visible()
    url = urlsplit(page.url)
    assert (url.path, parse_qs(url.query)) == ("/return", {
        "invoice": ["7"], "payment_intent": [pending.id], "payment_intent_client_secret": [pending.client_secret],
        "redirect_status": ["succeeded"]})
    assert stripe_client.v1.payment_intents.retrieve(pending.id).status == "succeeded"


def test_confirm_payment_stays_on_the_page_when_3d_secure_fails(page: Page, shop_page, stripe_client):
    """Stripe.js: when the 3-D Secure challenge fails, confirmPayment resolves with the error instead of
    redirecting."""
    pending = open_pay_page(page, shop_page, stripe_client, "payment")
    type_card(page, "4000002760003184")
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("dialog", name="3D Secure authentication").get_by_role(
        "button", name="Fail authentication").click()
    expect(page.get_by_role("status")).to_contain_text("Error: payment_intent_authentication_failure")
    assert urlsplit(page.url).path == "/pay"
    assert stripe_client.v1.payment_intents.retrieve(pending.id).status == "requires_payment_method"


@pytest.mark.parametrize("number,button,shown,status", [
    ("4242424242424242", None, "Paid: succeeded", "succeeded"),
    ("4000002760003184", "Complete authentication", "Paid: succeeded", "succeeded"),
    ("4000002760003184", "Fail authentication", "Error: payment_intent_authentication_failure -: We are unable to "
     "authenticate your payment method. Please choose a different payment method and try again.",
     "requires_payment_method"),
])
def test_create_payment_method_then_server_confirm_then_handle_card_action(
        page: Page, shop_page, stripe_client, number, button, shown, status):
    """Stripe.js: createPaymentMethod({type: 'card', card}) with the publishable key; after the server's
    confirm leaves requires_action, handleCardAction(clientSecret) runs 3-D Secure; retrievePaymentIntent
    reads the outcome with the client secret."""
    pending = open_pay_page(page, shop_page, stripe_client, "server")
    type_card(page, number)
    page.get_by_role("button", name="Pay").click()
    if button:
        page.get_by_role("dialog", name="3D Secure authentication").get_by_role("button", name=button).click()
    expect(page.get_by_role("status")).to_have_text(shown)
    paid = stripe_client.v1.payment_intents.retrieve(pending.id)
    assert paid.status == status
    if status == "succeeded":
        assert stripe_client.v1.payment_methods.retrieve(str(paid.payment_method)).card.last4 == number[-4:]
