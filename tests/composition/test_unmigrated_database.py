"""A database the add-on's migrations have not run on: every use says so and how to fix it,
rather than the driver's "no such table"."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.testclient import TestClient
from support.databases import PG_ADMIN_URL

from oro_invoices.adapters.asgi import OroInvoices
from oro_invoices.adapters.identity import PERMISSIONS, CurrentUser
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.domain.errors import DatabaseNotMigrated, InvoiceError
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.web.api import ApiClient

HINT = "the add-on's migrations have not run on it. Run `oro-invoices migrate --db URL`"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"oro_invoices_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_service_says_the_database_is_not_migrated(empty_url):
    addon = build_addon(AddonConfig(database_url=empty_url, pdf=False, load_entrypoints=False), host=MemoryHost())
    try:
        with pytest.raises(DatabaseNotMigrated, match="has no table oro_invoice_invoice: " + HINT) as caught:
            addon.invoices.get(1)
        assert isinstance(caught.value, InvoiceError)
    finally:
        addon.close()


def test_pages_and_the_api_answer_503_and_log_how_to_migrate(tmp_path, caplog):
    host = MemoryHost()
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'empty.db'}", pdf=False,
                                    load_entrypoints=False), host=host)
    addon.settings.set("oro_invoices.enabled", True)
    host.users.user = CurrentUser(7, "admin", "Ada", "ada@shop.test", 1)
    host.users.granted = frozenset(PERMISSIONS)
    app = Starlette(middleware=[Middleware(SessionMiddleware, secret_key="s3cret")])
    OroInvoices(app, addon=addon, api_authenticate={"tok": ApiClient("erp", 1)}.get)
    with TestClient(app) as client:
        page = client.get("/admin/invoices/1")
        assert page.status_code == 503 and "oro_invoice_invoice" not in page.text   # no internals shown
        api = client.get("/api/invoices/1", headers={"Authorization": "Bearer tok"})
        assert api.status_code == 503 and HINT in api.json()["errors"][0]["message"]   # for the operator
    assert HINT in caplog.text
    addon.close()
