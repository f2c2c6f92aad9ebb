"""``GET /api/receivables/statement[.pdf]``: a customer's open invoices with what each still owes
and how late it is, per currency with their aging, as JSON and as PDF; and what the OpenAPI
document says of it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support.api import assert_error_shape, clocked_http
from support.pdfs import pdf_text

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.web.openapi import build_spec

NOW = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.UTC)   # the payload's due date (2026-12-02) is 44 days ago


@pytest.fixture
def late_api(db, settings):
    return clocked_http(db, settings, NOW, renderer=PdfRenderer())


def test_the_statement_lists_the_customers_open_invoices_with_their_aging(late_api):
    late = late_api.create(status="posted", external_id="LATE")
    soon = late_api.create(status="posted", external_id="SOON", due_date="2027-02-01")
    late_api.create(external_id="DRAFT")                                          # owes nothing yet
    late_api.create(status="posted", external_id="OTHER", customer_id=11, customer_name="Zeta Ltd")
    paid = late_api.post(f"/api/invoices/{late['id']}/payments",
                         {"method": "bank_transfer", "action": "charge", "amount": "50.00"})
    assert paid.status_code == 201
    resp = late_api.get("/api/receivables/statement?customer_id=10")
    assert resp.status_code == 200
    body = late_api.decimals(resp)
    total = Decimal(late["total_amount"])
    due = str(total - 50)
    assert (body["as_of"], body["customer_id"], body["customer_name"], body["invoices"], body["left_out"]) == (
        "2027-01-15", 10, "Acme Corp", 2, 0)
    [usd] = body["sections"]
    assert usd["currency"] == "USD" and usd["total_due"] == str(total * 2 - 50) and usd["overdue"] == due
    assert usd["amounts"] == {"current": late["total_amount"], "days_1_30": "0.00", "days_31_60": due,
                              "days_61_90": "0.00", "over_90": "0.00"}
    assert [(i["id"], i["invoice_number"], i["days_overdue"], i["bucket"], i["amount_paid"], i["amount_due"])
            for i in usd["items"]] == [
        (late["id"], late["invoice_number"], 44, "days_31_60", "50.00", due),
        (soon["id"], soon["invoice_number"], 0, "current", "0.00", soon["total_amount"])]
    assert late_api.get("/api/receivables/statement?customer_id=10&currency=EUR").get_json()["sections"] == []
    assert body["credits"] == []
    # money a credit note gives back, kept as credit: said beside what is owed, not taken off it
    paid_all = late_api.post(f"/api/invoices/{soon['id']}/payments", {"method": "bank_transfer", "action": "charge",
                                                                        "amount": soon["total_amount"]})
    assert paid_all.status_code == 201
    kept = late_api.post(f"/api/invoices/{soon['id']}/credit-notes",
                         {"amounts": [{"tax_rate": "0.19", "amount": "10.00"}], "settlement": "credit"})
    assert kept.status_code == 201
    again = late_api.get("/api/receivables/statement?customer_id=10").get_json()
    assert again["credits"] == [{"currency": "USD", "amount": "11.90"}]
    assert again["sections"][0]["total_due"] == due
    # each section says the credit and the net as the customer's line of the aging does
    assert (usd["credit"], usd["net"]) == ("0.00", usd["total_due"])
    assert (again["sections"][0]["credit"], again["sections"][0]["net"]) == ("-11.90", str(Decimal(due) - Decimal("11.90")))
    [line] = late_api.get("/api/receivables/aging?customer_id=10").get_json()["customers"]
    assert (line["credit"], line["net"]) == (again["sections"][0]["credit"], again["sections"][0]["net"])


def test_an_invoice_whose_payment_is_authorized_is_owed_but_not_overdue(late_api):
    late = late_api.create(status="posted", external_id="AUTHORIZED")
    held = late_api.post(f"/api/invoices/{late['id']}/payments",
                         {"method": "card", "action": "authorize", "amount": late["total_amount"]})
    assert held.status_code == 201
    [usd] = late_api.decimals(late_api.get("/api/receivables/statement?customer_id=10"))["sections"]
    assert [(i["id"], i["days_overdue"], i["bucket"], i["payment_authorized"], i["amount_due"])
            for i in usd["items"]] == [(late["id"], 0, "days_31_60", True, late["total_amount"])]
    assert (usd["total_due"], usd["overdue"]) == (late["total_amount"], "0.00")

def test_the_statement_pdf_is_the_customers(late_api):
    late = late_api.create(status="posted", external_id="LATE")
    resp = late_api.get("/api/receivables/statement.pdf?customer_id=10")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="statement-10-2027-01-15.pdf"'
    text = pdf_text(resp.get_data())
    assert "Statement of account" in text and late["invoice_number"] in text and "Acme Corp" in text


def test_a_past_days_statement_lists_what_was_open_then_for_what_it_owed_then(late_api):
    late = late_api.create(status="posted", external_id="LATE")                 # due 2026-12-02
    assert late_api.post(f"/api/invoices/{late['id']}/payments",
                         {"method": "bank_transfer", "action": "charge", "amount": late["total_amount"]}).status_code == 201
    assert late_api.get("/api/receivables/statement?customer_id=10").get_json()["sections"] == []   # paid today
    body = late_api.decimals(late_api.get("/api/receivables/statement?customer_id=10&as_of=2026-12-31"))
    [usd] = body["sections"]
    assert body["as_of"] == "2026-12-31" and usd["total_due"] == late["total_amount"]
    assert [(i["invoice_number"], i["amount_paid"], i["days_overdue"]) for i in usd["items"]] == [
        (late["invoice_number"], "0.00", 29)]
    resp = late_api.get("/api/receivables/statement.pdf?customer_id=10&as_of=2026-12-31")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="statement-10-2026-12-31.pdf"'
    assert late["invoice_number"] in pdf_text(resp.get_data())


def test_another_organizations_customer_has_no_statement_here(late_api):
    late_api.create(status="posted", external_id="THEIRS", token="tok-other", customer_id=77)
    for path in ("/api/receivables/statement?customer_id=77", "/api/receivables/statement.pdf?customer_id=77"):
        assert late_api.get(path).status_code == 404
        assert late_api.get(path, token="tok-other").status_code == 200


@pytest.mark.parametrize("query, field", [("", "customer_id"), ("customer_id=abc", "customer_id"),
                                          ("customer_id=10&currency=euro", "currency"),
                                          ("customer_id=10&customer_id=11", "customer_id"),
                                          ("customer_id=10&sort=total", "sort"),
                                          ("customer_id=10&as_of=31.12.2026", "as_of")])
def test_a_bad_query_is_refused_on_its_parameter(late_api, query, field):
    late_api.create(status="posted", external_id="LATE")
    for path in ("/api/receivables/statement", "/api/receivables/statement.pdf"):
        resp = late_api.get(f"{path}?{query}")
        assert resp.status_code == 422
        assert field in [e["field"] for e in assert_error_shape(resp)]


def test_the_statement_needs_a_token_and_is_in_the_openapi_document(late_api):
    assert late_api.get("/api/receivables/statement?customer_id=10", token=None).status_code == 401
    spec = build_spec()
    operation = spec["paths"]["/receivables/statement"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Statement"}
    assert "application/pdf" in spec["paths"]["/receivables/statement.pdf"]["get"]["responses"]["200"]["content"]
    section = spec["components"]["schemas"]["Statement"]["properties"]["sections"]["items"]
    item = section["properties"]["items"]["items"]
    assert {"invoice_number", "due_date", "days_overdue", "bucket", "amount_due"} <= set(item["properties"])


def test_the_statement_says_what_is_to_pay_as_its_pdf_asks_it(late_api):
    """What is to pay and what of it is overdue: the total due less what authorizations hold, less
    the credit, taken off the overdue amount first; the PDF's payment line says the same."""
    late = late_api.create(status="posted", external_id="LATE")
    soon = late_api.create(status="posted", external_id="SOON", due_date="2027-02-01")
    returned = late_api.create(status="posted", external_id="RETURNED")
    assert late_api.post(f"/api/invoices/{returned['id']}/payments", {"method": "bank_transfer", "action": "charge",
                                                                       "amount": returned["total_amount"]}).status_code == 201
    kept = late_api.post(f"/api/invoices/{returned['id']}/credit-notes",
                         {"amounts": [{"tax_rate": "0.19", "amount": "10.00"}], "settlement": "credit"})
    assert kept.status_code == 201                                                   # 11.90 of credit
    [usd] = late_api.decimals(late_api.get("/api/receivables/statement?customer_id=10"))["sections"]
    total = Decimal(late["total_amount"]) + Decimal(soon["total_amount"])
    assert usd["total_due"] == str(total) and usd["overdue"] == late["total_amount"]
    assert usd["to_pay"] == str(total - Decimal("11.90")) == usd["net"]
    assert usd["overdue_to_pay"] == str(Decimal(late["total_amount"]) - Decimal("11.90"))
    text = " ".join(pdf_text(late_api.get("/api/receivables/statement.pdf?customer_id=10").data, layout=False).split())
    assert f"${Decimal(usd['overdue_to_pay']):,} of the ${Decimal(usd['to_pay']):,} to pay is overdue" in text
