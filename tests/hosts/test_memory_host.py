"""The in-memory host: loading by name, reference semantics, feature gating."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oro_invoices.adapters import (
    HostAdapter,
    InvoiceRole,
    MenuEntry,
    available_hosts,
    load_host,
)
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration import profile
from oro_invoices.integration.config import Settings
from oro_invoices.testing import Seeder


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


# -- loading ---------------------------------------------------------------------------

def test_load_host_by_entry_point_name():
    first, second = load_host("memory"), load_host("memory", base_url="https://b.test")
    assert isinstance(first, MemoryHost) and first is not second
    assert second.urls.url_for("x", external=True) == "https://b.test/x"
    assert "memory" in available_hosts()


def test_unknown_host_lists_the_available_ones():
    with pytest.raises(ConfigurationError) as err:
        load_host("magento")
    assert "No host adapter named 'magento'" in err.value.message
    assert "Available: " in err.value.message and "memory" in err.value.message


def test_host_that_fails_to_import_is_named(tmp_path, monkeypatch):
    dist = tmp_path / "broken_host-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-host\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[oro_invoices.hosts]\nbroken = no_such_module_xyz:Host\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigurationError, match="'broken' \\(no_such_module_xyz:Host\\) "
                                                 "failed to load"):
        load_host("broken")


def test_memory_host_implements_the_interfaces(host):
    assert isinstance(host, HostAdapter)
    assert isinstance(host.seeder(), Seeder)


# -- feature gating: each contribution disappears when invoices are off ---------------

@pytest.fixture
def installed(host) -> MemoryHost:
    profile.install(host)
    host.login_admin()
    return host


def shown(host: MemoryHost, ctx=ScopeContext()) -> dict:
    return {"menu": [e.key for e in host.menu.visible(ctx)],
            "tab": [t.key for t in host.order_view.visible_tabs(ctx)],
            "account": [e.key for e in host.storefront.visible_account_entries(ctx)]}


def test_nothing_shows_until_invoices_are_enabled(installed):
    assert shown(installed) == {"menu": [], "tab": [], "account": []}


def test_menu_tab_and_account_entry_follow_the_toggle(installed):
    settings = Settings(installed.config)
    settings.set("oro_invoices.enabled", True)
    assert shown(installed) == {"menu": ["oro_invoices.invoices"],
                                "tab": ["oro_invoices.order_invoices"],
                                "account": ["oro_invoices.account_invoices"]}
    settings.set("oro_invoices.enabled", False)
    assert shown(installed) == {"menu": [], "tab": [], "account": []}


def test_storefront_off_hides_only_the_account_entry(installed):
    settings = Settings(installed.config)
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.storefront_enabled", False, "website", 1)
    assert shown(installed, ScopeContext(website_id=1)) == {
        "menu": ["oro_invoices.invoices"], "tab": ["oro_invoices.order_invoices"], "account": []}


def test_admin_without_view_permission_sees_no_invoices(installed):
    Settings(installed.config).set("oro_invoices.enabled", True)
    installed.login_admin(permissions=["oro_invoices.delete"])
    assert shown(installed)["menu"] == [] and shown(installed)["tab"] == []


@pytest.mark.parametrize("role,sees", [(InvoiceRole.NONE, []),
                                       (InvoiceRole.OWN, ["oro_invoices.account_invoices"]),
                                       (InvoiceRole.CORPORATE, ["oro_invoices.account_invoices"])])
def test_account_entry_follows_the_customer_users_role(installed, role, sees):
    Settings(installed.config).set("oro_invoices.enabled", True)
    customer = installed.add_customer("ACME Corp")
    user = installed.add_customer_user(customer.id, "u@acme.test", invoice_role=role)
    installed.login_customer_user(user.id)
    assert shown(installed)["account"] == sees


# -- the parts -------------------------------------------------------------------------

def test_url_for_fills_route_parameters_and_the_query(host):
    host.urls.routes["oro_invoices.admin.view"] = "/admin/invoices/{invoice_id}"
    assert host.urls.url_for("oro_invoices.admin.view", invoice_id=5, tab="payments") \
        == "/admin/invoices/5?tab=payments"
    assert host.urls.url_for("oro_invoices.admin.view", external=True, invoice_id="a/b") \
        == "http://shop.test/admin/invoices/a%2Fb"
    assert host.urls.url_for("oro_invoices.admin.index") == "/oro_invoices/admin/index"


def test_layout_wraps_the_fragment(host):
    page = host.layout.wrap("<table></table>", title="Invoices & Co", area="storefront")
    assert page.startswith("<!doctype html>")
    assert "<title>Invoices &amp; Co</title>" in page
    assert '<body class="storefront"><main><table></table></main>' in page


def test_template_customisation_and_removal(host):
    profile.install(host)
    with pytest.raises(KeyError, match="no_such"):
        host.customise_template("no_such", subject="x")
    host.customise_template("invoice_notification_template", text="Pay up.")
    assert host.email_templates.load("invoice_notification_template").text == "Pay up."
    host.email_templates.remove("invoice_notification_template")
    host.email_templates.register(profile.notification_template())
    assert host.email_templates.load("invoice_notification_template").text != "Pay up."


def test_config_store_never_stores_none(host):
    with pytest.raises(ValueError, match="never stores None"):
        host.config.save("oro_invoices.locale", None, "global", None)


def test_hierarchy_survives_a_cycle_in_host_data(host):
    a = host.add_customer("A")
    b = host.add_customer("B", parent_id=a.id)
    host.customers.customers[a.id] = host.customers.customers[a.id].__class__(
        a.id, "A", parent_id=b.id)
    assert [c.id for c in host.customers.descendants(a.id)] == [b.id]


def test_menu_orders_entries_by_parent_and_position(host):
    for key, position in (("b", 20), ("a", 10), ("c", 10)):
        host.menu.register(MenuEntry(key=key, label=key, endpoint=key, position=position))
    assert [e.key for e in host.menu.entries()] == ["a", "c", "b"]


def test_minimal_adapter_example_in_the_docs_passes_the_interfaces():
    source = (Path(__file__).resolve().parents[2] / "docs" / "adapters.md").read_text()
    block = source.split("```python\n# myshop/invoices_host.py\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(textwrap.dedent(block), "adapters.md", "exec"), namespace)
    assert isinstance(namespace["MyShopHost"](), HostAdapter)
