"""Credit notes, void and re-issue through the JSON API, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

from support.api import assert_error_shape
from support.pdfs import pdf_text

from oro_invoices.services.verification import verify

NOW = dt.datetime.now(dt.UTC)
CN = f"CN-{NOW:%Y}-{NOW:%m}-"


def _posted(http, token="tok-erp"):
    created = http.create(token=token)
    resp = http.post(f"/api/invoices/{created['id']}/post", token=token)
    assert resp.status_code == 200, resp.get_data()
    return resp.get_json()


def test_create_a_partial_credit_note_and_read_it_back(api):
    inv = _posted(api)
    resp = api.post(f"/api/invoices/{inv['id']}/credit-notes",
                    {"lines": [{"line": 1, "quantity": "1"}], "reason": "One widget returned"})
    assert resp.status_code == 201, resp.get_data()
    body = resp.get_json()
    assert body["document_type"] == "credit_note" and body["invoice_number"] == f"{CN}00001"
    assert body["credited_invoice"] == {"id": inv["id"], "number": inv["invoice_number"],
                                        "date": inv["invoice_date"], "document_type": "invoice"}
    assert body["total_amount"] == "23.79"  # 19.99 + 19 % (3.80)
    assert resp.headers["Location"] == f"/api/credit-notes/{body['id']}"
    assert body["links"]["pdf"] == f"/api/credit-notes/{body['id']}/pdf"
    assert body["invoice"]["amount_credited"] == "23.79"
    assert body["invoice"]["amount_due"] == "208.07"
    assert body["invoice"]["payment_status"] == "pending"
    assert body["settlement"] is None and body["refund"] is None

    got = api.get(f"/api/credit-notes/{body['id']}").get_json()
    assert got["id"] == body["id"] and got["lines"][0]["description"] == "Widget"
    listed = api.get(f"/api/invoices/{inv['id']}/credit-notes").get_json()["data"]
    assert [(r["id"], r["document_type"], r["credited_invoice_id"]) for r in listed] == [
        (body["id"], "credit_note", inv["id"])]
    assert [r["id"] for r in api.get("/api/credit-notes").get_json()["data"]] == [body["id"]]
    only_invoices = api.get("/api/invoices", query={"document_type": "invoice"}).get_json()["data"]
    assert [r["id"] for r in only_invoices] == [inv["id"]]
    # an invoice is not a credit note
    assert api.get(f"/api/credit-notes/{inv['id']}").status_code == 404


def test_over_crediting_is_a_422_naming_the_line(api):
    inv = _posted(api)
    resp = api.post(f"/api/invoices/{inv['id']}/credit-notes", {"lines": [{"line": 2, "quantity": "2"}]})
    assert resp.status_code == 422
    [error] = assert_error_shape(resp)
    assert error == {"field": "lines[0].quantity",
                     "message": "Line 2 (Installation): at most 1.5 of 1.5 remain creditable; 2 asked."}
    resp = api.post(f"/api/invoices/{inv['id']}/credit-notes", {"full": True, "lines": [{"line": 1,
                                                                                         "quantity": "1"}]})
    assert resp.status_code == 422
    assert assert_error_shape(resp)[0]["field"] == "full"
    resp = api.post(f"/api/invoices/{inv['id']}/credit-notes", {"full": "yes please"})
    assert resp.status_code == 422
    for like_true in ("yes", "true", 1):                       # JSON true or false only
        resp = api.post(f"/api/invoices/{inv['id']}/credit-notes", {"full": like_true})
        assert resp.status_code == 422 and assert_error_shape(resp)[0] == {"field": "full",
                                                                          "message": "Must be true or false."}
    assert api.get(f"/api/invoices/{inv['id']}/credit-notes").get_json()["data"] == []


def test_a_draft_cannot_be_credited_and_another_organization_cannot_credit(api):
    draft = api.create()
    resp = api.post(f"/api/invoices/{draft['id']}/credit-notes", {"full": True})
    assert resp.status_code == 409 and "is a draft" in assert_error_shape(resp)[0]["message"]
    inv = _posted(api)
    for path in ("credit-notes", "void", "reissue"):
        resp = api.post(f"/api/invoices/{inv['id']}/{path}", {"full": True} if path == "credit-notes" else {},
                        token="tok-other")
        assert resp.status_code == 404, path
    assert api.post(f"/api/invoices/{inv['id']}/credit-notes", {"full": True}, token="tok-reader").status_code == 403
    assert api.get(f"/api/invoices/{inv['id']}").get_json()["payment_status"] == "pending"


def test_void_and_reissue(api):
    inv = _posted(api)
    resp = api.post(f"/api/invoices/{inv['id']}/void", {"reason": "Sent twice"})
    assert resp.status_code == 201, resp.get_data()
    body = resp.get_json()
    assert body["invoice"]["payment_status"] == "voided" and body["invoice"]["amount_due"] == "0.00"
    assert body["total_amount"] == inv["total_amount"]
    again = api.post(f"/api/invoices/{inv['id']}/void")
    assert again.status_code == 409 and "credited in full already" in assert_error_shape(again)[0]["message"]
    assert api.post(f"/api/invoices/{inv['id']}/void", {"why": "x"}).status_code == 422

    other = _posted(api)
    resp = api.post(f"/api/invoices/{other['id']}/reissue")
    assert resp.status_code == 201, resp.get_data()
    body = resp.get_json()
    draft = body["draft"]
    assert resp.headers["Location"] == f"/api/invoices/{draft['id']}"
    assert draft["status"] == "draft" and draft["reissued_from"]["id"] == other["id"]
    assert body["invoice"]["payment_status"] == "voided"
    patched = api.patch(f"/api/invoices/{draft['id']}", {"customer_name": "Acme Corporation"})
    assert patched.status_code == 200
    posted = api.post(f"/api/invoices/{draft['id']}/post").get_json()
    assert posted["invoice_number"] not in (inv["invoice_number"], other["invoice_number"])
    assert verify(api.service.db).ok


def test_credit_note_writes_are_idempotent_with_a_key(api):
    inv = _posted(api)
    key = {"Idempotency-Key": "credit-7"}
    body = {"lines": [{"line": 1, "quantity": "1"}]}
    first = api.post(f"/api/invoices/{inv['id']}/credit-notes", body, headers=key)
    second = api.post(f"/api/invoices/{inv['id']}/credit-notes", body, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json()["id"] == second.get_json()["id"]
    assert len(api.get(f"/api/invoices/{inv['id']}/credit-notes").get_json()["data"]) == 1
    changed = api.post(f"/api/invoices/{inv['id']}/credit-notes", {"full": True}, headers=key)
    assert changed.status_code == 422


def test_the_credit_note_pdf_says_credit_note_and_names_the_invoice(pdf_api):
    inv = _posted(pdf_api)
    note = pdf_api.post(f"/api/invoices/{inv['id']}/credit-notes", {"full": True}).get_json()
    assert note["pdf"] is not None
    resp = pdf_api.get(f"/api/credit-notes/{note['id']}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.get_data())
    assert "Credit note" in text and note["invoice_number"] in text
    assert "Credits invoice" in text and f"{inv['invoice_number']} of" in text
    assert "Amount due" not in text and "Pay online" not in text
    # the invoice's own PDF was made once, at posting, and is not touched
    assert pdf_api.get(f"/api/invoices/{inv['id']}").get_json()["pdf"] == inv["pdf"]
    assert verify(pdf_api.service.db, pdf_api.service.storage).ok


def test_the_openapi_document_says_a_credit_notes_location_is_the_credit_notes_url(api):
    spec = api.get("/api/openapi.json").get_json()
    for path in ("/invoices/{id}/credit-notes", "/invoices/{id}/void"):
        location = spec["paths"][path]["post"]["responses"]["201"]["headers"]["Location"]
        assert location["description"] == "The credit note's URL (`/credit-notes/{id}`).", path


def test_an_amount_at_a_rate_of_several_vat_categories_credits_each_of_them(api):
    """Lines AE and Z at 0 %: 10.00 credited at 0 % is shared 7.50 AE and 2.50 Z, as what remains of them."""
    created = api.create(lines=[
        {"description": "Consulting", "quantity": "10", "unit_price": "120.00", "tax_rate": "0", "tax_category": "AE"},
        {"description": "Export freight", "quantity": "1", "unit_price": "400.00", "tax_rate": "0"}])
    assert api.post(f"/api/invoices/{created['id']}/post").status_code == 200
    resp = api.post(f"/api/invoices/{created['id']}/credit-notes", {"amounts": [{"tax_rate": "0", "amount": "10.00"}]})
    assert resp.status_code == 201, resp.get_data()
    body = resp.get_json()
    assert [(line["tax_category"], line["row_total"]) for line in body["lines"]] == [("AE", "7.50"), ("Z", "2.50")]
    assert body["total_amount"] == "10.00"
