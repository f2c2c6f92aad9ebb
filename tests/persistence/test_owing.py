"""The open invoices owing exactly an amount, a customer's open invoices, and the payments recorded
by hand of exactly one (alone or as shares of one), on SQLite and PostgreSQL: what Match Bank
Statement suggests for a payment naming no invoice, and how it finds one recorded already."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from support.payloads import one_line_invoice

from oro_invoices.persistence.owing import (
    ChargedByHand,
    Owing,
    charged_exactly,
    open_customers,
    owing_exactly,
    owing_of_customer,
)
from oro_invoices.persistence.read_models import RemittanceView
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
            ChargedByHand(other, 2500, today, "STMT 4", 2500)]
        assert charged_exactly(s, 1, "USD", [2500], recorded_since=today + dt.timedelta(days=5)) == []
        assert charged_exactly(s, 2, "USD", [2500], recorded_since=today) == []        # another organization's


def test_a_customers_open_invoices_and_the_shares_of_one_payment_for_several(db):
    service = InvoiceService(db)
    first = one_line_invoice(service, due_date="2026-11-10", invoice_date="2026-10-01", price="40.00")
    second = one_line_invoice(service, due_date="2026-11-20", invoice_date="2026-10-01", price="60.00", paid="10.00")
    one_line_invoice(service, due_date="2026-11-05", invoice_date="2026-10-01", price="60.00", paid="60.00")   # paid
    one_line_invoice(service, due_date="2026-11-01", invoice_date="2026-10-01", price="9.00", customer_id=11,
                     customer_name="Beta GmbH")
    one_line_invoice(service, due_date="2026-11-01", invoice_date="2026-10-01", price="9.00", currency="EUR",
                     customer_id=12, customer_name="Gamma SA")
    with db.session() as s:
        assert open_customers(s, 1, "USD") == {10: "Acme Corp", 11: "Beta GmbH"}
        assert owing_of_customer(s, 1, 10, "USD", limit=5) == [Owing(first, 4000, "Acme Corp"),
                                                                Owing(second, 5000, "Acme Corp")]
        assert owing_of_customer(s, 1, 10, "USD", limit=1) == [Owing(first, 4000, "Acme Corp")]
        assert owing_of_customer(s, 2, 10, "USD", limit=5) == []
    today = dt.datetime.now(dt.UTC).date()
    together = RemittanceView(Decimal("90.00"), ("A", "B"), (first, second))
    for invoice_id, amount, key in ((first, "40.00", "owing-0000000002"), (second, "50.00", "owing-0000000003")):
        service.record_received_payment(invoice_id, amount=amount, method="bank_transfer", received_on=today,
                                        reference="OCT", actor="admin", request_key=key, remittance=together)
    with db.session() as s:
        assert charged_exactly(s, 1, "USD", [9000], recorded_since=today) == [
            ChargedByHand(second, 5000, today, "OCT", 9000), ChargedByHand(first, 4000, today, "OCT", 9000)]
        assert charged_exactly(s, 1, "USD", [4000], recorded_since=today) == []     # a share is not the payment
