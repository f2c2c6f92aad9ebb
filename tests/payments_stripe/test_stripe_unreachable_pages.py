"""Stripe out of reach when a customer proceeds to pay: the payment page again, in the customer's
words, with nothing of Stripe's own error (addresses, the SDK's text) shown; the staff read it.
Out of reach when the customer comes back from paying: the result page says the payment is being
processed (nothing recorded yet), never that nothing happened."""
from __future__ import annotations

import html
import json
import logging
import re

import pytest
from support.ports import free_port
from support.stripe_payments import configure_stripe, local_account, sign, stripe_event
from werkzeug.datastructures import MultiDict

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.integration.stripe_method import settings as keys

NOT_STARTED = ("Stripe could not start the payment, so nothing was charged. Please try again in a few minutes; "
               "if it keeps failing, please contact us.")
#: What Stripe's SDK says of a refused connection, none of which is for the customer.
INTERNALS = ("127.0.0.1", "Network error", "support@stripe.com", "HTTPConnectionPool", "Request not accepted")


@pytest.fixture
def unreachable_shop(shop):
    """The reference shop paying with Stripe at an address nothing answers on."""
    configure_stripe(Settings(shop[0].extensions["oro_reference_host"].config),
                     local_account(f"http://127.0.0.1:{free_port()}"), base_url="http://localhost")
    return shop[0]


def customer(app) -> ShopClient:
    client = ShopClient(app)
    client.login_customer("ben.ortiz@acme.example")
    return client


def doc_of(client, external_id):
    return client.service.get(client.service.find_id(external_id=external_id))


def proceed(client, page_url: str):
    """Open the payment page at ``page_url`` and press Proceed with Payment."""
    page = client.get(page_url).get_data(as_text=True)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
    return client.client.post(action.replace("&amp;", "&"), data=MultiDict([(k, v.replace("&amp;", "&")) for k, v in fields]))


def test_stripe_out_of_reach_shows_the_payment_page_again_in_plain_words(unreachable_shop, caplog):
    client = customer(unreachable_shop)
    doc = doc_of(client, "ERP-SO-1003-3")
    with caplog.at_level(logging.WARNING, logger="oro_invoices.web.payments"):
        resp = proceed(client, f"/customer/invoices/{doc.id}/payment")
    text = text_of(resp.get_data(as_text=True))
    assert resp.status_code == 502
    assert NOT_STARTED in text
    assert f"Payment - Invoice #{doc.invoice_number}" in text and "Proceed with Payment" in text
    assert not [leak for leak in INTERNALS if leak in text]
    # the staff read Stripe's own words: in the log, and in the invoice's activity
    assert "Stripe could not be reached while creating the payment" in caplog.text
    assert any("Stripe could not be reached" in entry.summary for entry in client.service.activities(doc.id))


def test_the_guest_link_says_the_same(unreachable_shop):
    client = ShopClient(unreachable_shop)
    doc = doc_of(client, "ERP-SO-1003-3")
    resp = proceed(client, f"/invoices/pay/{doc.payment_token}")
    text = text_of(resp.get_data(as_text=True))
    assert resp.status_code == 502 and NOT_STARTED in text
    assert not [leak for leak in INTERNALS if leak in text]


def test_paying_several_invoices_says_the_same(unreachable_shop):
    client = customer(unreachable_shop)
    ids = [doc_of(client, e).id for e in ("ERP-SO-1002-2", "ERP-SO-1003-3")]
    resp = proceed(client, "/customer/invoices/payment?" + "&".join(f"invoice={i}" for i in ids))
    text = text_of(resp.get_data(as_text=True))
    assert resp.status_code == 502 and NOT_STARTED in text
    assert "Pay Invoices" in text and "Proceed with Payment" in text
    assert not [leak for leak in INTERNALS if leak in text]


def paid_at_stripe(shop, stripe_server):
    """Ben pays ERP-SO-1003-3 at the local Stripe server: the settings, the account, Ben's client,
    the invoice, and the path Stripe sends him back to."""
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    account = local_account(stripe_server)
    configure_stripe(settings, account, base_url="http://localhost")
    client = customer(shop[0])
    doc = doc_of(client, "ERP-SO-1003-3")
    page = proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="oi-provider-form"[^>]*>', page, re.S).group(0)
    data = {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', form)}
    intent = data["client-secret"].split("_secret_")[0]
    account.client().v1.payment_intents.confirm(intent, {"payment_method": "pm_card_visa",
                                                         "return_url": data["return-url"]})
    back = data["return-url"].replace("http://localhost", "") + \
        f"&payment_intent={intent}&payment_intent_client_secret={data['client-secret']}&redirect_status=succeeded"
    return settings, account, client, doc, intent, back


def test_back_from_paying_while_stripe_is_out_of_reach_the_payment_is_being_processed(shop, stripe_server):
    settings, account, client, doc, _intent, back = paid_at_stripe(shop, stripe_server)
    settings.set(keys.API_BASE, f"http://127.0.0.1:{free_port()}")       # Stripe out of reach now
    resp = client.client.get(back)
    assert resp.status_code == 303
    result = client.get(resp.headers["Location"])
    text = text_of(result.get_data(as_text=True))
    assert result.status_code == 200
    assert f"Your payment of €{doc.amount_due:,.2f} is being processed." in text
    assert not [leak for leak in INTERNALS if leak in text] and "Payment Error" not in text
    assert client.service.transactions(doc.id) == []          # nothing recorded, nothing failed
    assert client.service.get(doc.id).payment_status is PaymentStatus.PENDING
    settings.set(keys.API_BASE, account.api_base)                        # back: the same return records it
    again = client.client.get(back)
    assert "Payment Successful" in text_of(client.get(again.headers["Location"]).get_data(as_text=True))
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_a_webhook_stripe_cannot_be_asked_about_is_answered_503_to_come_again(shop, stripe_server):
    """A refund made in the Stripe Dashboard has its charge read; out of reach, the delivery is
    answered 503 (Stripe sends it again) and recorded once Stripe answers."""
    settings, account, client, doc, intent, back = paid_at_stripe(shop, stripe_server)
    client.client.get(back)
    refund = account.client().v1.refunds.create({"payment_intent": intent, "amount": 1000})
    body = json.dumps(stripe_event(account, "refund.created", refund.id).to_dict(for_json=True)).encode()
    settings.set(keys.API_BASE, f"http://127.0.0.1:{free_port()}")       # Stripe out of reach now
    stranger = shop[0].test_client()
    resp = stranger.post("/invoices/pay/notify/stripe", data=body, content_type="application/json",
                         headers={"Stripe-Signature": sign(body)})
    assert resp.status_code == 503
    assert [t.action for t in client.service.transactions(doc.id)] == ["charge"]
    settings.set(keys.API_BASE, account.api_base)
    resp = stranger.post("/invoices/pay/notify/stripe", data=body, content_type="application/json",
                         headers={"Stripe-Signature": sign(body)})
    assert resp.status_code == 200
    assert sorted(t.action for t in client.service.transactions(doc.id)) == ["charge", "refund"]
