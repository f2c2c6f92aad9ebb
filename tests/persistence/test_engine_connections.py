"""One reading connection per engine within ``one_connection_per_engine()`` (each web request).

Pool checkouts are counted with the pool's ``checkout`` event: each is a round trip for the
pre-ping on PostgreSQL, so a page that read on a connection per statement paid one per
statement. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from oro_invoices.persistence.engine import Database, one_connection_per_engine, reading
from oro_invoices.persistence.models import Invoice
from oro_invoices.persistence.queries import InvoiceFilter


@contextlib.contextmanager
def checkouts(db: Database) -> Iterator[list[object]]:
    """The pool checkouts of ``db``'s engine while the block runs."""
    seen: list[object] = []

    def count(*_args: object) -> None:
        seen.append(_args)
    event.listen(db.engine, "checkout", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "checkout", count)


def new_invoice(service, external_id: str) -> int:
    return service.create({
        "external_id": external_id, "invoice_date": dt.date(2026, 3, 1).isoformat(), "currency": "EUR",
        "bill_to": {"name": "Acme", "street": "Main 1", "city": "Berlin", "postal_code": "10115",
                    "country": "DE"},
        "lines": [{"description": "Bolts", "quantity": "2", "unit_price": "5.00", "tax_rate": "0.19"}],
    }, actor="test").id


def test_reads_within_the_block_share_one_checkout(service):
    invoice_id = new_invoice(service, "A-1")
    with checkouts(service.db) as outside:
        service.list_invoices(InvoiceFilter())
        service.get(invoice_id)
        service.count_invoices(InvoiceFilter())
    with checkouts(service.db) as inside, one_connection_per_engine():
        page = service.list_invoices(InvoiceFilter())
        doc = service.get(invoice_id)
        total = service.count_invoices(InvoiceFilter())
        with reading(service.db.engine) as conn:
            assert conn.execute(select(Invoice.external_id)).scalar_one() == "A-1"
    assert [s.id for s in page.items] == [invoice_id] and doc.external_id == "A-1" and total == 1
    assert (len(outside), len(inside)) == (3, 1)
    assert service.db.engine.pool.checkedout() == 0  # given back at the end of the block


def test_a_write_within_the_block_is_committed_and_seen_by_the_next_read(service):
    with one_connection_per_engine():
        assert service.list_invoices(InvoiceFilter()).items == []
        invoice_id = new_invoice(service, "W-1")
        service.add_note(invoice_id, "Checked", actor="test")
        assert [s.id for s in service.list_invoices(InvoiceFilter()).items] == [invoice_id]
        assert [n.body for n in service.history(invoice_id).notes] == ["Checked"]
    assert service.db.engine.pool.checkedout() == 0
    with service.db.session() as s:  # committed: another connection sees it
        assert s.execute(select(Invoice.external_id)).scalar_one() == "W-1"


def test_a_failed_read_leaves_the_shared_connection_usable(service):
    invoice_id = new_invoice(service, "F-1")
    with one_connection_per_engine():
        with pytest.raises((ProgrammingError, OperationalError)), service.db.session() as s:
            s.execute(text("SELECT no_such_column FROM oro_invoice_invoice"))
        assert service.get(invoice_id).external_id == "F-1"


def test_blocks_nest_and_reuse_the_outer_connection(service):
    with checkouts(service.db) as seen, one_connection_per_engine():
        service.count_invoices(InvoiceFilter())
        with one_connection_per_engine():
            service.count_invoices(InvoiceFilter())
        assert service.db.engine.pool.checkedout() == 1  # the inner block did not give it back
        service.count_invoices(InvoiceFilter())
    assert len(seen) == 1


def test_postgresql_reads_run_in_autocommit_and_writes_in_a_transaction(db):
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no round trip to spare")
    with db.session() as s:
        s.execute(select(1))
        assert s.connection().connection.driver_connection.autocommit is True
    with one_connection_per_engine(), db.session() as s:
        s.execute(select(1))
        assert s.connection().connection.driver_connection.autocommit is True
    with db.transaction() as s:
        s.execute(select(1))
        assert s.connection().connection.driver_connection.autocommit is False


def test_postgresql_connections_start_no_parallel_workers(db):
    if db.dialect != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with one_connection_per_engine(), db.session() as s:
        assert s.execute(text("SHOW max_parallel_workers_per_gather")).scalar_one() == "0"
    with db.transaction() as s:
        assert s.execute(text("SHOW max_parallel_workers_per_gather")).scalar_one() == "0"



def test_postgresql_connections_price_index_reads_as_on_ssds_unless_the_operator_chose(db):
    """The server's default random_page_cost (4) becomes 1.1 on the add-on's connections; a value
    the operator set for the database is left as it is."""
    if db.dialect != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with db.session() as s:
        assert s.execute(text("SHOW random_page_cost")).scalar_one() == "1.1"
        name = s.execute(text("SELECT current_database()")).scalar_one()
    with db.engine.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = 2'))
        conn.commit()
    db.engine.dispose()  # new connections read the database's setting
    try:
        with db.session() as s:
            assert s.execute(text("SHOW random_page_cost")).scalar_one() == "2"
    finally:
        with db.engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET random_page_cost'))
            conn.commit()
        db.engine.dispose()
