"""The host's system configuration store: it stores values by scope, nothing more.

Validation and scope resolution are the add-on's (``oro_invoices.integration.config``).
The host also shows the declared settings group in its configuration UI and
must save what an admin enters through ``oro_invoices.integration.config.Settings.set``.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ScopeContext:
    """Where a value is wanted: any of the ids may be unknown (``None``)."""

    organization_id: int | None = None
    website_id: int | None = None
    customer_group_id: int | None = None
    customer_id: int | None = None

    def scope_id(self, scope: str) -> int | None:
        """The id this context has for ``scope`` (``None`` for global or unknown)."""
        return None if scope == "global" else getattr(self, f"{scope}_id")


@dataclass(frozen=True)
class SettingField:
    """One setting as the host's configuration form shows it."""

    key: str
    type: str
    default: Any
    label: str
    section: str
    scopes: tuple[str, ...]
    help: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SettingsGroup:
    """A page of the host's configuration UI (System > Configuration > Commerce > Sales > Invoices)."""

    key: str
    label: str
    path: tuple[str, ...]
    fields: tuple[SettingField, ...]

    def sections(self) -> list[tuple[str, tuple[SettingField, ...]]]:
        """The page's sections in the order their first field is declared, each with its fields in order."""
        found: dict[str, list[SettingField]] = {}
        for item in self.fields:
            found.setdefault(item.section, []).append(item)
        return [(section, tuple(items)) for section, items in found.items()]


@dataclass(frozen=True)
class StoredSetting:
    """A value stored at one scope (``scope_id`` is None at global scope)."""

    key: str
    scope: str
    scope_id: int | None
    value: Any


@runtime_checkable
class ConfigStore(Protocol):
    """Stores setting values per scope (global, organization, website, customer_group, customer)."""

    def load(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        """The value stored for ``key`` at exactly this scope, or None when none is."""

    def save(self, key: str, value: Any, scope: str, scope_id: int | None) -> None:
        """Store ``value`` (never None) for ``key`` at this scope, replacing any earlier one."""

    def delete(self, key: str, scope: str, scope_id: int | None) -> None:
        """Forget the value at this scope; deleting a missing value is not an error."""

    def stored(self, prefix: str) -> Iterable[StoredSetting]:
        """Every stored value whose key starts with ``prefix``, at every scope."""

    def declare_settings(self, group: SettingsGroup) -> None:
        """Show ``group`` in the configuration UI, replacing a group with the same key."""

    def remove_settings(self, group_key: str) -> None:
        """Take the group off the configuration UI; a missing group is not an error."""

    def declared_settings(self) -> list[SettingsGroup]:
        """The settings groups currently declared."""


@runtime_checkable
class ConfigStoreByPlace(Protocol):
    """What a ``ConfigStore`` may add so that a request reads only the values that can apply
    to it. Optional: without it, each page and API request reads every stored value of the
    add-on (``stored``), whose number grows with per-customer values."""

    def stored_at(self, prefix: str, scopes: Collection[str],
                  places: Collection[tuple[str, int]]) -> Iterable[StoredSetting]:
        """Every stored value whose key starts with ``prefix`` and which is stored at one of
        ``scopes`` (any id; ``global`` included when named) or at one of ``places``, each a
        (scope, id) pair. Either may be empty."""
