"""The open invoices owing exactly an amount, and the invoices charged exactly one, on SQLite and
PostgreSQL: what Match Bank Statement suggests for a payment naming no invoice."""
from __future__ import annotations

from support.payloads import one_line_invoice

from oro_invoices.persistence.owing import Owing, charged_exactly, owing_exactly
from oro_invoices.services.facade import InvoiceService


def test_open_invoices_owing_exactly_an_amount_oldest_due_first(db):
    service = InvoiceService(db)
    late = one_line_invoice(service, due_date="2026-12-01", invoice_date="2026-11-01", price="50.00")
    early = one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="80.00", paid="30.00")
    paid = one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", paid="50.00")
    one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", post=False)    # draft
    one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", currency="EUR")
    one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", organization_id=2)
    other = one_line_invoice(service, due_date="2026-11-25", invoice_date="2026-11-01", price="70.00")
    with db.session() as s:
        assert owing_exactly(s, 1, "USD", [5000, 7000, 1]) == [
            Owing(early, 5000, "Acme Corp"), Owing(other, 7000, "Acme Corp"), Owing(late, 5000, "Acme Corp")]
        assert owing_exactly(s, 1, "USD", []) == []
        assert charged_exactly(s, 1, "USD", [3000, 5000, 7000]) == {3000: [early], 5000: [paid]}
