"""The buyer's PO number on the reference shop's pages: the order pages, Create Invoice on the
order's Invoices tab, the back-office invoice page, the grid's number search, and the storefront's
invoice page and list. The demo's order SO-1005 (Acme's Berlin branch) has PO number 4500012877."""
from __future__ import annotations

import re

from support.list_pages import customer
from support.statements import statements_sent as counted

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of

TAB = "?tab=oro_invoices.order_invoices"
PO = "4500012877"
EXTERNAL_ID = "ERP-SO-1005-5"


def admin(shop) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_admin()
    return client


def order_id(shop, identifier: str = "SO-1005") -> int:
    return next(o["id"] for o in shop[1]["orders"] if o["identifier"] == identifier)


def listed(client: ShopClient, url: str) -> list[int]:
    html = client.get(url).get_data(as_text=True)
    return [int(found) for found in re.findall(r'<tr data-invoice-id="(\d+)">', html)]


def test_the_order_pages_show_the_po_number_the_buyer_gave(shop):
    page = text_of(admin(shop).get(f"/admin/orders/{order_id(shop)}").get_data(as_text=True))
    assert f"PO Number {PO}" in page
    mine = customer(shop, "dieter.berg@acme.example").get(f"/customer/orders/{order_id(shop)}")
    assert f"PO Number: {PO}" in text_of(mine.get_data(as_text=True))
    assert "PO Number" not in text_of(admin(shop).get(f"/admin/orders/{order_id(shop, 'SO-1001')}")
                                      .get_data(as_text=True))


def test_the_invoice_page_shows_the_po_number_in_its_details(shop):
    client = admin(shop)
    invoice_id = client.service.find_id(external_id=EXTERNAL_ID)
    assert f"PO Number {PO}" in text_of(client.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True))
    other = client.service.find_id(external_id="ERP-SO-1001-1")
    assert "PO Number —" in text_of(client.get(f"/admin/invoices/{other}").get_data(as_text=True))


def test_the_storefront_invoice_page_shows_the_po_number(shop):
    dieter = customer(shop, "dieter.berg@acme.example")
    invoice_id = dieter.service.find_id(external_id=EXTERNAL_ID)
    assert f"PO Number {PO}" in text_of(dieter.get(f"/customer/invoices/{invoice_id}").get_data(as_text=True))


def test_the_grid_and_the_storefront_list_find_an_invoice_by_part_of_its_po_number(shop):
    client = admin(shop)
    invoice_id = client.service.find_id(external_id=EXTERNAL_ID)
    assert listed(client, "/admin/invoices?number=00012") == [invoice_id]
    assert listed(customer(shop, "amanda.cole@acme.example"), "/customer/invoices?number=00012") == [invoice_id]
    assert listed(client, "/admin/invoices?number=99999") == []
    with counted(client.app) as seen:
        assert client.get("/admin/invoices?number=00012").status_code == 200
    assert len(seen) <= 8


def test_create_invoice_offers_the_orders_po_number_and_takes_another(shop):
    client = admin(shop)
    host = shop[0].extensions["oro_reference_host"]
    known = host.orders.get(order_id(shop))
    new = host.records.add_order(identifier="SO-2101", currency="EUR", organization_id=1,
                                 customer_id=known.customer_id, customer_user_id=known.customer_user_id,
                                 website_id=known.website_id, lines=known.lines, bill_to=known.bill_to,
                                 purchase_order="PO-77")
    tab = client.get(f"/admin/orders/{new}{TAB}").get_data(as_text=True)
    assert re.search(r'<label for="oi-order-purchase-order">PO Number</label><input type="text" '
                     r'id="oi-order-purchase-order" name="purchase_order" value="PO-77"', tab)
    data = {"invoice_date": "2026-03-02", "due_date": "2026-04-01", "csrf_token": form_token(tab)}
    refused = client.client.post(f"/admin/invoices/orders/{new}/invoices", data={**data, "purchase_order": "PO\x07"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "No invoice was created. Correct the PO number marked below." in text_of(html)
    assert re.search(r'id="f-error-purchase_order"[^>]*>Must not contain', html)
    assert client.service.list_invoices({"order_id": new}).items == []
    made = client.client.post(f"/admin/invoices/orders/{new}/invoices", data={**data, "purchase_order": " PO-78 "})
    assert made.status_code == 303
    doc = client.service.list_invoices({"order_id": new}).items[0]
    assert client.service.get(doc.id).purchase_order == "PO-78"
    assert "PO Number PO-78" in text_of(client.get(made.headers["Location"]).get_data(as_text=True))
