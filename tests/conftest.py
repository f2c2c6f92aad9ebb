"""Shared fixtures: real databases (SQLite file and a throwaway PostgreSQL database)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from support.databases import PG_ADMIN_URL, make_database

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.services import import_check_process
from oro_invoices.services.facade import InvoiceService

pytest_plugins = ["support.api", "support.mail", "support.stripe_server.fixtures", "support.freeze",
                  "support.seaweedfs", "support.celery_jobs", "support.variant"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database_url():
    """A throwaway PostgreSQL database for this test run, migrated once, dropped at the end."""
    name = f"oro_invoices_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A migrated, empty database: each test using it runs on SQLite and on PostgreSQL."""
    database = make_database(request.param, request, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(request, tmp_path):
    """A migrated, empty SQLite database (for tests that need only one backend)."""
    database = make_database("sqlite", request, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def service(db):
    """The service API over ``db``, with the default plugins."""
    from oro_invoices.integration.plugins import get_plugin_manager
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False))



@pytest.fixture
def shop(tmp_path, request):
    """The seeded reference shop: ``(flask app, seed info)``.

    Its jobs and PDF storage follow the switches of ``support.variant`` (docs/operations.md): with
    ``ORO_INVOICES_TEST_JOBS=celery`` a Celery worker runs the shop's jobs during the test.
    """
    import contextlib

    from support.variant import addon_options

    from oro_invoices.hosts.reference.testing import make_shop
    from oro_invoices.testing.workers import running_worker
    with addon_options(request) as options:
        app, info = make_shop(tmp_path / "shop", **options)
        addon = app.extensions["oro_invoices"].addon
        with running_worker(addon) if addon.config.jobs_broker_url else contextlib.nullcontext():
            yield app, info
        app.extensions["oro_reference_host"].engine.dispose()
        app.extensions["oro_invoices"].service.db.dispose()


@pytest.fixture
def admin(shop):
    """A client of the shop, logged in to the back-office as Northwind's admin."""
    from oro_invoices.hosts.reference.testing import ShopClient
    client = ShopClient(shop[0])
    client.login_admin()
    return client


@pytest.fixture(params=["checked-here", "checked-apart"])
def checking(request, monkeypatch):
    """``run_import`` checks the files in this process, then in a second one while writing
    (there every file counts as large enough: ``import_check_process``)."""
    if request.param == "checked-apart":
        monkeypatch.setattr(import_check_process, "APART_FROM_BYTES", 0)
    return request.param
