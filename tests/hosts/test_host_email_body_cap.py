"""The body of an email a person writes is at most 100,000 characters (``MAX_BODY``): the Send
Email dialogs say so beside the field and queue nothing, and the API answers 422 on ``text``."""
from __future__ import annotations

import re

from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.services.mail.compose import MAX_BODY

REFUSED = "Body: The message must be at most 100,000 characters."


def _queued(admin, inv: int) -> int:
    return len(admin.app.extensions["oro_invoices"].mail.emails(inv))


def test_a_body_over_the_cap_is_refused_in_the_dialog_and_nothing_is_queued(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "ap@acme.example", "subject": "Hello", "body": "x" * (MAX_BODY + 1), "template": "",
        "form_token": "over"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="oi-email-dialog"' in html and REFUSED in text_of(html)
    assert text_of(html).count("at most 100,000 characters") == 1        # the HTML made of it is not said again
    assert _queued(admin, inv) == 0


def test_a_body_at_the_cap_is_sent_its_line_breaks_counted_once(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    line = "y" * 99 + "\r\n"                            # a browser sends a line break as two characters
    body = line * (MAX_BODY // 100)                    # 100,000 characters as the field counts them
    resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "ap@acme.example", "subject": "Hello", "body": body, "template": "", "form_token": "at"})
    assert resp.status_code == 303, text_of(resp.get_data(as_text=True))[:300]
    assert _queued(admin, inv) == 1


def test_the_dialogs_body_field_takes_no_more_than_the_cap(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    html = admin.get(f"/admin/invoices/{inv}?dialog=email").get_data(as_text=True)
    assert re.search(rf'<textarea id="oi-email-body" name="body" rows="12" maxlength="{MAX_BODY}">', html)
    aging = admin.get("/admin/invoices/aging?dialog=email").get_data(as_text=True)
    assert f'name="body" rows="12" maxlength="{MAX_BODY}"' in aging


def test_the_aging_email_dialog_refuses_a_body_over_the_cap(admin):
    resp = admin.submit("/admin/invoices/aging?dialog=email", "/admin/invoices/aging/email", {
        "to": "cfo@northwind.example", "subject": "Aging", "body": "z" * (MAX_BODY + 1), "form_token": "aging"})
    assert resp.status_code == 422 and REFUSED in text_of(resp.get_data(as_text=True))


def test_the_api_answers_422_on_text_over_the_cap(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    token = shop[1]["organizations"][0]["api_token"]
    resp = shop[0].test_client().post(f"/api/invoices/{inv}/send", json={"text": "x" * (MAX_BODY + 1)},
                                      headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "text", "message": "The message must be at most 100,000 characters."}]
    assert _queued(admin, inv) == 0
