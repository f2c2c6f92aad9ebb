"""The add-on installs into the host, gates its entries, and uninstalls without a trace."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from oro_invoices.adapters.base import HostAdapter
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.integration import profile
from oro_invoices.integration.config import Settings
from oro_invoices.testing.suite.base import HostSuite


def contributions(host: HostAdapter) -> dict[str, bool]:
    """What of the profile is present in ``host`` now."""
    p = profile.build_profile()
    found = {
        "settings": any(g.key == p.settings.key for g in host.config.declared_settings()),
        "menu": {e.key for e in host.menu.entries()} >= {e.key for e in p.menu_entries},
        "tab": {t.key for t in host.order_view.tabs()} >= {t.key for t in p.order_tabs},
        "template": host.email_templates.load(profile.NOTIFICATION_TEMPLATE) is not None,
        "reminder_template": host.email_templates.load(profile.REMINDER_TEMPLATE) is not None,
        "credit_note_template": host.email_templates.load(profile.CREDIT_NOTE_TEMPLATE) is not None,
        "receipt_template": host.email_templates.load(profile.RECEIPT_TEMPLATE) is not None,
        "refund_template": host.email_templates.load(profile.REFUND_TEMPLATE) is not None,
        "statement_template": host.email_templates.load(profile.STATEMENT_TEMPLATE) is not None,
        "version": profile.installed_version(host) is not None,
    }
    if host.storefront is not None:
        found["pay_hook"] = {h.key for h in host.storefront.pay_hooks()} \
            >= {h.key for h in p.pay_hooks}
        found["account_entry"] = {e.key for e in host.storefront.account_entries()} \
            >= {e.key for e in p.account_entries}
    return found


class TestInstall(HostSuite):
    def test_install_adds_every_contribution(self) -> None:
        profile.install(self.host)
        assert all(contributions(self.host).values()), contributions(self.host)
        assert profile.installed_version(self.host) == profile.PROFILE_VERSION

    def test_install_twice_changes_nothing(self) -> None:
        profile.install(self.host)
        menu, tabs = self.host.menu.entries(), self.host.order_view.tabs()
        profile.install(self.host)
        assert (self.host.menu.entries(), self.host.order_view.tabs()) == (menu, tabs)

    def test_uninstall_removes_every_contribution(self) -> None:
        profile.install(self.host)
        profile.uninstall(self.host)
        assert not any(contributions(self.host).values()), contributions(self.host)

    def test_uninstall_twice_and_without_install(self) -> None:
        profile.uninstall(self.host)
        profile.install(self.host)
        profile.uninstall(self.host)
        profile.uninstall(self.host)
        assert not any(contributions(self.host).values())

    def test_template_is_the_notification_template(self) -> None:
        profile.install(self.host)
        template = self.host.email_templates.load(profile.NOTIFICATION_TEMPLATE)
        assert "invoice.display_number" in template.subject
        assert {"invoice", "payment_url", "seller"} <= set(template.variables)

    def test_template_is_the_payment_reminder_template(self) -> None:
        profile.install(self.host)
        template = self.host.email_templates.load(profile.REMINDER_TEMPLATE)
        assert "invoice.display_number" in template.subject
        assert {"invoice", "payment_url", "seller", "reminder"} <= set(template.variables)
        assert profile.REMINDER_TEMPLATE in self.host.email_templates.names()

    def test_template_is_the_credit_note_template(self) -> None:
        profile.install(self.host)
        template = self.host.email_templates.load(profile.CREDIT_NOTE_TEMPLATE)
        assert "invoice.credited_invoice.display_number" in template.subject
        assert {"invoice", "credited_invoice", "settlement", "seller"} <= set(template.variables)
        assert "payment_url" not in template.variables
        assert profile.CREDIT_NOTE_TEMPLATE in self.host.email_templates.names()

    def test_template_is_the_payment_receipt_template(self) -> None:
        profile.install(self.host)
        template = self.host.email_templates.load(profile.RECEIPT_TEMPLATE)
        assert "invoice.display_number" in template.subject
        assert {"invoice", "payment", "seller"} <= set(template.variables)
        assert profile.RECEIPT_TEMPLATE in self.host.email_templates.names()

    def test_template_is_the_refund_receipt_template(self) -> None:
        profile.install(self.host)
        template = self.host.email_templates.load(profile.REFUND_TEMPLATE)
        assert "invoice.display_number" in template.subject
        assert {"invoice", "refund", "seller"} <= set(template.variables)
        assert profile.REFUND_TEMPLATE in self.host.email_templates.names()


    def test_template_is_the_customer_statement_template(self) -> None:
        profile.install(self.host)
        template = self.host.email_templates.load(profile.STATEMENT_TEMPLATE)
        assert "statement.as_of" in template.subject
        assert {"statement", "seller"} <= set(template.variables)
        assert profile.STATEMENT_TEMPLATE in self.host.email_templates.names()


class TestFeatureGating(HostSuite):
    __requires__ = ("seeding",)

    @pytest.fixture(autouse=True)
    def _installed(self, _oro_setup: None) -> None:
        profile.install(self.host)
        self.seeder.login_admin()
        self.settings = Settings.of_host(self.host)

    def keys(self, items: Iterable[Any]) -> set[str]:
        return {i.key for i in items}

    def test_menu_and_tab_hidden_while_invoices_are_off(self) -> None:
        assert "oro_invoices.invoices" not in self.keys(self.host.menu.visible(ScopeContext()))
        assert "oro_invoices.order_invoices" not in self.keys(
            self.host.order_view.visible_tabs(ScopeContext()))

    def test_menu_and_tab_shown_once_enabled(self) -> None:
        self.settings.set("oro_invoices.enabled", True)
        assert "oro_invoices.invoices" in self.keys(self.host.menu.visible(ScopeContext()))
        assert "oro_invoices.order_invoices" in self.keys(
            self.host.order_view.visible_tabs(ScopeContext()))

    def test_organization_can_switch_invoices_off(self) -> None:
        self.settings.set("oro_invoices.enabled", True)
        self.settings.set("oro_invoices.enabled", False, "organization", 7)
        assert "oro_invoices.invoices" not in self.keys(
            self.host.menu.visible(ScopeContext(organization_id=7)))
        assert "oro_invoices.invoices" in self.keys(
            self.host.menu.visible(ScopeContext(organization_id=8)))

    @pytest.mark.oro_requires("storefront")
    def test_account_entry_follows_invoices_and_storefront(self) -> None:
        customer = self.seeder.add_customer("ACME Corp")
        buyer = self.seeder.add_customer_user(customer.id, "b@acme.test")
        self.seeder.login_customer_user(buyer.id)
        ctx = ScopeContext(organization_id=1, customer_id=customer.id)

        def visible() -> set[str]:
            return self.keys(self.host.storefront.visible_account_entries(ctx))

        assert "oro_invoices.account_invoices" not in visible()
        self.settings.set("oro_invoices.enabled", True)
        assert "oro_invoices.account_invoices" in visible()
        self.settings.set("oro_invoices.storefront_enabled", False, "customer", customer.id)
        assert "oro_invoices.account_invoices" not in visible()
