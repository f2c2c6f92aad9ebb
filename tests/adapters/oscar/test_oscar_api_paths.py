"""The JSON API in Oscar's shop is given the whole path: an external id ending in "/" is found by it."""
from __future__ import annotations

import json

import pytest
from support.days import today

TOKEN = "erp-token"


@pytest.fixture
def api(shop):
    """Django's test client on the shop with the API mounted for one ERP client."""
    from django.conf import settings
    from django.test import Client, override_settings

    from oro_invoices.adapters.oscar.runtime import activate, build_runtime
    with override_settings(ORO_INVOICES={**settings.ORO_INVOICES,
                                         "API_TOKENS": {TOKEN: {"name": "erp", "organization_id": 1}}}):
        activate(build_runtime(shop.host, shop.client.addon))
        yield Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    activate(shop.client.runtime)


def test_an_external_id_ending_in_a_slash_is_found_by_its_url(api):
    body = {"invoice_date": today().isoformat(), "currency": "EUR", "organization_id": 1,
            "lines": [{"description": "Widget", "quantity": "1", "unit_price": "10"}]}
    created = api.post("/api/invoices", json.dumps({**body, "external_id": "ERP/2026/7/"}),
                       content_type="application/json")
    assert created.status_code == 201, created.content
    for url in ("/api/invoices/by-external-id/ERP/2026/7/", "/api/invoices/by-external-id/ERP%2F2026%2F7%2F"):
        found = api.get(url)
        assert found.status_code == 200 and found.json()["id"] == created.json()["id"]
    again = api.put("/api/invoices/by-external-id/ERP/2026/7/", json.dumps(body), content_type="application/json")
    assert again.status_code == 200 and again["Invoice-Write-Result"] == "unchanged"
    assert api.get("/api/invoices/by-external-id/ERP/2026/7").status_code == 404
