"""Settings remembered within a request: one read of the store, forgotten on every write."""
from __future__ import annotations

from typing import Any

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration import features
from oro_invoices.integration.config import Settings
from oro_invoices.integration.settings_memo import remember_settings

ORG = ScopeContext(organization_id=1, website_id=2, customer_group_id=3, customer_id=4)


class CountingStore(MemoryConfigStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def load(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        self.reads += 1
        return super().load(key, scope, scope_id)

    def stored(self, prefix: str):
        self.reads += 1
        return super().stored(prefix)


def test_feature_checks_read_the_store_once_per_request():
    store = CountingStore()
    Settings(store).set("oro_invoices.enabled", True)
    Settings(store).set("oro_invoices.storefront_enabled", False, "website", 2)
    with remember_settings():
        for _ in range(10):
            assert features.is_enabled(Settings(store), features.INVOICES, ORG)
            assert not features.is_enabled(Settings(store), features.STOREFRONT, ORG)
            assert features.is_enabled(Settings(store), features.STOREFRONT,
                                       ScopeContext(organization_id=1))
    assert store.reads == 1
    store.reads = 0
    assert features.is_enabled(Settings(store), features.INVOICES, ORG)
    assert store.reads > 1  # outside a request: read every time, as before


def test_a_write_within_the_request_is_seen_at_once():
    store = CountingStore()
    settings = Settings(store)
    settings.set("oro_invoices.enabled", True)
    with remember_settings():
        assert settings.value("oro_invoices.enabled", ORG) is True
        settings.set("oro_invoices.enabled", False, "organization", 1)
        assert settings.value("oro_invoices.enabled", ORG) is False
        settings.apply({"oro_invoices.enabled": None}, "organization", 1)
        assert settings.value("oro_invoices.enabled", ORG) is True
        settings.set("oro_invoices.enabled", False)
        settings.unset("oro_invoices.enabled")
        assert settings.value("oro_invoices.enabled", ORG) is False  # the schema's default


def test_each_request_reads_afresh():
    store = CountingStore()
    settings = Settings(store)
    with remember_settings():
        assert settings.value("oro_invoices.number_prefix") == settings.schema["oro_invoices.number_prefix"].default
    store.save("oro_invoices.number_prefix", "NEW-", "global", None)  # behind Settings' back
    with remember_settings():
        assert settings.value("oro_invoices.number_prefix") == "NEW-"


def test_stored_everywhere_agrees_with_the_store():
    store = CountingStore()
    settings = Settings(store)
    settings.set("oro_invoices.storefront_enabled", False, "website", 2)
    settings.set("oro_invoices.storefront_enabled", True, "website", 5)
    outside = {(s.scope, s.scope_id, s.value) for s in settings.stored_everywhere("oro_invoices.storefront_enabled")}
    with remember_settings():
        inside = {(s.scope, s.scope_id, s.value)
                  for s in settings.stored_everywhere("oro_invoices.storefront_enabled")}
    assert inside == outside == {("website", 2, False), ("website", 5, True)}
