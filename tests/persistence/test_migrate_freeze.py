"""Revision 0004 on a database with history: chains still verify, old PDF records get sealed."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from support.payloads import invoice_payload

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence import chain
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import downgrade, upgrade
from oro_invoices.persistence.models import Invoice, InvoiceLineRow
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify

POSTED_AT = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def _legacy_invoice(number, prev_hash):
    """A posted invoice as revision 0003 wrote it, with its v1 chain hash."""
    inv = Invoice(
        id=int(number[-1]), status="posted", invoice_number=number, external_id=f"ext-{number}",
        organization_id=1, website_id=None, customer_id=10, customer_user_id=None, customer_name="Acme",
        customer_user_email="", order_id=None, order_identifier="", invoice_date=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 10, 31), currency="EUR",
        bill_to={"name": "Acme", "street": "1 Main St", "city": "Berlin", "country": "DE"},
        ship_to=None, seller={"company_name": "Seller"}, subtotal=1000, tax_amount=190,
        total_amount=1190, external_payment_url=None, payment_token=f"tok-{number}", created_by="erp",
        created_at=POSTED_AT, updated_at=POSTED_AT, posted_at=POSTED_AT, chain_key="1:2026-10",
        chain_seq=int(number[-1]), prev_hash=prev_hash)
    inv.lines = [InvoiceLineRow(position=1, description="Work", sku="", unit="", quantity=Decimal("1"),
                                unit_price=Decimal("10.00"), tax_rate=Decimal("0.19"), row_total=1000,
                                row_tax=190)]
    inv.content_hash = chain.link_hash(inv, prev_hash)
    return inv


def _insert(conn, inv):
    tables = sa.MetaData()
    invoice = sa.Table("oro_invoice_invoice", tables, autoload_with=conn)
    line = sa.Table("oro_invoice_line", tables, autoload_with=conn)
    conn.execute(invoice.insert().values({**{c.name: getattr(inv, c.name) for c in invoice.columns},
                                          "status": "draft"}))  # lines go in before it is frozen
    for row in inv.lines:
        conn.execute(line.insert().values(invoice_id=inv.id, position=row.position, description=row.description,
                                          sku="", unit="", quantity="1", unit_price="10.00", tax_rate="0.19",
                                          row_total=row.row_total, row_tax=row.row_tax))
    conn.execute(invoice.update().where(invoice.c.id == inv.id).values(status="posted"))
    conn.execute(sa.text("INSERT INTO oro_invoice_payment_state (invoice_id, payment_status, forced, amount_paid, "
                         "payment_method, updated_at) VALUES (:id, 'pending', false, 0, '', :t)"),
                 {"id": inv.id, "t": POSTED_AT})


def test_upgrading_keeps_old_chains_verifiable_and_seals_existing_pdfs(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    storage = LocalStorage(tmp_path / "pdf")
    upgrade(db, "0003")
    first = _legacy_invoice("OLD-1", chain.GENESIS)
    second = _legacy_invoice("OLD-2", first.content_hash)      # its PDF was lost in a crash
    stored = storage.put(b"%PDF-1.4 legacy OLD-1")
    with db.engine.begin() as conn:
        _insert(conn, first)
        _insert(conn, second)
        conn.execute(sa.text("INSERT INTO oro_invoice_sequence (organization_id, period, last_number, "
                             "chain_length, head_hash) VALUES (1, '2026-10', 2, 2, :h)"), {"h": second.content_hash})
        conn.execute(sa.text("INSERT INTO oro_invoice_document (invoice_id, sha256, size, source, created_at) "
                             "VALUES (1, :sha, :size, 'generated', :t)"),
                     {"sha": stored.sha256, "size": stored.size, "t": POSTED_AT})

    upgrade(db)
    with db.engine.connect() as conn:
        assert "AUTOINCREMENT" in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'oro_invoice_invoice'").scalar()
        sealed = conn.exec_driver_sql("SELECT chain_key, chain_seq, prev_hash FROM oro_invoice_document").one()
    assert tuple(sealed) == ("1:2026-10", 3, second.content_hash)   # appended to its invoice's chain

    report = verify(db, storage)
    assert report.ok and report.pending_pdfs == [2]
    assert report.pending == ["invoice OLD-2 (id 2): its PDF is pending (not rendered yet); "
                              "`oro-invoices complete-pdfs` renders it"]
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage,
                         clock=lambda: dt.datetime(2026, 10, 20, tzinfo=dt.UTC))
    posted = svc.post(svc.create(invoice_payload(external_id="new", invoice_date="2026-10-20",
                                                 due_date="2026-11-19")).id)
    assert posted.invoice_number == "INV-2026-10-00003"      # counter values 1 and 2 predate tracking
    assert verify(db).ok

    with pytest.raises(RuntimeError, match="Cannot go below revision 0004: 1 stored PDF record"):
        downgrade(db, "0003")
    db.dispose()
