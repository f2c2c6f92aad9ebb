"""The reference shop's WSGI entry for several processes: its settings, and two application
instances (as two processes would build them) over one PostgreSQL database."""
from __future__ import annotations

import re

import pytest
from support.databases import truncate_pg

from oro_invoices.hosts.reference.wsgi import Environment, close, setup

pytest.importorskip("flask")


def test_environment_reads_the_oro_reference_variables():
    env = Environment.read({"ORO_REFERENCE_DATA_DIR": "/srv/shop", "ORO_REFERENCE_DATABASE_URL": "postgresql://db/shop",
                            "ORO_REFERENCE_STORAGE_URL": " ", "ORO_REFERENCE_SECURE_COOKIES": "1"})
    assert env == Environment(data_dir="/srv/shop", database_url="postgresql://db/shop", storage_url=None,
                              secure_cookies=True)
    assert Environment.read({}) == Environment()
    with pytest.raises(ValueError, match="ORO_REFERENCE_SECURE_COOKIES must be 1 or 0, not 'maybe'"):
        Environment.read({"ORO_REFERENCE_SECURE_COOKIES": "maybe"})
    pooled = Environment.read({"ORO_REFERENCE_DB_POOL_SIZE": "3", "ORO_REFERENCE_DB_MAX_OVERFLOW": "0"})
    assert pooled.database_pool == (("pool_size", 3), ("max_overflow", 0))
    with pytest.raises(ValueError, match="ORO_REFERENCE_DB_POOL_SIZE must be a whole number of 0 or more, not '-2'"):
        Environment.read({"ORO_REFERENCE_DB_POOL_SIZE": "-2"})


@pytest.fixture
def pg_url(pg_database_url):
    """The run's PostgreSQL database, emptied; the reference host's tables are dropped afterwards."""
    from oro_invoices.hosts.reference import models as m
    from oro_invoices.persistence.engine import Database
    db = Database(pg_database_url)
    truncate_pg(db)
    yield pg_database_url
    truncate_pg(db)
    m.metadata.drop_all(db.engine)
    db.dispose()


def _login(client, username: str) -> None:
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login", data={"username": username, "password": "secret123",
                                             "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/")


def test_two_workers_on_postgresql_share_logins_and_logout(tmp_path, pg_url):
    environ = {"ORO_REFERENCE_DATA_DIR": str(tmp_path), "ORO_REFERENCE_DATABASE_URL": pg_url,
               "ORO_REFERENCE_DB_POOL_SIZE": "2", "ORO_REFERENCE_DB_MAX_OVERFLOW": "1"}
    setup(environ)
    first, second = Environment.read(environ).app(setup=False), Environment.read(environ).app(setup=False)
    try:
        host = first.extensions["oro_reference_host"]
        assert host.engine.dialect.name == "postgresql"
        for engine in (host.engine, first.extensions["oro_invoices"].service.db.engine):
            assert (engine.pool.size(), engine.pool._max_overflow) == (2, 1)
        organization = host.records.add_organization("Shop")
        host.records.add_admin("ops", "secret123", organization_id=organization)
        a, b = first.test_client(), second.test_client()
        _login(a, "ops")
        b.set_cookie("session", a.get_cookie("session").value)  # the same browser, another process
        assert b.get("/admin/").status_code == 200
        # a form shown by one instance is accepted by the other
        page = a.get("/admin/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        b.set_cookie("session", a.get_cookie("session").value)  # the browser's one cookie jar
        assert b.post("/admin/logout", data={"csrf_token": token}).status_code == 302
        # logged out on the server: the first instance refuses its copy of the old cookie
        after = a.get("/admin/")
        assert after.status_code == 302 and "/admin/login" in after.headers["Location"], after.status_code
    finally:
        close(first)
        close(second)


def test_a_worker_for_the_shop_uses_the_shops_settings(tmp_path, monkeypatch):
    """``oro-invoices worker --host reference-shop`` loads the shop the environment configures,
    so the jobs it runs see the settings saved in that shop, not the defaults."""
    from oro_invoices.adapters import load_host
    from oro_invoices.composition import AddonConfig, build_addon
    environ = {"ORO_REFERENCE_DATA_DIR": str(tmp_path)}
    setup(environ)
    shop = Environment.read(environ).app(setup=False)
    try:
        shop.extensions["oro_invoices"].settings.set("oro_invoices.number_prefix", "SHOP-")
    finally:
        close(shop)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    host = load_host("reference-shop")
    addon = build_addon(AddonConfig(database_url=host.engine.url.render_as_string(hide_password=False)),
                        host=host)
    try:
        assert addon.invoices.setting("oro_invoices.number_prefix", organization_id=1) == "SHOP-"
    finally:
        addon.close()
        host.engine.dispose()
