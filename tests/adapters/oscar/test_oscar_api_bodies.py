"""The JSON API in Oscar's shop takes bodies up to its own limits, not Django's, and says a body
too large as it says its other errors."""
from __future__ import annotations

import json

from support.days import days_ago, today

from oro_invoices.domain.limits import MAX_PDF_BYTES


def posted_without_pdf(shop_api, shop) -> int:
    shop.client.addon.settings.set("oro_invoices.generate_pdf_on_post", False)
    posted = shop.data.posted                       # its customer, as the shop knows them
    resp = shop_api.post("/api/invoices", json.dumps({
        "external_id": "ERP-1", "invoice_number": "ERP-2026-1", "status": "posted",
        "invoice_date": days_ago(3).isoformat(), "due_date": today().isoformat(), "currency": "EUR",
        "organization_id": 1, "customer_id": posted.customer_id, "customer_name": posted.customer_name,
        "bill_to": {"name": "Bea Buyer", "street": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115",
                    "country": "DE"},
        "lines": [{"description": "Widget", "quantity": "2", "unit_price": "19.99", "tax_rate": "0.19"}]}),
        content_type="application/json")
    assert resp.status_code == 201, resp.content
    return int(resp.json()["id"])


def test_a_pdf_above_djangos_upload_limit_is_taken(shop_api, shop):
    from django.conf import settings
    invoice = posted_without_pdf(shop_api, shop)
    pdf = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024)       # above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    assert len(pdf) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    resp = shop_api.put(f"/api/invoices/{invoice}/pdf", pdf, content_type="application/pdf")
    assert resp.status_code == 201, resp.content[:500]
    assert resp.json()["pdf"]["source"] == "uploaded"
    download = shop_api.get(f"/api/invoices/{invoice}/pdf")
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf


def test_a_body_above_the_apis_limit_is_413_in_the_apis_words(shop_api, shop):
    resp = shop_api.generic("PUT", "/api/invoices/1/pdf", b"%PDF-1.7", content_type="application/pdf",
                       CONTENT_LENGTH=str(MAX_PDF_BYTES + 2))
    assert resp.status_code == 413
    assert resp["Content-Type"].startswith("application/json")
    assert resp.json() == {"errors": [{"field": "body", "message": "The request body is too large."}]}
