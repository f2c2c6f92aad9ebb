"""``POST /api/invoices/{id}/send``: Send to Customer over the API — the invoice's email from its
template with its PDF, a draft posted first only when asked, once per Idempotency-Key."""
from __future__ import annotations

import pytest
from support.api import shop_api_call

from oro_invoices.domain.invoice import PaymentStatus


def outbox(shop, invoice_id: int):
    return shop[0].extensions["oro_invoices"].mail.emails(invoice_id)


def test_a_posted_invoice_is_emailed_to_its_customer_user_with_its_pdf(shop, admin):
    invoice_id = admin.service.find_id(external_id="ERP-SO-1003-3")
    doc = admin.service.get(invoice_id)
    resp = shop_api_call(shop, "POST", f"/invoices/{invoice_id}/send", headers={"Idempotency-Key": "send-1003"})
    assert resp.status_code == 201, resp.get_json()
    sent = resp.get_json()
    assert (sent["invoice_id"], sent["invoice_number"], sent["to"], sent["status"]) == \
        (invoice_id, doc.invoice_number, ["carla.nguyen@acme.example"], "queued")
    assert doc.invoice_number in sent["subject"]
    assert [(a["filename"], a["sha256"]) for a in sent["attachments"]] == \
        [(f"invoice-{doc.invoice_number}.pdf", doc.pdf.sha256)]
    again = shop_api_call(shop, "POST", f"/invoices/{invoice_id}/send", headers={"Idempotency-Key": "send-1003"})
    assert again.status_code == 201 and again.get_json()["id"] == sent["id"]           # a retry sends nothing more
    [email] = outbox(shop, invoice_id)
    assert email.template == "invoice_notification_template" and email.actor.startswith("api")

    own = shop_api_call(shop, "POST", f"/invoices/{invoice_id}/send",
                        {"to": ["ap@acme.example"], "cc": ["cfo@acme.example"], "subject": "Your invoice",
                         "text": "Attached.", "template": "invoice_notification_template"})
    assert own.status_code == 201 and own.get_json()["to"] == ["ap@acme.example"]
    assert own.get_json()["cc"] == ["cfo@acme.example"]
    mail = shop[0].extensions["oro_invoices"].mail
    assert mail.email_bodies(own.get_json()["id"])[2] == "Attached."


def test_a_draft_is_posted_first_only_when_asked(shop, admin):
    draft = admin.service.find_id(external_id="ERP-SO-1004-4")
    refused = shop_api_call(shop, "POST", f"/invoices/{draft}/send")
    assert refused.status_code == 409 and '"post": true' in refused.get_json()["errors"][0]["message"]
    assert not admin.service.get(draft).is_posted and outbox(shop, draft) == []
    resp = shop_api_call(shop, "POST", f"/invoices/{draft}/send", {"post": True})
    assert resp.status_code == 201, resp.get_json()
    doc = admin.service.get(draft)
    assert doc.is_posted and resp.get_json()["invoice_number"] == doc.invoice_number
    assert doc.payment_status is PaymentStatus.PENDING and len(outbox(shop, draft)) == 1


def test_a_draft_without_a_recipient_is_refused_before_it_is_posted(shop, admin):
    draft = admin.service.find_id(external_id="ERP-SO-1009-9")
    admin.service.update(draft, {"customer_user_id": None, "customer_user_email": None}, actor="test")
    resp = shop_api_call(shop, "POST", f"/invoices/{draft}/send", {"post": True})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "to"
    assert not admin.service.get(draft).is_posted


@pytest.mark.parametrize("body, field", [({"to": ["not-an-email"]}, "to"), ({"subject": ""}, "subject"),
                                         ({"subject": "Invoice\nBcc: x@evil.example"}, "subject"),
                                         ({"cc": ["nobody"]}, "cc"), ({"text": ""}, "text")])
def test_a_draft_whose_email_would_be_refused_is_not_posted(shop, admin, body, field):
    draft = admin.service.find_id(external_id="ERP-SO-1004-4")
    resp = shop_api_call(shop, "POST", f"/invoices/{draft}/send", {"post": True, **body})
    assert resp.status_code == 422 and field in [e["field"] for e in resp.get_json()["errors"]], resp.get_json()
    assert not admin.service.get(draft).is_posted and outbox(shop, draft) == []


@pytest.mark.parametrize("body, field", [({"to": "ap@acme.example"}, "to"), ({"to": ["not an address"]}, "to"),
                                         ({"subject": 5}, "subject"), ({"post": "yes"}, "post"),
                                         ({"template": "nope"}, "template"), ({"from": "x@y.example"}, "from")])
def test_what_is_wrong_is_named_and_nothing_is_sent(shop, admin, body, field):
    invoice_id = admin.service.find_id(external_id="ERP-SO-1005-5")
    resp = shop_api_call(shop, "POST", f"/invoices/{invoice_id}/send", body)
    assert resp.status_code == 422 and field in [e["field"] for e in resp.get_json()["errors"]], resp.get_json()
    assert outbox(shop, invoice_id) == []


def test_another_organizations_invoice_is_refused(shop, admin):
    theirs = admin.service.find_id(external_id="ERP-SO-1011-11")         # Sakura's
    resp = shop_api_call(shop, "POST", f"/invoices/{theirs}/send")
    assert resp.status_code == 404 and resp.get_json()["errors"][0]["message"] == f"Invoice {theirs} does not exist."
    assert outbox(shop, theirs) == []
