"""A nested part of the wrong JSON type is answered with what is expected there, in the API and
the import alike, not marshmallow's "Invalid input type."."""
from __future__ import annotations

import json

import pytest
from support.api import api_payload, assert_error_shape

from oro_invoices.services.importing import run_import

ADDRESS = "An address object with fields such as name, street, city, postal_code and country."
EXPECTED = [
    ({"bill_to": [1]}, "bill_to", ADDRESS),
    ({"ship_to": "Main St"}, "ship_to", ADDRESS),
    ({"buyer": "x"}, "buyer", "An object with vat_id, country_code and/or reference."),
    ({"lines": [1]}, "lines[0]", "A line object with description, quantity, unit_price and tax_rate."),
    ({"lines": {"description": "x"}}, "lines", "A list of line objects."),
]


@pytest.mark.parametrize("change,field,message", EXPECTED)
def test_the_api_says_what_is_expected(api, change, field, message):
    resp = api.post("/api/invoices", {**api_payload(), **change})
    assert resp.status_code == 422
    assert {"field": field, "message": message} in assert_error_shape(resp)


def test_a_credit_note_line_of_the_wrong_type_says_what_is_expected(api):
    invoice = api.create()
    api.post(f"/api/invoices/{invoice['id']}/post")
    resp = api.post(f"/api/invoices/{invoice['id']}/credit-notes", {"lines": ["1"], "amounts": [2]})
    errors = assert_error_shape(resp)
    assert {"field": "lines[0]", "message": "An object with line (the line's position) and quantity."} in errors
    assert {"field": "amounts[0]", "message": "An object with tax_rate and amount."} in errors


def test_the_import_says_the_same(api, tmp_path):
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps([{**api_payload(external_id=f"W-{i}"), **change}
                                for i, (change, _, _) in enumerate(EXPECTED)]))
    report = run_import(api.service, [path], organization_id=1, on_error="skip", check_apart=False)
    assert [(p.field, p.message) for p in report.problems] == [(field, message) for _, field, message in EXPECTED]


def test_a_trailing_comma_in_a_body_is_said_so(api):
    raw = json.dumps(api_payload())[:-1] + ",}"
    resp = api.request("POST", "/api/invoices", data=raw, content_type="application/json")
    assert resp.status_code == 400
    [error] = assert_error_shape(resp)
    assert error["message"].startswith("The body is not valid JSON (Expecting property name enclosed in double "
                                       "quotes: line 1 column ")
    assert error["message"].endswith("; JSON allows no comma before '}': remove the trailing comma).")
