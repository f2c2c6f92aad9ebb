"""The JSON API in Oscar's shop is given the whole path: an external id ending in "/" is found by it."""
from __future__ import annotations

import json

from support.days import today


def test_an_external_id_ending_in_a_slash_is_found_by_its_url(shop_api):
    body = {"invoice_date": today().isoformat(), "currency": "EUR", "organization_id": 1,
            "lines": [{"description": "Widget", "quantity": "1", "unit_price": "10"}]}
    created = shop_api.post("/api/invoices", json.dumps({**body, "external_id": "ERP/2026/7/"}),
                       content_type="application/json")
    assert created.status_code == 201, created.content
    for url in ("/api/invoices/by-external-id/ERP/2026/7/", "/api/invoices/by-external-id/ERP%2F2026%2F7%2F"):
        found = shop_api.get(url)
        assert found.status_code == 200 and found.json()["id"] == created.json()["id"]
    again = shop_api.put("/api/invoices/by-external-id/ERP/2026/7/", json.dumps(body), content_type="application/json")
    assert again.status_code == 200 and again["Invoice-Write-Result"] == "unchanged"
    assert shop_api.get("/api/invoices/by-external-id/ERP/2026/7").status_code == 404
