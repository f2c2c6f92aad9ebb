"""The JSON API through real HTTP (a Flask app mounting the blueprint), on SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from support.api import api_payload, assert_error_shape

AMOUNTS = ("subtotal", "tax_amount", "total_amount", "amount_paid", "amount_due")


# ---- create, read ---------------------------------------------------------------

def test_create_returns_201_with_location_totals_and_amounts_as_strings(api):
    resp = api.post("/api/invoices", api_payload(external_id="erp-1"))
    assert resp.status_code == 201
    body = api.decimals(resp)
    assert resp.headers["Location"] == f"/api/invoices/{body['id']}"
    assert body["status"] == "draft" and body["invoice_number"] is None
    assert body["organization_id"] == 1 and body["external_id"] == "erp-1"
    # 3 × 19.99 = 59.97 (+19 % = 11.39); 1.5 × 100.00 = 150.00 (+7 % = 10.50)
    assert {k: body[k] for k in AMOUNTS} == {"subtotal": "209.97", "tax_amount": "21.89",
                                            "total_amount": "231.86", "amount_paid": "0.00",
                                            "amount_due": "231.86"}
    assert body["lines"][0]["quantity"] == "3" and body["lines"][1]["row_total"] == "150.00"
    assert body["payment_status"] == "pending" and body["pdf"] is None
    assert body["links"] == {"self": f"/api/invoices/{body['id']}", "pdf": None}


def test_a_text_direction_character_in_a_reference_is_one_error_of_its_field(api):
    """A right-to-left override is also an invisible character: each field says it once, as a
    text-direction character, and a field with only an invisible character keeps its own error."""
    resp = api.post("/api/invoices", api_payload(purchase_order="PO-\u202e4471", customer_name="Acme\u202e",
                                                 buyer={"reference": "LW-\u202e991"}))
    assert resp.status_code == 422
    errors = assert_error_shape(resp)
    assert sorted(e["field"] for e in errors) == ["buyer.reference", "customer_name", "purchase_order"]
    assert {e["message"] for e in errors} == {
        "Must not contain U+202E RIGHT-TO-LEFT OVERRIDE: a control or text-direction character, which can hide "
        "or reorder what the PDF and the pages show."}
    invisible = api.post("/api/invoices", api_payload(purchase_order="PO-\u200b4471"))
    assert invisible.status_code == 422
    assert assert_error_shape(invisible) == [{"field": "purchase_order", "message": (
        "Must not contain U+200B ZERO WIDTH SPACE: an invisible character, which the e-invoice would state "
        "without anyone seeing it.")}]


def test_the_organization_comes_from_the_client(api):
    created = api.create(token="tok-other")
    assert created["organization_id"] == 2
    resp = api.post("/api/invoices", api_payload(organization_id=1), token="tok-other")
    assert resp.status_code == 403
    assert assert_error_shape(resp) == [{"field": "organization_id", "message": (
        "The API client may only write invoices of organization 2, not 1.")}]
    put = api.request("PUT", "/api/invoices/by-external-id/X-1", json_body=api_payload(organization_id=1),
                      token="tok-other")
    assert put.status_code == 403 and assert_error_shape(put)[0]["field"] == "organization_id"
    assert api.get("/api/invoices", token="tok-other").get_json()["data"][0]["id"] == created["id"]
    assert len(api.get("/api/invoices", token="tok-other").get_json()["data"]) == 1


def test_create_posted_keeps_the_imported_number_and_stores_the_pdf(pdf_api):
    resp = pdf_api.post("/api/invoices", api_payload(status="posted", invoice_number="LEGACY-2019-7",
                                                     payment_status="paid_in_full",
                                                     external_payment_url="https://pay.example/i/7"))
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "posted" and body["invoice_number"] == "LEGACY-2019-7"
    assert body["payment_status"] == "paid_in_full" and body["payment_status_forced"] is True
    assert body["external_payment_url"] == "https://pay.example/i/7"
    assert len(body["pdf"]["sha256"]) == 64 and body["pdf"]["size"] > 1000
    assert body["links"]["pdf"] == f"/api/invoices/{body['id']}/pdf"


def test_get_by_id_and_by_external_id(api):
    created = api.create(external_id="ERP/2026/0001")
    resp = api.get(f"/api/invoices/{created['id']}")
    assert resp.status_code == 200 and resp.get_json() == created
    by_ext = api.get("/api/invoices/by-external-id/ERP/2026/0001")
    assert by_ext.status_code == 200 and by_ext.get_json()["id"] == created["id"]
    # Another organization's import system does not see it, and may reuse the external id.
    assert api.get("/api/invoices/by-external-id/ERP/2026/0001", token="tok-other").status_code == 404
    other = api.create(token="tok-other", external_id="ERP/2026/0001")
    assert api.get("/api/invoices/by-external-id/ERP/2026/0001",
                   token="tok-other").get_json()["id"] == other["id"]
    missing = api.get("/api/invoices/by-external-id/nope")
    assert missing.status_code == 404 and "nope" in assert_error_shape(missing)[0]["message"]


def test_an_external_id_ending_in_a_slash_is_found_by_its_url_and_never_doubled(api):
    created = api.create(external_id="ERP/2026/7/")
    for url in ("/api/invoices/by-external-id/ERP/2026/7/", "/api/invoices/by-external-id/ERP%2F2026%2F7%2F"):
        found = api.get(url)
        assert found.status_code == 200 and found.get_json()["id"] == created["id"]
    missing = api.get("/api/invoices/by-external-id/ERP/2026/7")
    assert missing.status_code == 404 and "'ERP/2026/7'" in assert_error_shape(missing)[0]["message"]
    again = api.request("PUT", "/api/invoices/by-external-id/ERP/2026/7/", json_body=api_payload())
    assert again.status_code == 200 and again.headers["Invoice-Write-Result"] == "unchanged"
    assert [i["external_id"] for i in api.get("/api/invoices").get_json()["data"]] == ["ERP/2026/7/"]


@pytest.mark.parametrize("path", ["/api/invoices/999999", "/api/invoices/abc", "/api/invoices/0",
                                  "/api/invoices/99999999999999999999", "/api/invoices/-1",
                                  "/api/invoices/%D9%A1", "/api/invoices/1.5/pdf"])
def test_unknown_or_malformed_ids_answer_404(api, path):
    resp = api.get(path)
    assert resp.status_code == 404
    assert_error_shape(resp)


def test_another_organizations_invoice_is_answered_as_one_that_does_not_exist(api):
    created = api.create()
    for method, suffix in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/post"),
                           ("GET", "/pdf"), ("GET", "/payments"), ("GET", "/notes")]:
        kw = {"json_body": {}} if method in ("PATCH", "POST") else {}
        resp = api.request(method, f"/api/invoices/{created['id']}{suffix}", token="tok-other", **kw)
        missing = api.request(method, f"/api/invoices/999999{suffix}", token="tok-other", **kw)
        assert resp.status_code == missing.status_code == 404, (method, suffix)
        assert assert_error_shape(resp) == [{"field": "", "message": f"Invoice {created['id']} does not exist."}]
        assert assert_error_shape(missing) == [{"field": "", "message": "Invoice 999999 does not exist."}]
    assert api.get(f"/api/invoices/{created['id']}").get_json()["status"] == "draft"


# ---- list and paging ---------------------------------------------------------------

def test_cursor_walk_over_60_invoices_with_filters(api):
    ids = {}
    for n in range(60):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=n // 3)  # three invoices per date: ties
        created = api.create(external_id=f"walk-{n}", invoice_date=day.isoformat(), due_date=None,
                             customer_id=10 + n % 2)
        ids[created["id"]] = (day, created["customer_id"])
    api.create(token="tok-other", external_id="foreign")
    expected = sorted((i for i, (d, c) in ids.items() if c == 11), key=lambda i: (ids[i][0], i),
                      reverse=True)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"customer_id": "11", "limit": "7", **({"cursor": cursor} if cursor else {})}
        resp = api.get("/api/invoices", query=query)
        assert resp.status_code == 200
        body = resp.get_json()
        assert set(body) == {"data", "next_cursor"}
        seen += [row["id"] for row in body["data"]]
        for row in body["data"]:
            assert row["customer_id"] == 11 and isinstance(row["total_amount"], str)
            assert row["links"]["self"] == f"/api/invoices/{row['id']}"
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and len(seen) == 30 and pages == 5  # no gaps, no duplicates, stable order
    asc = api.get("/api/invoices", query={"sort": "invoice_date", "limit": "500"}).get_json()["data"]
    assert [r["id"] for r in asc] == sorted(ids, key=lambda i: (ids[i][0], i))


def test_list_filters(api):
    a = api.create(external_id="f-a", invoice_date="2026-03-01", due_date=None, order_id=71)
    b = api.create(external_id="f-b", invoice_date="2026-03-15", due_date="2026-04-14", customer_id=12,
                   customer_user_id=None)
    posted = api.post(f"/api/invoices/{b['id']}/post").get_json()

    def ids(**query):
        resp = api.get("/api/invoices", query=query)
        assert resp.status_code == 200, resp.get_data()
        return [r["id"] for r in resp.get_json()["data"]]

    assert ids(status="posted") == [b["id"]] and ids(status="draft") == [a["id"]]
    assert ids(payment_status="pending") == [b["id"]]            # a draft has no payment status yet
    assert ids(payment_status="paid_in_full") == []
    assert ids(customer_id="12") == [b["id"]] and ids(order_id="71") == [a["id"]]
    assert ids(external_id="f-a") == [a["id"]]
    assert ids(invoice_number=posted["invoice_number"]) == [b["id"]]
    assert ids(date_from="2026-03-02") == [b["id"]] and ids(date_to="2026-03-14") == [a["id"]]
    assert ids(date_from="2026-03-01", date_to="2026-03-15", limit="1") == [b["id"]]


@pytest.mark.parametrize("query,field", [
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"cursor": "garbage"}, "cursor"), ({"status": "paid"}, "status"),
    ({"payment_status": "whatever"}, "payment_status"), ({"customer_id": "x"}, "customer_id"),
    ({"date_from": "2026-13-01"}, "date_from"), ({"sort": "secret"}, "sort"),
    ({"customer": "10"}, "customer"), ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
])
def test_list_rejects_bad_query_parameters_with_422(api, query, field):
    resp = api.get("/api/invoices", query=query)
    assert resp.status_code == 422
    assert field in [e["field"] for e in assert_error_shape(resp)]


def test_a_cursor_from_another_sort_is_refused(api):
    for n in range(3):
        api.create(external_id=f"c{n}")
    cursor = api.get("/api/invoices", query={"limit": "1"}).get_json()["next_cursor"]
    resp = api.get("/api/invoices", query={"limit": "1", "cursor": cursor, "sort": "total_amount"})
    assert resp.status_code == 422 and assert_error_shape(resp)[0]["field"] == "cursor"


def test_a_cursor_of_json_nested_too_deep_to_read_is_refused_as_a_cursor(api):
    """1,000 nested arrays (a cursor of 1,336 characters) are deeper than Python's JSON reader goes."""
    deep = base64.urlsafe_b64encode(b"[" * 1200).decode().rstrip("=")
    resp = api.get("/api/invoices", query={"cursor": deep})
    assert resp.status_code == 422, resp.get_data()
    assert assert_error_shape(resp) == [{"field": "cursor",
                                         "message": "Invalid or expired cursor; start again from the first page."}]


# ---- change, delete, post -------------------------------------------------------

def test_patch_a_draft_recomputes_totals(api):
    created = api.create()
    resp = api.patch(f"/api/invoices/{created['id']}", {
        "lines": [{"description": "Only line", "quantity": "2", "unit_price": "10.005"}],
        "due_date": None})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["total_amount"] == "20.01" and body["due_date"] is None and len(body["lines"]) == 1


def test_patch_of_a_posted_invoice(api):
    created = api.create()
    api.post(f"/api/invoices/{created['id']}/post")
    resp = api.patch(f"/api/invoices/{created['id']}", {"due_date": "2027-01-01", "customer_name": "Initech"})
    assert resp.status_code == 409
    errors = assert_error_shape(resp)
    assert [e["field"] for e in errors] == ["customer_name", "due_date"]     # each named, as a 422 names them
    assert "posted" in errors[0]["message"] and "customer_name, due_date" in errors[0]["message"]
    ok = api.patch(f"/api/invoices/{created['id']}", {"payment_status": "declined"})
    assert ok.status_code == 200
    assert ok.get_json()["payment_status"] == "declined"
    assert ok.get_json()["due_date"] == created["due_date"]


def test_patch_refuses_moving_an_invoice_to_another_organization(api):
    created = api.create()
    resp = api.patch(f"/api/invoices/{created['id']}", {"organization_id": 2})
    assert resp.status_code == 403
    assert api.get(f"/api/invoices/{created['id']}").get_json()["organization_id"] == 1


def test_an_invoice_date_it_could_never_be_posted_with_answers_422_when_created_or_changed(api, settings):
    settings.set("oro_invoices.seller.payment_days", "30")
    late = api_payload(invoice_date="9999-12-31")
    del late["due_date"]
    resp = api.post("/api/invoices", late)
    assert resp.status_code == 422
    assert assert_error_shape(resp) == [{"field": "invoice_date", "message": (
        "9999-12-31 is not a plausible date for an invoice: it must be between 2000-01-01 and 2100-12-31 "
        "(settings oro_invoices.posting.earliest_year and oro_invoices.posting.latest_year).")}]
    draft = api.create(due_date=None)
    resp = api.patch(f"/api/invoices/{draft['id']}", {"invoice_date": "9999-12-31"})
    assert resp.status_code == 422 and assert_error_shape(resp)[0]["field"] == "invoice_date"
    settings.set("oro_invoices.posting.latest_year", 9999)
    resp = api.patch(f"/api/invoices/{draft['id']}", {"invoice_date": "9999-12-31"})
    assert resp.status_code == 422
    assert "would be past 9999-12-31" in assert_error_shape(resp)[0]["message"]
    assert api.get(f"/api/invoices/{draft['id']}").get_json()["invoice_date"] == draft["invoice_date"]


def test_delete_a_draft_but_not_a_posted_invoice(api):
    draft, kept = api.create(external_id="d1"), api.create(external_id="d2")
    resp = api.delete(f"/api/invoices/{draft['id']}")
    assert resp.status_code == 204 and resp.get_data() == b""
    assert api.get(f"/api/invoices/{draft['id']}").status_code == 404
    api.post(f"/api/invoices/{kept['id']}/post")
    refused = api.delete(f"/api/invoices/{kept['id']}")
    assert refused.status_code == 409
    assert "cannot be deleted" in assert_error_shape(refused)[0]["message"]
    assert api.get(f"/api/invoices/{kept['id']}").status_code == 200


def test_post_is_idempotent(api):
    created = api.create()
    first = api.post(f"/api/invoices/{created['id']}/post")
    assert first.status_code == 200
    number = first.get_json()["invoice_number"]
    assert first.get_json()["status"] == "posted" and number.startswith("INV-")
    again = api.post(f"/api/invoices/{created['id']}/post")
    assert again.status_code == 200 and again.get_json()["invoice_number"] == number


def test_post_and_delete_take_no_body(api):
    draft = api.create()
    url = f"/api/invoices/{draft['id']}"
    resp = api.post(url + "/post", {"due_date": "2027-05-05", "invoice_number": "MY-1"})
    assert resp.status_code == 422
    assert [e["field"] for e in assert_error_shape(resp)] == ["due_date", "invoice_number"]
    assert "takes no body" in assert_error_shape(resp)[0]["message"]
    for method in ("POST", "DELETE"):
        target = url + "/post" if method == "POST" else url
        bad = api.request(method, target, data="not json", content_type="application/json")
        assert bad.status_code == 400 and "not valid JSON" in assert_error_shape(bad)[0]["message"]
    assert api.delete(url, json_body={"force": True}).status_code == 422
    assert api.get(url).get_json()["status"] == "draft"               # nothing happened
    posted = api.post(url + "/post", {})
    assert posted.status_code == 200 and posted.get_json()["invoice_number"] != "MY-1"
    other = api.create()
    assert api.delete(f"/api/invoices/{other['id']}", json_body={}).status_code == 204


# ---- PDF ------------------------------------------------------------------------

def test_pdf_download_etag_and_304(pdf_api):
    created = pdf_api.create(invoice_number="ACME/2026/5")
    assert pdf_api.get(f"/api/invoices/{created['id']}/pdf").status_code == 409
    posted = pdf_api.post(f"/api/invoices/{created['id']}/post").get_json()
    resp = pdf_api.get(f"/api/invoices/{created['id']}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.is_streamed  # the blueprint streams the stored file
    data = resp.get_data()
    assert data.startswith(b"%PDF-")
    digest = hashlib.sha256(data).hexdigest()
    assert digest == posted["pdf"]["sha256"] and len(data) == posted["pdf"]["size"]
    assert resp.headers["ETag"] == f'"{digest}"'
    assert resp.headers["Content-Disposition"] == 'attachment; filename="invoice-ACME-2026-5.pdf"'
    cached = pdf_api.get(f"/api/invoices/{created['id']}/pdf", headers={"If-None-Match": f'"{digest}"'})
    assert cached.status_code == 304 and cached.get_data() == b""
    assert cached.headers["ETag"] == f'"{digest}"'
    stale = pdf_api.get(f"/api/invoices/{created['id']}/pdf", headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.get_data() == data


def test_pdf_upload_when_generation_at_posting_is_off(upload_api):
    created = upload_api.create()
    pdf = b"%PDF-1.4\n% supplied by the ERP\n%%EOF\n"
    url = f"/api/invoices/{created['id']}/pdf"
    draft = upload_api.put(url, data=pdf, content_type="application/pdf")
    assert draft.status_code == 409 and "post it" in assert_error_shape(draft)[0]["message"]
    posted = upload_api.post(f"/api/invoices/{created['id']}/post").get_json()
    assert posted["pdf"] is None
    missing = upload_api.get(url)
    assert missing.status_code == 404 and "external system" in assert_error_shape(missing)[0]["message"]
    wrong_type = upload_api.put(url, data=pdf, content_type="application/octet-stream")
    assert wrong_type.status_code == 400
    not_pdf = upload_api.put(url, data=b"<html>", content_type="application/pdf")
    assert not_pdf.status_code == 422 and assert_error_shape(not_pdf)[0]["field"] == "pdf"
    resp = upload_api.put(url, data=pdf, content_type="application/pdf")
    assert resp.status_code == 201
    assert resp.get_json()["pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert resp.get_json()["pdf"]["source"] == "uploaded"
    again = upload_api.put(url, data=b"%PDF-1.4 other", content_type="application/pdf")
    assert again.status_code == 409 and "never replaced" in assert_error_shape(again)[0]["message"]
    download = upload_api.get(url)
    assert download.status_code == 200 and download.get_data() == pdf


# ---- payments, notes -------------------------------------------------------------

def test_record_payments(api):
    created = api.create()
    url = f"/api/invoices/{created['id']}/payments"
    payment = {"method": "bank_transfer", "action": "charge", "amount": "100.00",
               "provider_reference": "BT-1"}
    draft = api.post(url, payment)
    assert draft.status_code == 409
    api.post(f"/api/invoices/{created['id']}/post")
    resp = api.post(url, payment)
    assert resp.status_code == 201
    body = api.decimals(resp)
    assert body["amount"] == "100.00" and body["successful"] is True and body["actor"] == "api:erp"
    assert body["invoice"]["payment_status"] == "paid_partially"
    assert body["invoice"]["amount_paid"] == "100.00" and body["invoice"]["amount_due"] == "131.86"
    repeated = api.post(url, payment)
    assert repeated.status_code == 200 and repeated.get_json()["id"] == body["id"]
    float_amount = api.post(url, {**payment, "amount": 131.86, "provider_reference": "BT-2"})
    assert float_amount.status_code == 422
    assert assert_error_shape(float_amount)[0]["field"] == "amount"
    too_much = api.post(url, {**payment, "amount": "131.87", "provider_reference": "BT-3"})
    assert too_much.status_code == 422
    forged = api.post(url, {**payment, "amount": "1.00", "provider_reference": "by-hand-x1",
                            "data": {"received_on": "0001-01-01"}})       # only Record Payment sets a day received
    assert forged.status_code == 422
    assert assert_error_shape(forged)[0]["field"] == "provider_reference"
    rest = api.post(url, {**payment, "amount": "131.86", "provider_reference": "BT-4"})
    assert rest.get_json()["invoice"]["payment_status"] == "paid_in_full"
    listed = api.get(url).get_json()["data"]
    assert [t["amount"] for t in listed] == ["100.00", "131.86"]


def test_notes(api):
    created = api.create()
    api.post(f"/api/invoices/{created['id']}/post")
    url = f"/api/invoices/{created['id']}/notes"
    resp = api.post(url, {"body": "  Customer asked for a copy.  "})
    assert resp.status_code == 201
    assert resp.get_json()["body"] == "Customer asked for a copy." and resp.get_json()["author"] == "api:erp"
    assert [n["body"] for n in api.get(url).get_json()["data"]] == ["Customer asked for a copy."]
    for bad in ({}, {"body": ""}, {"body": 5}, {"body": "x", "extra": 1}):
        refused = api.post(url, bad)
        assert refused.status_code == 422, bad
        assert_error_shape(refused)
    reordered = api.post(url, {"body": "\u202e evil"})
    assert reordered.status_code == 422
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in str(reordered.get_json())
    kept = api.post(url, {"body": "Line one\n\tindented line two"})
    assert kept.status_code == 201 and kept.get_json()["body"] == "Line one\n\tindented line two"
    assert len(api.get(url).get_json()["data"]) == 2


# ---- errors ---------------------------------------------------------------------

def test_authentication(api):
    missing = api.get("/api/invoices", token=None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error_shape(missing)
    bad = api.get("/api/invoices", token="nope")
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
    basic = api.get("/api/invoices", token=None, headers={"Authorization": "Basic dG9rLWVycDo="})
    assert basic.status_code == 401
    assert api.get("/api/invoices", token=None, headers={"Authorization": "bearer tok-erp"}).status_code == 200


def test_a_read_only_client_cannot_write(api):
    resp = api.post("/api/invoices", api_payload(), token="tok-reader")
    assert resp.status_code == 403 and "invoices:write" in assert_error_shape(resp)[0]["message"]
    assert api.get("/api/invoices", token="tok-reader").status_code == 200


def test_a_token_acting_for_a_user_may_do_only_what_the_user_may_do_in_the_back_office(api):
    def refused(resp, permission: str) -> bool:
        return resp.status_code == 403 and f"without the 'oro_invoices.{permission}' permission" in \
            assert_error_shape(resp)[0]["message"]

    assert refused(api.post("/api/invoices", api_payload(), token="tok-viewer"), "import")
    created = api.post("/api/invoices", api_payload(), token="tok-clerk")
    assert created.status_code == 201
    invoice = created.get_json()["id"]
    assert refused(api.delete(f"/api/invoices/{invoice}", token="tok-clerk"), "delete")
    assert api.post(f"/api/invoices/{invoice}/post", token="tok-clerk").status_code == 200
    assert api.get(f"/api/invoices/{invoice}", token="tok-viewer").status_code == 200
    assert refused(api.post(f"/api/invoices/{invoice}/notes", {"body": "Called"}, token="tok-viewer"), "note")
    assert api.get(f"/api/invoices/{invoice}/notes", token="tok-viewer").get_json()["data"] == []
    assert refused(api.post(f"/api/invoices/{invoice}/credit-notes", {"full": True}, token="tok-clerk"), "credit")
    assert refused(api.post(f"/api/invoices/{invoice}/payments", {"method": "bank_transfer", "action": "charge",
                                                                   "amount": "1.00"}, token="tok-clerk"),
                   "manage_payments")
    assert refused(api.post("/api/receivables/aging/email", token="tok-viewer"), "send")
    assert api.get(f"/api/invoices/{invoice}", token="tok-erp").get_json()["payment_status"] == "pending"
    assert api.post(f"/api/invoices/{invoice}/void", token="tok-erp").status_code == 201     # an ERP's own: scopes


def test_switched_off_invoices_answer_404_everywhere(api, settings):
    for method, path in [("GET", "/api/invoices"), ("POST", "/api/invoices"), ("GET", "/api/invoices/1"),
                         ("GET", "/api/invoices/1/pdf"), ("GET", "/api/invoices/by-external-id/x")]:
        resp = api.request(method, path, token="tok-off", json_body=api_payload())
        assert resp.status_code == 404, path
        assert "switched off" in assert_error_shape(resp)[0]["message"]
    settings.set("oro_invoices.enabled", False)
    assert api.get("/api/invoices").status_code == 404
    settings.set("oro_invoices.enabled", True, "organization", 3)
    assert api.get("/api/invoices", token="tok-off").status_code == 200


def test_an_api_built_without_settings_follows_the_services_switch(db, settings):
    from support.api import make_http

    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService

    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)
    api = make_http(service)                  # InvoiceApi(service, authenticate=…): no settings=
    assert api.get("/api/invoices", token="tok-erp").status_code == 200
    resp = api.get("/api/invoices", token="tok-off")
    assert resp.status_code == 404 and "switched off" in assert_error_shape(resp)[0]["message"]


@pytest.mark.parametrize("data,content_type,status", [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 400),
    ('"text"', "application/json", 400),
    ('{"lines": NaN}', "application/json", 400),
    (b"\xff\xfe{}", "application/json", 400),
    ("{}", "text/plain", 400),
    ("{}", None, 400),
    ("invoice_date=2026-01-01", "application/x-www-form-urlencoded", 400),
    ('[{"op": "add", "path": "/notes", "value": "x"}]', "application/json-patch+json", 400),
    ("{}", "application/vnd.api+json", 400),
    ("{}", "application/json; charset=latin-1", 400),
])
def test_malformed_bodies_answer_400(api, data, content_type, status):
    resp = api.request("POST", "/api/invoices", data=data, content_type=content_type)
    assert resp.status_code == status
    assert_error_shape(resp)


def test_invalid_data_answers_422_with_field_paths(api):
    payload = api_payload()
    payload["lines"][0]["quantity"] = 3.0
    payload["lines"][1]["unit_price"] = "abc"
    payload["currency"] = "XXX"
    payload["unexpected"] = True
    resp = api.post("/api/invoices", payload)
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in assert_error_shape(resp)}
    assert "not a float" in errors["lines[0].quantity"]
    assert set(errors) >= {"lines[0].quantity", "lines[1].unit_price", "currency", "unexpected"}
    assert api.get("/api/invoices").get_json()["data"] == []  # nothing half-written


def test_duplicates_answer_409(api):
    api.create(external_id="dup")
    resp = api.post("/api/invoices", api_payload(external_id="dup"))
    assert resp.status_code == 409 and "external_id" in assert_error_shape(resp)[0]["message"]


def test_wrong_method_answers_405_with_allow(api):
    resp = api.request("PUT", "/api/invoices/1")
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    assert_error_shape(resp)
    assert api.get("/api/nowhere").status_code == 404


def test_amounts_are_never_json_numbers(api):
    created = api.create()
    api.post(f"/api/invoices/{created['id']}/post")
    for path in (f"/api/invoices/{created['id']}", "/api/invoices"):
        body = api.decimals(api.get(path))
        stack = [body]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
            else:
                assert not isinstance(value, Decimal), path


def test_the_blueprint_follows_the_api_base_path(db):
    import flask
    from support.api import CLIENTS

    from oro_invoices.adapters.flask.api import make_api_blueprint
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.web.api import InvoiceApi

    api = InvoiceApi(InvoiceService(db), authenticate=CLIENTS.get, base_path="/erp/v1")
    with pytest.raises(ValueError, match="base_path"):
        make_api_blueprint(api)
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(api, url_prefix="/erp/v1"))
    client = app.test_client()
    resp = client.post("/erp/v1/invoices", json=api_payload(), headers={"Authorization": "Bearer tok-erp"})
    assert resp.status_code == 201 and resp.headers["Location"] == f"/erp/v1/invoices/{resp.get_json()['id']}"
    assert client.get("/api/invoices", headers={"Authorization": "Bearer tok-erp"}).status_code == 404


DIGITS = 'At most 4300 digits; amounts are decimal strings such as "19.99".'


def test_a_number_too_long_for_python_is_refused_in_plain_words_on_its_path(api):
    created = api.create()
    raw = '{"body": "x", "n": ' + "7" * 100_000 + "}"
    resp = api.request("POST", f"/api/invoices/{created['id']}/notes", data=raw, content_type="application/json")
    assert resp.status_code == 422
    assert {"field": "n", "message": DIGITS} in assert_error_shape(resp)


def test_a_number_too_long_for_python_is_named_beside_the_bodys_other_problems(api):
    body = json.dumps({**api_payload(currency="XXQ"), "customer_id": 0})
    raw = body.replace('"customer_id": 0', '"customer_id": ' + "9" * 5001)
    resp = api.request("POST", "/api/invoices", data=raw, content_type="application/json")
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in assert_error_shape(resp)}
    assert errors["customer_id"] == DIGITS and "currency" in errors


def test_json_in_utf_8_may_say_so(api):
    resp = api.request("POST", "/api/invoices", data=json.dumps(api_payload()),
                       content_type="application/json; charset=UTF-8")
    assert resp.status_code == 201


def test_a_duplicate_external_id_or_invoice_number_names_the_field(api):
    api.create(external_id="dup-f", invoice_number="INV-DUP-1")
    resp = api.post("/api/invoices", api_payload(external_id="dup-f"))
    assert resp.status_code == 409
    assert assert_error_shape(resp) == [{"field": "external_id",
                                         "message": "An invoice with that external_id already exists."}]
    draft = api.create()
    resp = api.patch(f"/api/invoices/{draft['id']}", {"external_id": "dup-f"})
    assert resp.status_code == 409 and assert_error_shape(resp)[0]["field"] == "external_id"
    resp = api.post("/api/invoices", api_payload(invoice_number="INV-DUP-1"))
    assert resp.status_code == 409
    assert assert_error_shape(resp) == [{"field": "invoice_number", "message": "Invoice number INV-DUP-1 is "
                                         "already used by another invoice of this organization."}]
