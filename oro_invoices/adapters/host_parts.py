"""The ``Menu``, ``OrderView`` and ``Storefront`` parts over a host's stored registrations, and
the rule that decides which registered entries a user sees.

A host that keeps what the add-on registers as keyed JSON rows (a table, a Django model) gives
those rows (``KeyedRows``) and gets the three parts; the reference and Oscar hosts do.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from oro_invoices.adapters.config_store import ConfigStore, ScopeContext
from oro_invoices.adapters.identity import Users
from oro_invoices.adapters.ui import MenuEntry, OrderTab, PayHook
from oro_invoices.integration.config import Settings
from oro_invoices.integration.features import entry_visible

T = TypeVar("T")


class KeyedRows(Protocol):
    """Keyed JSON rows: ``put`` replaces, removing a missing key is fine."""

    def put(self, key: str, data: dict[str, Any]) -> None: ...

    def remove(self, key: str) -> None: ...

    def all(self) -> list[dict[str, Any]]: ...


class GatedHost(Protocol):
    """What the visibility rule reads of a host (looked up when asked: a host may set them last)."""

    @property
    def config(self) -> ConfigStore: ...

    @property
    def users(self) -> Users: ...


class Gate:
    """Entries are shown while their feature is on and the current user holds their permission."""

    def __init__(self, host: GatedHost):
        self.host = host

    def shows(self, item: Any, ctx: ScopeContext) -> bool:
        return bool(self.visible_items([item], ctx))

    def visible_items(self, items: Iterable[T], ctx: ScopeContext) -> list[T]:
        """The ``items`` shown in ``ctx``: each feature and permission is decided once."""
        settings = Settings(self.host.config)
        features: dict[str | None, bool] = {}
        granted: dict[str | None, bool] = {None: True}
        shown = []
        for item in items:
            feature, permission = getattr(item, "feature", None), getattr(item, "permission", None)
            if feature not in features:
                features[feature] = entry_visible(settings, feature, ctx)
            if permission is not None and permission not in granted:
                granted[permission] = self.host.users.can(permission)
            if features[feature] and granted[permission]:
                shown.append(item)
        return shown


class StoredMenu(Gate):
    """The back-office menu entries the add-on registers, kept in ``rows``."""

    def __init__(self, host: GatedHost, rows: KeyedRows):
        super().__init__(host)
        self.registry = rows

    def register(self, entry: MenuEntry) -> None:
        self.registry.put(entry.key, dataclasses.asdict(entry))

    def remove(self, key: str) -> None:
        self.registry.remove(key)

    def entries(self) -> list[MenuEntry]:
        items = [MenuEntry(**d) for d in self.registry.all()]
        return sorted(items, key=lambda e: (e.parent, e.position, e.key))

    def visible(self, ctx: ScopeContext) -> list[MenuEntry]:
        return self.visible_items(self.entries(), ctx)


class StoredOrderView(Gate):
    """The order page's tabs the add-on registers, kept in ``rows``."""

    def __init__(self, host: GatedHost, rows: KeyedRows):
        super().__init__(host)
        self.registry = rows

    def register_tab(self, tab: OrderTab) -> None:
        self.registry.put(tab.key, dataclasses.asdict(tab))

    def remove_tab(self, key: str) -> None:
        self.registry.remove(key)

    def tabs(self) -> list[OrderTab]:
        return sorted((OrderTab(**d) for d in self.registry.all()), key=lambda t: (t.position, t.key))

    def visible_tabs(self, ctx: ScopeContext) -> list[OrderTab]:
        return self.visible_items(self.tabs(), ctx)


class StoredStorefront(Gate):
    """The storefront's Pay hooks (in ``hooks``) and account menu entries (in ``account``)."""

    def __init__(self, host: GatedHost, hooks: KeyedRows, account: KeyedRows):
        super().__init__(host)
        self.hooks = hooks
        self.account = account

    def register_pay_hook(self, hook: PayHook) -> None:
        self.hooks.put(hook.key, dataclasses.asdict(hook))

    def remove_pay_hook(self, key: str) -> None:
        self.hooks.remove(key)

    def pay_hooks(self) -> list[PayHook]:
        # rows stored by earlier releases may carry fields PayHook no longer has
        known = {f.name for f in dataclasses.fields(PayHook)}
        return [PayHook(**{k: v for k, v in d.items() if k in known}) for d in self.hooks.all()]

    def register_account_entry(self, entry: MenuEntry) -> None:
        self.account.put(entry.key, dataclasses.asdict(entry))

    def remove_account_entry(self, key: str) -> None:
        self.account.remove(key)

    def account_entries(self) -> list[MenuEntry]:
        return sorted((MenuEntry(**d) for d in self.account.all()), key=lambda e: (e.position, e.key))

    def visible_account_entries(self, ctx: ScopeContext) -> list[MenuEntry]:
        return self.visible_items(self.account_entries(), ctx)
