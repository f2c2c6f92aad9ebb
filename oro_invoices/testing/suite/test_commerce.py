"""Orders, customers and websites come back as the snapshots the add-on expects."""
from __future__ import annotations

from decimal import Decimal

import pytest

from oro_invoices.adapters import InvoiceRole, OrderLine, OrderSnapshot, WebsiteRef
from oro_invoices.adapters.commerce import customer_users_of, customers_of, customers_with_vat_id
from oro_invoices.domain.invoice import Address
from oro_invoices.testing.suite.base import HostSuite


class TestOrders(HostSuite):
    __requires__ = ("seeding",)

    def test_unknown_order_is_none(self) -> None:
        assert self.host.orders.get(987654321) is None

    def test_order_snapshot(self) -> None:
        customer = self.seeder.add_customer("ACME Corp")
        buyer = self.seeder.add_customer_user(customer.id, "buyer@acme.test", "Bea Buyer")
        bill_to = Address(name="Bea Buyer", street="Main St 1", city="Berlin", country="DE")
        created = self.seeder.add_order(
            identifier="SO-1001", currency="EUR", customer_id=customer.id,
            customer_user_id=buyer.id, website_id=1, bill_to=bill_to,
            lines=[OrderLine("Widget", Decimal("2"), Decimal("19.99"), Decimal("0.19"), "W-1",
                             "item")])
        order = self.host.orders.get(created.id)
        assert isinstance(order, OrderSnapshot)
        assert (order.identifier, order.currency, order.customer_id, order.customer_user_id,
                order.website_id) == ("SO-1001", "EUR", customer.id, buyer.id, 1)
        assert order.bill_to == bill_to
        assert [(l.sku, l.quantity, l.unit_price, l.tax_rate) for l in order.lines] \
            == [("W-1", Decimal("2"), Decimal("19.99"), Decimal("0.19"))]


class TestCustomers(HostSuite):
    __requires__ = ("seeding",)

    def test_unknown_ids_are_none(self) -> None:
        assert self.host.customers.get_customer(987654321) is None
        assert self.host.customers.get_customer_user(987654321) is None

    def test_customer_user_with_role(self) -> None:
        customer = self.seeder.add_customer("ACME Corp")
        user = self.seeder.add_customer_user(customer.id, "amy@acme.test", "Amy",
                                             InvoiceRole.CORPORATE)
        found = self.host.customers.get_customer_user(user.id)
        assert (found.email, found.customer_id, found.invoice_role) \
            == ("amy@acme.test", customer.id, InvoiceRole.CORPORATE)
        assert self.host.customers.get_customer(customer.id).name == "ACME Corp"

    def test_customer_users_of_a_page_at_once(self) -> None:
        """``customer_users_of`` (the host's ``get_customer_users`` when it has one) answers
        what ``get_customer_user`` answers for each id, and leaves unknown ids out."""
        customer = self.seeder.add_customer("ACME Corp")
        users = [self.seeder.add_customer_user(customer.id, f"u{n}@acme.test", f"User {n}")
                 for n in range(3)]
        ids = [u.id for u in users] + [users[0].id, 987654321]
        found = customer_users_of(self.host.customers, ids)
        assert found == {u.id: self.host.customers.get_customer_user(u.id) for u in users}
        assert [found[u.id].name for u in users] == ["User 0", "User 1", "User 2"]
        assert customer_users_of(self.host.customers, []) == {}

    def test_customers_of_a_report_at_once(self) -> None:
        """``customers_of`` (the host's ``get_customers`` when it has one) answers what
        ``get_customer`` answers for each id, and leaves unknown ids out."""
        customers = [self.seeder.add_customer(f"Customer {n}") for n in range(3)]
        ids = [c.id for c in customers] + [customers[0].id, 987654321]
        found = customers_of(self.host.customers, ids)
        assert found == {c.id: self.host.customers.get_customer(c.id) for c in customers}
        assert [found[c.id].name for c in customers] == ["Customer 0", "Customer 1", "Customer 2"]
        assert customers_of(self.host.customers, []) == {}

    @pytest.mark.oro_requires("buyer_tax_data")
    def test_customer_tax_data_for_einvoices(self) -> None:
        customer = self.seeder.add_customer(
            "Acme Industries AG", vat_id="DE123456788", country_code="DE", buyer_reference="04011000-12345-03")
        found = self.host.customers.get_customer(customer.id)
        assert (found.vat_id, found.country_code, found.buyer_reference) \
            == ("DE123456788", "DE", "04011000-12345-03")
        plain = self.host.customers.get_customer(self.seeder.add_customer("No Tax Data").id)
        assert (plain.vat_id, plain.country_code, plain.buyer_reference) == ("", "", "")

    @pytest.mark.oro_requires("einvoice_address")
    def test_customer_einvoice_address(self) -> None:
        """``CustomerRef.einvoice_address``: where the customer takes e-invoices (BT-49), "" when unknown."""
        customer = self.seeder.add_customer("Acme Industries AG", einvoice_address="0088:4035811991021")
        assert self.host.customers.get_customer(customer.id).einvoice_address == "0088:4035811991021"
        plain = self.host.customers.get_customer(self.seeder.add_customer("No Address").id)
        assert plain.einvoice_address == ""

    @pytest.mark.oro_requires("buyer_tax_data")
    def test_customers_by_vat_id(self) -> None:
        """The optional ``customers_with_vat_id`` (imported e-invoices find their buyer by it)
        answers the organization's customers with that VAT id, however it is spaced."""
        if customers_with_vat_id(self.host.customers, 1, "DE123456788") is None:
            pytest.skip("the host has no customers_with_vat_id (optional)")
        parent = self.seeder.add_customer("Acme Industries AG", vat_id="DE123456788", country_code="DE")
        branch = self.seeder.add_customer("Acme Berlin", parent_id=parent.id, vat_id="de 123 456 788")
        self.seeder.add_customer("Initech GmbH", vat_id="DE129273398")
        self.seeder.add_customer("Acme abroad", vat_id="DE123456788", organization_id=2)
        found = customers_with_vat_id(self.host.customers, 1, "DE 123.456-788")
        assert sorted(c.id for c in found or []) == sorted([parent.id, branch.id])
        assert {c.name for c in found or []} == {"Acme Industries AG", "Acme Berlin"}
        assert customers_with_vat_id(self.host.customers, 1, "DE811569869") == []

    @pytest.mark.oro_requires("customer_groups")
    def test_customer_group(self) -> None:
        customer = self.seeder.add_customer("Grouped", group_id=5)
        assert self.host.customers.get_customer(customer.id).group_id == 5

    @pytest.mark.oro_requires("customer_hierarchy")
    def test_hierarchy(self) -> None:
        root = self.seeder.add_customer("Holding")
        child = self.seeder.add_customer("Subsidiary", parent_id=root.id)
        grandchild = self.seeder.add_customer("Branch", parent_id=child.id)
        self.seeder.add_customer("Unrelated")
        assert [c.id for c in self.host.customers.children(root.id)] == [child.id]
        assert {c.id for c in self.host.customers.descendants(root.id)} \
            == {child.id, grandchild.id}
        assert self.host.customers.get_customer(grandchild.id).parent_id == child.id
        assert self.host.customers.descendants(grandchild.id) == []


class TestWebsites(HostSuite):
    __requires__ = ("seeding",)

    def test_unknown_website_is_none(self) -> None:
        assert self.host.websites.get_website(987654321) is None

    def test_website_with_its_organization(self) -> None:
        created = self.seeder.add_website("EU Store", organization_id=1)
        found = self.host.websites.get_website(created.id)
        assert isinstance(found, WebsiteRef)
        assert (found.id, found.name, found.organization_id) == (created.id, "EU Store", 1)


class TestOrganizations(HostSuite):
    """Two organizations: every customer, customer user, website and order answers its own.

    The add-on invoices a customer only within its organization and checks an
    invoice's parties with these answers, so a wrong one lets one organization
    invoice another's customers.
    """

    __requires__ = ("seeding",)

    def test_each_record_answers_its_organization(self) -> None:
        seeder, host = self.seeder, self.host
        north = seeder.add_customer("Northwind customer", organization_id=1)
        sakura = seeder.add_customer("Sakura customer", organization_id=2)
        north_site = seeder.add_website("Northwind store", organization_id=1)
        sakura_site = seeder.add_website("Sakura store", organization_id=2)
        north_buyer = seeder.add_customer_user(north.id, "buyer@north.test", "North Buyer")
        sakura_buyer = seeder.add_customer_user(sakura.id, "buyer@sakura.test", "Sakura Buyer")
        north_order = seeder.add_order(organization_id=1, currency="EUR", customer_id=north.id,
                                       customer_user_id=north_buyer.id, website_id=north_site.id)
        sakura_order = seeder.add_order(organization_id=2, currency="JPY", customer_id=sakura.id,
                                        customer_user_id=sakura_buyer.id,
                                        website_id=sakura_site.id)

        assert [host.customers.get_customer(c.id).organization_id for c in (north, sakura)] \
            == [1, 2]
        # a customer user belongs to its customer, and so to its customer's organization
        assert [host.customers.get_customer_user(u.id).customer_id
                for u in (north_buyer, sakura_buyer)] == [north.id, sakura.id]
        assert [host.websites.get_website(w.id).organization_id
                for w in (north_site, sakura_site)] == [1, 2]
        assert [(o.organization_id, o.customer_id, o.website_id, o.currency)
                for o in (host.orders.get(north_order.id), host.orders.get(sakura_order.id))] \
            == [(1, north.id, north_site.id, "EUR"), (2, sakura.id, sakura_site.id, "JPY")]

    @pytest.mark.oro_requires("customer_hierarchy")
    def test_sub_customers_keep_their_organization(self) -> None:
        root = self.seeder.add_customer("Sakura holding", organization_id=2)
        child = self.seeder.add_customer("Sakura branch", parent_id=root.id, organization_id=2)
        assert [c.organization_id for c in self.host.customers.descendants(root.id)] == [2]
        assert self.host.customers.get_customer(child.id).organization_id == 2
