"""Stripe in the reference shop: the hand-over page, the customer's return, the webhook route
(a bad signature is a 400 and records nothing), and the minimum amount on the payment page."""
from __future__ import annotations

import datetime as dt
import html
import re
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from support.stripe_payments import configure_stripe, local_account, stripe_event, webhook
from support.view_page import dialog_notice

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.authorization_alerts import SETTING as ALERT_SETTING
from oro_invoices.services.authorization_alerts import alert_expiring_authorizations

NOTIFY = "/invoices/pay/notify/stripe"
RECEIVER_SECRET = "whsec_local_test"  # the stripe_webhooks receiver's


@pytest.fixture
def stripe_shop(shop, stripe_server):
    """The reference shop paying with Stripe through the local server."""
    account = local_account(stripe_server)
    configure_stripe(Settings(shop[0].extensions["oro_reference_host"].config), account,
                     base_url="http://localhost", webhook_secret=RECEIVER_SECRET)
    return shop[0], account


def customer(app, email="ben.ortiz@acme.example") -> ShopClient:
    client = ShopClient(app)
    client.login_customer(email)
    return client


def doc_of(client, external_id="ERP-SO-1003-3"):
    return client.service.get(client.service.find_id(external_id=external_id))


def hand_over(client, doc):
    """Proceed with Payment on the payment page: the page that mounts Stripe's form."""
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
    return client.client.post(action, data=fields)


def form_data(page_html: str) -> dict[str, str]:
    form = re.search(r'<form[^>]*id="oi-provider-form"[^>]*>', page_html, re.S).group(0)
    return {name: html.unescape(value) for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', form)}


def pay_with_visa(client, account, doc):
    """Stripe.js's part done by the SDK: the card confirmed, the customer back from Stripe;
    (the PaymentIntent's id, the response to the return)."""
    data = form_data(hand_over(client, doc).get_data(as_text=True))
    intent = data["client-secret"].split("_secret_")[0]
    account.client().v1.payment_intents.confirm(intent, {"payment_method": "pm_card_visa",
                                                         "return_url": data["return-url"]})
    back = data["return-url"].replace("http://localhost", "") + \
        f"&payment_intent={intent}&payment_intent_client_secret={data['client-secret']}&redirect_status=succeeded"
    return intent, client.get(back)


def test_the_hand_over_page_loads_stripe_js_and_the_payment_form(stripe_shop):
    app, account = stripe_shop
    client = customer(app)
    doc = doc_of(client)
    resp = hand_over(client, doc)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Proceed with Payment" in text_of(page)
    assert f'<script src="{account.js_url}"></script>' in page
    assert '<script src="/oro-invoices/static/oro_invoices_stripe.js"></script>' in page
    data = form_data(page)
    assert data["publishable-key"] == account.publishable_key
    assert data["client-secret"].startswith("pi_") and "_secret_" in data["client-secret"]
    assert data["return-url"].startswith(f"http://localhost{NOTIFY}?attempt=")
    csp = resp.headers["Content-Security-Policy"]
    assert f"script-src 'self' {account.api_base}" in csp and f"connect-src 'self' {account.api_base}" in csp
    assert resp.headers["Cache-Control"] == "no-store"
    # the script is served
    assert client.get("/oro-invoices/static/oro_invoices_stripe.js").status_code == 200


def test_the_return_from_stripe_shows_the_result(stripe_shop):
    app, account = stripe_shop
    client = customer(app)
    doc = doc_of(client)
    _, resp = pay_with_visa(client, account, doc)
    assert resp.status_code in (302, 303)
    text = text_of(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert f"Payment Successful - Invoice #{doc.invoice_number}" in text
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    view = client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert "Paid in full" in text_of(view) and "data-oi-pay>" not in view


def _delivery(receiver, type: str, object_id: str, timeout: float = 15):
    """The raw delivery (body and Stripe-Signature) the local server posted for that event."""
    import json
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for delivery in list(receiver.deliveries):
            event = json.loads(delivery.payload)
            if event["type"] == type and event["data"]["object"]["id"] == object_id:
                return delivery
        time.sleep(0.2)
    raise AssertionError(f"no {type} delivery about {object_id}")


def test_stripes_webhook_pays_and_a_bad_signature_is_refused(stripe_shop, stripe_webhooks):
    app, account = stripe_shop
    client = customer(app)
    doc = doc_of(client)
    data = form_data(hand_over(client, doc).get_data(as_text=True))
    intent = data["client-secret"].split("_secret_")[0]
    account.client().v1.payment_intents.confirm(intent, {"payment_method": "pm_card_visa",
                                                         "return_url": data["return-url"]})
    delivery = _delivery(stripe_webhooks, "payment_intent.succeeded", intent)
    stranger = app.test_client()
    activities = len(client.service.activities(doc.id))
    for signature in (delivery.signature.replace("v1=", "v1=0"), "", "t=1,v1=deadbeef"):
        headers = {"Stripe-Signature": signature} if signature else {}
        refused = stranger.post(NOTIFY, data=delivery.payload, headers=headers, content_type="application/json")
        assert refused.status_code == 400
    assert client.service.transactions(doc.id) == []
    assert len(client.service.activities(doc.id)) == activities
    assert client.service.get(doc.id).payment_status is PaymentStatus.PENDING
    for _ in range(2):  # Stripe may deliver twice
        ok = stranger.post(NOTIFY, data=delivery.payload, headers={"Stripe-Signature": delivery.signature},
                           content_type="application/json")
        assert ok.status_code == 200 and ok.get_data() == b"ok"
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert len(client.service.transactions(doc.id)) == 1


def test_below_stripes_minimum_the_page_offers_no_method(stripe_shop):
    app, _ = stripe_shop
    client = customer(app)
    like = doc_of(client)
    service = client.service
    small = service.create({
        "invoice_date": dt.date.today().isoformat(), "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "bill_to": like.bill_to.as_dict(), "currency": "EUR", "organization_id": like.organization_id,
        "website_id": like.website_id, "customer_id": like.customer_id, "customer_user_id": like.customer_user_id,
        "lines": [{"description": "Sample", "quantity": "1", "unit_price": "0.05", "tax_rate": "0"}]},
        actor="admin")
    small = service.post(small.id, actor="admin")
    text = text_of(client.get(f"/customer/invoices/{small.id}/payment").get_data(as_text=True))
    assert "No payment methods are available, please contact us to proceed." in text
    assert "Proceed with Payment" not in text
    # the invoice above the minimum still has its form
    assert "Proceed with Payment" in text_of(client.get(f"/customer/invoices/{like.id}/payment")
                                             .get_data(as_text=True))


def authorize_with_visa(stripe_shop):
    """Stripe with Payment Action authorize, and the customer's card authorized for an invoice:
    (account, customer's client, invoice, PaymentIntent id, the answer to the return from Stripe)."""
    app, account = stripe_shop
    configure_stripe(Settings(app.extensions["oro_reference_host"].config), account, action="authorize",
                     base_url="http://localhost", webhook_secret=RECEIVER_SECRET)
    client = customer(app)
    doc = doc_of(client)
    intent, back = pay_with_visa(client, account, doc)
    assert client.service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    return account, client, doc, intent, back


def authorized_with_visa(stripe_shop):
    """``authorize_with_visa``, and an admin logged in: (account, customer's client, invoice,
    PaymentIntent id, admin, view page URL)."""
    account, client, doc, intent, _ = authorize_with_visa(stripe_shop)
    admin = ShopClient(stripe_shop[0])
    admin.login_admin()
    return account, client, doc, intent, admin, f"/admin/invoices/{doc.id}"


def test_the_result_of_an_authorization_says_the_amount_is_held_not_paid(stripe_shop):
    _, client, doc, _, back = authorize_with_visa(stripe_shop)
    text = text_of(client.get(back.headers["Location"]).get_data(as_text=True))
    amount = {"EUR": "€", "USD": "$"}[doc.currency] + f"{doc.amount_due:,}"
    assert f"Amount authorized: {amount}" in text and "Amount paid" not in text
    assert "Still due" not in text                            # all of it is held: nothing left to pay
    assert "The amount is held on your card; it is taken when the seller collects it" in text


def test_an_admin_captures_an_authorization_from_the_view_page(stripe_shop):
    account, client, doc, intent, admin, view = authorized_with_visa(stripe_shop)
    [authorization] = client.service.transactions(doc.id)
    row = admin.get(view).get_data(as_text=True).split(f'data-transaction-id="{authorization.id}"')[1].split("</tr>")[0]
    assert re.findall(r">(Capture|Cancel|Refund)</a>", row) == ["Capture", "Cancel"]
    charge = account.client().v1.payment_intents.retrieve(intent, {"expand": ["latest_charge"]}).latest_charge
    held = dt.datetime.fromtimestamp(charge.payment_method_details.card.capture_before, dt.UTC)
    assert text_of(row).endswith(f"Capture by {held:%b} {held.day}, {held:%Y}, {held.hour % 12 or 12}:{held:%M %p} UTC")
    dialog_url = f"{view}?dialog=capture&transaction={authorization.id}"
    dialog = admin.get(dialog_url).get_data(as_text=True)
    assert 'role="dialog"' in dialog and "Capture Payment" in text_of(dialog)
    amount = {"EUR": "€", "USD": "$"}[doc.currency] + f"{doc.total_amount:,}"
    assert (f"The customer is charged the amount captured, and Stripe releases the rest of the {amount} "
            "authorization. Are you sure you want to continue?") in text_of(dialog)
    assert f'id="oi-capture-amount" name="amount" value="{doc.total_amount}"' in dialog
    assert f"At most {amount} can be captured." in text_of(dialog)
    done = admin.submit(dialog_url, f"{view}/transactions/{authorization.id}/capture",
                        {"amount": str(doc.total_amount), "notes": "shipped"})
    assert done.status_code in (302, 303)
    page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert f"The payment of {amount} has been captured." in text_of(page)
    assert account.client().v1.payment_intents.retrieve(intent).status == "succeeded"
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    capture = next(t for t in client.service.transactions(doc.id) if t.action == "capture")
    assert re.findall(r">(Capture|Cancel|Refund)</a>", page.split(f'data-transaction-id="{capture.id}"')[1]
                      .split("</tr>")[0]) == ["Refund"]
    settled = page.split(f'data-transaction-id="{authorization.id}"')[1].split("</tr>")[0]
    assert not re.findall(r">(Capture|Cancel|Refund)</a>", settled) and "Capture by" not in settled
    # the kept dialog link says why it no longer opens
    again = admin.get(dialog_url)
    assert dialog_notice(again) == "This authorization can no longer be captured."


def test_an_admin_captures_part_of_an_authorization_and_stripe_releases_the_rest(stripe_shop):
    account, client, doc, intent, admin, view = authorized_with_visa(stripe_shop)
    [authorization] = client.service.transactions(doc.id)
    dialog_url = f"{view}?dialog=capture&transaction={authorization.id}"
    action = f"{view}/transactions/{authorization.id}/capture"
    symbol = {"EUR": "€", "USD": "$"}[doc.currency]
    too_much = admin.submit(dialog_url, action, {"amount": str(doc.total_amount + 1), "notes": "two shipped"})
    assert too_much.status_code == 422
    shown = text_of(too_much.get_data(as_text=True))
    assert (f"Amount: Must be more than 0 and at most {symbol}{doc.total_amount:,}, what remains of the payment."
            in shown) and "Capture Payment" in shown
    assert f'value="{doc.total_amount + 1}"' in too_much.get_data(as_text=True)
    assert account.client().v1.payment_intents.retrieve(intent).status == "requires_capture"
    done = admin.submit(dialog_url, action, {"amount": "200.00", "notes": "two shipped"})
    page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert f"The payment of {symbol}200.00 has been captured." in text_of(page)
    stripe_intent = account.client().v1.payment_intents.retrieve(intent)
    assert (stripe_intent.status, stripe_intent.amount_received) == ("succeeded", 20000)
    rest = doc.total_amount - 200
    assert sorted((t.action, t.amount, t.notes) for t in client.service.transactions(doc.id)) == [
        ("authorize", doc.total_amount, "Authorized by Stripe."),
        ("cancel", rest, "Stripe released what was not captured."),
        ("capture", Decimal("200.00"), "two shipped")]
    end = client.service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.CANCELED_PARTIALLY, rest)
    rows = {t.action: page.split(f'data-transaction-id="{t.id}"')[1].split("</tr>")[0]
            for t in client.service.transactions(doc.id)}
    assert re.findall(r">(Capture|Cancel|Refund)</a>", rows["capture"]) == ["Refund"]
    assert not re.findall(r">(Capture|Cancel|Refund)</a>", rows["authorize"]) and "Capture by" not in rows["authorize"]
    hint = re.search(r'id="oi-canceled-due">(.*?)</p>', page, re.S).group(1)
    assert text_of(hint) == (f"After the cancellation {symbol}{rest:,} is still due: the customer may pay it, and it "
                             "becomes overdue and is reminded like any amount due. If it is not to be collected, "
                             "create a credit note for it. Create Credit Note")
    assert f'href="/admin/invoices/{doc.id}/credit-notes/new"' in hint
    # Stripe's webhook about the same capture changes nothing
    event = stripe_event(account, "payment_intent.succeeded", intent)
    outcome = client.service.handle_payment_callback("stripe", webhook(event, RECEIVER_SECRET))
    assert {o.outcome for o in outcome.outcomes} == {"duplicate"}
    assert len(client.service.transactions(doc.id)) == 3


def test_after_canceling_an_authorization_the_view_page_says_how_to_settle_the_invoice(stripe_shop):
    account, client, doc, intent, admin, view = authorized_with_visa(stripe_shop)
    [authorization] = client.service.transactions(doc.id)
    assert 'id="oi-canceled-due"' not in admin.get(view).get_data(as_text=True)     # authorized: nothing to say
    dialog_url = f"{view}?dialog=cancel-authorization&transaction={authorization.id}"
    done = admin.submit(dialog_url, f"{view}/transactions/{authorization.id}/cancel", {"notes": "out of stock"})
    assert done.status_code in (302, 303)
    page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert account.client().v1.payment_intents.retrieve(intent).status == "canceled"
    end = client.service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.CANCELED, doc.total_amount)
    amount = {"EUR": "€", "USD": "$"}[doc.currency] + f"{doc.total_amount:,}"
    hint = re.search(r'id="oi-canceled-due">(.*?)</p>', page, re.S).group(1)
    assert text_of(hint) == (f"After the cancellation {amount} reads as due, but it is not offered for payment, "
                             "overdue or reminded. If it is not to be collected, create a credit note for it. "
                             "Create Credit Note")
    # the credit note the hint suggests settles the invoice, and the hint goes
    client.service.create_credit_note(doc.id, {"full": True, "reason": "Not shipped"}, actor="admin")
    assert client.service.get(doc.id).payment_status is PaymentStatus.VOIDED
    assert 'id="oi-canceled-due"' not in admin.get(view).get_data(as_text=True)


def test_the_staffs_alert_about_a_stripe_authorization_links_to_its_view_page(stripe_shop):
    account, client, doc, intent, admin, view = authorized_with_visa(stripe_shop)
    app = stripe_shop[0]
    Settings(app.extensions["oro_reference_host"].config).set(ALERT_SETTING, "ops@acme.example")
    [authorization] = client.service.transactions(doc.id)
    mail = app.extensions["oro_invoices"].mail
    assert alert_expiring_authorizations(client.service, mail).queued == []     # Stripe holds it for 7 days
    report = alert_expiring_authorizations(client.service, mail, within=dt.timedelta(days=8))
    assert [(a.transaction_id, a.to) for a in report.queued] == [(authorization.id, ("ops@acme.example",))]
    [alert] = [e for e in mail.emails(doc.id) if e.template == "authorization_expiring_template"]
    text = mail.email_bodies(alert.id)[2]
    amount = {"EUR": "€", "USD": "$"}[doc.currency] + f"{doc.total_amount:,}"
    assert f"The Stripe authorization of {amount} for invoice {doc.display_number} ({doc.customer_name})" in text
    link = urlsplit(text.split("Capture or cancel it on the invoice's page:\n")[1].split("\n")[0])
    assert link.scheme in ("http", "https") and link.netloc and link.path == view
    page = admin.get(link.path).get_data(as_text=True)            # the page the admin captures it on
    row = page.split(f'data-transaction-id="{authorization.id}"')[1].split("</tr>")[0]
    assert re.findall(r">(Capture|Cancel)</a>", row) == ["Capture", "Cancel"]


def test_an_admin_reauthorizes_an_authorization_from_the_view_page(stripe_shop):
    app, account = stripe_shop
    configure_stripe(Settings(app.extensions["oro_reference_host"].config), account, action="authorize",
                     base_url="http://localhost", webhook_secret=RECEIVER_SECRET, reauthorize=True)
    kept = "Stripe keeps your card so that the seller can renew this authorization before it expires."
    # a colleague paying it (Ben): his card is not kept in the invoice's customer user's Stripe customer
    colleague = customer(app)
    doc = doc_of(colleague)
    assert kept not in text_of(hand_over(colleague, doc).get_data(as_text=True))
    client = customer(app, doc.customer_user_email)                            # Carla, whose invoice it is
    handed_over = text_of(hand_over(client, doc).get_data(as_text=True))
    assert kept in handed_over
    intent, _ = pay_with_visa(client, account, doc)
    admin = ShopClient(app)
    admin.login_admin()
    view = f"/admin/invoices/{doc.id}"
    [old] = client.service.transactions(doc.id)
    row = admin.get(view).get_data(as_text=True).split(f'data-transaction-id="{old.id}"')[1].split("</tr>")[0]
    assert re.findall(r">(Capture|Re-authorize|Cancel|Refund)</a>", row) == ["Capture", "Re-authorize", "Cancel"]
    dialog_url = f"{view}?dialog=reauthorize&transaction={old.id}"
    dialog = text_of(admin.get(dialog_url).get_data(as_text=True))
    amount = {"EUR": "€", "USD": "$"}[doc.currency] + f"{doc.total_amount:,}"
    assert "Re-authorize Payment" in dialog and "Yes, Re-authorize" in dialog
    assert (f"A new authorization of {amount} will be placed on the customer's card, and the current one "
            "released. Are you sure you want to continue?") in dialog
    done = admin.submit(dialog_url, f"{view}/transactions/{old.id}/reauthorize", {"notes": "ships next week"})
    assert done.status_code in (302, 303)
    page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert f"The authorization of {amount} has been renewed." in text_of(page)
    assert account.client().v1.payment_intents.retrieve(intent).status == "canceled"
    assert client.service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    new = next(t for t in client.service.transactions(doc.id) if t.id != old.id)
    renewed = page.split(f'data-transaction-id="{new.id}"')[1].split("</tr>")[0]
    assert re.findall(r">(Capture|Re-authorize|Cancel|Refund)</a>", renewed) == ["Capture", "Re-authorize", "Cancel"]
    assert "Capture by" in text_of(renewed) and "ships next week" in text_of(renewed)
    released = page.split(f'data-transaction-id="{old.id}"')[1].split("</tr>")[0]
    assert not re.findall(r">(Capture|Re-authorize|Cancel|Refund)</a>", released)
    assert dialog_notice(admin.get(dialog_url)) == "This authorization can no longer be re-authorized."


def test_an_authorization_whose_card_was_not_kept_says_why_it_cannot_be_renewed(stripe_shop):
    app, account = stripe_shop
    settings = Settings(app.extensions["oro_reference_host"].config)
    configure_stripe(settings, account, action="authorize", base_url="http://localhost",
                     webhook_secret=RECEIVER_SECRET)
    client = customer(app)
    doc = doc_of(client)
    pay_with_visa(client, account, doc)
    settings.set("oro_invoices.stripe.reauthorize", True)
    admin = ShopClient(app)
    admin.login_admin()
    [old] = client.service.transactions(doc.id)
    view = f"/admin/invoices/{doc.id}"
    row = admin.get(view).get_data(as_text=True).split(f'data-transaction-id="{old.id}"')[1].split("</tr>")[0]
    assert re.findall(r">(Capture|Re-authorize|Cancel|Refund)</a>", row) == ["Capture", "Cancel"]
    assert dialog_notice(admin.get(f"{view}?dialog=reauthorize&transaction={old.id}")) == (
        "This authorization cannot be re-authorized: Stripe did not keep its card. Capture it before it expires, "
        "or cancel it.")
    refused = admin.submit(view, f"{view}/transactions/{old.id}/reauthorize", {})
    assert "Stripe cannot re-authorize this payment: its card was not kept" in text_of(
        admin.get(refused.headers["Location"]).get_data(as_text=True))
