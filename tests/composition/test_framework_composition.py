"""The Flask extension and the reference host's app factory build the add-on through ``build_addon``."""
from __future__ import annotations

import flask
import pytest

import oro_invoices.hosts.reference.app as reference_app
import oro_invoices.web.mounting as mounting
from oro_invoices.adapters.flask import OroInvoices, addon_config
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.hosts.reference.reference import ReferenceHost


def spy_on(monkeypatch, module) -> list:
    calls: list = []
    real = module.build_addon

    def spy(config, *, host=None, plugins=None):
        addon = real(config, host=host, plugins=plugins)
        calls.append(addon)
        return addon
    monkeypatch.setattr(module, "build_addon", spy)
    return calls


def flask_app(tmp_path, **config) -> flask.Flask:
    app = flask.Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="s3cret", **config)
    return app


def test_init_app_builds_the_addon_from_app_config(monkeypatch, sqlite_db, tmp_path):
    calls = spy_on(monkeypatch, mounting)
    app = flask_app(tmp_path, ORO_INVOICES_DATABASE_URL=sqlite_db.url,
                    ORO_INVOICES_SMTP_URL="smtp://127.0.0.1:2525")
    host = MemoryHost()
    ext = OroInvoices(app, host=host)
    [addon] = calls
    assert ext.addon is addon and addon.host is host
    assert ext.service is addon.invoices and ext.mail is addon.mail
    assert ext.settings is addon.settings and ext.plugins is addon.plugins
    assert addon.config.smtp == "smtp://127.0.0.1:2525" and addon.mail.transport is not None
    assert addon.config.storage_url == "file://" + str(tmp_path / "instance" / "oro-invoices-pdf")
    addon.close()


def test_addon_config_needs_the_database_url(tmp_path):
    with pytest.raises(RuntimeError, match="ORO_INVOICES_DATABASE_URL"):
        addon_config(flask_app(tmp_path))


def test_a_built_addon_is_used_as_given(monkeypatch, sqlite_db, tmp_path):
    calls = spy_on(monkeypatch, mounting)
    host = MemoryHost()
    addon = build_addon(AddonConfig(database_url=sqlite_db.url, load_entrypoints=False, pdf=False),
                        host=host)
    ext = OroInvoices(flask_app(tmp_path), addon=addon)
    assert calls == [] and ext.host is host and ext.service is addon.invoices
    addon.close()


def test_the_reference_app_factory_builds_the_addon_over_its_host(monkeypatch, tmp_path):
    from oro_invoices.hosts.reference.testing import make_shop
    calls = spy_on(monkeypatch, reference_app)
    app, _ = make_shop(tmp_path / "shop", seeded=False)
    [addon] = calls
    ext = app.extensions["oro_invoices"]
    assert ext.addon is addon and isinstance(addon.host, ReferenceHost)
    assert addon.host is app.extensions["oro_reference_host"]
    assert app.extensions["oro_reference_api"].service is addon.invoices
    assert addon.config.migrate
    addon.close()
    addon.host.engine.dispose()
