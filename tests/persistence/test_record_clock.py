"""What the database records is stamped with the services' clock, not the machine's: activity
entries, and the rows whose code gives no time of its own."""
from __future__ import annotations

import datetime as dt

from support.payloads import one_line_invoice

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.models import Activity
from oro_invoices.services.facade import InvoiceService

FIXED = dt.datetime(2031, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def test_activity_and_notes_are_stamped_with_the_services_clock(sqlite_db):
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: FIXED)
    invoice_id = one_line_invoice(service, due_date="2031-04-03", invoice_date="2031-03-04")
    note = service.add_note(invoice_id, "Call the buyer back", actor="alice")
    assert note.created_at == FIXED
    entries = service.activities(invoice_id)
    assert {a.kind for a in entries} >= {"created", "posted", "note"}
    assert {a.created_at for a in entries} == {FIXED}


def test_a_row_given_no_time_gets_the_clock_time(sqlite_db):
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: FIXED)
    invoice_id = one_line_invoice(service, due_date=None, invoice_date="2031-03-04", post=False)
    with sqlite_db.transaction() as session:
        session.add(Activity(invoice_id=invoice_id, kind="note", actor="bob", summary="typed in by hand", data={}))
    with sqlite_db.session() as session:
        stamped = session.query(Activity).filter_by(actor="bob").one()
    assert stamped.created_at == FIXED
