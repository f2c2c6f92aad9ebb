"""The invoice view page reads the invoice and its customer's settings before its checks (to read
those settings with the request's one read of them): what it refuses is refused as before — an
invoice of another organization is not found, an admin without ``oro_invoices.view`` is refused
whether the invoice exists or not, and a visitor not logged in is sent to log in."""
from __future__ import annotations

from support.admins import admin_with

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings


def posted_of_northwind(shop) -> int:
    service = shop[0].extensions["oro_invoices"].service
    posted = service.list_invoices({"organization_id": 1, "status": "posted"}, limit=1).items[0]
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.reminders.enabled", True)
    return posted.id


def test_another_organizations_admin_finds_no_such_invoice(shop):
    invoice_id = posted_of_northwind(shop)
    other = ShopClient(shop[0])
    other.login_admin("admin.jp")
    resp = other.get(f"/admin/invoices/{invoice_id}")
    assert resp.status_code == 404
    assert f"Invoice {invoice_id} does not exist." in text_of(resp.get_data(as_text=True))
    assert other.get(f"/admin/invoices/{invoice_id}?dialog=email").status_code == 404


def test_an_admin_without_the_view_permission_is_refused_alike_for_any_id(shop):
    invoice_id = posted_of_northwind(shop)
    sender = admin_with(shop, ("oro_invoices.send",), username="sender")
    for url in (f"/admin/invoices/{invoice_id}", "/admin/invoices/999999"):
        resp = sender.get(url)
        assert resp.status_code == 403, url
        assert "You do not have permission to do this." in text_of(resp.get_data(as_text=True))


def test_a_visitor_is_sent_to_log_in(shop):
    invoice_id = posted_of_northwind(shop)
    resp = ShopClient(shop[0]).get(f"/admin/invoices/{invoice_id}")
    assert resp.status_code in (302, 303) and "/admin/login" in resp.headers["Location"]
