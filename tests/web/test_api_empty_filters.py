"""One rule for a query parameter given empty, on every API endpoint that reads a query: a filter
given empty or only whitespace (``?status=``, ``?currency=%20``) is refused, 422 naming it, rather
than read as no filter (which would widen the answer); left out, the same request is answered.
``sort``, ``limit``, ``cursor`` and ``before`` given empty are their default."""
from __future__ import annotations

import datetime as dt

import pytest
from support.api import assert_error_shape
from support.days import today

PERIOD = f"from={today() - dt.timedelta(days=30)}&to={today()}"

#: (path with the query that answers without the filter, the filter, the empty value sent, what
#: leaving it out does as the message says it).
CASES = [
    ("/api/invoices", "status", "", "not to filter by it"),
    ("/api/invoices?limit=5", "customer_name", "%20%20", "not to filter by it"),
    ("/api/credit-notes", "currency", "", "not to filter by it"),
    ("/api/invoices/{id}/credit-notes", "date_from", "", "not to filter by it"),
    ("/api/invoices/pdfs.zip", "external_id", "%09", "not to filter by it"),
    ("/api/receivables/aging", "customer_id", "", "not to filter by it"),
    ("/api/receivables/aging.pdf?sort=customer", "as_of", "%20", "for today"),
    ("/api/receivables/statement?customer_id=10", "currency", "", "not to filter by it"),
    ("/api/receivables/statement.pdf?customer_id=10", "as_of", "", "for today"),
    (f"/api/receivables/activity?customer_id=10&{PERIOD}", "currency", "", "not to filter by it"),
    (f"/api/receivables/activity.pdf?customer_id=10&{PERIOD}", "currency", "%20", "not to filter by it"),
    ("/api/receivables/credit?customer_id=10", "currency", "", "not to filter by it"),
    ("/api/events", "endpoint", "", "not to filter by it"),
]


def refused(resp) -> list[tuple[str, str]]:
    assert resp.status_code == 422, resp.get_data()
    return [(e["field"], e["message"]) for e in assert_error_shape(resp)]


def with_param(path: str, param: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{param}"


@pytest.fixture
def invoice(upload_api) -> dict:
    """A posted invoice of customer 10 (Acme Corp), so that each endpoint has something to answer."""
    return upload_api.create(status="posted")


@pytest.mark.parametrize(("path", "name", "value", "left_out"), CASES,
                         ids=[f"{path.split('?')[0]}-{name}" for path, name, _, _ in CASES])
def test_a_filter_given_empty_is_refused_naming_it_and_left_out_it_is_answered(upload_api, invoice, path, name,
                                                                               value, left_out):
    path = path.replace("{id}", str(invoice["id"]))
    assert refused(upload_api.get(with_param(path, f"{name}={value}"))) == [
        (name, f"Must not be empty: give a value, or leave {name} out {left_out}.")]
    resp = upload_api.get(path)
    assert resp.status_code == 200, resp.get_data()


@pytest.mark.parametrize(("path", "name"), [
    ("/api/receivables/statement", "customer_id"),
    ("/api/receivables/credit", "customer_id"),
    (f"/api/receivables/activity?customer_id=10&{PERIOD.split('&')[1]}", "from"),
])
def test_a_required_parameter_given_empty_is_refused_saying_it_is_empty(upload_api, invoice, path, name):
    assert refused(upload_api.get(with_param(path, f"{name}="))) == [
        (name, f"Must not be empty: {name} is required, give its value.")]


def test_every_empty_filter_is_named_at_once_and_an_unknown_one_stays_unknown(upload_api, invoice):
    assert refused(upload_api.get("/api/invoices?status=&currency=&nope=")) == [
        ("nope", "Unknown query parameter; use one of currency, cursor, customer_id, customer_name, "
                 "customer_user_id, date_from, date_to, document_type, external_id, invoice_number, limit, order_id, "
                 "overdue, payment_status, sort, status, total_max, total_min, website_id."),
        ("status", "Must not be empty: give a value, or leave status out not to filter by it."),
        ("currency", "Must not be empty: give a value, or leave currency out not to filter by it.")]
    assert refused(upload_api.get("/api/receivables/aging?nope=")) == [
        ("nope", "Unknown query parameter; use customer_id, currency, sort or as_of.")]


def test_an_empty_sort_or_page_parameter_is_its_default(upload_api, invoice):
    listed = upload_api.get("/api/invoices?sort=&limit=&cursor=")
    assert listed.status_code == 200, listed.get_data()
    assert [row["id"] for row in listed.get_json()["data"]] == [invoice["id"]]
    aging = upload_api.get("/api/receivables/aging?sort=")
    assert aging.status_code == 200 and aging.get_json() == upload_api.get("/api/receivables/aging").get_json()
    credit = upload_api.get("/api/receivables/credit?customer_id=10&before=")
    assert credit.status_code == 200, credit.get_data()


def test_the_openapi_document_says_a_filter_given_empty_is_refused(upload_api):
    """Each filter's description says so; the page and order parameters say what empty is."""
    spec = upload_api.get("/api/openapi.json").get_json()
    said = {(path, p["name"]): p["description"] for path, ops in spec["paths"].items()
            for op in ops.values() if isinstance(op, dict) for p in op.get("parameters", []) if p["in"] == "query"}
    for path, name, _, left_out in CASES:
        documented = "/" + path.split("?")[0].removeprefix("/api/")
        assert said[(documented, name)].endswith(
            f"Given empty (or only whitespace): 422 naming it; leave it out {left_out}."), (documented, name)
    assert said[("/invoices", "cursor")].endswith("(given empty: the first page).")
