"""PostgreSQL's planner statistics, brought up to date after a bulk write (``postgresql_statistics``).

Autovacuum would analyze the tables too, up to a minute later; these tests count only the
analyses asked for by a client (``pg_stat_get_analyze_count``), which autovacuum's do not touch.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import insert
from support.databases import make_database
from support.payloads import one_line_import

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence import postgresql_statistics
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import

INVOICES = "oro_invoice_invoice"


@pytest.fixture
def pg_db(request, tmp_path):
    database = make_database("postgresql", request, tmp_path)
    yield database
    database.dispose()


def analyses(db: Database, table: str) -> int:
    """How many times a client has analyzed ``table``."""
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        return conn.exec_driver_sql("SELECT pg_stat_get_analyze_count(%(t)s::regclass)", {"t": table}).scalar()


def planned_rows(db: Database, table: str) -> float:
    """The rows the statistics count (-1: never analyzed)."""
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = %(t)s::regclass",
                                    {"t": table}).scalar()


def add_drafts(db: Database, count: int, *, first: int = 1) -> None:
    """``count`` drafts of organization 1, each with its payment state."""
    now = dt.datetime.now(dt.UTC)
    ids = range(first, first + count)
    with db.engine.begin() as conn:
        conn.execute(insert(Invoice), [dict(
            id=i, status="draft", invoice_number=None, external_id=f"ext-{i}", organization_id=1, website_id=1,
            customer_id=1 + i % 50, customer_name=f"Customer {i % 50}", order_id=None,
            invoice_date=dt.date(2026, 1, 1), currency="EUR", subtotal=100, tax_amount=19, total_amount=119,
            payment_token=f"token-{i}", created_by="test", created_at=now, updated_at=now) for i in ids])
        conn.execute(insert(PaymentState), [dict(invoice_id=i, payment_status="pending", forced=False,
                                                 amount_paid=0, updated_at=now, payment_method="")
                                            for i in ids])


def test_an_import_leaves_the_tables_it_filled_analyzed(pg_db, tmp_path):
    before = {t: analyses(pg_db, t) for t in (INVOICES, "oro_invoice_line", "oro_invoice_email")}
    source = one_line_import(tmp_path / "invoices.jsonl", 1200)
    service = InvoiceService(pg_db, plugins=get_plugin_manager(load_entrypoints=False))
    report = run_import(service, [source], organization_id=1, check_apart=False)
    assert report.count("created") == 1200
    assert analyses(pg_db, INVOICES) == before[INVOICES] + 1
    assert analyses(pg_db, "oro_invoice_line") == before["oro_invoice_line"] + 1
    assert analyses(pg_db, "oro_invoice_email") == before["oro_invoice_email"]  # left empty
    assert planned_rows(pg_db, INVOICES) == 1200


def test_a_table_is_analyzed_again_once_it_grew_four_times(pg_db):
    add_drafts(pg_db, 500)
    assert pg_db.refresh_statistics() == []                   # too small to matter
    add_drafts(pg_db, 1500, first=501)
    assert pg_db.refresh_statistics() == [INVOICES, "oro_invoice_payment_state"]
    assert planned_rows(pg_db, INVOICES) == 2000
    add_drafts(pg_db, 4000, first=2001)                         # three times as many as analyzed
    assert pg_db.refresh_statistics() == []
    add_drafts(pg_db, 2500, first=6001)                         # over four times
    assert pg_db.refresh_statistics() == [INVOICES, "oro_invoice_payment_state"]
    assert planned_rows(pg_db, INVOICES) == 8500


def test_a_table_locked_by_a_vacuum_is_left_to_it(pg_db, monkeypatch):
    monkeypatch.setattr(postgresql_statistics, "LOCK_TIMEOUT", "200ms")
    add_drafts(pg_db, 2000)
    holding, release = threading.Event(), threading.Event()

    def hold_the_vacuums_lock() -> None:
        with pg_db.engine.connect() as conn, conn.begin():
            conn.exec_driver_sql(f"LOCK TABLE {INVOICES} IN SHARE UPDATE EXCLUSIVE MODE")
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_vacuums_lock)
    holder.start()
    try:
        assert holding.wait(10)
        assert pg_db.refresh_statistics() == ["oro_invoice_payment_state"]
    finally:
        release.set()
        holder.join()
    assert pg_db.refresh_statistics() == [INVOICES]             # at the next check


def test_a_role_that_does_not_own_the_tables_leaves_them_to_autovacuum(pg_db):
    add_drafts(pg_db, 2000)
    before = analyses(pg_db, INVOICES)
    role = f"oi_writer_{uuid.uuid4().hex[:8]}"
    with pg_db.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    writer = Database(pg_db.engine.url.set(username=role))
    try:
        assert writer.refresh_statistics() == []
        assert analyses(pg_db, INVOICES) == before and planned_rows(pg_db, INVOICES) < 2000
    finally:
        writer.dispose()
        with pg_db.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
    assert pg_db.refresh_statistics() == [INVOICES, "oro_invoice_payment_state"]   # its owner may
