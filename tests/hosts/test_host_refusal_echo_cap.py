"""A refused form shows again at most what its fields hold: a 1 MB email body or a 200 kB note
is kept up to its limit, the refusal says it was cut, and the page stays small."""
from __future__ import annotations

import re
from html import unescape

from oro_invoices.hosts.reference.testing import form_token, text_of
from oro_invoices.services.mail.compose import MAX_BODY

CUT = "Only the first {limit} characters are shown again: check where the text ends before sending it again."


def _body(html: str, element_id: str) -> str:
    return unescape(re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def test_a_1_mb_email_body_is_shown_again_cut_to_what_the_field_holds(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "ap@acme.example", "subject": "s" * 200_000, "body": "b" * 1_000_000, "template": "",
        "form_token": "big"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and len(html) < 200_000 + MAX_BODY
    assert _body(html, "oi-email-body") == "b" * MAX_BODY
    assert re.search(r'name="subject" value="(s*)"', html).group(1) == "s" * 500
    said = text_of(html)
    assert "The message must be at most 100,000 characters." in said and CUT.format(limit="100,000") in said
    assert admin.app.extensions["oro_invoices"].mail.emails(inv) == []


def test_an_email_body_within_the_cap_is_shown_again_whole_and_nothing_is_said_of_cutting(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "not an address", "subject": "Hello", "body": "Dear customer,\r\nhere it is.", "template": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and _body(html, "oi-email-body") == "Dear customer,\r\nhere it is."
    assert "shown again" not in text_of(html)


def test_a_200_kb_note_is_shown_again_cut_to_10000_characters(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    shown = admin.get(page).get_data(as_text=True)
    resp = admin.client.post(f"{page}/notes", data={"body": "n" * 200_000, "csrf_token": form_token(shown)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and len(html) < 100_000
    assert _body(html, "oi-note-body") == "n" * 10_000
    assert ("Write the note's text (up to 10,000 characters). " + CUT.format(limit="10,000")) in text_of(html)
    assert admin.service.notes(inv) == []


def test_the_statement_and_aging_dialogs_show_a_1_mb_body_again_cut(shop, admin):
    resp = admin.submit("/admin/invoices/aging?dialog=email", "/admin/invoices/aging/email", {
        "to": "cfo@northwind.example", "subject": "Aging", "body": "z" * 1_000_000, "form_token": "aging"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and len(html) < 400_000
    assert "z" * MAX_BODY in html and "z" * (MAX_BODY + 1) not in html
    assert CUT.format(limit="100,000") in text_of(html)
