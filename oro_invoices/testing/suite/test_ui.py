"""Menu, order tab, email templates, storefront, URLs and layout."""
from __future__ import annotations

import pytest

from oro_invoices.adapters import EmailTemplate, MenuEntry, OrderTab, PayHook
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.testing.suite.base import HostSuite

ENTRY = MenuEntry(key="kit.entry", label="Kit Entry", endpoint="kit.index")
TAB = OrderTab(key="kit.tab", label="Kit Tab", endpoint="kit.tab")
TEMPLATE = EmailTemplate(name="kit_template", subject="Hello {{ name }}", html="<p>Hi</p>",
                         text="Hi", variables=("name",))


class TestMenu(HostSuite):
    def test_register_is_idempotent(self) -> None:
        self.host.menu.register(ENTRY)
        self.host.menu.register(ENTRY)
        assert [e for e in self.host.menu.entries() if e.key == ENTRY.key] == [ENTRY]

    def test_register_replaces_same_key(self) -> None:
        self.host.menu.register(ENTRY)
        self.host.menu.register(MenuEntry(key=ENTRY.key, label="Renamed", endpoint="kit.index"))
        assert [e.label for e in self.host.menu.entries() if e.key == ENTRY.key] == ["Renamed"]

    def test_remove(self) -> None:
        self.host.menu.register(ENTRY)
        self.host.menu.remove(ENTRY.key)
        self.host.menu.remove(ENTRY.key)
        assert all(e.key != ENTRY.key for e in self.host.menu.entries())

    def test_ungated_entry_is_visible(self) -> None:
        self.host.menu.register(ENTRY)
        assert ENTRY in self.host.menu.visible(ScopeContext())

    @pytest.mark.oro_requires("seeding")
    def test_entry_needs_its_permission(self) -> None:
        entry = MenuEntry(key="kit.secret", label="Secret", endpoint="kit.secret",
                          permission="oro_invoices.view")
        self.host.menu.register(entry)
        self.seeder.login_admin(permissions=[])
        assert entry not in self.host.menu.visible(ScopeContext())
        self.seeder.login_admin(permissions=["oro_invoices.view"])
        assert entry in self.host.menu.visible(ScopeContext())


class TestOrderView(HostSuite):
    def test_register_is_idempotent(self) -> None:
        self.host.order_view.register_tab(TAB)
        self.host.order_view.register_tab(TAB)
        assert [t for t in self.host.order_view.tabs() if t.key == TAB.key] == [TAB]

    def test_remove(self) -> None:
        self.host.order_view.register_tab(TAB)
        self.host.order_view.remove_tab(TAB.key)
        self.host.order_view.remove_tab(TAB.key)
        assert all(t.key != TAB.key for t in self.host.order_view.tabs())

    def test_ungated_tab_is_visible(self) -> None:
        self.host.order_view.register_tab(TAB)
        assert TAB in self.host.order_view.visible_tabs(ScopeContext())


class TestEmailTemplates(HostSuite):
    def test_unknown_template_loads_as_none(self) -> None:
        assert self.host.email_templates.load("kit_missing") is None

    def test_register_then_load(self) -> None:
        self.host.email_templates.register(TEMPLATE)
        assert self.host.email_templates.load(TEMPLATE.name) == TEMPLATE
        assert TEMPLATE.name in self.host.email_templates.names()

    def test_remove(self) -> None:
        self.host.email_templates.register(TEMPLATE)
        self.host.email_templates.remove(TEMPLATE.name)
        self.host.email_templates.remove(TEMPLATE.name)
        assert self.host.email_templates.load(TEMPLATE.name) is None
        assert TEMPLATE.name not in self.host.email_templates.names()

    @pytest.mark.oro_requires("email_customisation", "seeding")
    def test_admin_customisation_survives_a_refreshed_default(self) -> None:
        self.host.email_templates.register(TEMPLATE)
        self.seeder.customise_template(TEMPLATE.name, subject="Our subject")
        self.host.email_templates.register(
            EmailTemplate(**{**TEMPLATE.__dict__, "subject": "New default"}))
        assert self.host.email_templates.load(TEMPLATE.name).subject == "Our subject"


class TestStorefront(HostSuite):
    __requires__ = ("storefront",)

    def test_pay_hook_register_and_remove(self) -> None:
        hook = PayHook(key="kit.pay", label="Pay", endpoint="kit.pay")
        self.host.storefront.register_pay_hook(hook)
        self.host.storefront.register_pay_hook(hook)
        assert [h for h in self.host.storefront.pay_hooks() if h.key == hook.key] == [hook]
        self.host.storefront.remove_pay_hook(hook.key)
        self.host.storefront.remove_pay_hook(hook.key)
        assert all(h.key != hook.key for h in self.host.storefront.pay_hooks())

    def test_account_entry_register_and_remove(self) -> None:
        entry = MenuEntry(key="kit.account", label="Kit", endpoint="kit.account",
                          parent="account")
        self.host.storefront.register_account_entry(entry)
        self.host.storefront.register_account_entry(entry)
        assert [e for e in self.host.storefront.account_entries() if e.key == entry.key] \
            == [entry]
        assert entry in self.host.storefront.visible_account_entries(ScopeContext())
        self.host.storefront.remove_account_entry(entry.key)
        self.host.storefront.remove_account_entry(entry.key)
        assert all(e.key != entry.key for e in self.host.storefront.account_entries())


class TestUrls(HostSuite):
    def test_relative_url(self) -> None:
        url = self.host.urls.url_for("oro_invoices.admin.index")
        assert isinstance(url, str) and url.startswith("/")

    def test_external_url_is_absolute(self) -> None:
        url = self.host.urls.url_for("oro_invoices.admin.index", external=True)
        assert url.startswith(("http://", "https://"))

    def test_params_make_distinct_urls(self) -> None:
        first = self.host.urls.url_for("oro_invoices.admin.index", page=1)
        second = self.host.urls.url_for("oro_invoices.admin.index", page=2)
        assert first != second


class TestLayout(HostSuite):
    @pytest.mark.parametrize("area", ["backoffice", "storefront"])
    def test_wrap_keeps_fragment_and_title(self, area: str) -> None:
        page = self.host.layout.wrap('<div id="kit-fragment">Invoices</div>',
                                     title="Kit Title", area=area)
        assert '<div id="kit-fragment">Invoices</div>' in page
        assert "Kit Title" in page

    def test_title_is_escaped(self) -> None:
        page = self.host.layout.wrap("<p>x</p>", title="<script>alert(1)</script>")
        assert "<script>alert(1)</script>" not in page
