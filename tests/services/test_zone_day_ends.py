"""A past day ends at midnight in the organization's time zone (``oro_invoices.timezone``), not
UTC: what was paid, or marked paid from outside, at a moment that is already the next day there
(in Auckland, UTC+13 in summer) is not counted at the end of the day before in the Aging Report
on a month-end, the statement on it and the account activity; what was paid on the evening of
the month's last day in Los Angeles (UTC-8), the next day in UTC, is."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support.payloads import one_line_invoice

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.context import SchemaDefaults
from oro_invoices.services.facade import InvoiceService

MONTH_END = dt.date(2031, 1, 31)
#: (zone, the moment paid, whether that is after the end of MONTH_END there)
CASES = [("Pacific/Auckland", dt.datetime(2031, 1, 31, 12, 0, tzinfo=dt.UTC), True),       # 1 AM, 1 Feb
         ("America/Los_Angeles", dt.datetime(2031, 2, 1, 5, 0, tzinfo=dt.UTC), False)]    # 9 PM, 31 Jan


class Clock:
    now = dt.datetime(2031, 1, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


class InZone(SchemaDefaults):
    """Settings at their defaults, but organization 1 is in ``zone``."""

    def __init__(self, zone: str) -> None:
        super().__init__()
        self.zone = zone

    def value(self, key, ctx=None):
        if key == "oro_invoices.timezone" and ctx is not None and ctx.organization_id == 1:
            return self.zone
        return super().value(key, ctx)


def paid_at(db, clock: Clock, zone: str, moment: dt.datetime) -> InvoiceService:
    """Two invoices of Acme due on 10 January, organization 1 in ``zone``: the first paid by bank
    at ``moment``, the second marked paid from outside then; the clock ten days later."""
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=InZone(zone),
                             clock=lambda: clock.now)
    paid = one_line_invoice(service, invoice_date="2031-01-02", due_date="2031-01-10", price="80.00")
    marked = one_line_invoice(service, invoice_date="2031-01-02", due_date="2031-01-10", price="20.00")
    clock.now = moment
    service.record_payment(paid, {"method": "bank", "action": "charge", "amount": "80.00"})
    service.force_payment_status(marked, "paid_in_full")
    clock.now = moment + dt.timedelta(days=10)
    return service


@pytest.mark.parametrize("zone, moment, next_day", CASES)
def test_the_aging_on_a_month_end_counts_what_was_paid_by_its_end_there(db, clock, zone, moment, next_day):
    service = paid_at(db, clock, zone, moment)
    report = service.receivables_aging({"organization_id": 1}, today=MONTH_END)
    owed = [(line.customer_name, line.invoices, str(line.total)) for line in report.lines]
    assert owed == ([("Acme Corp", 2, "100.00")] if next_day else [])
    statement = service.customer_statement({"organization_id": 1, "customer_id": 10}, today=MONTH_END)
    due = sorted(str(item.due) for section in statement.sections for item in section.items)
    assert due == (["20.00", "80.00"] if next_day else [])


@pytest.mark.parametrize("zone, moment, next_day", CASES)
def test_the_activity_dates_a_payment_and_a_status_set_by_the_day_there(db, clock, zone, moment, next_day):
    service = paid_at(db, clock, zone, moment)
    january = service.activity_statement(10, start=dt.date(2031, 1, 1), end=MONTH_END, organization_id=1)
    [section] = january.sections
    assert section.closing == (Decimal("100.00") if next_day else Decimal("0.00"))
    february = service.activity_statement(10, start=dt.date(2031, 2, 1), end=dt.date(2031, 2, 10),
                                          organization_id=1)
    if next_day:
        [section] = february.sections
        assert section.opening == Decimal("100.00")
        assert [(line.on, line.kind, line.amount) for line in section.lines] == [
            (dt.date(2031, 2, 1), "payment", Decimal("-80.00")), (dt.date(2031, 2, 1), "settled", Decimal("-20.00"))]
    else:   # nothing owed at its start, nothing happened in it
        assert february.sections == []
