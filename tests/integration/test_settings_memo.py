"""Settings remembered within a request: one read of the store, forgotten on every write; the
values of customers and customer groups read only for the ones the request asks about."""
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

    def stored_at(self, prefix: str, scopes, places):
        self.reads += 1
        found = list(super().stored_at(prefix, scopes, places))
        self.returned += len(found)
        return found

    returned = 0


class WholeStore:
    """A host's store without ``stored_at``: a request reads it whole, once."""

    def __init__(self) -> None:
        self.inner = MemoryConfigStore()
        self.reads = 0

    def load(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        self.reads += 1
        return self.inner.load(key, scope, scope_id)

    def save(self, key: str, value: Any, scope: str, scope_id: int | None) -> None:
        self.inner.save(key, value, scope, scope_id)

    def delete(self, key: str, scope: str, scope_id: int | None) -> None:
        self.inner.delete(key, scope, scope_id)

    def stored(self, prefix: str):
        self.reads += 1
        return self.inner.stored(prefix)


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


def per_customer_locales(store: Any, customers: int) -> Settings:
    settings = Settings(store)
    settings.set("oro_invoices.locale", "fr_FR", "organization", 1)
    settings.set("oro_invoices.storefront_enabled", False, "website", 5)
    for customer in range(100, 100 + customers):
        store.save("oro_invoices.locale", "de_DE", "customer", customer)
    store.save("oro_invoices.locale", "ja_JP", "customer", 4)
    store.save("oro_invoices.storefront_enabled", False, "customer_group", 3)
    return settings


def test_a_request_reads_the_values_of_its_own_customer_only():
    store = CountingStore()
    settings = per_customer_locales(store, 1000)
    with remember_settings():
        assert settings.value("oro_invoices.locale", ORG) == "ja_JP"
        assert not features.is_enabled(settings, features.STOREFRONT, ORG)  # its customer group's
        assert settings.value("oro_invoices.locale", ScopeContext(organization_id=1)) == "fr_FR"
        assert store.reads == 1
        assert store.returned == 4  # two at the whole scopes, its customer's and its group's
        other = ScopeContext(organization_id=1, customer_id=150)
        assert settings.value("oro_invoices.locale", other) == "de_DE"
        assert settings.value("oro_invoices.locale", other) == "de_DE"
        assert (store.reads, store.returned) == (2, 5)  # one more read: that customer's value
        assert [(s.scope_id, s.value) for s in settings.stored_everywhere("oro_invoices.storefront_enabled",
                                                                          "website")] == [(5, False)]
        assert store.reads == 2  # the websites' values came with the first read
    everywhere = settings.stored_everywhere("oro_invoices.locale")
    assert len(everywhere) == 1002 and {s.scope for s in everywhere} == {"organization", "customer"}


def test_a_store_without_stored_at_is_read_whole_once_per_request():
    store = WholeStore()
    settings = per_customer_locales(store, 50)
    with remember_settings():
        assert settings.value("oro_invoices.locale", ORG) == "ja_JP"
        assert settings.value("oro_invoices.locale", ScopeContext(organization_id=1, customer_id=120)) == "de_DE"
        assert not features.is_enabled(settings, features.STOREFRONT, ORG)
        assert [s.scope_id for s in settings.stored_everywhere("oro_invoices.storefront_enabled", "website")] == [5]
    assert store.reads == 1
    store.reads = 0
    assert settings.value("oro_invoices.locale", ORG) == "ja_JP"
    assert store.reads >= 1  # outside a request: read by key, as before


def test_a_customer_expected_beforehand_is_read_with_the_first_read():
    store = CountingStore()
    settings = per_customer_locales(store, 1000)
    with remember_settings():
        settings.expect(ORG)
        assert store.reads == 0  # nothing is read until a value is asked for
        assert settings.value("oro_invoices.locale", ScopeContext(organization_id=1)) == "fr_FR"
        assert store.reads == 1
        assert settings.value("oro_invoices.locale", ORG) == "ja_JP"  # its customer's, read already
        assert not features.is_enabled(settings, features.STOREFRONT, ORG)  # its customer group's
        assert (store.reads, store.returned) == (1, 4)
        settings.expect(ORG)  # read already: nothing more
        assert settings.value("oro_invoices.locale", ScopeContext(organization_id=1, customer_id=150)) == "de_DE"
        assert (store.reads, store.returned) == (2, 5)
    with remember_settings():
        settings.expect(ScopeContext(organization_id=1, customer_id=150))
        assert settings.value("oro_invoices.locale", ORG) == "ja_JP"
        assert store.reads == 3  # one read for both customers
        assert settings.value("oro_invoices.locale", ScopeContext(organization_id=1, customer_id=150)) == "de_DE"
        assert store.reads == 3
