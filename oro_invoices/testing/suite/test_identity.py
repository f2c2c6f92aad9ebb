"""The current user and their permissions."""
from __future__ import annotations

from oro_invoices.adapters import CurrentUser, InvoiceRole
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
