"""A write that waits in vain for another connection's write (SQLite's one writer at a time) is
``DatabaseBusy``: the API and the pages answer 503 with Retry-After, saying nothing was written."""
from __future__ import annotations

import sqlite3

import flask
import pytest
from support.api import CLIENTS, api_payload
from support.payloads import invoice_payload

from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.domain.errors import DatabaseBusy
from oro_invoices.persistence import engine
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web.api import InvoiceApi
from oro_invoices.web.guard import error_response


@pytest.fixture
def locked(tmp_path, monkeypatch):
    """A migrated SQLite file whose write lock another connection holds, and a service over it."""
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    db = Database(url)
    upgrade(db)
    other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield InvoiceService(db)
    other.execute("ROLLBACK")
    other.close()
    db.dispose()


def test_the_service_says_the_database_is_busy_and_writes_nothing(locked):
    with pytest.raises(DatabaseBusy) as busy:
        locked.create(invoice_payload(), actor="test")
    assert "busy with another change, and nothing of this one was written" in busy.value.message
    assert locked.list_invoices(with_total=True).total == 0


def test_the_api_answers_503_with_retry_after(locked):
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(InvoiceApi(locked, authenticate=CLIENTS.get)))
    resp = app.test_client().post("/api/invoices", json=api_payload(), headers={"Authorization": "Bearer tok-erp"})
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "5"
    assert "Try again in a moment." in resp.get_json()["errors"][0]["message"]


def test_a_page_answers_503_saying_to_try_again(locked):
    class Ctx:
        class env:
            @staticmethod
            def get_template(name):
                return type("T", (), {"render": staticmethod(lambda **kw: f"{kw['title']}: {kw['message']}")})()
    resp = error_response(Ctx(), None, DatabaseBusy())
    assert resp.status == 503 and resp.headers["Retry-After"] == "5"
    assert resp.text().startswith("Please try again: The invoices' database is busy")


def test_the_reference_hosts_engine_waits_as_long_as_the_add_ons(tmp_path, monkeypatch):
    """Its tables share the file: a page waits no longer on its user or session than on its invoices."""
    from sqlalchemy import text

    from oro_invoices.hosts.reference.reference import host_engine
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 1234)
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    host, addon = host_engine(url), Database(url)
    try:
        with host.connect() as conn:
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        with addon.engine.connect() as conn:
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1234
    finally:
        host.dispose()
        addon.dispose()
