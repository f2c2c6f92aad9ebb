"""A query string that is not UTF-8 after percent-decoding (``?external_id=%FF``) is refused on
every API endpoint, 422 naming the parameter, before anything is looked up or written: the
framework would have put U+FFFD (�) where the bytes were, and a filter would search for text
nobody sent. A U+FFFD sent on purpose (``%EF%BF%BD``) is text like any other. The bank statement's ``keep_surplus`` given empty
is refused as a filter given empty is (``web.api_query``)."""
from __future__ import annotations

import pytest
from support.api import assert_error_shape
from support.days import today

VALUE = "Not UTF-8 after percent-decoding (a byte such as %FF stands alone): percent-encode the UTF-8 bytes of " \
        "each character."
NAME = ("query", "A parameter's name is not UTF-8 after percent-decoding (a byte such as %FF stands alone): "
                 "percent-encode the UTF-8 bytes of each character.")


def refused(resp) -> list[tuple[str, str]]:
    assert resp.status_code == 422, resp.get_data()
    return [(e["field"], e["message"]) for e in assert_error_shape(resp)]


def statement(reference: str, amount: str) -> bytes:
    """A bank statement (CSV) of one payment today."""
    return f"date,amount,currency,reference,payer\n{today()},{amount},USD,{reference},Acme Corp\n".encode()


@pytest.fixture
def invoice(upload_api) -> dict:
    """A posted invoice of customer 10 (Acme Corp)."""
    return upload_api.create(status="posted", external_id="ERP-1")


@pytest.mark.parametrize(("path", "named"), [
    ("/api/invoices?external_id=%FF", ["external_id"]),
    ("/api/invoices?status=posted&customer_name=Caf%C3&invoice_number=%FE%FF", ["customer_name",
                                                                                "invoice_number"]),
    ("/api/receivables/aging?currency=US%FF", ["currency"]),
    ("/api/events?endpoint=%FF", ["endpoint"]),
    ("/api/invoices/{id}?x=%FF", ["x"]),            # an endpoint that takes no query: not "unknown" first
    ("/api/invoices?external_id=%FF&external_id=ERP-1", ["external_id"]),
])
def test_a_parameter_that_is_not_utf8_is_refused_naming_it(upload_api, invoice, path, named):
    assert refused(upload_api.get(path.replace("{id}", str(invoice["id"])))) == [(name, VALUE) for name in named]


@pytest.mark.parametrize("path", ["/api/invoices?%FF=1", "/api/receivables/aging?as_of=2026-01-01&cur%FFrency=USD",
                                  "/api/events?%C3", "/api/invoices/{id}?%FF"])
def test_a_parameter_name_that_is_not_utf8_is_refused_on_the_query(upload_api, invoice, path):
    assert refused(upload_api.get(path.replace("{id}", str(invoice["id"])))) == [NAME]


def test_it_is_refused_before_the_token_is_looked_up(upload_api):
    assert refused(upload_api.get("/api/invoices?external_id=%FF", token=None)) == [("external_id", VALUE)]
    assert upload_api.get("/api/invoices?external_id=ERP-1", token=None).status_code == 401


def test_a_cors_preflight_is_answered_whatever_the_query_and_the_request_it_precedes_is_refused(upload_api):
    preflight = {"Origin": "https://erp.example", "Access-Control-Request-Method": "GET"}
    resp = upload_api.request("OPTIONS", "/api/invoices?external_id=%FF", token=None, headers=preflight)
    assert resp.status_code == 204 and resp.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert resp.get_data() == b""
    assert refused(upload_api.get("/api/invoices?external_id=%FF", headers={"Origin": "https://erp.example"})) == [
        ("external_id", VALUE)]
    assert upload_api.request("OPTIONS", "/api/nowhere?x=%FF", token=None, headers=preflight).status_code == 404


def test_a_replacement_character_sent_as_utf8_is_searched_for(upload_api, invoice):
    resp = upload_api.get("/api/invoices?external_id=%EF%BF%BD")
    assert resp.status_code == 200 and resp.get_json()["data"] == []
    assert [i["id"] for i in upload_api.get("/api/invoices?external_id=ERP-1").get_json()["data"]] == [invoice["id"]]


def test_a_post_with_a_query_option_that_is_not_utf8_records_nothing(upload_api, invoice):
    path = "/api/receivables/bank-statement/payments"
    data = statement(invoice["invoice_number"], invoice["total_amount"])
    resp = upload_api.post(f"{path}?keep_surplus=tr%FFe", data=data, content_type="text/csv")
    assert refused(resp) == [("keep_surplus", VALUE)]
    assert upload_api.get(f"/api/invoices/{invoice['id']}").get_json()["payment_status"] == "pending"
    done = upload_api.post(f"{path}?keep_surplus=false", data=data, content_type="text/csv")
    assert done.status_code == 200, done.get_data()
    assert [r["outcome"] for r in done.get_json()["recorded"]] == ["recorded"]


@pytest.mark.parametrize("value", ["", "%20"])
def test_keep_surplus_given_empty_is_refused_as_a_filter_given_empty(upload_api, invoice, value):
    data = statement(invoice["invoice_number"], invoice["total_amount"])
    resp = upload_api.post(f"/api/receivables/bank-statement/payments?keep_surplus={value}", data=data,
                           content_type="text/csv")
    assert refused(resp) == [("keep_surplus", "Must not be empty: give a value, or leave keep_surplus out to record "
                                              "only the payments that pay exactly what their invoices owe.")]
    assert upload_api.get(f"/api/invoices/{invoice['id']}").get_json()["payment_status"] == "pending"


def test_the_openapi_document_is_refused_so_too_and_says_so(upload_api):
    assert refused(upload_api.get("/api/openapi.json?v=%FF", token=None)) == [("v", VALUE)]
    spec = upload_api.get("/api/openapi.json", token=None).get_json()
    assert spec["paths"]["/openapi.json"]["get"]["responses"]["422"] == {"$ref": "#/components/responses/Error422"}
    assert "A query string that is not UTF-8 after percent-decoding" in spec["info"]["description"]
