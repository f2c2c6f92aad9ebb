"""The API list's filters shared with the back-office grid: customer user, website, currency and a
total range within one currency; and its sorts by customer user and website."""
from __future__ import annotations

import pytest
from support.api import assert_error_shape

from oro_invoices.web.openapi import build_spec


def one_line(price: str) -> list[dict[str, str]]:
    return [{"description": "Item", "quantity": "1", "unit_price": price, "tax_rate": "0"}]


@pytest.fixture
def invoices(api):
    """Four invoices: two in EUR, one in JPY, one in USD, for two buyers on two websites."""
    return {
        "eur-small": api.create(external_id="eur-small", currency="EUR", lines=one_line("50.00"),
                                customer_user_id=101, customer_user_email="zoe@acme.test", website_id=1),
        "eur-big": api.create(external_id="eur-big", currency="EUR", lines=one_line("500.00"),
                              customer_user_id=102, customer_user_email="adam@acme.test", website_id=2),
        "jpy": api.create(external_id="jpy", currency="JPY", lines=one_line("500"),
                          customer_user_id=101, customer_user_email="zoe@acme.test", website_id=2),
        "usd": api.create(external_id="usd", currency="USD", lines=one_line("75.50"),
                          customer_user_id=103, customer_user_email="mia@acme.test", website_id=None),
    }


def names(api, invoices, **query) -> list[str]:
    resp = api.get("/api/invoices", query={"sort": "id", **query})
    assert resp.status_code == 200, resp.get_data()
    by_id = {inv["id"]: name for name, inv in invoices.items()}
    return [by_id[row["id"]] for row in resp.get_json()["data"]]


def test_filters_on_customer_user_website_currency_and_total(api, invoices):
    assert names(api, invoices, customer_user_id="101") == ["eur-small", "jpy"]
    assert names(api, invoices, website_id="2") == ["eur-big", "jpy"]
    assert names(api, invoices, currency="EUR") == ["eur-small", "eur-big"]
    assert names(api, invoices, currency="EUR", total_min="100") == ["eur-big"]
    assert names(api, invoices, currency="EUR", total_max="50.00") == ["eur-small"]
    assert names(api, invoices, currency="JPY", total_min="500", total_max="500") == ["jpy"]


def test_sorts_by_customer_user_email_and_website(api, invoices):
    assert names(api, invoices, sort="customer_user") == ["eur-big", "usd", "eur-small", "jpy"]
    assert names(api, invoices, sort="-website") == ["jpy", "eur-big", "eur-small", "usd"]


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"total_min": "10"}, "total_min", "Give currency too"),
    ({"currency": "eur"}, "currency", "ISO 4217"),
    ({"currency": "JPY", "total_max": "10.5"}, "total_max", "JPY amounts have no decimals."),
    ({"currency": "EUR", "total_min": "1e3"}, "total_min", "Must be a decimal amount"),
    ({"currency": "EUR", "total_min": "99999999999999999999999999"}, "total_min",
     "Too large: an invoice total is less than 1,000,000,000,000,000, either way."),
    ({"currency": "EUR", "total_max": "-99999999999999999999"}, "total_max", "Too large"),
    ({"total_min": "1000000000000000"}, "total_min", "Too large"),
    ({"website_id": "main"}, "website_id", "positive integer"),
    ({"customer_user_id": "0"}, "customer_user_id", "positive integer"),
    ({"sort": "--id"}, "sort", "Cannot sort by '-id'"),
    ({"sort": "+-total_amount"}, "sort", "Cannot sort by '-total_amount'"),
])
def test_bad_values_are_422_naming_the_parameter(api, query, field, message):
    resp = api.get("/api/invoices", query=query)
    assert resp.status_code == 422
    [error] = [e for e in assert_error_shape(resp) if e["field"] == field]
    assert message in error["message"]


def test_the_openapi_document_lists_the_new_filters_and_sorts():
    listing = build_spec("/api")["paths"]["/invoices"]["get"]["parameters"]
    by_name = {p["name"]: p for p in listing}
    for name in ("customer_user_id", "website_id", "currency", "total_min", "total_max"):
        assert by_name[name]["in"] == "query" and by_name[name]["description"]
    assert {"customer_user", "-website", "payment_method"} <= set(by_name["sort"]["schema"]["enum"])
    assert "within one currency" in by_name["total_min"]["description"]


def test_customer_name_filter_matches_the_start_of_the_name_in_any_case(api):
    made = {name: api.create(customer_name=name)["id"]
            for name in ("Acme GmbH", "ACME Corp", "Acmeville Ltd", "Beta Acme", "Ächtung AG")}

    def listed(**query) -> set[str]:
        resp = api.get("/api/invoices", query=query)
        assert resp.status_code == 200, resp.get_data()
        return {name for name, i in made.items() if i in {row["id"] for row in resp.get_json()["data"]}}

    assert listed(customer_name="acme") == {"Acme GmbH", "ACME Corp", "Acmeville Ltd"}
    assert listed(customer_name="ACME c") == {"ACME Corp"}
    assert listed(customer_name="Äch") == {"Ächtung AG"}
    assert listed(customer_name="zzz") == set()
    resp = api.get("/api/invoices", query={"customer_name": "x" * 256})
    assert resp.status_code == 422
    assert [e["field"] for e in assert_error_shape(resp)] == ["customer_name"]
    spec = build_spec()["paths"]["/invoices"]["get"]["parameters"]
    assert "customer_name" in {p["name"] for p in spec}


def test_customer_names_are_distinct_in_name_order_and_at_most_the_limit(api):
    service = api.service
    for n in range(23):
        api.create(customer_name=f"Bulk {n:02}")
    for _ in range(3):
        api.create(customer_name="bulk 00")  # the same customer, in another case
    names = service.customer_names({"organization_id": 1, "customer_name_prefix": "BULK"}, limit=20)
    assert names == [f"Bulk {n:02}" for n in range(20)]
    assert service.customer_names({"organization_id": 2, "customer_name_prefix": "bulk"}) == []
