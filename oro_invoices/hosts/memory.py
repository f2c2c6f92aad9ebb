"""An in-memory host: the reference semantics of every interface, in the fewest lines.

Used by the add-on's tests and as the worked example of docs/adapters.md.
It also implements the conformance kit's seeder (``add_customer``,
``add_order``, ``login_admin`` …) so the kit can put data in it.
"""
from __future__ import annotations

import datetime as dt
import html
import itertools
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from oro_invoices.adapters.commerce import (
    CustomerRef,
    CustomerUserRef,
    InvoiceRole,
    OrderLine,
    OrderSnapshot,
    WebsiteRef,
    normal_vat_id,
    walk_descendants,
)
from oro_invoices.adapters.config_store import (
    ScopeContext,
    SettingsGroup,
    StoredSetting,
)
from oro_invoices.adapters.identity import ANONYMOUS, PERMISSIONS, CurrentUser, storefront_permissions
from oro_invoices.adapters.ui import EmailTemplate, MenuEntry, OrderTab, PayHook
from oro_invoices.domain.invoice import Address
from oro_invoices.integration.config import Settings
from oro_invoices.integration.features import entry_visible
from oro_invoices.persistence.clock import machine_now

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.hosts.memory_pages import MemoryPageClient


class MemoryConfigStore:
    """Values keyed by (key, scope, scope_id); declared groups keyed by group key."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, int | None], Any] = {}
        self.groups: dict[str, SettingsGroup] = {}

    def load(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        return self.values.get((key, scope, scope_id))

    def save(self, key: str, value: Any, scope: str, scope_id: int | None) -> None:
        if value is None:
            raise ValueError("the config store never stores None; delete the value instead")
        self.values[(key, scope, scope_id)] = value

    def delete(self, key: str, scope: str, scope_id: int | None) -> None:
        self.values.pop((key, scope, scope_id), None)

    def stored(self, prefix: str) -> Iterable[StoredSetting]:
        return [StoredSetting(k, s, i, v) for (k, s, i), v in self.values.items()
                if k.startswith(prefix)]

    def stored_at(self, prefix: str, scopes: Collection[str],
                  places: Collection[tuple[str, int]]) -> Iterable[StoredSetting]:
        return [StoredSetting(k, s, i, v) for (k, s, i), v in self.values.items()
                if k.startswith(prefix) and (s in scopes or (s, i) in places)]

    def declare_settings(self, group: SettingsGroup) -> None:
        self.groups[group.key] = group

    def remove_settings(self, group_key: str) -> None:
        self.groups.pop(group_key, None)

    def declared_settings(self) -> list[SettingsGroup]:
        return list(self.groups.values())


class _Gate:
    """Shared visibility rule: feature on for the context and permission granted."""

    def __init__(self, host: MemoryHost):
        self.host = host

    def shows(self, item: Any, ctx: ScopeContext) -> bool:
        permission = getattr(item, "permission", None)
        return (entry_visible(Settings(self.host.config), item.feature, ctx)
                and (permission is None or self.host.users.can(permission)))


class MemoryMenu(_Gate):
    def __init__(self, host: MemoryHost):
        super().__init__(host)
        self.items: dict[str, MenuEntry] = {}

    def register(self, entry: MenuEntry) -> None:
        self.items[entry.key] = entry

    def remove(self, key: str) -> None:
        self.items.pop(key, None)

    def entries(self) -> list[MenuEntry]:
        return sorted(self.items.values(), key=lambda e: (e.parent, e.position, e.key))

    def visible(self, ctx: ScopeContext) -> list[MenuEntry]:
        return [e for e in self.entries() if self.shows(e, ctx)]


class MemoryOrderView(_Gate):
    def __init__(self, host: MemoryHost):
        super().__init__(host)
        self.items: dict[str, OrderTab] = {}

    def register_tab(self, tab: OrderTab) -> None:
        self.items[tab.key] = tab

    def remove_tab(self, key: str) -> None:
        self.items.pop(key, None)

    def tabs(self) -> list[OrderTab]:
        return sorted(self.items.values(), key=lambda t: (t.position, t.key))

    def visible_tabs(self, ctx: ScopeContext) -> list[OrderTab]:
        return [t for t in self.tabs() if self.shows(t, ctx)]


class MemoryEmailTemplates:
    """Defaults and admin customisations kept apart, so a refreshed default keeps an edit."""

    def __init__(self) -> None:
        self.defaults: dict[str, EmailTemplate] = {}
        self.customised: dict[str, EmailTemplate] = {}

    def register(self, template: EmailTemplate) -> None:
        self.defaults[template.name] = template

    def remove(self, name: str) -> None:
        self.defaults.pop(name, None)
        self.customised.pop(name, None)

    def load(self, name: str) -> EmailTemplate | None:
        return self.customised.get(name) or self.defaults.get(name)

    def names(self) -> list[str]:
        return sorted(self.defaults)

    def customise(self, name: str, **changes: str) -> EmailTemplate:
        """What an admin does in the template editor: change subject, html or text."""
        current = self.load(name)
        if current is None:
            raise KeyError(f"no email template {name!r}")
        edited = current.edited(**changes)
        self.customised[name] = edited
        return edited


class MemoryStorefront(_Gate):
    def __init__(self, host: MemoryHost):
        super().__init__(host)
        self.hooks: dict[str, PayHook] = {}
        self.account: dict[str, MenuEntry] = {}

    def register_pay_hook(self, hook: PayHook) -> None:
        self.hooks[hook.key] = hook

    def remove_pay_hook(self, key: str) -> None:
        self.hooks.pop(key, None)

    def pay_hooks(self) -> list[PayHook]:
        return list(self.hooks.values())

    def register_account_entry(self, entry: MenuEntry) -> None:
        self.account[entry.key] = entry

    def remove_account_entry(self, key: str) -> None:
        self.account.pop(key, None)

    def account_entries(self) -> list[MenuEntry]:
        return sorted(self.account.values(), key=lambda e: (e.position, e.key))

    def visible_account_entries(self, ctx: ScopeContext) -> list[MenuEntry]:
        return [e for e in self.account_entries() if self.shows(e, ctx)]


class MemoryOrders:
    def __init__(self) -> None:
        self.items: dict[int, OrderSnapshot] = {}

    def get(self, order_id: int) -> OrderSnapshot | None:
        return self.items.get(order_id)


class MemoryCustomers:
    def __init__(self) -> None:
        self.customers: dict[int, CustomerRef] = {}
        self.users: dict[int, CustomerUserRef] = {}

    def get_customer(self, customer_id: int) -> CustomerRef | None:
        return self.customers.get(customer_id)

    def get_customer_user(self, customer_user_id: int) -> CustomerUserRef | None:
        return self.users.get(customer_user_id)

    def get_customers(self, ids: Iterable[int]) -> dict[int, CustomerRef]:
        """The customers with ``ids`` that exist, by id."""
        return {i: self.customers[i] for i in ids if i in self.customers}

    def get_customer_users(self, ids: Iterable[int]) -> dict[int, CustomerUserRef]:
        """The customer users with ``ids`` that exist, by id."""
        return {i: self.users[i] for i in ids if i in self.users}

    def children(self, customer_id: int) -> list[CustomerRef]:
        return [c for c in self.customers.values() if c.parent_id == customer_id]

    def customers_with_vat_id(self, organization_id: int, vat_id: str) -> list[CustomerRef]:
        """The organization's customers whose VAT id, without spaces, dots and dashes, is ``vat_id``."""
        return [c for c in self.customers.values()
                if c.organization_id == organization_id and normal_vat_id(c.vat_id) == vat_id]

    def descendants(self, customer_id: int) -> list[CustomerRef]:
        return walk_descendants(self, customer_id)


class MemoryWebsites:
    def __init__(self) -> None:
        self.items: dict[int, WebsiteRef] = {}

    def get_website(self, website_id: int) -> WebsiteRef | None:
        return self.items.get(website_id)


class MemoryUsers:
    """One logged-in user at a time and the permissions granted to them."""

    def __init__(self) -> None:
        self.user: CurrentUser = ANONYMOUS
        self.granted: frozenset[str] = frozenset()

    def current(self) -> CurrentUser:
        return self.user

    def can(self, permission: str) -> bool:
        return permission in self.granted


class MemoryUrls:
    def __init__(self, base_url: str = "http://shop.test"):
        self.base_url = base_url.rstrip("/")
        self.routes: dict[str, str] = {}

    def url_for(self, endpoint: str, *, external: bool = False, **params: Any) -> str:
        pattern = self.routes.get(endpoint, "/" + endpoint.replace(".", "/"))
        query = {}
        for name, value in sorted(params.items()):
            if "{" + name + "}" in pattern:
                pattern = pattern.replace("{" + name + "}", quote(str(value), safe=""))
            else:
                query[name] = value
        url = pattern + ("?" + urlencode(query) if query else "")
        return self.base_url + url if external else url


class MemoryLayout:
    def wrap(self, fragment: str, *, title: str, area: str = "backoffice") -> str:
        return (f"<!doctype html><html><head><title>{html.escape(title)}</title></head>"
                f'<body class="{html.escape(area)}"><main>{fragment}</main></body></html>')


class MemoryHost:
    """The in-memory host adapter (entry point ``memory``)."""

    name = "memory"
    capabilities = frozenset({"storefront", "customer_groups", "customer_hierarchy",
                              "email_customisation", "buyer_tax_data", "einvoice_address"})

    def __init__(self, base_url: str = "http://shop.test", *,
                 addon_options: Mapping[str, Any] | None = None):
        """``addon_options``: ``AddonConfig`` fields for the add-on of ``page_client()`` (such as
        ``storage_url``, ``jobs_broker_url``, ``database_url``; the conformance kit passes them)."""
        self.addon_options = dict(addon_options or {})
        self.config = MemoryConfigStore()
        self.menu = MemoryMenu(self)
        self.order_view = MemoryOrderView(self)
        self.email_templates = MemoryEmailTemplates()
        self.storefront = MemoryStorefront(self)
        self.orders = MemoryOrders()
        self.customers = MemoryCustomers()
        self.websites = MemoryWebsites()
        self.users = MemoryUsers()
        self.urls = MemoryUrls(base_url)
        self.layout = MemoryLayout()
        self._ids = itertools.count(1)
        #: The time orders are placed at: the services' clock once they hand it over
        #: (``use_clock``), else the machine's.
        self.clock: Callable[[], dt.datetime] = machine_now

    def use_clock(self, clock: Callable[[], dt.datetime]) -> None:
        """Place new orders at the services' ``clock`` (``UsesServiceClock``)."""
        self.clock = clock

    # -- the conformance kit's seeder -------------------------------------------------
    def seeder(self) -> MemoryHost:
        """The object the conformance kit uses to put test data in this host."""
        return self

    def add_customer(self, name: str, *, parent_id: int | None = None,
                     group_id: int | None = None, organization_id: int | None = 1,
                     vat_id: str = "", country_code: str = "", buyer_reference: str = "",
                     einvoice_address: str = "") -> CustomerRef:
        customer = CustomerRef(next(self._ids), name, parent_id, group_id, organization_id,
                               vat_id=vat_id, country_code=country_code, buyer_reference=buyer_reference,
                               einvoice_address=einvoice_address)
        self.customers.customers[customer.id] = customer
        return customer

    def add_website(self, name: str, *, organization_id: int = 1) -> WebsiteRef:
        website = WebsiteRef(next(self._ids), name, organization_id)
        self.websites.items[website.id] = website
        return website

    def add_customer_user(self, customer_id: int, email: str, name: str = "",
                          invoice_role: InvoiceRole = InvoiceRole.OWN) -> CustomerUserRef:
        user = CustomerUserRef(next(self._ids), email, name or email, customer_id,
                               InvoiceRole(invoice_role))
        self.customers.users[user.id] = user
        return user

    def add_order(self, *, identifier: str = "", currency: str = "USD",
                  organization_id: int = 1, customer_id: int | None = None,
                  customer_user_id: int | None = None, website_id: int | None = None,
                  lines: Iterable[OrderLine] = (), bill_to: Address | None = None,
                  ship_to: Address | None = None, purchase_order: str = "") -> OrderSnapshot:
        order_id = next(self._ids)
        order = OrderSnapshot(order_id, identifier or f"SO-{order_id:04d}", organization_id,
                              currency, customer_id, customer_user_id, website_id, tuple(lines),
                              bill_to, ship_to, self.clock(), purchase_order)
        self.orders.items[order.id] = order
        return order

    def login_admin(self, permissions: Iterable[str] = PERMISSIONS, *, name: str = "Admin",
                    organization_id: int = 1) -> CurrentUser:
        self.users.user = CurrentUser(next(self._ids), "admin", name, "admin@shop.test",
                                      organization_id)
        self.users.granted = frozenset(permissions)
        return self.users.user

    def login_customer_user(self, customer_user_id: int) -> CurrentUser:
        ref = self.customers.users[customer_user_id]
        self.users.user = CurrentUser(ref.id, "customer_user", ref.name, ref.email,
                                      customer_user_id=ref.id)
        self.users.granted = storefront_permissions(ref.invoice_role)
        return self.users.user

    def logout(self) -> None:
        self.users.user, self.users.granted = ANONYMOUS, frozenset()

    def customise_template(self, name: str, **changes: str) -> EmailTemplate:
        return self.email_templates.customise(name, **changes)

    # -- the conformance kit's page client ----------------------------------------------
    def page_client(self) -> MemoryPageClient:
        """A client of the add-on's pages mounted on this host without a framework (``memory_pages``)."""
        from oro_invoices.hosts.memory_pages import page_client
        return page_client(self, **self.addon_options)
