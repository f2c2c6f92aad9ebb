"""The host adapter: one object giving the add-on everything only the host knows."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable

from oro_invoices.adapters.commerce import Customers, Orders, Websites
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
    "buyer_tax_data",       # customers carry a VAT id, country code and buyer reference
    "einvoice_address",     # customers carry the address they receive e-invoices at
)


@runtime_checkable
class HostAdapter(Protocol):
    """Aggregates the host's interfaces; found through the ``oro_invoices.hosts`` entry points.

    Every member is read-only for the add-on, so a host may provide it as a plain
    attribute, a class attribute or a property, typed as its own implementation
    (``MemoryMenu`` for ``Menu`` …).
    """

    @property
    def name(self) -> str:
        """The adapter's name (matches its entry point)."""

    @property
    def capabilities(self) -> frozenset[str]:
        """The optional abilities of ``CAPABILITIES`` this host has."""

    @property
    def config(self) -> ConfigStore:
        """The system configuration store."""

    @property
    def menu(self) -> Menu:
        """The back-office menu."""

    @property
    def order_view(self) -> OrderView:
        """The order view page's tabs."""

    @property
    def email_templates(self) -> EmailTemplates:
        """Email templates an admin may customise."""

    @property
    def storefront(self) -> Storefront | None:
        """The Pay hook and the Account menu; None for a host without a storefront."""

    @property
    def orders(self) -> Orders:
        """The host's orders."""

    @property
    def customers(self) -> Customers:
        """The host's customers, their hierarchy and their users."""

    @property
    def websites(self) -> Websites:
        """The host's websites and the organization each belongs to."""

    @property
    def users(self) -> Users:
        """The current user and their permissions."""

    @property
    def urls(self) -> Urls:
        """URL building."""

    @property
    def layout(self) -> Layout:
        """The page layout the add-on's pages are wrapped in."""


@runtime_checkable
class DefaultMailSender(Protocol):
    """Optional for a host: the From address of its own emails. A host without it keeps the
    ``oro_invoices.mail.sender`` default (``invoices@example.com``)."""

    def default_mail_sender(self) -> str | None:
        """The host's own From address (``shop@example.com`` or ``Shop <shop@example.com>``),
        used for invoice email while no admin has stored ``oro_invoices.mail.sender`` at any
        scope; None: the host has none."""


@runtime_checkable
class UsesServiceClock(Protocol):
    """Optional for a host that stamps rows of its own with the time (the conformance kit's
    orders, API tokens): the services hand it their clock, so those rows agree with the add-on's
    on a fixed clock (tests, a demo). A host without it stamps them as it likes."""

    def use_clock(self, clock: Callable[[], dt.datetime]) -> None:
        """Stamp the rows written from now on with ``clock()``, the current UTC time by the
        services' clock (``ServiceContext.clock``, read at each call)."""


#: Members a host may leave out, each with the interface it follows when it has it.
OPTIONAL_MEMBERS: Mapping[str, type] = {
    "default_mail_sender": DefaultMailSender,
    "use_clock": UsesServiceClock,
}

#: The interface of each of ``HostAdapter``'s parts (``storefront`` may also be None).
PARTS: Mapping[str, type] = {
    "config": ConfigStore,
    "menu": Menu,
    "order_view": OrderView,
    "email_templates": EmailTemplates,
    "storefront": Storefront,
    "orders": Orders,
    "customers": Customers,
    "websites": Websites,
    "users": Users,
    "urls": Urls,
    "layout": Layout,
}
