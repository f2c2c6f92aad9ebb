"""A page's summaries made from their rows are the InvoiceSummary objects the dataclass makes."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from oro_invoices.domain.invoice import DocumentType, PaymentStatus
from oro_invoices.persistence.read_models import SUMMARY_COLUMNS, InvoiceSummary, summary_of_row

ROW = (7, "posted", "INV-7", "ERP-7", dt.date(2026, 3, 1), dt.date(2026, 3, 31), "EUR", 1, 2, 3, 4,
       "Acme", 5, 11900, "https://pay.example/7", dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
       "invoice", None, "buyer@acme.example", "paid_partially", "stripe", 5000, 1000, 2500, 1200)


def test_a_row_makes_the_summary_the_dataclass_makes():
    assert len(ROW) == len(SUMMARY_COLUMNS)
    made = summary_of_row(ROW)
    expected = InvoiceSummary(
        id=7, status=made.status, invoice_number="INV-7", external_id="ERP-7",
        invoice_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 31), currency="EUR",
        organization_id=1, website_id=2, customer_id=3, customer_user_id=4, customer_name="Acme",
        order_id=5, total_amount=Decimal("119.00"), amount_paid=Decimal("50.00"),
        amount_due=Decimal("59.00"), payment_status=PaymentStatus.PAID_PARTIALLY, payment_method="stripe",
        external_payment_url="https://pay.example/7", created_at=ROW[15], document_type=DocumentType.INVOICE,
        credited_invoice_id=None, amount_credited=Decimal("10.00"), customer_user_email="buyer@acme.example",
        amount_held=Decimal("25.00"), amount_processing=Decimal("12.00"))
    assert made == expected and hash(made) == hash(expected) and repr(made) == repr(expected)
    assert vars(made) == vars(expected)  # every field, none more
    assert made.display_number == "INV-7" and not made.is_credit_note
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.customer_name = "Other"  # type: ignore[misc]
    assert dataclasses.replace(made, customer_name="Other").customer_name == "Other"


def test_a_credit_note_is_due_nothing_and_a_draft_has_no_number():
    note = summary_of_row((8, "draft", None, None, dt.date(2026, 3, 2), None, "JPY", 1, None, 3, None,
                           "Acme", None, 500, None, dt.datetime(2026, 3, 2, tzinfo=dt.UTC), "credit_note", 7,
                           None, "pending", "", 0, None, None, None))
    assert note.amount_due == Decimal(0) and note.total_amount == Decimal(500) and note.is_credit_note
    assert note.display_number == "Draft #8" and note.customer_user_email == "" and note.amount_credited == 0
    assert note.amount_processing == 0
