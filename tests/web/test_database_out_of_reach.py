"""A database that does not answer while a page or the API reads (a PostgreSQL connection cut
by the server, a server nobody listens for, SQLite locked by another connection past the busy
timeout) is a 503 with Retry-After that says the invoices' database cannot be reached, never a
500 nor the driver's words; the log has the driver's error with its traceback, once. A programming
error stays a 500. A failing PDF storage is said without its URL or endpoint."""
from __future__ import annotations

import contextlib
import logging
import re
import shutil
import socket
import sqlite3
from collections.abc import Iterator

import flask
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.testclient import TestClient
from support.api import CLIENTS
from support.databases import PG_ADMIN_URL, truncate_pg
from support.ports import free_port
from support.stripe_payments import configure_stripe, local_account
from werkzeug.datastructures import MultiDict

from oro_invoices.adapters.asgi import OroInvoices
from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.adapters.identity import PERMISSIONS, CurrentUser
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.domain.errors import StorageError
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.hosts.reference.testing import ShopClient
from oro_invoices.integration import profile
from oro_invoices.integration.config import Settings
from oro_invoices.persistence import engine as engine_module
from oro_invoices.persistence.engine import Database
from oro_invoices.services.facade import InvoiceService
from oro_invoices.testing.pages import KitShop
from oro_invoices.web.api import ApiClient, InvoiceApi
from oro_invoices.web.errors import status_for

BUSY = "The invoices&#39; database is busy with another change, and nothing of this one was written."
UNREACHABLE = "The invoices&#39; database cannot be reached right now. Please try again in a few minutes."
UNREACHABLE_JSON = "The invoices' database cannot be reached right now. Please try again in a few minutes."
ADMIN = CurrentUser(7, "admin", "Ada", "ada@shop.test", 1)
TOKEN = {"Authorization": "Bearer tok"}


class Shop:
    """A Starlette app with the add-on mounted over one database, its kit data, a client."""

    def __init__(self, url: str, tmp_path):
        self.host = MemoryHost()
        profile.install(self.host)
        self.addon = build_addon(AddonConfig(database_url=url, storage_url=(tmp_path / "pdf").as_uri(), pdf=False,
                                             load_entrypoints=False), host=self.host)
        app = Starlette(middleware=[Middleware(SessionMiddleware, secret_key="s3cret")])
        OroInvoices(app, addon=self.addon, api_authenticate={"tok": ApiClient("erp", 1)}.get)
        self.data = KitShop.build(self.host, self.addon, self.addon.settings)
        self.client = TestClient(app, follow_redirects=False)

    def as_admin(self) -> Shop:
        self.host.users.user, self.host.users.granted = ADMIN, frozenset(PERMISSIONS)
        return self

    def as_customer(self) -> Shop:
        own = self.data.users["own"]
        self.host.users.user = CurrentUser(own.id, "customer_user", "Olivia Own", "own@acme.test", 1,
                                           customer_user_id=own.id)
        return self


def _shop(kind: str, tmp_path, request) -> Iterator[Shop]:
    if kind == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "invoices.db")
        url = f"sqlite:///{tmp_path / 'invoices.db'}"
    else:
        url = request.getfixturevalue("pg_database_url")
        db = Database(url)
        truncate_pg(db)
        db.dispose()
    shop = Shop(url, tmp_path)
    yield shop
    shop.client.close()
    shop.addon.close()


@pytest.fixture
def pg_shop(tmp_path, request):
    yield from _shop("postgresql", tmp_path, request)


@pytest.fixture
def sqlite_shop(tmp_path, request, monkeypatch):
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    yield from _shop("sqlite", tmp_path, request)


class BackendKiller:
    """Terminates, from another connection, the PostgreSQL backend of the next statement the
    engine sends (once armed): that statement fails as on a server restart."""

    def __init__(self, engine):
        self.engine, self.admin, self.armed, self.killed = engine, create_engine(PG_ADMIN_URL), False, 0
        event.listen(engine, "before_cursor_execute", self.kill)

    def kill(self, conn, *_args) -> None:
        if not self.armed:
            return
        self.armed = False
        pid = conn.connection.dbapi_connection.info.backend_pid
        with self.admin.connect() as other:   # waits (up to 10 s) until the backend is gone
            assert other.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid}).scalar()
        self.killed += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.kill)
        self.admin.dispose()


def tracebacks(caplog) -> list[logging.LogRecord]:
    """The log records with a traceback whose error came from the driver (SQLAlchemy's, or the
    driver's own where the add-on worded it)."""
    return [r for r in caplog.records if r.exc_info and _from_driver(r.exc_info[1])]


def _from_driver(exc: BaseException | None) -> bool:
    while exc is not None:
        if type(exc).__name__ == "OperationalError":
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _says_out_of_reach(resp, *, json: bool = False) -> None:
    assert resp.status_code == 503, (resp.status_code, resp.text[:300])
    assert resp.headers["Retry-After"] == "30"
    if json:
        assert resp.json() == {"errors": [{"field": "", "message": UNREACHABLE_JSON}]}
    else:
        assert UNREACHABLE in resp.text and "Please try again" in resp.text
    for driver_words in ("terminating connection", "psycopg", "OperationalError", "database is locked"):
        assert driver_words not in resp.text


def test_a_cut_postgresql_connection_is_a_503_on_pages_and_the_api(pg_shop, caplog):
    killer = BackendKiller(pg_shop.addon.db.engine)
    posted = pg_shop.data.posted
    try:
        for url, who, json in [("/admin/invoices", pg_shop.as_admin, False),
                               (f"/admin/invoices/{posted.id}", pg_shop.as_admin, False),
                               ("/customer/invoices", pg_shop.as_customer, False),
                               (f"/customer/invoices/{posted.id}", pg_shop.as_customer, False),
                               ("/api/invoices", pg_shop.as_admin, True),
                               (f"/api/invoices/{posted.id}", pg_shop.as_admin, True)]:
            who()
            caplog.clear()
            killer.armed = True
            resp = pg_shop.client.get(url, headers=TOKEN if json else {})
            assert killer.killed and not killer.armed, url
            _says_out_of_reach(resp, json=json)
            assert len(tracebacks(caplog)) == 1, (url, [r.getMessage() for r in caplog.records])
            assert pg_shop.client.get(url, headers=TOKEN if json else {}).status_code == 200, url  # back at once
    finally:
        killer.close()


def test_a_postgresql_server_nobody_listens_for_is_a_503_for_the_api(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = Database(f"postgresql://postgres@127.0.0.1:{port}/invoices")
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(InvoiceApi(InvoiceService(db), authenticate=CLIENTS.get)))
    try:
        resp = app.test_client().get("/api/invoices/1", headers={"Authorization": "Bearer tok-erp"})
    finally:
        db.dispose()
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "30"
    assert resp.get_json() == {"errors": [{"field": "", "message": UNREACHABLE_JSON}]}
    assert str(port) not in resp.get_data(as_text=True)
    assert len(tracebacks(caplog)) == 1


def test_sqlite_locked_by_another_connection_is_a_503_on_pages_and_the_api(sqlite_shop, caplog):
    path = sqlite_shop.addon.db.engine.url.database
    sqlite_shop.addon.db.dispose()    # no pooled connection keeps the file open: the lock can be taken
    other = sqlite3.connect(path, isolation_level=None, timeout=0.5)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")   # in WAL mode, readers wait too
    other.execute("BEGIN EXCLUSIVE")
    other.execute("DELETE FROM oro_invoice_note WHERE 0")
    try:
        for url, who, json in [("/admin/invoices", sqlite_shop.as_admin, False),
                               ("/customer/invoices", sqlite_shop.as_customer, False),
                               ("/api/invoices", sqlite_shop.as_admin, True)]:
            who()
            caplog.clear()
            _says_out_of_reach(sqlite_shop.client.get(url, headers=TOKEN if json else {}), json=json)
            assert len(tracebacks(caplog)) == 1, (url, [r.getMessage() for r in caplog.records])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert sqlite_shop.as_admin().client.get("/admin/invoices").status_code == 200


@pytest.mark.parametrize("error", [ProgrammingError("SELECT nope", {}, Exception("syntax error")),
                                   IntegrityError("INSERT", {}, Exception("duplicate key"))])
def test_a_programming_error_stays_a_500(error):
    assert status_for(error) == 500
    assert status_for(OperationalError("SELECT 1", {}, Exception("connection refused"))) == 503


def test_a_failing_storage_is_said_without_its_url(sqlite_shop, caplog):
    url = "s3://pdfs/invoices?endpoint_url=http://10.9.8.7:9000"

    def fails(sha256: str):
        raise StorageError(f"Could not open object {sha256} in {url}: Access Denied")

    sqlite_shop.addon.storage.open = fails   # type: ignore[method-assign]
    posted = sqlite_shop.as_admin().data.posted
    api = sqlite_shop.client.get(f"/api/invoices/{posted.id}/pdf", headers=TOKEN)
    page = sqlite_shop.client.get(f"/admin/invoices/{posted.id}/download")
    for resp in (api, page):
        assert resp.status_code == 500
        assert "could not be read from storage" in resp.text
        for secret in ("s3://", "endpoint_url", "10.9.8.7"):
            assert secret not in resp.text
    assert any(url in r.getMessage() for r in caplog.records)   # the log keeps the full text


def test_a_host_whose_users_lose_the_database_gets_the_503_page(sqlite_shop, caplog):
    """The last-resort page (the host failed before the add-on's page ran) says it too."""
    def lost():
        raise OperationalError("SELECT * FROM users", {}, Exception("server closed the connection unexpectedly"))

    sqlite_shop.as_admin().host.users.current = lost   # type: ignore[method-assign]
    resp = sqlite_shop.client.get("/admin/invoices")
    _says_out_of_reach(resp)
    assert "server closed" not in resp.text
    assert len(tracebacks(caplog)) == 1


def test_the_api_still_says_no_pdf_storage_is_configured(sqlite_shop):
    sqlite_shop.addon.invoices.context.storage = None
    resp = sqlite_shop.as_admin().client.get(f"/api/invoices/{sqlite_shop.data.posted.id}/pdf", headers=TOKEN)
    assert resp.status_code == 500
    assert resp.json() == {"errors": [{"field": "", "message": "No PDF storage is configured."}]}


def test_a_storage_error_naming_no_storage_is_said_as_it_is(sqlite_shop, caplog):
    """A stored PDF shorter than recorded: pages and the API say so (not only the log), naming no storage."""
    posted = sqlite_shop.as_admin().data.posted
    path = sqlite_shop.addon.storage.path_for(posted.pdf.sha256)
    path.write_bytes(path.read_bytes()[:10])
    api = sqlite_shop.client.get(f"/api/invoices/{posted.id}/pdf", headers=TOKEN)
    page = sqlite_shop.client.get(f"/admin/invoices/{posted.id}/download")
    for resp in (api, page):
        assert resp.status_code == 500, resp.text[:300]
        assert "The stored file ended early." in resp.text
        assert "could not be read from storage" not in resp.text
        assert str(sqlite_shop.addon.storage.root) not in resp.text
    assert api.json() == {"errors": [{"field": "", "message": "The stored file ended early."}]}


def test_a_page_says_no_pdf_storage_is_configured(sqlite_shop):
    sqlite_shop.addon.invoices.context.storage = None
    resp = sqlite_shop.as_admin().client.get(f"/admin/invoices/{sqlite_shop.data.posted.id}/download")
    assert resp.status_code == 500
    assert "No PDF storage is configured." in resp.text


@contextlib.contextmanager
def writing_elsewhere(path: str) -> Iterator[None]:
    """Another connection holds SQLite's write lock on ``path`` (readers go on, in WAL mode)."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0.5)
    other.execute("BEGIN IMMEDIATE")
    other.execute("DELETE FROM oro_invoice_note WHERE 0")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_an_action_the_database_cannot_write_is_the_503_page_not_a_refusal(sqlite_shop):
    """Pages that show their action's errors in a flash (Delete) or their form (Void) let the
    database's busy answer become the 503 page with Retry-After."""
    shop = sqlite_shop.as_admin()
    draft, posted = shop.data.draft, shop.data.posted
    page = shop.client.get(f"/admin/invoices/{draft.id}/delete").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    with writing_elsewhere(shop.addon.db.engine.url.database):
        deleted = shop.client.post(f"/admin/invoices/{draft.id}/delete", data=form)
        voided = shop.client.post(f"/admin/invoices/{posted.id}/void", data={**form, "reason": "Wrong"})
    for resp in (deleted, voided):
        assert resp.status_code == 503, (resp.status_code, resp.headers.get("location"))
        assert resp.headers["Retry-After"] == "5"
        assert BUSY in resp.text
    assert shop.client.get(f"/admin/invoices/{draft.id}").status_code == 200   # nothing was deleted


def test_proceed_with_payment_the_database_cannot_write_is_the_503_page(shop, monkeypatch):
    """Its refusals are 409/422 and the provider's 502; the database's busy answer is none of them."""
    app = shop[0]
    configure_stripe(Settings(app.extensions["oro_reference_host"].config),
                     local_account(f"http://127.0.0.1:{free_port()}"), base_url="http://localhost")
    client = ShopClient(app)
    client.login_customer("ben.ortiz@acme.example")
    doc = client.service.get(client.service.find_id(external_id="ERP-SO-1003-3"))
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    form = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    client.service.db.dispose()                     # new connections wait 200 ms, not 30 s
    app.extensions["oro_reference_host"].engine.dispose()
    with writing_elsewhere(client.service.db.engine.url.database):
        resp = client.client.post(f"/customer/invoices/{doc.id}/payment",
                                  data=MultiDict([(k, v.replace("&amp;", "&")) for k, v in form]))
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "5"
    assert BUSY in resp.get_data(as_text=True)
    assert not [e for e in client.service.activities(doc.id) if "started via" in e.summary]   # nothing began
