"""Plugins extend the pages: ``invoice_view_sections`` adds blocks to both invoice view pages."""
from __future__ import annotations

import pytest

from oro_invoices.hosts.reference.testing import ShopClient, make_shop, text_of
from oro_invoices.integration.hookspecs import ViewSection
from oro_invoices.integration.plugins import hookimpl


class Shipping:
    """A plugin showing tracking information on invoices."""

    @hookimpl
    def invoice_view_sections(self, invoice, area):
        return [ViewSection(key="tracking", title=f"Tracking ({area})",
                            html=f"<p>Parcel for {invoice.display_number}</p>", position=5)]


@pytest.fixture
def shop(tmp_path):
    app, info = make_shop(tmp_path / "shop")
    app.extensions["oro_invoices"].service.plugins.register(Shipping())
    yield app
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].service.db.dispose()


def test_backoffice_and_storefront_views_show_plugin_sections(shop):
    admin = ShopClient(shop)
    admin.login_admin()
    invoice_id = admin.service.find_id(external_id="ERP-SO-1001-1")
    number = admin.service.get(invoice_id).invoice_number
    back = text_of(admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True))
    assert "Tracking (backoffice)" in back and f"Parcel for {number}" in back

    buyer = ShopClient(shop)
    buyer.login_customer("amanda.cole@acme.example")
    front = text_of(buyer.get(f"/customer/invoices/{invoice_id}").get_data(as_text=True))
    assert "Tracking (storefront)" in front and f"Parcel for {number}" in front


def test_without_the_plugin_there_is_no_section(shop):
    shop.extensions["oro_invoices"].service.plugins.unregister(
        next(p for p in shop.extensions["oro_invoices"].service.plugins.get_plugins()
             if isinstance(p, Shipping)))
    admin = ShopClient(shop)
    admin.login_admin()
    invoice_id = admin.service.find_id(external_id="ERP-SO-1001-1")
    assert "Tracking" not in admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True)
