"""The outgoing events (``invoice.payment_status_updated``, ``customer.credit_updated``) as values and as
the JSON endpoints receive."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from oro_invoices.domain.events import (
    CUSTOMER_CREDIT_UPDATED,
    PAYMENT_STATUS_UPDATED,
    CustomerCreditUpdated,
    PaymentStatusUpdated,
)
from oro_invoices.domain.invoice import PaymentStatus

FIELDS = dict(id="e-1", invoice_id=9, invoice_number=None, organization_id=3,
              status=PaymentStatus.REFUNDED, previous_status=PaymentStatus.PAID_IN_FULL,
              amount_paid=Decimal("0.000"), amount_due=Decimal("12.500"), currency="BHD")


def test_the_body_is_compact_ascii_json_with_decimal_strings():
    occurred = dt.datetime(2026, 11, 3, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    event = PaymentStatusUpdated(occurred_at=occurred, **FIELDS)
    body = event.body()
    assert body.isascii() and ", " not in body and ": " not in body
    assert json.loads(body) == {
        "id": "e-1", "type": PAYMENT_STATUS_UPDATED, "occurred_at": "2026-11-03T09:30:00+00:00",
        "data": {"invoice_id": 9, "invoice_number": None, "organization_id": 3,
                 "status": {"value": "refunded", "label": "Refunded"},
                 "previous_status": {"value": "paid_in_full", "label": "Paid in full"},
                 "amount_paid": "0.000", "amount_due": "12.500", "currency": "BHD",
                 "overdue": False, "days_overdue": 0}}
    assert event.type == "invoice.payment_status_updated"


def test_it_is_frozen_and_needs_an_aware_time():
    event = PaymentStatusUpdated(occurred_at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC), **FIELDS)
    with pytest.raises(AttributeError):
        event.amount_due = Decimal("0")  # type: ignore[misc]
    with pytest.raises(ValueError, match="timezone-aware"):
        PaymentStatusUpdated(occurred_at=dt.datetime(2026, 11, 3), **FIELDS)


CREDIT = dict(id="e-2", entry_id=41, organization_id=3, customer_id=10, currency="JPY", kind="paid_out",
              change=Decimal("-1500"), balance=Decimal("0"), invoice_id=None, invoice_number=None,
              credit_note_id=None, reference="Virement n\u00b0 7")


def test_a_credit_change_is_compact_ascii_json_with_the_currencys_decimals():
    occurred = dt.datetime(2026, 11, 3, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    event = CustomerCreditUpdated(occurred_at=occurred, **CREDIT)
    body = event.body()
    assert body.isascii() and ", " not in body and ": " not in body and "\\u00b0" in body
    assert json.loads(body) == {
        "id": "e-2", "type": CUSTOMER_CREDIT_UPDATED, "occurred_at": "2026-11-03T09:30:00+00:00",
        "data": {"entry_id": 41, "organization_id": 3, "customer_id": 10, "currency": "JPY", "kind": "paid_out",
                 "change": "-1500", "balance": "0", "invoice_id": None, "invoice_number": None,
                 "credit_note_id": None, "credit_note_number": None, "reference": "Virement n\u00b0 7"}}
    usd = CustomerCreditUpdated(occurred_at=occurred, **{**CREDIT, "currency": "USD", "kind": "credit_note",
                                                         "change": Decimal("107.00"), "balance": Decimal("0E-2"),
                                                         "invoice_id": 5, "invoice_number": "INV-1",
                                                         "credit_note_id": 6, "credit_note_number": "CN-6"})
    data = json.loads(usd.body())["data"]
    assert (data["change"], data["balance"], data["invoice_id"], data["credit_note_id"], data["credit_note_number"]) \
        == ("107.00", "0.00", 5, 6, "CN-6")
    assert event.type == "customer.credit_updated"


def test_a_credit_change_is_frozen_and_needs_an_aware_time():
    event = CustomerCreditUpdated(occurred_at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC), **CREDIT)
    with pytest.raises(AttributeError):
        event.balance = Decimal("1")  # type: ignore[misc]
    with pytest.raises(ValueError, match="timezone-aware"):
        CustomerCreditUpdated(occurred_at=dt.datetime(2026, 11, 3), **CREDIT)
