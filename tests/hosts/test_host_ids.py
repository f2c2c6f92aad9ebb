"""Ids beyond 64 bits in a page's URL are a 'not found' page, never a server error."""
from __future__ import annotations

import pytest

HUGE = str(2**63)
LARGER = "9" * 30


@pytest.mark.parametrize("huge", [HUGE, LARGER])
@pytest.mark.parametrize("path", [
    "/admin/invoices/{id}", "/admin/invoices/{id}/download", "/admin/invoices/orders/{id}",
])
def test_back_office_pages_answer_404_for_ids_beyond_64_bits(admin, path, huge):
    resp = admin.get(path.format(id=huge))
    assert resp.status_code == 404
    assert "does not exist" in resp.get_data(as_text=True)


def test_email_decision_with_a_huge_email_id_is_404(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    resp = admin.submit(f"/admin/invoices/{inv}", f"/admin/invoices/{inv}/emails/{HUGE}",
                        {"decision": "requeue"})
    assert resp.status_code == 404


def test_grid_filter_with_a_huge_customer_id_says_what_is_wrong(admin):
    resp = admin.get(f"/admin/invoices?customer={HUGE}")
    assert resp.status_code == 422
    assert "Choose a customer from the list." in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/customer/invoices/{id}", "/customer/invoices/{id}/download"])
def test_storefront_pages_answer_404_for_ids_beyond_64_bits(shop, path):
    from oro_invoices.hosts.reference.testing import ShopClient
    client = ShopClient(shop[0])
    client.login_customer("amanda.cole@acme.example")
    resp = client.get(path.format(id=HUGE))
    assert resp.status_code == 404
