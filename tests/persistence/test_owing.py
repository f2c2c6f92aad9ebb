"""The open invoices owing exactly an amount, and the payments recorded by hand of exactly one, on
SQLite and PostgreSQL: what Match Bank Statement suggests for a payment naming no invoice, and how
it finds one recorded already."""
from __future__ import annotations

import datetime as dt

from support.payloads import one_line_invoice

from oro_invoices.persistence.owing import ChargedByHand, Owing, charged_exactly, owing_exactly
from oro_invoices.services.facade import InvoiceService


def test_open_invoices_owing_exactly_an_amount_oldest_due_first(db):
    service = InvoiceService(db)
    late = one_line_invoice(service, due_date="2026-12-01", invoice_date="2026-11-01", price="50.00")
    early = one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="80.00", paid="30.00")
    one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", paid="50.00")
    one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", post=False)    # draft
    one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", currency="EUR")
    one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-11-01", price="50.00", organization_id=2)
    other = one_line_invoice(service, due_date="2026-11-25", invoice_date="2026-11-01", price="70.00")
    with db.session() as s:
        assert owing_exactly(s, 1, "USD", [5000, 7000, 1]) == [
            Owing(early, 5000, "Acme Corp"), Owing(other, 7000, "Acme Corp"), Owing(late, 5000, "Acme Corp")]
        assert owing_exactly(s, 1, "USD", []) == []
        assert charged_exactly(s, 1, "USD", [3000, 5000, 7000], recorded_since=dt.date(2026, 1, 1)) == []   # not by hand
    today = dt.datetime.now(dt.UTC).date()
    service.record_received_payment(other, amount="25.00", method="bank_transfer", received_on=today,
                                    reference="STMT 4", actor="admin", request_key="owing-0000000001")
    with db.session() as s:
        assert charged_exactly(s, 1, "USD", [2500], recorded_since=today) == [
            ChargedByHand(other, 2500, today, "STMT 4")]
        assert charged_exactly(s, 1, "USD", [2500], recorded_since=today + dt.timedelta(days=5)) == []
        assert charged_exactly(s, 2, "USD", [2500], recorded_since=today) == []        # another organization's
