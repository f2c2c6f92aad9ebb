"""The freeze has no holes: REPLACE conflict resolution (SQLite), TRUNCATE (PostgreSQL), reused ids."""
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.payloads import invoice_payload

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence import triggers
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify


class BytesRenderer:
    """A renderer without WeasyPrint: a distinct small PDF per invoice."""

    def render(self, invoice, *, payment_url=None, extra_context=None):
        return f"%PDF-1.7 invoice {invoice.invoice_number}".encode()


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "pdf")


@pytest.fixture
def svc(db, storage):
    return InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=BytesRenderer())


@pytest.fixture
def world(svc):
    """Two posted invoices with PDFs and a draft: ``(a, b, draft)``."""
    a = svc.post(svc.create(invoice_payload(external_id="a")).id)
    b = svc.post(svc.create(invoice_payload(external_id="b")).id)
    draft = svc.create(invoice_payload(external_id="d"))
    return a, b, draft


def _columns(conn, table):
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def _copy_row(conn, verb, table, key, key_value, overrides):
    """``<verb> INTO table`` a copy of the row ``key = key_value`` with some columns replaced."""
    cols = _columns(conn, table)
    values = [f":{c}" if c in overrides else c for c in cols]
    sql = (f"{verb} INTO {table} ({', '.join(cols)}) SELECT {', '.join(values)} "
           f"FROM {table} WHERE {key} = :key_value")
    conn.execute(sql, {**overrides, "key_value": key_value})


def _attacks(a, b, draft):
    """Each REPLACE attack: a function of a DB-API connection."""
    def invoice_insert_same_id(c):
        _copy_row(c, "INSERT OR REPLACE", "oro_invoice_invoice", "id", a.id, {"total_amount": 1})

    def invoice_insert_taking_number(c):
        _copy_row(c, "INSERT OR REPLACE", "oro_invoice_invoice", "id", draft.id,
                  {"id": None, "invoice_number": a.invoice_number, "external_id": "x", "payment_token": "t-x"})

    def invoice_update_taking_number(c):
        c.execute("UPDATE OR REPLACE oro_invoice_invoice SET invoice_number = ? WHERE id = ?",
                  (a.invoice_number, draft.id))

    def invoice_update_taking_id(c):
        c.execute("UPDATE OR REPLACE oro_invoice_invoice SET id = ? WHERE id = ?", (a.id, draft.id))

    def line_insert_same_id(c):
        line_id = c.execute("SELECT min(id) FROM oro_invoice_line WHERE invoice_id = ?", (a.id,)).fetchone()[0]
        _copy_row(c, "INSERT OR REPLACE", "oro_invoice_line", "id", line_id,
                  {"invoice_id": draft.id, "position": 99})

    def line_update_taking_id(c):
        posted_line = c.execute("SELECT min(id) FROM oro_invoice_line WHERE invoice_id = ?", (a.id,)).fetchone()[0]
        draft_line = c.execute("SELECT min(id) FROM oro_invoice_line WHERE invoice_id = ?", (draft.id,)).fetchone()[0]
        c.execute("UPDATE OR REPLACE oro_invoice_line SET id = ? WHERE id = ?", (posted_line, draft_line))

    def pdf_insert_repointing(c):
        c.execute("INSERT OR REPLACE INTO oro_invoice_document (invoice_id, sha256, size, source, created_at) "
                  "VALUES (?, ?, ?, 'generated', '2026-01-01 00:00:00')", (a.id, b.pdf.sha256, b.pdf.size))

    def pdf_update_repointing(c):
        c.execute("UPDATE OR REPLACE oro_invoice_document SET invoice_id = ? WHERE invoice_id = ?", (a.id, b.id))

    return [invoice_insert_same_id, invoice_insert_taking_number, invoice_update_taking_number,
            invoice_update_taking_id, line_insert_same_id, line_update_taking_id, pdf_insert_repointing,
            pdf_update_repointing]


ATTACKS = ["invoice_insert_same_id", "invoice_insert_taking_number", "invoice_update_taking_number",
           "invoice_update_taking_id", "line_insert_same_id", "line_update_taking_id", "pdf_insert_repointing",
           "pdf_update_repointing"]


@pytest.mark.parametrize("client", ["add-on connection", "plain sqlite3"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_replace_conflict_resolution_cannot_remove_or_repoint_frozen_rows(db, svc, world, storage, attack,
                                                                          client):
    if db.dialect != "sqlite":
        pytest.skip("REPLACE conflict resolution is SQLite's")
    a, b, draft = world
    run = dict(zip(ATTACKS, _attacks(a, b, draft), strict=True))[attack]
    before = (svc.get(a.id), svc.get(b.id))
    if client == "plain sqlite3":  # any other client: no recursive_triggers, only the schema's guards
        conn = sqlite3.connect(db.engine.url.database, isolation_level=None)
        with pytest.raises(sqlite3.IntegrityError, match="oro_invoice_frozen|already used by a posted invoice"):
            conn.execute("BEGIN")
            try:
                run(conn)
            finally:
                conn.execute("ROLLBACK")
        conn.close()
    else:
        with pytest.raises(sqlite3.IntegrityError, match="oro_invoice_frozen|already used by a posted invoice"):
            with db.engine.begin() as conn:
                run(conn.connection.driver_connection)
    assert (svc.get(a.id), svc.get(b.id)) == before
    assert verify(db, storage).ok


def test_every_connection_fires_delete_triggers_for_replace(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar() == 1


def test_a_replace_that_got_through_is_reported_by_verify(db, svc, world, storage, drop_guards):
    if db.dialect != "sqlite":
        pytest.skip("REPLACE conflict resolution is SQLite's")
    a, b, draft = world
    drop_guards()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA recursive_triggers = OFF")
        raw = conn.connection.driver_connection
        raw.execute("INSERT OR REPLACE INTO oro_invoice_document (invoice_id, sha256, size, source, created_at) "
                    "VALUES (?, ?, ?, 'generated', '2026-01-01 00:00:00')", (a.id, b.pdf.sha256, b.pdf.size))
    report = verify(db, storage)
    assert any(f"(id {a.id}): its PDF record points at file {b.pdf.sha256[:12]}" in p for p in report.problems)
    assert any("is the record of several invoices" in p for p in report.problems)


def test_truncating_a_frozen_table_is_refused(db, svc, world, storage):
    if db.dialect != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has none")
    for table in triggers.FROZEN_TABLES:
        with pytest.raises(DBAPIError, match=f"cannot be truncated \\({table}\\)"):
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert verify(db, storage).ok
    assert len(svc.list_invoices(limit=10).items) == 3


def test_pdf_records_removed_behind_the_guards_backs_are_reported(db, svc, world, storage, drop_guards):
    a, b, _ = world
    drop_guards()
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE oro_invoice_document" if db.dialect == "postgresql"
                          else "DELETE FROM oro_invoice_document"))
    report = verify(db, storage)
    for inv in (a, b):
        assert any(f"(id {inv.id}): its PDF record is missing" in p for p in report.problems), report.problems


def test_a_deleted_drafts_id_is_never_given_to_another_invoice(db, svc):
    kept = svc.create(invoice_payload(external_id="kept"))
    gone = svc.create(invoice_payload(external_id="gone"))
    svc.delete(gone.id, actor="clerk")
    new = svc.create(invoice_payload(external_id="new"))
    assert new.id > gone.id > kept.id
    assert [a.kind for a in svc.activities(new.id)] == ["created"]
    assert [a.kind for a in svc.activities(gone.id)] == ["deleted", "created"]


def test_the_kept_e_invoice_xml_cannot_be_changed_replaced_or_removed(db, svc, world):
    """Migration 0023: the record of the XML an invoice was imported from is frozen like its PDF's."""
    imported = svc.create(invoice_payload(external_id="xml", status="posted"), einvoice_xml=b"<kept/>",
                          defer_pdf=True)
    table = "oro_invoice_einvoice_source"
    copy = f"(invoice_id, sha256, size, created_at) SELECT invoice_id, 'forged', 1, created_at FROM {table}"
    attacks = [f"UPDATE {table} SET sha256 = 'forged'", f"DELETE FROM {table}", f"INSERT INTO {table} {copy}"]
    if db.dialect == "sqlite":
        attacks.append(f"INSERT OR REPLACE INTO {table} {copy}")
    else:
        attacks.append(f"TRUNCATE {table}")
    for attack in attacks:
        # a second record for the invoice: the guard on SQLite, the primary key on PostgreSQL
        with pytest.raises(DBAPIError, match=r"issued as UBL\) cannot be changed or removed|duplicate key|truncated"):
            with db.engine.begin() as conn:
                conn.execute(text(attack))
    assert svc.kept_einvoice(imported.id) == b"<kept/>"
    assert verify(db, svc.storage).ok
