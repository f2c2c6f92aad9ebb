"""Tenant isolation in the service: an invoice's parties exist, belong together and to its organization.

Two organizations in a memory host; every case runs on SQLite and PostgreSQL
(``db``). Each refused create, update, post or import names the field and
writes nothing.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from support.payloads import invoice_payload

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import InternalStatus
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.models import Activity, Invoice
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import Record, import_records


@pytest.fixture
def shop() -> SimpleNamespace:
    """Northwind (organization 1: Acme and Globex) and Sakura (organization 2: Tanaka)."""
    host = MemoryHost()
    acme = host.add_customer("Acme Corp", organization_id=1)
    globex = host.add_customer("Globex", organization_id=1)
    tanaka = host.add_customer("Tanaka", organization_id=2)
    eu = host.add_website("Northwind EU", organization_id=1)
    us = host.add_website("Northwind US", organization_id=1)
    jp = host.add_website("Sakura Online", organization_id=2)
    amy = host.add_customer_user(acme.id, "amy@acme.test", "Amy")
    gil = host.add_customer_user(globex.id, "gil@globex.test", "Gil")
    hiro = host.add_customer_user(tanaka.id, "hiro@tanaka.test", "Hiro")
    acme_order = host.add_order(currency="EUR", organization_id=1, customer_id=acme.id,
                                customer_user_id=amy.id, website_id=eu.id)
    globex_order = host.add_order(currency="EUR", organization_id=1, customer_id=globex.id,
                                  customer_user_id=gil.id, website_id=eu.id)
    tanaka_order = host.add_order(currency="JPY", organization_id=2, customer_id=tanaka.id,
                                  customer_user_id=hiro.id, website_id=jp.id)
    return SimpleNamespace(host=host, acme=acme, globex=globex, tanaka=tanaka, eu=eu, us=us,
                           jp=jp, amy=amy, gil=gil, hiro=hiro, acme_order=acme_order,
                           globex_order=globex_order, tanaka_order=tanaka_order)


@pytest.fixture
def service(db, shop) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), host=shop.host)


def northwind_payload(shop: SimpleNamespace, **overrides) -> dict:
    """A consistent invoice of organization 1: Acme, Amy, the EU store, Acme's EUR order."""
    payload = invoice_payload(organization_id=1, customer_id=shop.acme.id,
                              customer_user_id=shop.amy.id, website_id=shop.eu.id,
                              order_id=shop.acme_order.id, currency="EUR")
    del payload["customer_name"], payload["customer_user_email"]
    payload.update(overrides)
    return payload


def violations(shop: SimpleNamespace) -> dict[str, tuple[dict, list[tuple[str, str]]]]:
    """Each cross-tenant case: the changed fields and the errors the service must give."""
    s = shop
    return {
        "another organization's customer": (
            {"customer_id": s.tanaka.id, "customer_user_id": None, "order_id": None},
            [("customer_id", f"Customer {s.tanaka.id} does not exist in organization 1.")]),
        "a customer that does not exist": (
            {"customer_id": 999999, "customer_user_id": None, "order_id": None},
            [("customer_id", "Customer 999999 does not exist in organization 1.")]),
        "another organization's customer user": (
            {"customer_user_id": s.hiro.id},
            [("customer_user_id", f"Customer user {s.hiro.id} does not exist in organization 1.")]),
        "another customer's customer user": (
            {"customer_user_id": s.gil.id},
            [("customer_user_id", f"Customer user {s.gil.id} does not belong to customer {s.acme.id}.")]),
        "another customer's order": (
            {"order_id": s.globex_order.id},
            [("order_id", f"Order {s.globex_order.identifier} ({s.globex_order.id}) is an order of "
                          f"customer {s.globex.id}, not of customer {s.acme.id}.")]),
        "another organization's order": (
            {"order_id": s.tanaka_order.id},
            [("order_id", f"Order {s.tanaka_order.id} does not exist in organization 1.")]),
        "an order that does not exist": (
            {"order_id": 999999},
            [("order_id", "Order 999999 does not exist in organization 1.")]),
        "another organization's website": (
            {"website_id": s.jp.id, "order_id": None},
            [("website_id", f"Website {s.jp.id} does not exist in organization 1.")]),
        "an order of another website": (
            {"website_id": s.us.id},
            [("order_id", f"Order {s.acme_order.identifier} ({s.acme_order.id}) was placed on "
                          f"website {s.eu.id}, not on website {s.us.id}.")]),
        "a currency other than the order's": (
            {"currency": "USD"},
            [("currency", f"Must be the currency of order {s.acme_order.identifier} "
                          f"({s.acme_order.id}): EUR, not USD.")]),
    }


CASES = ["another organization's customer", "a customer that does not exist",
         "another organization's customer user", "another customer's customer user",
         "another customer's order", "another organization's order", "an order that does not exist",
         "another organization's website", "an order of another website",
         "a currency other than the order's"]


def counts(service: InvoiceService) -> tuple[int, int]:
    """How many invoices and activity records there are."""
    with service.db.session() as s:
        return (s.execute(select(func.count()).select_from(Invoice)).scalar_one(),
                s.execute(select(func.count()).select_from(Activity)).scalar_one())


def test_a_consistent_invoice_of_each_organization_is_accepted(service, shop):
    north = service.create(northwind_payload(shop))
    assert (north.customer_name, north.customer_user_email) == ("Acme Corp", "amy@acme.test")
    sakura = service.create(invoice_payload(
        organization_id=2, customer_id=shop.tanaka.id, customer_user_id=shop.hiro.id,
        website_id=shop.jp.id, order_id=shop.tanaka_order.id, currency="JPY",
        lines=[{"description": "Tea", "quantity": "1", "unit_price": "2400"}]))
    assert service.post(sakura.id).status is InternalStatus.POSTED
    assert service.post(north.id).status is InternalStatus.POSTED


@pytest.mark.parametrize("case", CASES)
def test_create_refuses(service, shop, case):
    changes, expected = violations(shop)[case]
    with pytest.raises(ValidationError) as err:
        service.create(northwind_payload(shop, **changes))
    assert err.value.errors == expected
    assert counts(service) == (0, 0)


@pytest.mark.parametrize("case", CASES)
def test_create_as_posted_refuses(service, shop, case):
    changes, expected = violations(shop)[case]
    with pytest.raises(ValidationError) as err:
        service.create(northwind_payload(shop, status="posted", **changes))
    assert err.value.errors == expected
    assert counts(service) == (0, 0)


@pytest.mark.parametrize("case", CASES)
def test_update_refuses(service, shop, case):
    draft = service.create(northwind_payload(shop))
    before = counts(service)
    changes, expected = violations(shop)[case]
    with pytest.raises(ValidationError) as err:
        service.update(draft.id, changes)
    assert err.value.errors == expected
    assert service.get(draft.id) == draft
    assert counts(service) == before


def test_update_checks_the_merged_invoice(service, shop):
    """A change of one field is checked against the fields the draft already has."""
    draft = service.create(northwind_payload(shop))
    with pytest.raises(ValidationError) as err:   # Globex is in organization 1, but not Amy's
        service.update(draft.id, {"customer_id": shop.globex.id, "order_id": None})
    assert err.value.errors == [
        ("customer_user_id", f"Customer user {shop.amy.id} does not belong to customer {shop.globex.id}.")]
    moved = service.update(draft.id, {"customer_id": shop.globex.id, "customer_user_id": shop.gil.id,
                                      "order_id": shop.globex_order.id})
    assert (moved.customer_id, moved.customer_user_id, moved.order_id) \
        == (shop.globex.id, shop.gil.id, shop.globex_order.id)


def test_moving_a_draft_to_another_organization_needs_that_organizations_parties(service, shop):
    draft = service.create(northwind_payload(shop))
    with pytest.raises(ValidationError) as err:
        service.update(draft.id, {"organization_id": 2})
    assert [field for field, _ in err.value.errors] == \
        ["customer_id", "customer_user_id", "website_id", "order_id"]
    assert service.get(draft.id).organization_id == 1


def test_posting_refuses_an_invoice_whose_parties_no_longer_fit(service, shop):
    draft = service.create(northwind_payload(shop))
    # the host moved Acme to Sakura since the draft was made
    shop.host.customers.customers[shop.acme.id] = dataclasses.replace(shop.acme, organization_id=2)
    before = counts(service)
    with pytest.raises(ValidationError) as err:
        service.post(draft.id)
    assert err.value.errors[0] == ("customer_id", f"Customer {shop.acme.id} does not exist in organization 1.")
    after = service.get(draft.id)
    assert after.status is InternalStatus.DRAFT and after.invoice_number is None
    assert counts(service) == before


def test_import_refuses_a_record_of_another_organization_and_writes_nothing(service, shop):
    good = northwind_payload(shop, external_id="IMP-1")
    bad = northwind_payload(shop, external_id="IMP-2", customer_id=shop.tanaka.id,
                            customer_user_id=shop.hiro.id, order_id=shop.tanaka_order.id)
    with pytest.raises(ValidationError) as err:
        import_records(service, [Record("invoices.json[0]", good), Record("invoices.json[1]", bad)],
                       organization_id=1)
    assert err.value.errors == [
        ("invoices.json[1].customer_id", f"Customer {shop.tanaka.id} does not exist in organization 1."),
        ("invoices.json[1].customer_user_id",
         f"Customer user {shop.hiro.id} does not exist in organization 1."),
        ("invoices.json[1].order_id", f"Order {shop.tanaka_order.id} does not exist in organization 1."),
    ]
    assert counts(service) == (0, 0)


def test_without_a_host_the_checks_are_skipped(db, shop):
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False))
    doc = service.create(northwind_payload(shop, customer_id=shop.tanaka.id, order_id=999999,
                                           customer_name="Tanaka"))
    assert doc.customer_id == shop.tanaka.id and doc.order_id == 999999
