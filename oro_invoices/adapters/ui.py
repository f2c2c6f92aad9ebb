"""What the add-on adds to the host's pages: menu, order tab, email template, storefront.

Every registry is keyed: registering a key again replaces the entry (so
install is idempotent) and removing a missing key is not an error (so
uninstall is). Entries carrying a ``feature`` are shown only while
``oro_invoices.integration.features.entry_visible`` says so, and only to users who have
``permission`` (``Users.can``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.config_store import ScopeContext


@dataclass(frozen=True)
class MenuEntry:
    """A menu item: ``endpoint`` is a route name the host's ``Urls.url_for`` resolves."""

    key: str
    label: str
    endpoint: str
    parent: str = "sales"
    position: int = 100
    feature: str | None = None
    permission: str | None = None


@dataclass(frozen=True)
class OrderTab:
    """A tab on the host's order view page; ``endpoint`` renders it given ``order_id``."""

    key: str
    label: str
    endpoint: str
    position: int = 100
    feature: str | None = None
    permission: str | None = None


@dataclass(frozen=True)
class EmailTemplate:
    """An email template; ``variables`` names what the template may use."""

    name: str
    subject: str
    html: str
    text: str
    variables: tuple[str, ...] = ()
    entity: str = "invoice"

    def edited(self, *, subject: str | None = None, html: str | None = None,
               text: str | None = None) -> EmailTemplate:
        """This template with an admin's changes to its subject, html or text."""
        return dataclasses.replace(self, subject=self.subject if subject is None else subject,
                                   html=self.html if html is None else html,
                                   text=self.text if text is None else text)


@dataclass(frozen=True)
class PayHook:
    """The storefront's Pay action: ``endpoint`` is where Pay sends the customer."""

    key: str
    label: str
    endpoint: str
    feature: str | None = None


@runtime_checkable
class Menu(Protocol):
    """The host's back-office menu."""

    def register(self, entry: MenuEntry) -> None:
        """Add ``entry`` under its parent, replacing one with the same key."""

    def remove(self, key: str) -> None:
        """Remove the entry with ``key``, if any."""

    def entries(self) -> list[MenuEntry]:
        """Every registered entry, shown or not."""

    def visible(self, ctx: ScopeContext) -> list[MenuEntry]:
        """The entries the current user sees in ``ctx`` (feature on, permission granted)."""


@runtime_checkable
class OrderView(Protocol):
    """The host's order view page."""

    def register_tab(self, tab: OrderTab) -> None:
        """Add ``tab``, replacing one with the same key."""

    def remove_tab(self, key: str) -> None:
        """Remove the tab with ``key``, if any."""

    def tabs(self) -> list[OrderTab]:
        """Every registered tab, shown or not."""

    def visible_tabs(self, ctx: ScopeContext) -> list[OrderTab]:
        """The tabs the current user sees in ``ctx`` (feature on, permission granted)."""


@runtime_checkable
class EmailTemplates(Protocol):
    """The host's email templates, which an admin may customise."""

    def register(self, template: EmailTemplate) -> None:
        """Install or refresh the default ``template``; an admin's customisation is kept."""

    def remove(self, name: str) -> None:
        """Remove the template and any customisation of it, if any."""

    def load(self, name: str) -> EmailTemplate | None:
        """The template as it should be used now (the admin's version if customised)."""

    def names(self) -> list[str]:
        """The names of every registered template."""


@runtime_checkable
class Storefront(Protocol):
    """The host's storefront: the Pay hook and the Account menu."""

    def register_pay_hook(self, hook: PayHook) -> None:
        """Install ``hook``, replacing one with the same key."""

    def remove_pay_hook(self, key: str) -> None:
        """Remove the pay hook with ``key``, if any."""

    def pay_hooks(self) -> list[PayHook]:
        """Every registered pay hook."""

    def register_account_entry(self, entry: MenuEntry) -> None:
        """Add ``entry`` to the customer's Account menu, replacing one with the same key."""

    def remove_account_entry(self, key: str) -> None:
        """Remove the Account menu entry with ``key``, if any."""

    def account_entries(self) -> list[MenuEntry]:
        """Every registered Account menu entry."""

    def visible_account_entries(self, ctx: ScopeContext) -> list[MenuEntry]:
        """The Account menu entries the current customer user sees in ``ctx``."""


@runtime_checkable
class Urls(Protocol):
    """URL building in the host."""

    def url_for(self, endpoint: str, *, external: bool = False, **params: Any) -> str:
        """The URL of ``endpoint`` with ``params``; absolute (scheme and host) when ``external``."""


@runtime_checkable
class Layout(Protocol):
    """The host's page layout."""

    def wrap(self, fragment: str, *, title: str, area: str = "backoffice") -> str:
        """A full HTML page: ``fragment`` inside the layout of ``area`` (backoffice|storefront)."""
