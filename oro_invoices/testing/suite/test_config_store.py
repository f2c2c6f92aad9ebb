"""The config store keeps values apart per scope; the add-on resolves them."""
from __future__ import annotations

from typing import Any

import pytest

from oro_invoices.adapters import SettingField, SettingsGroup
from oro_invoices.adapters.config_store import ConfigStoreByPlace, ScopeContext
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.integration.config import Settings
from oro_invoices.testing.suite.base import HostSuite

KEY = "oro_invoices.number_prefix"


class TestConfigStore(HostSuite):
    def test_missing_value_loads_as_none(self) -> None:
        assert self.host.config.load(KEY, "global", None) is None

    def test_save_then_load(self) -> None:
        self.host.config.save(KEY, "ACME-", "global", None)
        assert self.host.config.load(KEY, "global", None) == "ACME-"

    def test_save_replaces(self) -> None:
        self.host.config.save(KEY, "A-", "organization", 1)
        self.host.config.save(KEY, "B-", "organization", 1)
        assert self.host.config.load(KEY, "organization", 1) == "B-"

    def test_scopes_and_ids_are_kept_apart(self) -> None:
        config = self.host.config
        config.save(KEY, "G-", "global", None)
        config.save(KEY, "O1-", "organization", 1)
        config.save(KEY, "O2-", "organization", 2)
        assert [config.load(KEY, "global", None), config.load(KEY, "organization", 1),
                config.load(KEY, "organization", 2), config.load(KEY, "website", 1)] \
            == ["G-", "O1-", "O2-", None]

    def test_delete_forgets_one_scope_only(self) -> None:
        config = self.host.config
        config.save(KEY, "G-", "global", None)
        config.save(KEY, "O1-", "organization", 1)
        config.delete(KEY, "organization", 1)
        assert config.load(KEY, "organization", 1) is None
        assert config.load(KEY, "global", None) == "G-"

    def test_deleting_a_missing_value_is_not_an_error(self) -> None:
        self.host.config.delete(KEY, "website", 99)

    def test_stored_lists_values_by_prefix(self) -> None:
        self.host.config.save(KEY, "X-", "website", 3)
        self.host.config.save("oro_invoices.locale", "de_DE", "global", None)
        found = {(s.key, s.scope, s.scope_id, s.value)
                 for s in self.host.config.stored("oro_invoices.number")}
        assert found == {(KEY, "website", 3, "X-")}

    def test_stored_at_reads_only_the_scopes_and_places_asked_for(self) -> None:
        """``ConfigStoreByPlace``, optional: a store without ``stored_at`` is read whole."""
        config = self.host.config
        by_place = self.host.config
        if not isinstance(by_place, ConfigStoreByPlace):
            pytest.skip("this host's config store reads every value at once (no stored_at)")
        config.save(KEY, "G-", "global", None)
        config.save(KEY, "O-", "organization", 1)
        config.save(KEY, "W-", "website", 2)
        for customer in (7, 8, 9):
            config.save("oro_invoices.locale", "de_DE", "customer", customer)
        config.save("oro_invoices.storefront_enabled", False, "customer_group", 7)
        config.save("other.key", "x", "customer", 7)

        def read(scopes: tuple[str, ...], places: list[tuple[str, int]]) -> set[tuple[Any, ...]]:
            return {(s.key, s.scope, s.scope_id, s.value)
                    for s in by_place.stored_at("oro_invoices.", scopes, places)}
        whole = {(KEY, "global", None, "G-"), (KEY, "organization", 1, "O-"), (KEY, "website", 2, "W-")}
        assert read(("global", "organization", "website"), []) == whole
        assert read(("global", "organization", "website"), [("customer", 8), ("customer_group", 7)]) \
            == whole | {("oro_invoices.locale", "customer", 8, "de_DE"),
                        ("oro_invoices.storefront_enabled", "customer_group", 7, False)}
        assert read((), [("customer", 9)]) == {("oro_invoices.locale", "customer", 9, "de_DE")}
        assert read(("website",), [("customer", 99)]) == {(KEY, "website", 2, "W-")}
        assert read((), []) == set()

    def test_declared_settings_group_round_trip(self) -> None:
        group = SettingsGroup("kit_group", "Kit", ("Commerce", "Kit"),
                              (SettingField("kit.flag", "bool", False, "Flag", "General",
                                            ("global",)),))
        self.host.config.declare_settings(group)
        self.host.config.declare_settings(group)
        assert [g for g in self.host.config.declared_settings() if g.key == "kit_group"] == [group]
        self.host.config.remove_settings("kit_group")
        self.host.config.remove_settings("kit_group")
        assert all(g.key != "kit_group" for g in self.host.config.declared_settings())


    def test_declared_fields_keep_their_order(self) -> None:
        def field(key: str, section: str) -> SettingField:
            return SettingField(key, "str", "", key.title(), section, ("global",))
        group = SettingsGroup("kit_order", "Kit", ("Commerce", "Kit"), (
            field("kit.b", "General"), field("kit.a", "Storefront"), field("kit.c", "General"),
            field("kit.e", "Documents"), field("kit.d", "Storefront")))
        self.host.config.declare_settings(group)
        [stored] = [g for g in self.host.config.declared_settings() if g.key == "kit_order"]
        assert [f.key for f in stored.fields] == ["kit.b", "kit.a", "kit.c", "kit.e", "kit.d"]
        assert [(s, [f.key for f in fs]) for s, fs in stored.sections()] == [
            ("General", ["kit.b", "kit.c"]), ("Storefront", ["kit.a", "kit.d"]),
            ("Documents", ["kit.e"])]


class TestSettingsOverStore(HostSuite):
    """Typed values survive the host's storage, and resolution works over it."""

    @pytest.mark.parametrize("key,value", [
        ("oro_invoices.enabled", True), ("oro_invoices.enabled", False),
        ("oro_invoices.payment_link_ttl_days", 30), ("oro_invoices.number_prefix", ""),
        ("oro_invoices.seller.business_address", "Main St 1\n10115 Berlin"),
    ])
    def test_values_round_trip(self, key: str, value: object) -> None:
        settings = Settings.of_host(self.host)
        settings.set(key, value, "global")
        assert settings.stored(key, "global") == value

    def test_most_specific_scope_wins(self) -> None:
        settings = Settings.of_host(self.host)
        settings.set("oro_invoices.payment_link_ttl_days", 30, "organization", 1)
        settings.set("oro_invoices.payment_link_ttl_days", 7, "website", 2)
        assert settings.value("oro_invoices.payment_link_ttl_days",
                              ScopeContext(organization_id=1, website_id=2)) == 7
        assert settings.value("oro_invoices.payment_link_ttl_days",
                              ScopeContext(organization_id=1, website_id=3)) == 30
        assert settings.value("oro_invoices.payment_link_ttl_days") == 90

    def test_values_anywhere_down_to_a_scope_leaves_the_narrower_scopes_out(self) -> None:
        """The locales an email of the staff can go out in: those of organizations and websites
        (read with ``stored_at`` when the store has it), never a customer's."""
        settings = Settings.of_host(self.host)
        settings.set("oro_invoices.locale", "ja_JP", "organization", 1)
        settings.set("oro_invoices.locale", "fr_FR", "website", 2)
        settings.set("oro_invoices.locale", "de_DE", "customer", 7)
        assert sorted(settings.values_anywhere("oro_invoices.locale", down_to="website")) == \
            ["en_US", "fr_FR", "ja_JP"]
        assert sorted(settings.values_anywhere("oro_invoices.locale")) == ["de_DE", "en_US", "fr_FR", "ja_JP"]
        assert [item.scope_id for item in settings.stored_everywhere("oro_invoices.locale", "website")] == [2]

    def test_invalid_value_is_refused_before_storing(self) -> None:
        settings = Settings.of_host(self.host)
        with pytest.raises(ConfigurationError, match="oro_invoices.payment_method"):
            settings.set("oro_invoices.payment_method", "paypal", "global")
        assert self.host.config.load("oro_invoices.payment_method", "global", None) is None
