"""``overdue`` and ``days_overdue`` in the API's invoices and list rows, the ``overdue`` filter,
and what the OpenAPI document says about them."""
from __future__ import annotations

import datetime as dt

import pytest
from support.api import api_payload, assert_error_shape, clocked_http

from oro_invoices.services.schemas import dump_invoice
from oro_invoices.web.openapi import build_spec

NOW = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)   # ten days after the payload's due date


@pytest.fixture
def late_api(db, settings):
    return clocked_http(db, settings, NOW)


def test_invoices_and_rows_say_whether_they_are_overdue(late_api):
    late = late_api.create(status="posted", external_id="LATE")
    on_time = late_api.create(status="posted", external_id="ON-TIME", due_date="2026-12-20")
    draft = late_api.create(external_id="DRAFT")
    assert (late["overdue"], late["days_overdue"]) == (True, 10)
    assert (on_time["overdue"], on_time["days_overdue"]) == (False, 0)
    assert (draft["overdue"], draft["days_overdue"]) == (False, 0)

    paid = late_api.post(f"/api/invoices/{late['id']}/payments",
                         {"method": "bank_transfer", "action": "charge", "amount": late["amount_due"],
                          "provider_reference": "BT-1"})
    assert paid.status_code == 201
    assert late_api.get(f"/api/invoices/{late['id']}").get_json()["overdue"] is False

    still_late = late_api.create(status="posted", external_id="STILL-LATE")
    rows = late_api.get("/api/invoices?overdue=true").get_json()["data"]
    assert [(r["id"], r["overdue"], r["days_overdue"]) for r in rows] == [(still_late["id"], True, 10)]
    others = late_api.get("/api/invoices?overdue=false&sort=id").get_json()["data"]
    assert [r["id"] for r in others] == [late["id"], on_time["id"], draft["id"]]
    assert all(r["overdue"] is False and r["days_overdue"] == 0 for r in others)


def test_an_invoice_whose_rest_an_authorization_holds_is_not_overdue(late_api):
    late = late_api.create(status="posted", external_id="REST-HELD")
    for action, amount, reference in (("charge", "100.00", "BT-2"), ("authorize", "131.86", "pi_rest")):
        assert late_api.post(f"/api/invoices/{late['id']}/payments", {
            "method": "bank_transfer" if action == "charge" else "stripe", "action": action, "amount": amount,
            "provider_reference": reference}).status_code == 201
    held = late_api.get(f"/api/invoices/{late['id']}").get_json()
    assert (held["payment_status"], held["amount_due"], held["amount_held"]) == ("paid_partially", "131.86", "131.86")
    assert (held["overdue"], held["days_overdue"]) == (False, 0)
    assert late_api.get("/api/invoices?overdue=true").get_json()["data"] == []
    [row] = late_api.get("/api/invoices?overdue=false").get_json()["data"]
    assert (row["id"], row["overdue"]) == (late["id"], False)


def test_a_bad_overdue_parameter_is_422(late_api):
    resp = late_api.get("/api/invoices?overdue=yes")
    assert resp.status_code == 422
    assert assert_error_shape(resp) == [{"field": "overdue", "message": "Must be true or false."}]


def test_the_openapi_document_describes_the_fields_and_the_filter():
    spec = build_spec("/api")
    schemas = spec["components"]["schemas"]
    for name in ("Invoice", "InvoiceSummary"):
        props = next(v for k, v in schemas.items() if k.startswith(name) and "overdue" in v["properties"]
                     )["properties"]
        assert props["overdue"]["type"] == "boolean" and props["days_overdue"]["type"] == "integer"
    listing = spec["paths"]["/invoices"]["get"]["parameters"]
    [overdue] = [p for p in listing if p["name"] == "overdue"]
    assert overdue["schema"]["enum"] == ["true", "false"]


def test_create_payload_still_refuses_overdue_as_input(late_api):
    resp = late_api.post("/api/invoices", api_payload(overdue=True))
    assert resp.status_code == 422


def test_dumping_an_invoice_takes_the_day_from_its_caller_not_the_utc_date(late_api):
    late = late_api.create(status="posted", external_id="DUMPED")
    document = late_api.service.get(late["id"])
    with pytest.raises(TypeError, match="today"):
        dump_invoice(document)                          # type: ignore[call-arg]
    on_due_day = dump_invoice(document, today=dt.date(2026, 12, 2))
    assert (on_due_day["overdue"], on_due_day["days_overdue"]) == (False, 0)
    assert dump_invoice(document, today=dt.date(2026, 12, 3))["days_overdue"] == 1
