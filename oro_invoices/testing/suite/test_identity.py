"""The current user and their permissions."""
from __future__ import annotations

import pytest

from oro_invoices.adapters import CurrentUser, InvoiceRole
from oro_invoices.adapters.identity import STOREFRONT_PERMISSIONS
from oro_invoices.testing.suite.base import HostSuite


class TestUsers(HostSuite):
    __requires__ = ("seeding",)

    def test_anonymous_can_nothing(self) -> None:
        self.seeder.logout()
        user = self.host.users.current()
        assert isinstance(user, CurrentUser) and user.is_anonymous
        assert not self.host.users.can("oro_invoices.view")

    def test_admin_holds_exactly_granted_permissions(self) -> None:
        user = self.seeder.login_admin(permissions=["oro_invoices.view"])
        assert self.host.users.current() == user and user.kind == "admin"
        assert self.host.users.can("oro_invoices.view")
        assert not self.host.users.can("oro_invoices.delete")

    def test_customer_user(self) -> None:
        customer = self.seeder.add_customer("ACME Corp")
        ref = self.seeder.add_customer_user(customer.id, "c@acme.test", "C", InvoiceRole.OWN)
        user = self.seeder.login_customer_user(ref.id)
        assert (user.kind, user.customer_user_id) == ("customer_user", ref.id)
        assert self.host.users.current().customer_user_id == ref.id

    @pytest.mark.parametrize("role", [InvoiceRole.OWN, InvoiceRole.DEPARTMENT, InvoiceRole.CORPORATE])
    def test_customer_user_with_an_invoice_role_may_view_and_pay(self, role: InvoiceRole) -> None:
        customer = self.seeder.add_customer("ACME Corp")
        ref = self.seeder.add_customer_user(customer.id, f"{role.value}@acme.test", "C", role)
        self.seeder.login_customer_user(ref.id)
        assert {p for p in STOREFRONT_PERMISSIONS if self.host.users.can(p)} == STOREFRONT_PERMISSIONS
        assert not self.host.users.can("oro_invoices.delete")

    def test_customer_user_of_role_none_may_do_nothing(self) -> None:
        customer = self.seeder.add_customer("ACME Corp")
        ref = self.seeder.add_customer_user(customer.id, "none@acme.test", "N", InvoiceRole.NONE)
        self.seeder.login_customer_user(ref.id)
        assert self.host.users.current().kind == "customer_user"
        assert not any(self.host.users.can(p) for p in STOREFRONT_PERMISSIONS)
