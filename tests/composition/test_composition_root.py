"""``build_addon``: one configuration object in, the whole add-on out."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from support.payloads import invoice_payload

from oro_invoices.composition import (
    Addon,
    AddonConfig,
    DefaultsOnlyConfigStore,
    build_addon,
)
from oro_invoices.domain.errors import ConfigurationError, ValidationError
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings, load_schema
from oro_invoices.integration.plugins import hookimpl


def config(db, tmp_path, **changes) -> AddonConfig:
    return AddonConfig(database_url=db.url, storage_url=(tmp_path / "pdf").as_uri(),
                       load_entrypoints=False, **changes)


def test_the_config_is_frozen(sqlite_db, tmp_path):
    with pytest.raises(dataclasses.FrozenInstanceError):
        config(sqlite_db, tmp_path).migrate = True


def test_a_host_object_is_wired_into_every_part(sqlite_db, tmp_path):
    host = MemoryHost()
    Settings(host.config).set("oro_invoices.mail.sender", "billing@acme.test")
    with build_addon(config(sqlite_db, tmp_path), host=host) as addon:
        assert isinstance(addon, Addon)
        assert addon.host is host and addon.invoices.host is host
        assert addon.settings.store is host.config and addon.invoices.settings is addon.settings
        assert addon.invoices.plugins is addon.plugins and addon.mail.plugins is addon.plugins
        assert addon.invoices.storage is addon.storage and addon.mail.invoices is addon.invoices
        assert addon.invoices.renderer is addon.renderer is not None
        assert addon.mail.templates is host.email_templates
        assert addon.mail.sender == "billing@acme.test"
        token = SimpleNamespace(payment_token="t0k")
        assert addon.invoices.payment_url(token) is addon.payment_link(token) is None  # no base URL
        addon.settings.set("oro_invoices.storefront_base_url", "https://shop.example/eu/")
        assert addon.invoices.payment_url(token) == addon.payment_link(token) == \
            "https://shop.example/eu/oro_invoices/storefront/pay?token=t0k"


def test_the_host_checks_customers(sqlite_db, tmp_path):
    host = MemoryHost()
    acme, globex = host.add_customer("Acme"), host.add_customer("Globex")
    stranger = host.add_customer_user(globex.id, "gil@globex.test")
    with build_addon(config(sqlite_db, tmp_path), host=host) as addon:
        with pytest.raises(ValidationError, match="does not belong to customer"):
            addon.invoices.create(invoice_payload(customer_id=acme.id, customer_user_id=stranger.id))


def test_a_host_the_add_on_would_call_wrongly_stops_the_build_saying_what_differs(sqlite_db, tmp_path):
    """A part whose method takes other parameters, a part without a method and a missing part
    would fail later, in some request: the build refuses the host and names each."""
    class Orders:
        def get(self, id, include_lines):
            return None

    class Customers:
        def get_customer(self, customer_id):
            return None

    host = MemoryHost()
    host.orders, host.customers, host.websites = Orders(), Customers(), None
    with pytest.raises(ConfigurationError) as caught:
        build_addon(config(sqlite_db, tmp_path), host=host)
    said = str(caught.value)
    assert said.startswith("The host adapter MemoryHost does not implement the interfaces the add-on calls")
    assert "orders.get: expected (order_id), got (id, include_lines): missing parameter 'order_id'" in said
    assert "customers.descendants: missing (expected descendants(" in said
    assert "websites: missing (the host has no websites part)" in said


def test_the_renderer_follows_the_global_settings(sqlite_db, tmp_path):
    host = MemoryHost()
    settings = Settings(host.config)
    settings.set("oro_invoices.pdf.page_size", "Letter")
    settings.set("oro_invoices.locale", "de_DE")
    with build_addon(config(sqlite_db, tmp_path, pdf_template_dirs=(str(tmp_path),)), host=host) as addon:
        assert addon.renderer.page_size.lower() == "letter" and str(addon.renderer.locale) == "de_DE"
        assert addon.renderer.template_dirs == (str(tmp_path),)
    with build_addon(config(sqlite_db, tmp_path, pdf=False), host=host) as addon:
        assert addon.renderer is None and addon.invoices.renderer is None


def test_the_guest_payment_link_is_the_host_path_under_the_configured_base_url(sqlite_db, tmp_path):
    host = MemoryHost(base_url="http://host-header.example")
    website = host.add_website("EU Store")
    settings = Settings(host.config)
    settings.set("oro_invoices.storefront_base_url", "https://shop.example")
    settings.set("oro_invoices.storefront_base_url", "https://eu.shop.example", "website", website.id)
    with build_addon(config(sqlite_db, tmp_path, pdf=False), host=host) as addon:
        posted = addon.invoices.post(addon.invoices.create(invoice_payload(
            customer_id=None, customer_user_id=None, order_id=None)).id)
        eu = addon.invoices.post(addon.invoices.create(invoice_payload(
            customer_id=None, customer_user_id=None, order_id=None, website_id=website.id)).id)
        assert addon.payment_link(posted) == \
            f"https://shop.example/oro_invoices/storefront/pay?token={posted.payment_token}"
        assert addon.payment_link(eu) == \
            f"https://eu.shop.example/oro_invoices/storefront/pay?token={eu.payment_token}"
        assert addon.payment_link(SimpleNamespace(payment_token=None)) is None


def test_without_a_host_settings_are_the_schema_defaults(sqlite_db, tmp_path):
    with build_addon(config(sqlite_db, tmp_path, pdf=False)) as addon:
        assert addon.host is None and addon.payment_link is None and addon.mail.templates is None
        assert isinstance(addon.settings.store, DefaultsOnlyConfigStore)
        for spec in load_schema():
            assert addon.settings.value(spec.key) == spec.default
        with pytest.raises(ConfigurationError, match="without a host"):
            addon.settings.set("oro_invoices.number_prefix", "X-")
        # no customer checks: the ids are kept as the payload gives them
        doc = addon.invoices.create(invoice_payload())
        assert (doc.customer_id, doc.customer_user_id) == (10, 100)


def test_a_host_named_in_the_config_is_loaded_and_closed(sqlite_db, tmp_path, monkeypatch):
    closed = []
    monkeypatch.setattr(MemoryHost, "close", lambda self: closed.append(self), raising=False)
    addon = build_addon(config(sqlite_db, tmp_path, host="memory", pdf=False))
    assert isinstance(addon.host, MemoryHost) and addon.owns_host
    addon.close()
    assert closed == [addon.host]


def test_a_host_given_as_an_object_is_left_open(sqlite_db, tmp_path, monkeypatch):
    closed = []
    monkeypatch.setattr(MemoryHost, "close", lambda self: closed.append(self), raising=False)
    host = MemoryHost()
    build_addon(config(sqlite_db, tmp_path, host=host, pdf=False)).dispose()
    build_addon(config(sqlite_db, tmp_path, pdf=False), host=host).close()
    assert closed == []


def test_an_unknown_host_name_says_which_hosts_exist(sqlite_db, tmp_path):
    with pytest.raises(ConfigurationError, match="Available: .*memory"):
        build_addon(config(sqlite_db, tmp_path, host="nope"))


def test_plugins_and_clock_come_from_the_config(sqlite_db, tmp_path):
    import datetime as dt
    seen = []

    class Listener:
        @hookimpl
        def invoice_created(self, invoice, actor):
            seen.append(invoice.external_id)

    moment = dt.datetime(2031, 5, 6, 7, 8, tzinfo=dt.UTC)
    with build_addon(config(sqlite_db, tmp_path, pdf=False, plugins=(Listener(),),
                            clock=lambda: moment)) as addon:
        doc = addon.invoices.create(invoice_payload(external_id="P-1"))
        assert seen == ["P-1"] and addon.invoices.clock() == moment
        assert doc.created_at == moment


def test_a_blocked_default_plugin_is_left_out_of_the_built_addon(sqlite_db, tmp_path):
    blocked = ("oro_invoices.integration.default_plugins.oropay",)
    with build_addon(config(sqlite_db, tmp_path, pdf=False, blocked_plugins=blocked)) as addon:
        assert "oropay" not in addon.settings.choices("oro_invoices.payment_method")
    with build_addon(config(sqlite_db, tmp_path, pdf=False)) as addon:
        assert "oropay" in addon.settings.choices("oro_invoices.payment_method")


def test_migrate_creates_the_tables(tmp_path):
    from oro_invoices.persistence.migrate import current_revision, head_revision
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with build_addon(AddonConfig(database_url=url, migrate=True, pdf=False,
                                 load_entrypoints=False)) as addon:
        assert current_revision(addon.db) == head_revision()


def test_a_failed_build_releases_what_it_opened(tmp_path, monkeypatch):
    import oro_invoices.composition as composition
    disposed = []
    real = composition.Database

    class Tracked(real):
        def dispose(self):
            disposed.append(self.url)
            super().dispose()

    monkeypatch.setattr(composition, "Database", Tracked)
    with pytest.raises(ConfigurationError, match="storage URL"):
        build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'x.db'}",
                                storage_url="ftp://nowhere/pdf", load_entrypoints=False))
    assert len(disposed) == 1
