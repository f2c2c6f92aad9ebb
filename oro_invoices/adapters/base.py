"""The host adapter: one object giving the add-on everything only the host knows."""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from oro_invoices.adapters.commerce import Customers, Orders
from oro_invoices.adapters.config_store import ConfigStore
from oro_invoices.adapters.identity import Users
from oro_invoices.adapters.ui import (
    EmailTemplates,
    Layout,
    Menu,
    OrderView,
    Storefront,
    Urls,
)

#: Optional abilities a host may declare in ``HostAdapter.capabilities``.
CAPABILITIES = (
    "storefront",           # has a storefront (``storefront`` is not None)
    "customer_groups",      # customers belong to groups (customer_group scope)
    "customer_hierarchy",   # customers have parents (corporate role)
    "email_customisation",  # admins can edit email templates
)


@runtime_checkable
class HostAdapter(Protocol):
    """Aggregates the host's interfaces; found through the ``oro_invoices.hosts`` entry points."""

    name: str
    capabilities: frozenset[str]
    config: ConfigStore
    menu: Menu
    order_view: OrderView
    email_templates: EmailTemplates
    storefront: Storefront | None
    orders: Orders
    customers: Customers
    users: Users
    urls: Urls
    layout: Layout


PARTS = ("config", "menu", "order_view", "email_templates", "storefront", "orders",
         "customers", "users", "urls", "layout")
