"""``GET /api/receivables/aging``: what each customer of the client's organization owes on posted
invoices, by days past due, as decimal strings; and what the OpenAPI document says of it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support.api import api_payload, assert_error_shape, clocked_http
from support.pdfs import pdf_words

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.web.openapi import build_spec

NOW = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.UTC)   # the payload's due date (2026-12-02) is 44 days ago


@pytest.fixture
def late_api(db, settings):
    return clocked_http(db, settings, NOW)


def test_the_report_gives_each_customers_amounts_due_by_bucket(late_api):
    late = late_api.create(status="posted", external_id="LATE")
    late_api.create(status="posted", external_id="SOON", due_date="2027-02-01")
    late_api.create(external_id="DRAFT")                                          # owes nothing yet
    late_api.create(status="posted", external_id="THEIRS", token="tok-other")     # another organization
    paid = late_api.post(f"/api/invoices/{late['id']}/payments",
                         {"method": "bank_transfer", "action": "charge", "amount": "50.00"})
    assert paid.status_code == 201
    resp = late_api.get("/api/receivables/aging")
    assert resp.status_code == 200
    body = late_api.decimals(resp)
    total = Decimal(late["total_amount"])
    due, owed = str(total - 50), str(total * 2 - 50)
    assert body == {
        "as_of": "2027-01-15",
        "customers": [{"customer_id": 10, "customer_name": "Acme Corp", "currency": "USD", "invoices": 2,
                       "amounts": {"current": late["total_amount"], "days_1_30": "0.00", "days_31_60": due,
                                   "days_61_90": "0.00", "over_90": "0.00"},
                       "total_due": owed, "credit": "0.00", "net": owed}],
        "totals": [{"customer_id": None, "customer_name": "", "currency": "USD", "invoices": 2,
                    "amounts": {"current": late["total_amount"], "days_1_30": "0.00", "days_31_60": due,
                                "days_61_90": "0.00", "over_90": "0.00"},
                    "total_due": owed, "credit": "0.00", "net": owed}]}
    assert late_api.get("/api/receivables/aging?currency=EUR").get_json()["customers"] == []
    by_total = late_api.post("/api/invoices", {**api_payload(status="posted", external_id="BIG", customer_id=11,
                                                              customer_name="Zeta Ltd")}).get_json()
    assert by_total["status"] == "posted"
    assert [c["customer_name"] for c in late_api.get("/api/receivables/aging").get_json()["customers"]] == [
        "Acme Corp", "Zeta Ltd"]
    assert [c["customer_name"] for c in late_api.get("/api/receivables/aging?sort=days_31_60").get_json()[
        "customers"]] == ["Zeta Ltd", "Acme Corp"]                 # Zeta owes all of its late one, Acme part
    zeta = late_api.get("/api/receivables/aging?customer_id=11").get_json()
    assert [c["customer_name"] for c in zeta["customers"]] == ["Zeta Ltd"] and len(zeta["totals"]) == 1
    assert zeta["totals"][0]["total_due"] == zeta["customers"][0]["total_due"]
    theirs = late_api.get("/api/receivables/aging", token="tok-other").get_json()
    assert [c["invoices"] for c in theirs["customers"]] == [1]


def test_a_past_day_gives_what_was_owed_at_its_end(late_api):
    late = late_api.create(status="posted", external_id="LATE")                  # due 2026-12-02
    assert late_api.post(f"/api/invoices/{late['id']}/payments",
                         {"method": "bank_transfer", "action": "charge", "amount": "50.00"}).status_code == 201
    total = late["total_amount"]
    yesterday = late_api.get("/api/receivables/aging?as_of=2027-01-14").get_json()  # paid today: not yet then
    assert yesterday["as_of"] == "2027-01-14"
    assert [(c["amounts"]["days_31_60"], c["total_due"]) for c in yesterday["customers"]] == [(total, total)]
    year_end = late_api.get("/api/receivables/aging?as_of=2026-12-31").get_json()
    assert [(c["amounts"]["days_1_30"], c["invoices"]) for c in year_end["totals"]] == [(total, 1)]
    assert late_api.get("/api/receivables/aging?as_of=2026-12-01").get_json()["customers"][0]["amounts"][
        "current"] == total
    assert late_api.get("/api/receivables/aging?as_of=2026-11-01").get_json()["customers"] == []   # not yet dated


def test_a_customers_credit_is_a_negative_offset_and_the_net_what_is_left(late_api):
    late = late_api.create(status="posted", external_id="LATE")
    paid = late_api.create(status="posted", external_id="PAID")
    over = Decimal(paid["total_amount"]) + Decimal("80.00")
    kept = late_api.post("/api/receivables/payments", {"method": "bank_transfer", "received_on": "2027-01-15",
                                                       "amount": f"{over:.2f}", "keep_surplus": True,
                                                       "invoices": [{"id": paid["id"]}]})
    assert kept.status_code == 201, kept.get_json()
    assert (kept.get_json()["total"], kept.get_json()["kept_as_credit"]) == (f"{over:.2f}", "80.00")   # as received
    [line] = late_api.get("/api/receivables/aging?sort=net").get_json()["customers"]
    assert (line["total_due"], line["credit"], line["net"]) == (
        late["total_amount"], "-80.00", f"{Decimal(late['total_amount']) - 80:.2f}")
    [before] = late_api.get("/api/receivables/aging?as_of=2027-01-14").get_json()["totals"]
    assert before["credit"] == "0.00"                                    # kept today: none at yesterday's end


def test_the_report_as_pdf_is_the_organizations(db, settings):
    api = clocked_http(db, settings, NOW, renderer=PdfRenderer())
    late = api.create(status="posted", external_id="LATE")
    api.create(status="posted", external_id="THEIRS", token="tok-other", customer_name="Other Org Customer")
    resp = api.get("/api/receivables/aging.pdf?as_of=2026-12-31")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="aging-2026-12-31.pdf"'
    text = " ".join(pdf_words(resp.get_data()).split())
    assert "Receivables aging" in text and "Acme Corp" in text and "Other Org Customer" not in text
    assert f"${Decimal(late['total_amount']):,.2f}" in text and "at the end of" in text
    assert api.get("/api/receivables/aging.pdf?sort=size").status_code == 422
    assert api.get("/api/receivables/aging.pdf", token=None).status_code == 401
    assert build_spec()["paths"]["/receivables/aging.pdf"]["get"]["parameters"][-1]["name"] == "as_of"


@pytest.mark.parametrize("query, field", [("currency=euro", "currency"), ("customer=1", "customer"),
                                          ("customer_id=abc", "customer_id"), ("customer_id=1&customer_id=2", "customer_id"),
                                          ("currency=EUR&currency=USD", "currency"), ("sort=size", "sort"),
                                          ("as_of=2026-13-01", "as_of"), ("as_of=today", "as_of"),
                                          ("as_of=2020-01-01", "as_of")])                # more than three years back
def test_a_bad_query_is_refused_on_its_parameter(api, query, field):
    resp = api.get(f"/api/receivables/aging?{query}")
    assert resp.status_code == 422
    assert [e["field"] for e in assert_error_shape(resp)] == [field]


def test_the_report_needs_a_token_and_is_in_the_openapi_document(api):
    assert api.get("/api/receivables/aging", token=None).status_code == 401
    assert api.get("/api/receivables/aging", token="tok-reader").status_code == 200
    spec = build_spec()
    operation = spec["paths"]["/receivables/aging"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AgingReport"}
    line = spec["components"]["schemas"]["AgingReport"]["properties"]["customers"]["items"]
    assert set(line["properties"]["amounts"]["properties"]) == {
        "current", "days_1_30", "days_31_60", "days_61_90", "over_90"}
