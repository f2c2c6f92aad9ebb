"""Bad input never gets a 500: malformed payloads, paths and query strings, on both databases.

Hand-written nasty cases run first (every one is listed), then hypothesis mutates a
valid payload at random places. Every answer must be below 500, an error must have the
``{"errors": [{"field", "message"}]}`` shape, and a refused request writes nothing.
"""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from support.api import api_payload, assert_error_shape

NASTY_VALUES = [
    None, True, False, 0, -1, 1.5, 3.0, 1e308, -0.0, 2**63, -(2**63) - 1, 10**30, 10**4000,
    "", " ", "1e999999", "-1e999999", "1e-999999", "NaN", "Infinity", "-inf", "0x10", "1_000",
    "19.99.1", "９９", "١٢٣", "\u0000", "a\u0000b", "\ud800", "💶" * 300, "x" * 5000,
    "2026-02-30", "0000-01-01", "9999-12-31", "<script>alert(1)</script>", "' OR 1=1 --",
    [], [None], [[[[]]]], {}, {"a": {"b": {"c": {}}}}, {"$ref": "#"}, ["19.99"],
    "999999999999999999999999", "99999999999.999999", "0.0000001", "-19.99",
]
TOP_FIELDS = ["external_id", "invoice_number", "invoice_date", "due_date", "currency", "customer_id",
              "customer_user_id", "website_id", "order_id", "bill_to", "ship_to", "lines", "status",
              "payment_status", "external_payment_url", "organization_id", "customer_name",
              "customer_user_email", "order_identifier"]
LINE_FIELDS = ["description", "sku", "unit", "quantity", "unit_price", "tax_rate"]


def check(resp, head: bool = False) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.get_data()[:500])
    if resp.status_code >= 400 and not head:
        assert_error_shape(resp)


def invoice_count(api) -> int:
    return len(api.get("/api/invoices", query={"limit": "500"}).get_json()["data"])


def crafted_payloads():
    base = api_payload()
    for field in TOP_FIELDS:
        yield {k: v for k, v in base.items() if k != field}  # missing field
        for value in NASTY_VALUES:
            yield {**base, field: value}
    for field in LINE_FIELDS:
        for value in NASTY_VALUES:
            payload = copy.deepcopy(base)
            payload["lines"][0][field] = value
            yield payload
    yield {**base, "lines": [base["lines"][0]] * 10_001}
    yield {**base, "lines": [{"description": "big", "quantity": "999999999999",
                              "unit_price": "999999999999", "tax_rate": "0.99"}] * 50}
    yield {**base, "bill_to": {"name": "x", "planet": "Mars"}}
    yield {**base, "extra": {"deep": [1, 2, {"x": None}]}}
    yield {"\u0000": 1}
    yield {}


def test_crafted_create_payloads_never_500(api):
    created = 0
    for payload in crafted_payloads():
        resp = api.post("/api/invoices", payload)
        check(resp)
        created += resp.status_code == 201
    assert invoice_count(api) == created


def test_crafted_updates_payments_and_notes_never_500(api):
    draft = api.create(external_id="fuzz-draft")
    posted = api.create(external_id="fuzz-posted", status="posted")
    payment = {"method": "manual", "action": "charge", "amount": "1.00"}
    for value in NASTY_VALUES:
        for field in TOP_FIELDS:
            check(api.patch(f"/api/invoices/{draft['id']}", {field: value}))
            check(api.patch(f"/api/invoices/{posted['id']}", {field: value}))
        for field in ("method", "action", "amount", "successful", "provider_reference", "parent_id",
                      "notes", "data"):
            check(api.post(f"/api/invoices/{posted['id']}/payments", {**payment, field: value}))
        check(api.post(f"/api/invoices/{posted['id']}/notes", {"body": value}))
        check(api.post(f"/api/invoices/{posted['id']}/payments", value)
              if not isinstance(value, dict) else api.post(f"/api/invoices/{posted['id']}/notes", value))
    after = api.get(f"/api/invoices/{posted['id']}").get_json()
    assert after["lines"] == posted["lines"] and after["invoice_number"] == posted["invoice_number"]


@pytest.mark.parametrize("raw", [
    b"", b"{", b"}", b"null", b"[]", b"1e999999", b'{"a":1e999999}', b"\x00", b"\xef\xbb\xbf{}",
    b'{"a": "\\ud800"}', b'{"a": "\\u0000"}', b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50 + b"1" + b"}" * 50, b'{"lines": [' + b"1," * 1000 + b"1]}",
    b'{"customer_id": 123456789012345678901234567890}', b"{" + b'"k":1,' * 1000 + b'"z":2}',
])
@pytest.mark.parametrize("target", ["/api/invoices", "/api/invoices/1", "/api/invoices/1/payments",
                                    "/api/invoices/1/notes"])
def test_raw_bodies_never_500(api, raw, target):
    api.create()
    method = "PATCH" if target == "/api/invoices/1" else "POST"
    check(api.request(method, target, data=raw, content_type="application/json"))


BAD_PATHS = ["/api/invoices/abc", "/api/invoices/99999999999999999999", "/api/invoices/1e3",
             "/api/invoices/%00", "/api/invoices/1%00", "/api/invoices/by-external-id/%00",
             "/api/invoices/by-external-id/" + "x" * 5000, "/api/invoices/by-external-id/%ED%A0%80",
             "/api/invoices/%F0%9F%92%B6/pdf", "/api/invoices//", "/api/invoices/1/unknown",
             "/api/invoices/1/pdf/extra", "/api/" + "a/" * 500, "/api/invoices/-0", "/api/invoices/+1",
             "/api/invoices/ 1", "/api/invoices/0001"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
def test_bad_paths_never_500(api, method):
    for path in BAD_PATHS:
        check(api.request(method, path, json_body={}), head=method == "HEAD")


BAD_QUERY_VALUES = ["", "abc", "-1", "0", "1e3", "99999999999999999999", "\x00", "%00", "💶",
                    "2026-02-30", "null", "[]", "x" * 3000, "eyJ4IjoxfQ", "WyItaW52b2ljZV9kYXRlIiwxLDFd",
                    "WyItaW52b2ljZV9kYXRlIiwiMjAyNi0wMS0wMSIsOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"]


def test_bad_query_strings_never_500(api):
    api.create()
    for name in ["status", "payment_status", "customer_id", "order_id", "external_id", "invoice_number",
                 "date_from", "date_to", "sort", "limit", "cursor", "unknown"]:
        for value in BAD_QUERY_VALUES:
            check(api.get("/api/invoices", query={name: value}))
    check(api.get("/api/invoices?limit=1&limit=2"))
    check(api.get("/api/invoices?%ff=%fe"))


# ---- hypothesis: random mutations of a valid payload --------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
    | st.sampled_from(["19.99", "1e999999", "-0", "0.1234567", "2026-01-01", "USD", "posted"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children,
                                                                      max_size=4),
    max_leaves=12)


@st.composite
def mutated_payloads(draw):
    payload = api_payload()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        action = draw(st.sampled_from(["set", "drop", "line", "add"]))
        if action == "set":
            payload[draw(st.sampled_from(TOP_FIELDS))] = draw(json_values)
        elif action == "drop" and payload:
            payload.pop(draw(st.sampled_from(sorted(payload))))
        elif action == "line" and isinstance(payload.get("lines"), list) and payload["lines"] \
                and isinstance(payload["lines"][0], dict):
            payload["lines"][0][draw(st.sampled_from(LINE_FIELDS + ["junk"]))] = draw(json_values)
        else:
            payload[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    return payload


@hsettings(max_examples=120, deadline=None, database=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=mutated_payloads())
def test_random_create_and_update_payloads_never_500(api, payload):
    before = invoice_count(api)
    resp = api.post("/api/invoices", payload)
    check(resp)
    assert invoice_count(api) == before + (resp.status_code == 201)
    if resp.status_code == 201:
        invoice_id = resp.get_json()["id"]
        check(api.patch(f"/api/invoices/{invoice_id}", payload))
        assert json.loads(api.get(f"/api/invoices/{invoice_id}").get_data())["id"] == invoice_id
