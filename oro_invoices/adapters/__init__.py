"""Host adapters: the typed interfaces a host implements, and how one is found.

A host adapter is registered under the entry-point group ``oro_invoices.hosts``;
the entry point names a class or factory that builds a fresh adapter::

    [project.entry-points."oro_invoices.hosts"]
    myshop = "myshop.invoices:MyShopHost"
"""
from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from oro_invoices.adapters.base import (
    CAPABILITIES,
    OPTIONAL_MEMBERS,
    PARTS,
    DefaultMailSender,
    HostAdapter,
    UsesServiceClock,
)
from oro_invoices.adapters.commerce import (
    CustomerRef,
    Customers,
    CustomerUserRef,
    InvoiceRole,
    OrderLine,
    Orders,
    OrderSnapshot,
    WebsiteRef,
    Websites,
    walk_descendants,
)
from oro_invoices.adapters.config_store import (
    ConfigStore,
    ConfigStoreByPlace,
    SettingField,
    SettingsGroup,
    StoredSetting,
)
from oro_invoices.adapters.identity import ANONYMOUS, PERMISSIONS, CurrentUser, Users
from oro_invoices.adapters.ui import (
    EmailTemplate,
    EmailTemplates,
    Layout,
    Menu,
    MenuEntry,
    OrderTab,
    OrderView,
    PayHook,
    Storefront,
    Urls,
)
from oro_invoices.domain.errors import ConfigurationError

ENTRY_POINT_GROUP = "oro_invoices.hosts"

__all__ = [
    "ANONYMOUS", "CAPABILITIES", "ENTRY_POINT_GROUP", "OPTIONAL_MEMBERS", "PARTS", "PERMISSIONS",
    "ConfigStore", "ConfigStoreByPlace",
    "CurrentUser", "CustomerRef", "CustomerUserRef", "Customers", "DefaultMailSender", "EmailTemplate",
    "EmailTemplates", "HostAdapter", "InvoiceRole", "Layout", "Menu", "MenuEntry", "OrderLine",
    "OrderSnapshot", "OrderTab", "OrderView", "Orders", "PayHook", "SettingField",
    "SettingsGroup", "StoredSetting", "Storefront", "Urls", "Users", "UsesServiceClock", "WebsiteRef", "Websites",
    "available_hosts", "host_factory", "load_host", "walk_descendants",
]


def available_hosts() -> list[str]:
    """The names of every installed host adapter, sorted."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def host_factory(name: str) -> Callable[..., HostAdapter]:
    """The class or factory registered as host adapter ``name``."""
    matches = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not matches:
        known = ", ".join(available_hosts()) or "none installed"
        raise ConfigurationError(
            f"No host adapter named {name!r} in entry-point group {ENTRY_POINT_GROUP!r}. "
            f"Available: {known}. Is the package providing it installed?")
    try:
        factory: Callable[..., HostAdapter] = matches[0].load()
    except Exception as exc:  # an adapter that fails to import must say which one
        raise ConfigurationError(
            f"Host adapter {name!r} ({matches[0].value}) failed to load: {exc}") from exc
    return factory


def load_host(name: str, **options: Any) -> HostAdapter:
    """A fresh host adapter built by the entry point ``name`` (``options`` go to its factory)."""
    return host_factory(name)(**options)
