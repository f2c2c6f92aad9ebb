"""What an email's subject and recipients may hold, refused where they are typed (the Aging Report's
**Email** dialog, the API's email endpoints) rather than queued and then failing at every delivery:
no line break of any kind, a name a mail server takes, one address per entry; each problem said once."""
from __future__ import annotations

import re
import uuid

import pytest
from support.api import shop_api_call as api_call
from support.days import last_month_end

from oro_invoices.hosts.reference.testing import text_of

PAGE = f"/admin/invoices/aging?currency=EUR&as_of={last_month_end()}"
ACTION = f"/admin/invoices/aging/email?currency=EUR&as_of={last_month_end()}"


def aging_emails(shop) -> list:
    return shop[0].extensions["oro_invoices"].mail.aging.emails(1)


def dialog_error(resp) -> str:
    """The message the dialog shows above its fields."""
    found = re.search(r'role="alert"[^>]*>(.*?)</div>', resp.get_data(as_text=True), re.S)
    return text_of(found.group(1)) if found else ""


def send_dialog(admin, **fields: str):
    return admin.submit(PAGE, ACTION, {"to": "books@northwind.example", "subject": "Aging", "body": "Hi",
                                       "form_token": uuid.uuid4().hex, **fields})


def errors_of(resp) -> list[tuple[str, str]]:
    assert resp.status_code == 422, resp.get_json()
    return [(e["field"], e["message"]) for e in resp.get_json()["errors"]]


@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c"])
def test_the_dialog_refuses_a_subject_or_name_with_a_unicode_line_break(shop, admin, brk):
    resp = send_dialog(admin, subject=f"Hi{brk}X: y")
    assert resp.status_code == 422 and dialog_error(resp) == "Subject: The subject must not contain line breaks."
    resp = send_dialog(admin, to=f"Books{brk}Dept <books@northwind.example>")
    assert resp.status_code == 422 and dialog_error(resp) == "To: Recipients must not contain line breaks."
    assert aging_emails(shop) == []


#: A line break hidden in an RFC 2047 encoded word: the email library decodes it when the header is
#: set and would write "Reply-To: attacker@evil.example" out as a header of its own.
ENCODED_BREAK = "=?utf-8?q?Hi=0D=0AReply-To=3A_attacker=40evil.example?="


def test_a_line_break_inside_an_encoded_word_is_refused_in_the_dialog_and_the_api(shop, admin):
    resp = send_dialog(admin, subject=ENCODED_BREAK)
    assert resp.status_code == 422 and dialog_error(resp) == "Subject: The subject must not contain line breaks."
    resp = send_dialog(admin, to="=?utf-8?q?Books=0D=0ABcc=3A_x?= <books@northwind.example>")
    assert resp.status_code == 422 and dialog_error(resp) == "To: Recipients must not contain line breaks."
    invoice_id = admin.service.find_id(external_id="ERP-SO-1003-3")
    resp = api_call(shop, "POST", f"/invoices/{invoice_id}/send", {"to": ["ap@acme.example"], "subject": ENCODED_BREAK})
    assert errors_of(resp) == [("subject", "The subject must not contain line breaks.")]
    assert aging_emails(shop) == [] and shop[0].extensions["oro_invoices"].mail.emails(invoice_id) == []


def test_the_api_refuses_unicode_line_breaks_on_every_email_endpoint(shop, admin):
    invoice_id = admin.service.find_id(external_id="ERP-SO-1003-3")
    for path in ("/receivables/aging/email", "/receivables/statement/email?customer_id=1",
                 f"/invoices/{invoice_id}/send"):
        resp = api_call(shop, "POST", path, {"to": ["books@northwind.example"], "subject": "Aging\u2028Report"})
        assert errors_of(resp) == [("subject", "The subject must not contain line breaks.")], path
        resp = api_call(shop, "POST", path, {"to": ["Books\x85Dept <books@northwind.example>"]})
        assert errors_of(resp) == [("to", "Recipients must not contain line breaks.")], path
    assert aging_emails(shop) == [] and shop[0].extensions["oro_invoices"].mail.emails(invoice_id) == []


def test_a_name_too_long_for_a_header_line_is_refused_naming_the_field(shop, admin):
    resp = send_dialog(admin, to="N" * 1000 + " <books@northwind.example>")
    assert resp.status_code == 422
    assert dialog_error(resp) == "To: The name of 'books@northwind.example' must be at most 200 characters."
    resp = api_call(shop, "POST", "/receivables/aging/email", {"to": ["N" * 1000 + " <b@northwind.example>"]})
    assert errors_of(resp) == [("to", "The name of 'b@northwind.example' must be at most 200 characters.")]
    assert aging_emails(shop) == []


def test_one_entry_holding_two_addresses_is_refused_naming_the_entry(shop, admin):
    resp = send_dialog(admin, to="cfo@northwind.example, Evil <x@evil.example> <books@northwind.example>")
    assert resp.status_code == 422 and dialog_error(resp) == (
        "To: 'Evil <x@evil.example> <books@northwind.e…' holds more than one address: "
        "separate recipients with commas.")
    resp = api_call(shop, "POST", "/receivables/aging/email", {"cc": ["Evil <x@evil.example> <b@northwind.example>"],
                                                               "to": ["books@northwind.example"]})
    assert errors_of(resp) == [("cc", "'Evil <x@evil.example> <b@northwind.examp…' holds more than one address: "
                                      "separate recipients with commas.")]
    assert aging_emails(shop) == []
    sent = send_dialog(admin, to="Evil <x@evil.example>, books@northwind.example")
    assert sent.status_code == 303
    assert [e.to for e in aging_emails(shop)] == [("Evil <x@evil.example>", "books@northwind.example")]


def test_a_nul_is_reported_once_with_its_own_message(shop, admin):
    resp = send_dialog(admin, body="Hi\x00there")
    assert resp.status_code == 422
    assert dialog_error(resp) == "Body: Must not contain NUL or unpaired surrogate characters."
    resp = send_dialog(admin, subject="Aging\x00")
    assert resp.status_code == 422
    assert dialog_error(resp) == "Subject: Must not contain NUL or unpaired surrogate characters."
    assert aging_emails(shop) == []
