"""A Stripe payment still processing, as the customer and the admin see it in the reference shop:
the storefront's view page, list and guest page say a payment is being processed and since when,
Pay is not offered for what it covers; the back-office lists it in Payments as processing; Stripe's
webhook then records its success once, or its failure (the invoice is payable again).

The states are driven by signed webhook events as Stripe sends them (see
``test_stripe_processing``: the local server cannot hold a PaymentIntent in ``processing``)."""
from __future__ import annotations

import re

import pytest
from support.stripe_payments import (
    configure_stripe,
    local_account,
    sepa_failed,
    sepa_processing,
    sepa_succeeded,
    webhook,
)

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.integration.payment_methods import PaymentPage

NOTIFY = "/invoices/pay/notify/stripe"
RECEIVER_SECRET = "whsec_local_test"


@pytest.fixture
def stripe_shop(shop, stripe_server):
    account = local_account(stripe_server)
    configure_stripe(Settings(shop[0].extensions["oro_reference_host"].config), account,
                     base_url="http://localhost", webhook_secret=RECEIVER_SECRET, partial=True, minimum="1")
    return shop[0], account


def started(client: ShopClient, doc, amount: str | None = None) -> PaymentPage:
    """Proceed with Payment on the payment page; the PaymentIntent the hand-over page mounts."""
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    if amount is not None:
        fields["amount"] = amount
    action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
    handed = client.client.post(action, data=fields).get_data(as_text=True)
    secret = re.search(r'data-client-secret="([^"]+)"', handed).group(1)
    return PaymentPage(kind="client_form", fields={"client_secret": secret, "return_url": "http://localhost/"})


def deliver(app, body: bytes) -> None:
    callback = webhook(body, secret=RECEIVER_SECRET)
    resp = app.test_client().post(NOTIFY, data=callback.body, headers={"Stripe-Signature": callback.headers[
        "stripe-signature"]}, content_type="application/json")
    assert resp.status_code == 200, resp.get_data(as_text=True)


def test_a_processing_payment_of_all_that_is_due_is_shown_and_not_offered_again(stripe_shop, admin):
    app, account = stripe_shop
    client = ShopClient(app)
    client.login_customer("ben.ortiz@acme.example")
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1003-3"))
    due = doc.amount_due
    page = started(client, doc)
    deliver(app, sepa_processing(account, page))
    amount = f"€{due:,.2f}"   # an invoice in EUR
    said = re.compile(rf"A payment of {re.escape(amount)} is being processed \(since [^)]+\)\. It is recorded when "
                      r"the payment provider confirms it\.")
    view = client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert said.search(text_of(view)) and "data-oi-pay>" not in view
    listing = client.get("/customer/invoices").get_data(as_text=True)
    row = re.search(rf'<tr data-invoice-id="{doc.id}">.*?</tr>', listing, re.S).group(0)
    assert f"Payment of {amount} being processed since" in text_of(row) and "data-oi-pay>" not in row
    pay_page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert said.search(text_of(pay_page)) and 'id="oi-payment-form"' not in pay_page
    assert f"Invoice #{doc.invoice_number} cannot be paid again while its payment is being processed." in \
        text_of(pay_page)
    guest = ShopClient(app).get(f"/invoices/pay/{doc.payment_token}").get_data(as_text=True)
    assert said.search(text_of(guest)) and 'id="oi-payment-form"' not in guest
    back_office = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    payments = re.search(r'<section class="oi-card" id="payments".*?</section>', back_office, re.S).group(0)
    assert "Processing" in text_of(payments) and amount in text_of(payments)
    assert "No payments have been recorded" not in text_of(payments)
    # Stripe reports the success (twice): recorded once, and the notices are gone
    deliver(app, sepa_succeeded(account, page, int(due * 100)))
    deliver(app, sepa_succeeded(account, page, int(due * 100)))
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert len(client.service.transactions(doc.id)) == 1
    view = text_of(client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True))
    assert "being processed" not in view and "Paid in full" in view


def test_a_processing_payment_that_fails_is_shown_failed_and_pay_comes_back(stripe_shop, admin):
    app, account = stripe_shop
    client = ShopClient(app)
    client.login_customer("ben.ortiz@acme.example")
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1003-3"))
    page = started(client, doc)
    deliver(app, sepa_processing(account, page))
    assert "data-oi-pay>" not in client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    deliver(app, sepa_failed(account, page))
    view = client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert "data-oi-pay>" in view and "Payment declined" in text_of(view) and "being processed" not in text_of(view)
    back_office = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    payments = text_of(re.search(r'<section class="oi-card" id="payments".*?</section>', back_office, re.S).group(0))
    assert "Processing" not in payments
    assert "The customer's account has insufficient funds to cover this payment." in payments


def test_a_processing_payment_of_part_offers_only_the_rest(stripe_shop):
    app, account = stripe_shop
    client = ShopClient(app)
    client.login_customer("ben.ortiz@acme.example")
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1003-3"))
    page = started(client, doc, amount="100.00")
    deliver(app, sepa_processing(account, page))
    rest = doc.amount_due - 100
    pay_page = text_of(client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    assert "A payment of €100.00 is being processed" in pay_page
    assert f"up to €{rest:,.2f}" in pay_page
    view = client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert "data-oi-pay>" in view and "A payment of €100.00 is being processed" in text_of(view)
