"""SQLite's planner statistics, kept by the add-on's own connections (``sqlite_statistics``).

Without statistics SQLite takes, of two indexes that fit a statement alike, the one its schema
lists last: the storefront list of one customer then read the whole organization's index by
date. These tests make that happen on purpose (the organization's index is created again, so
it is listed last) and check that the add-on's connections analyze the invoices and plan the
customer's list on the customer's index.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import insert
from support.payloads import one_line_import

from oro_invoices.persistence import sqlite_statistics
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice, PaymentState

#: one customer's posted invoices, newest first: the storefront list's per-customer page
CUSTOMER_PAGE = ("SELECT id FROM oro_invoice_invoice WHERE status = 'posted' AND organization_id = 1 "
                 "AND customer_id = 7 ORDER BY invoice_date DESC, id DESC LIMIT 26")


def add_invoices(db: Database, count: int, *, first: int = 1, crediting: tuple[int, ...] = ()) -> None:
    """``count`` posted invoices of organization 1 (one in ten of organization 2) over 50 customers;
    those of ``crediting`` credit invoice 1."""
    now = dt.datetime.now(dt.UTC)
    ids = range(first, first + count)
    with db.engine.begin() as conn:
        conn.execute(insert(Invoice), [dict(
            id=i, status="draft", invoice_number=None, external_id=f"ext-{i}",
            organization_id=2 if i % 10 == 0 else 1, website_id=1, customer_id=1 + i % 50,
            customer_name=f"Customer {i % 50}", order_id=None, credited_invoice_id=1 if i in crediting else None, invoice_date=dt.date(2024, 1, 1)
            + dt.timedelta(days=i % 700), currency="EUR", subtotal=100, tax_amount=19, total_amount=119,
            payment_token=f"token-{i}", created_by="test", created_at=now, updated_at=now) for i in ids])
        conn.execute(insert(PaymentState), [dict(invoice_id=i, payment_status="pending", forced=False,
                                                 amount_paid=0, updated_at=now, payment_method="")
                                            for i in ids])
        conn.exec_driver_sql(f"UPDATE oro_invoice_invoice SET status = 'posted', invoice_number = 'N-' || id, "
                             f"posted_at = created_at WHERE id >= {first}")


def organization_index_listed_last(path: Path) -> None:
    """Create the organization's date index again, so that without statistics it wins the tie."""
    raw = sqlite3.connect(path, isolation_level=None)
    (ddl,) = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'ix_oro_invoice_invoice_org_date_id'").fetchone()
    raw.execute("DROP INDEX ix_oro_invoice_invoice_org_date_id")
    raw.execute(ddl)
    raw.close()


def plan(conn: sqlite3.Connection) -> str:
    return " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + CUSTOMER_PAGE))


def stats_of(path: Path, table: str = "oro_invoice_invoice") -> int:
    """The rows the stored statistics of ``table`` count (0: none)."""
    raw = sqlite3.connect(path)
    try:
        found = raw.execute("SELECT max(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = ?", (table,)).fetchone()
    except sqlite3.OperationalError:  # no sqlite_stat1 yet
        return 0
    finally:
        raw.close()
    return found[0] or 0


@pytest.fixture
def path(sqlite_db: Database) -> Path:
    return Path(sqlite_db.engine.url.database)


def test_without_statistics_the_customer_list_reads_the_organizations_index(sqlite_db, path):
    """What the module prevents: the plan a connection without statistics takes."""
    add_invoices(sqlite_db, 3000)
    organization_index_listed_last(path)
    raw = sqlite3.connect(path)
    assert "ix_oro_invoice_invoice_org_date_id" in plan(raw)
    assert stats_of(path) == 0


def test_a_new_connection_analyzes_the_invoices_and_plans_on_the_customers_index(sqlite_db, path):
    add_invoices(sqlite_db, 3000)
    organization_index_listed_last(path)
    sqlite_db.engine.dispose()                       # the pool's connections opened before the rows
    with sqlite_db.engine.connect() as conn:
        assert "ix_oro_invoice_invoice_customer_date_id" in plan(conn.connection.dbapi_connection)
    assert 2000 <= stats_of(path) <= 4000           # sampled: about the 3,000 rows
    assert stats_of(path, "oro_invoice_payment_state") > 0
    assert stats_of(path, "oro_invoice_line") == 0   # empty: nothing to analyze


def test_small_tables_are_left_unanalyzed(sqlite_db, path):
    add_invoices(sqlite_db, sqlite_statistics.MIN_ROWS - 1)
    sqlite_db.engine.dispose()
    with sqlite_db.engine.connect() as conn:
        assert sqlite_statistics.stale_tables(conn.connection.dbapi_connection) == []
    assert stats_of(path) == 0


def test_a_table_that_grew_four_times_is_analyzed_again_and_one_that_grew_less_is_not(sqlite_db, path):
    add_invoices(sqlite_db, 1200)
    assert sqlite_db.refresh_statistics() == ["oro_invoice_invoice", "oro_invoice_payment_state"]
    analyzed = stats_of(path)
    add_invoices(sqlite_db, 1200, first=1201)        # twice as many
    assert sqlite_db.refresh_statistics() == [] and stats_of(path) == analyzed
    add_invoices(sqlite_db, 3600, first=2401)        # five times as many as analyzed
    assert sqlite_db.refresh_statistics() == ["oro_invoice_invoice", "oro_invoice_payment_state"]
    assert stats_of(path) >= 4000


def test_a_pooled_connection_is_replaced_once_statistics_change_elsewhere(sqlite_db, path, monkeypatch):
    organization_index_listed_last(path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("ANALYZE")                           # sqlite_stat1 made while the tables are empty
    raw.close()
    sqlite_db.engine.dispose()
    add_invoices(sqlite_db, 3000)                    # on a connection opened before the rows, kept by the pool
    with sqlite_db.engine.connect() as conn:
        before = conn.connection.dbapi_connection
        assert "ix_oro_invoice_invoice_org_date_id" in plan(before)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("ANALYZE")                         # another process analyzes
    other.close()
    with sqlite_db.engine.connect() as conn:         # checked less than CHECK_EVERY ago: kept as it is
        assert conn.connection.dbapi_connection is before
        assert "ix_oro_invoice_invoice_org_date_id" in plan(before)   # SQLite read statistics at its opening
    monkeypatch.setattr(sqlite_statistics, "CHECK_EVERY", 0.0)
    with sqlite_db.engine.connect() as conn:
        after = conn.connection.dbapi_connection
        assert after is not before
        assert "ix_oro_invoice_invoice_customer_date_id" in plan(after)
    with sqlite_db.engine.connect() as conn:         # nothing changed since: the same connection
        assert conn.connection.dbapi_connection is after


def test_the_check_does_not_wait_for_a_writer_and_analyzes_at_a_later_check(sqlite_db, path, monkeypatch):
    add_invoices(sqlite_db, 3000)
    sqlite_db.engine.dispose()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with sqlite_db.engine.connect() as conn:         # the engine's busy timeout is 30 s
        assert conn.exec_driver_sql("SELECT count(*) FROM oro_invoice_invoice").scalar_one() == 3000
    assert time.monotonic() - started < 5
    assert stats_of(path) == 0
    writer.execute("COMMIT")
    writer.close()
    monkeypatch.setattr(sqlite_statistics, "CHECK_EVERY", 0.0)
    with sqlite_db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert stats_of(path) > 0


def test_a_read_only_database_is_read_without_trying_to_analyze(sqlite_db, path, monkeypatch):
    add_invoices(sqlite_db, 3000)
    sqlite_db.dispose()
    tries = []
    monkeypatch.setattr(sqlite_statistics, "CHECK_EVERY", 0.0)
    real = sqlite_statistics.stale_tables
    monkeypatch.setattr(sqlite_statistics, "stale_tables", lambda conn: tries.append(1) or real(conn))
    readonly = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        for _ in range(3):
            with readonly.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT count(*) FROM oro_invoice_invoice").scalar_one() == 3000
    finally:
        readonly.dispose()
    assert len(tries) == 1 and stats_of(path) == 0


def test_an_import_leaves_the_invoices_analyzed(sqlite_db, path, tmp_path):
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.importing import run_import
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False))
    source = one_line_import(tmp_path / "invoices.jsonl", 1200)
    report = run_import(service, [source], organization_id=1, check_apart=False)
    assert report.count("created") == 1200
    assert stats_of(path) > 0 and stats_of(path, "oro_invoice_line") > 0


def test_with_statistics_an_invoices_related_documents_are_read_by_their_indexes(sqlite_db, path):
    """Most invoices credit and reissue nothing: their indexes hold only the rows that do
    (revision 0019), so statistics do not make them look useless."""
    add_invoices(sqlite_db, 3000, crediting=(2, 3))
    assert sqlite_db.refresh_statistics()
    raw = sqlite3.connect(path)
    related = " ".join(row[3] for row in raw.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM oro_invoice_invoice WHERE credited_invoice_id = ? OR reissued_from_id = ?",
        (1, 1)))
    assert "ix_oro_invoice_invoice_credited" in related and "ix_oro_invoice_invoice_reissued_from" in related
    assert "SCAN oro_invoice_invoice" not in related


def test_a_check_that_fails_leaves_the_connection_working_and_says_why(sqlite_db, monkeypatch, caplog):
    add_invoices(sqlite_db, 3000)
    sqlite_db.engine.dispose()

    def broken(_conn):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(sqlite_statistics, "stale_tables", broken)
    monkeypatch.setattr(sqlite_statistics, "CHECK_EVERY", 0.0)
    for _ in range(2):
        with sqlite_db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM oro_invoice_invoice").scalar_one() == 3000
    assert "SQLite's planner statistics were not checked: disk I/O error" in caplog.text


def test_a_check_reads_as_much_of_a_large_table_as_of_a_small_one(sqlite_db, path):
    """A check runs whenever a connection opens: it reads each table's bounds off its index."""
    def steps_of_a_check() -> int:
        raw = sqlite3.connect(path)
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0
        raw.set_progress_handler(count, 100)        # called every 100 virtual-machine steps
        sqlite_statistics.stale_tables(raw)
        raw.close()
        return steps[0]
    add_invoices(sqlite_db, 1200)
    small = steps_of_a_check()
    add_invoices(sqlite_db, 10_800, first=1201)
    assert steps_of_a_check() <= small * 1.2 + 2


def test_an_analysis_that_fails_is_rolled_back_before_the_connection_is_used(sqlite_db, path, monkeypatch, caplog):
    add_invoices(sqlite_db, 3000)
    sqlite_db.engine.dispose()
    monkeypatch.setattr(sqlite_statistics, "ANALYSIS_LIMIT", "not a number")   # makes the PRAGMA fail
    with sqlite_db.engine.connect() as conn:
        assert not conn.connection.dbapi_connection.in_transaction
    assert "SQLite's planner statistics were not checked" in caplog.text
    with sqlite_db.transaction() as session:        # the write lock is free
        session.execute(Invoice.__table__.delete().where(Invoice.id == -1))
