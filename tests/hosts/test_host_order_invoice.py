"""Create Invoice on the order page's Invoices tab of the reference shop: a draft of the order,
opened with a flash; refusals said on the tab; only for admins who create invoices."""
from __future__ import annotations

import re
from decimal import Decimal

from support.admins import admin_with

from oro_invoices.adapters.commerce import OrderLine
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of

TAB = "?tab=oro_invoices.order_invoices"


def admin(shop) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_admin()
    return client


def new_order(shop, *, lines=(OrderLine("Pallet jack", Decimal("2"), Decimal("310.00"), Decimal("0.19"),
                                        "PJ-2", "piece"),), customer=True) -> int:
    """A new order of Northwind's first seeded order's customer, nothing invoiced yet."""
    seeded = shop[1]["orders"][0]
    host = shop[0].extensions["oro_reference_host"]
    known = host.orders.get(seeded["id"])
    return host.records.add_order(
        identifier="SO-2001" if customer else "SO-2002", currency="EUR", organization_id=1,
        customer_id=seeded["customer_id"] if customer else None,
        customer_user_id=seeded["customer_user_id"] if customer else None, website_id=known.website_id,
        lines=lines, bill_to=known.bill_to, ship_to=known.ship_to)


def create(client: ShopClient, order_id: int, **fields):
    tab = client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)
    data = {"invoice_date": "2026-03-02", "due_date": "2026-04-01", "csrf_token": form_token(tab), **fields}
    return client.client.post(f"/admin/invoices/orders/{order_id}/invoices", data=data)


def test_create_invoice_makes_a_draft_of_the_order_and_opens_it(shop):
    client = admin(shop)
    order_id = new_order(shop)
    tab = client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)
    assert "There are no invoices for this order yet." in text_of(tab)
    assert re.search(r'<button type="submit"[^>]*>Create Invoice</button>', tab)
    resp = create(client, order_id)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    text = text_of(page)
    doc = client.service.list_invoices({"order_id": order_id}).items[0]
    assert f"Draft invoice Draft #{doc.id} was created from order SO-2001. Check it, then post it." in text
    assert "Pallet jack" in text and "€737.80" in text          # 2 × 310.00 + 19 %
    invoice = client.service.get(doc.id)
    assert (invoice.status.value, str(invoice.invoice_date), str(invoice.due_date), invoice.customer_name) \
        == ("draft", "2026-03-02", "2026-04-01", "Acme Industries AG")
    tab = text_of(client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True))
    assert f"Draft #{doc.id}" in tab


def test_an_order_invoiced_in_full_is_named_on_the_tab_and_can_be_invoiced_again(shop):
    client = admin(shop)
    order_id = new_order(shop)
    create(client, order_id)
    first = client.service.list_invoices({"order_id": order_id}).items[0]
    resp = create(client, order_id)
    assert resp.status_code == 409
    text = text_of(resp.get_data(as_text=True))
    assert (f"Order SO-2001 is invoiced in full already (€737.80 of its €737.80) by Draft #{first.id}. "
            "Create another invoice of it only if that is intended.") in text
    assert "Create Another Invoice" in text and "Order SO-2001" in text
    again = form_token(resp.get_data(as_text=True))
    resp = client.client.post(f"/admin/invoices/orders/{order_id}/invoices", data={
        "invoice_date": "2026-03-02", "due_date": "2026-04-01", "invoice_again": "1", "csrf_token": again})
    assert resp.status_code == 303
    assert client.service.count_invoices({"order_id": order_id}) == 2


def test_refusals_are_said_on_the_tab(shop):
    client = admin(shop)
    guest = new_order(shop, customer=False)
    resp = create(client, guest)
    assert resp.status_code == 422
    assert alert(resp) == "Order SO-2002 names no customer: an invoice is addressed to the customer who ordered."
    order_id = new_order(shop)
    resp = create(client, order_id, due_date="")
    assert resp.status_code == 422
    assert alert(resp) == "Give the invoice date and the due date: a posted invoice needs both."
    resp = create(client, order_id, due_date="2026-02-01")
    assert resp.status_code == 422 and alert(resp) == "Due date: Must not be before the invoice date."
    assert re.search(r'id="oi-order-due-date"[^>]*aria-invalid="true" aria-describedby="oi-order-invoice-error"',
                     resp.get_data(as_text=True))
    resp = create(client, order_id, invoice_date="2026-02-30")           # no such day: not "missing"
    assert resp.status_code == 422 and alert(resp) == "“2026-02-30” is not a date (YYYY-MM-DD)."
    resp = create(client, order_id, invoice_date="1900-01-01", due_date="1900-02-01")
    assert resp.status_code == 422 and "Invoice date: Jan 1, 1900 is not a plausible date for an invoice" in alert(resp)
    assert client.service.count_invoices({"order_id": order_id}) == 0


def test_only_admins_who_create_invoices_see_and_use_the_button(shop):
    order_id = new_order(shop)
    viewer = admin_with(shop)                                          # oro_invoices.view only
    tab = viewer.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)
    assert "Create Invoice" not in text_of(tab)
    token = form_token(viewer.get("/admin/invoices").get_data(as_text=True))
    resp = viewer.client.post(f"/admin/invoices/orders/{order_id}/invoices",
                              data={"invoice_date": "2026-03-02", "due_date": "2026-04-01", "csrf_token": token})
    assert resp.status_code == 403
    client = admin(shop)
    resp = client.client.post(f"/admin/invoices/orders/{order_id}/invoices",
                              data={"invoice_date": "2026-03-02", "due_date": "2026-04-01"})   # no CSRF token
    assert resp.status_code == 400
    sakura = next(o for o in shop[1]["orders"] if o["organization_id"] == 2)
    resp = create(client, order_id)
    assert resp.status_code == 303
    resp = client.client.post(f"/admin/invoices/orders/{sakura['id']}/invoices",
                              data={"invoice_date": "2026-03-02", "due_date": "2026-04-01",
                                    "csrf_token": form_token(tab_of(client, order_id))})
    assert resp.status_code == 404 and "That order does not exist." in text_of(resp.get_data(as_text=True))


def tab_of(client: ShopClient, order_id: int) -> str:
    return client.get(f"/admin/orders/{order_id}{TAB}").get_data(as_text=True)


def alert(resp) -> str:
    """What the tab's error says."""
    found = re.search(r'<div class="oi-alert oi-alert--error" role="alert" id="oi-order-invoice-error">(.*?)</div>',
                      resp.get_data(as_text=True), re.S)
    assert found, resp.get_data(as_text=True)[:500]
    return text_of(found.group(1))
