"""An invoice page's order link opens for everyone who sees the invoice: in the storefront, and in the
back-office for an admin of no organization, who sees every organization's invoices and orders."""
from __future__ import annotations

import re

from support.admins import admin_with
from support.payloads import posted_for_seeded_customer

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


def test_an_admin_of_no_organization_opens_every_organizations_order_an_invoice_links(shop):
    everyone = admin_with(shop, username="auditor", organization_id=None)
    links = []
    for external_id in ("ERP-SO-1001-1", "ERP-SO-1011-11"):              # Northwind's, Sakura's
        inv = everyone.service.find_id(external_id=external_id)
        page = everyone.get(f"/admin/invoices/{inv}").get_data(as_text=True)
        links.append(re.search(r'href="(/admin/orders/\d+)"', page).group(1))
    for link, number in zip(links, ("SO-1001", "SO-1011"), strict=True):
        page = everyone.get(link)
        assert page.status_code == 200 and f"Order {number}" in text_of(page.get_data(as_text=True))
    listed = admin_orders(everyone)
    assert set(links) <= set(listed) and len(listed) == len(shop[1]["orders"])

    northwind = ShopClient(shop[0])                                         # an admin of one organization
    northwind.login_admin()
    assert links[0] in admin_orders(northwind) and links[1] not in admin_orders(northwind)
    assert northwind.get(links[1]).status_code == 404


def admin_orders(client: ShopClient) -> list[str]:
    """The order pages ``/admin/orders`` links, once each."""
    page = client.get("/admin/orders").get_data(as_text=True)
    return list(dict.fromkeys(re.findall(r'href="(/admin/orders/\d+)"', page)))


def test_a_user_who_sees_only_their_own_invoices_opens_only_their_own_orders(shop):
    amanda = customer(shop, "amanda.cole@acme.example")
    colleagues = [order_link(amanda, external_id) for external_id in ("ERP-SO-1001-1", "ERP-SO-1002-2")]
    carla = customer(shop, "carla.nguyen@acme.example")         # Acme, own role
    theirs = order_link(carla, "ERP-SO-1003-3")
    assert carla.get(theirs).status_code == 200
    history = carla.get("/customer/orders").get_data(as_text=True)
    assert theirs in history
    for link in colleagues:                                        # Amanda's and Ben's orders, by id
        assert link not in history
        page = carla.get(link)
        assert page.status_code == 404 and "SO-100" not in text_of(page.get_data(as_text=True))
    nobody = customer(shop, "no.access@acme.example")              # Acme, no invoice access
    assert all(nobody.get(link).status_code == 404 for link in [*colleagues, theirs])
    ben = customer(shop, "ben.ortiz@acme.example")                 # department: every order of Acme
    assert all(ben.get(link).status_code == 200 for link in [*colleagues, theirs])



def test_an_own_role_user_opens_the_order_of_their_invoice_placed_by_a_colleague(shop):
    amanda = customer(shop, "amanda.cole@acme.example")
    first = amanda.service.get(amanda.service.find_id(external_id="ERP-SO-1001-1"))   # Amanda placed SO-1001
    carla = customer(shop, "carla.nguyen@acme.example")
    assert carla.get(f"/customer/orders/{first.order_id}").status_code == 404
    carla_id = next(u["id"] for u in shop[1]["customer_users"] if u["email"] == "carla.nguyen@acme.example")
    posted_for_seeded_customer(carla.service, external_id="ERP-SO-1001-CARLA", currency=first.currency,
                               customer_id=first.customer_id, customer_user_id=carla_id,
                               customer_user_email="carla.nguyen@acme.example", website_id=first.website_id,
                               order_id=first.order_id, order_identifier="SO-1001")
    link = order_link(carla, "ERP-SO-1001-CARLA")                   # her invoice links the order
    page = carla.get(link)
    assert page.status_code == 200 and "Order SO-1001" in text_of(page.get_data(as_text=True))
