"""A body's problems come back together, each on its path: values no column holds beside the
schema's own problems, and keys a JSON object gives more than once."""
from __future__ import annotations

import json

import pytest
from support.api import api_payload, assert_error_shape

REPEATED = "Given more than once in its object: give each key once (JSON keeps only the last)."


def errors(resp) -> list[tuple[str, str]]:
    assert resp.status_code == 422, resp.get_data(as_text=True)
    return [(e["field"], e["message"]) for e in assert_error_shape(resp)]


def test_an_unstorable_name_and_a_zero_quantity_are_reported_together(api):
    payload = api_payload(customer_name="A\u0000")
    payload["lines"][1]["quantity"] = "0"
    created = errors(api.post("/api/invoices", payload))
    assert created == [("customer_name", "Must not contain NUL or unpaired surrogate characters."),
                       ("lines[1].quantity", "Must be greater than 0.")]
    put = errors(api.put("/api/invoices/by-external-id/ERP-9", json_body=payload))
    assert put == created
    assert api.get("/api/invoices").get_json()["data"] == []
    draft = api.create()
    patched = errors(api.patch(f"/api/invoices/{draft['id']}", {"customer_name": "B\ud800", "currency": "EURO"}))
    assert [field for field, _ in patched] == ["customer_name", "currency"]
    assert api.get(f"/api/invoices/{draft['id']}").get_json()["customer_name"] == "Acme Corp"


def test_an_organization_id_beyond_64_bits_is_a_422_on_its_field_not_a_403(api):
    resp = api.post("/api/invoices", api_payload(organization_id=2 ** 70))
    assert ("organization_id", "Number out of range.") in errors(resp)


def raw(api, method: str, path: str, text: str):
    return api.request(method, path, data=text.encode(), content_type="application/json")


@pytest.mark.parametrize("method,path", [("POST", "/api/invoices"), ("PUT", "/api/invoices/by-external-id/ERP-7")])
def test_a_key_given_twice_is_refused_naming_where_it_is(api, method, path):
    body = ('{"currency": "USD", "invoice_date": "2026-11-02", "customer_name": "Acme", "currency": "EUR", '
            '"lines": [{"description": "Widget", "quantity": "1", "unit_price": "1.00"}, '
            '{"description": "Bolt", "quantity": "1", "quantity": "100", "unit_price": "1.00", '
            '"unit_price": "2.00"}], "bill_to": {"city": "A", "city": "B"}}')
    assert errors(raw(api, method, path, body)) == [
        ("currency", REPEATED), ("lines[1].quantity", REPEATED), ("lines[1].unit_price", REPEATED),
        ("bill_to.city", REPEATED)]
    assert api.get("/api/invoices").get_json()["data"] == []


def test_a_key_given_twice_in_an_action_body_is_refused_too(api):
    draft = api.create()
    resp = raw(api, "POST", f"/api/invoices/{draft['id']}/notes", '{"body": "Call Bob", "body": "Call Alice"}')
    assert errors(resp) == [("body", REPEATED)]
    assert api.get(f"/api/invoices/{draft['id']}/notes").get_json()["data"] == []


def test_a_payments_and_a_credit_notes_unstorable_values_come_with_their_other_problems(api):
    created = api.create(lines=[{"description": "Coffee", "quantity": "1", "unit_price": "10.00"}])
    assert api.post(f"/api/invoices/{created['id']}/post").status_code == 200
    payment = api.post(f"/api/invoices/{created['id']}/payments",
                       {"method": "card", "action": "pay", "amount": "10", "notes": "paid\u0000", "parent_id": 2 ** 64})
    assert errors(payment) == [("notes", "Must not contain NUL or unpaired surrogate characters."),
                               ("parent_id", "Number out of range."),
                               ("action", "Must be one of: charge, authorize, capture, refund, cancel, invoice.")]
    note = api.post(f"/api/invoices/{created['id']}/credit-notes", {"full": "yes", "reason": "\ud800"})
    assert [field for field, _ in errors(note)] == ["reason", "full"]
    after = api.get(f"/api/invoices/{created['id']}").get_json()
    assert (after["amount_paid"], api.get("/api/credit-notes").get_json()["data"]) == ("0.00", [])


def test_a_utf8_body_after_a_byte_order_mark_is_taken(api):
    body = b"\xef\xbb\xbf" + json.dumps(api_payload(external_id="ERP-BOM")).encode()
    resp = api.request("POST", "/api/invoices", data=body, content_type="application/json")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["external_id"] == "ERP-BOM"


@pytest.mark.parametrize("encoding,message", [
    ("utf-16", "The body is not UTF-8 (it looks like UTF-16): byte 0 cannot be read. Send JSON as UTF-8."),
    ("latin-1", "The body is not UTF-8: byte 141 cannot be read. Send JSON as UTF-8."),
])
def test_a_body_in_another_encoding_is_told_to_be_sent_as_utf8(api, encoding, message):
    body = json.dumps(api_payload(customer_name="Café"), ensure_ascii=False).encode(encoding)
    resp = api.request("POST", "/api/invoices", data=body, content_type="application/json")
    assert resp.status_code == 400
    assert assert_error_shape(resp) == [{"field": "body", "message": message}]


@pytest.mark.parametrize("body,message", [
    (b"not json", "The body is not valid JSON (Expecting value: line 1 column 1 (char 0))."),
    (b"[1, 2]", "Expected a JSON object, got a JSON array."),
    (b'"an invoice"', "Expected a JSON object, got a JSON string."),
    (b"[" * 100_000 + b"]" * 100_000, "The JSON body is nested too deeply."),
])
def test_a_body_that_is_no_json_object_is_refused_on_the_body(api, body, message):
    """Whatever it is a client sent instead, the error names the body, as a 422 names a field."""
    resp = api.request("POST", "/api/invoices", data=body, content_type="application/json")
    assert resp.status_code == 400
    assert assert_error_shape(resp) == [{"field": "body", "message": message}]


def test_an_action_bodys_unknown_fields_wrong_types_and_unstorable_text_come_together(api):
    created = api.create()
    assert api.post(f"/api/invoices/{created['id']}/post").status_code == 200
    send = api.post(f"/api/invoices/{created['id']}/send",
                    {"to": "a@b.test", "cc": ["c@d.test"], "subject": "Hi\u0000", "post": "yes", "attach": True})
    assert errors(send) == [("attach", "Unknown field; only to, cc, bcc, subject, text, template, post may be given."),
                            ("subject", "Must not contain NUL or unpaired surrogate characters."),
                            ("to", "A list of addresses."), ("post", "true or false.")]
    void = api.post(f"/api/invoices/{created['id']}/void", {"reason": 7, "why": "x"})
    assert errors(void) == [("why", "Unknown field; only reason may be given."),
                            ("reason", "A text of at most 1000 characters.")]
    assert api.get(f"/api/invoices/{created['id']}").get_json()["payment_status"] != "voided"
