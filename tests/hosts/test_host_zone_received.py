"""A payment recorded by hand as received on a day is that day in the organization's time zone
(``oro_invoices.timezone``): its receipt says that day in Auckland (UTC+13 in January), where
noon UTC is already the next day, and in Los Angeles (UTC-8): in its email and its PDF."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from html import unescape

import pytest
from support.api import shop_api_call
from support.days import shown
from support.pdfs import pdf_lines

from oro_invoices.hosts.reference.testing import text_of

RECEIVED = dt.date(2031, 1, 15)


def record_received(shop, admin, monkeypatch, zone: str, clock: dt.datetime) -> int:
    """A posted invoice of Northwind, its organization in ``zone``, the clock at ``clock``, paid
    in part by bank transfer received on ``RECEIVED`` as recorded in the back-office."""
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    model = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    app.extensions["oro_invoices"].settings.set("oro_invoices.timezone", zone, "organization", model.organization_id)
    monkeypatch.setattr(service.context, "clock", lambda: clock)
    invoice = service.create({
        "invoice_date": "2031-01-02", "due_date": "2031-02-01", "currency": model.currency,
        "organization_id": model.organization_id, "customer_id": model.customer_id,
        "customer_user_id": model.customer_user_id, "external_id": f"ZONE-{zone}", "bill_to": model.bill_to.as_dict(),
        "lines": [{"description": "Widget", "quantity": "1", "unit_price": "80.00"}]}, actor="test")
    invoice_id = service.post(invoice.id, actor="test").id
    view = f"/admin/invoices/{invoice_id}"
    done = admin.submit(view, f"{view}/payments", {"amount": "30.00", "method": "bank_transfer",
                                                   "received_on": RECEIVED.isoformat(), "reference": "Z-1",
                                                   "notes": ""}, follow_redirects=True)
    assert done.status_code == 200, text_of(done.get_data(as_text=True))[:500]
    return invoice_id


@pytest.mark.parametrize("zone, clock", [
    ("Pacific/Auckland", dt.datetime(2031, 1, 15, 3, 0, tzinfo=dt.UTC)),       # 4 PM on the 15th there
    ("America/Los_Angeles", dt.datetime(2031, 1, 15, 20, 0, tzinfo=dt.UTC)),   # noon on the 15th there
])
def test_the_receipt_of_a_payment_recorded_by_hand_says_the_day_received(shop, admin, monkeypatch, zone, clock):
    invoice_id = record_received(shop, admin, monkeypatch, zone, clock)
    page = admin.get(f"/admin/invoices/{invoice_id}?dialog=email&template=payment_receipt_template")
    body = unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>',
                              page.get_data(as_text=True), re.S).group(1))
    assert f"Payment date: {shown(RECEIVED)}\n" in body, body


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_the_receipt_pdf_of_a_payment_recorded_by_hand_says_the_day_received(shop, admin, monkeypatch):
    invoice_id = record_received(shop, admin, monkeypatch, "Pacific/Auckland",
                                 dt.datetime(2031, 1, 15, 3, 0, tzinfo=dt.UTC))
    [payment] = shop_api_call(shop, "GET", f"/invoices/{invoice_id}/payments").get_json()["data"]
    receipt = shop_api_call(shop, "GET", f"/invoices/{invoice_id}/payments/{payment['id']}/receipt")
    assert receipt.status_code == 200
    lines = pdf_lines(receipt.get_data()).splitlines()
    assert any(line.endswith(f"Payment date {shown(RECEIVED)}") for line in lines), lines
