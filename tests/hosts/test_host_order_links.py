"""The storefront invoice page's order link opens for everyone who sees the invoice."""
from __future__ import annotations

import re

from oro_invoices.hosts.reference.testing import ShopClient, text_of


def customer(shop, email: str) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_customer(email)
    return client


def order_link(client: ShopClient, external_id: str) -> str:
    inv = client.service.find_id(external_id=external_id)
    html = client.get(f"/customer/invoices/{inv}").get_data(as_text=True)
    return re.search(r'href="(/customer/orders/\d+)">SO-\d+</a>', html).group(1)


def test_a_corporate_user_opens_the_order_of_a_sub_customers_invoice(shop):
    amanda = customer(shop, "amanda.cole@acme.example")     # Acme, corporate role
    link = order_link(amanda, "ERP-SO-1005-5")              # Acme's Berlin branch's invoice
    page = amanda.get(link)
    assert page.status_code == 200
    assert "Order SO-1005" in text_of(page.get_data(as_text=True))


def test_the_order_of_another_customer_stays_closed(shop):
    amanda = customer(shop, "amanda.cole@acme.example")
    link = order_link(amanda, "ERP-SO-1005-5")
    assert customer(shop, "ben.ortiz@acme.example").get(link).status_code == 404   # department: Acme only
    dieter = customer(shop, "dieter.berg@acme.example")                            # Berlin branch
    assert dieter.get(link).status_code == 200
    own_acme = order_link(amanda, "ERP-SO-1001-1")
    assert dieter.get(own_acme).status_code == 404                                 # not the parent's
    assert customer(shop, "gina.park@globex.example").get(link).status_code == 404
