"""The JSON API in Oscar's shop is given the whole path, an external id ending in "/" found by it, and
the query as sent: one that is not UTF-8 is refused naming the parameter."""
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


def test_a_query_that_is_not_utf8_is_refused_naming_the_parameter(shop_api):
    refused = shop_api.get("/api/invoices?status=posted&customer_name=Caf%C3")
    assert refused.status_code == 422 and refused.json()["errors"] == [
        {"field": "customer_name", "message": "Not UTF-8 after percent-decoding (a byte such as %FF stands alone): "
                                              "percent-encode the UTF-8 bytes of each character."}]
    assert shop_api.get("/api/invoices?%FF=1").json()["errors"][0]["field"] == "query"
    typed = shop_api.get("/api/invoices?customer_name=%EF%BF%BD")     # a U+FFFD sent as such is text
    assert typed.status_code == 200 and typed.json()["data"] == []
