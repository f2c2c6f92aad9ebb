"""The receivables aging on a past day, on SQLite and PostgreSQL: what each customer owed at the end
of that day (payments counted on the day received, credit notes on their dates, a payment
reversed in error on no day), by how late it was then; the same as today's on the days nothing
changed, and as the account activity's closing balance."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from support.payloads import one_line_invoice

from oro_invoices.domain.aging import BUCKET_KEYS
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.aging import aging_rows
from oro_invoices.persistence.aging_history import aging_rows_on, open_items_on
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.aging_detail import DETAIL_COLUMNS, aging_detail_csv
from oro_invoices.services.facade import InvoiceService

MONTH_END = dt.date(2027, 2, 28)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)

    def on(self, day: str) -> None:
        self.now = dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(db, clock) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: clock.now)


def invoice(service: InvoiceService, dated: str, due: str, price: str, **extra) -> int:
    return one_line_invoice(service, due_date=due, invoice_date=dated, price=price, **extra)


def by_hand(service: InvoiceService, invoice_id: int, amount: str, received: str, key: str) -> int:
    return service.record_received_payment(invoice_id, amount=amount, method="bank_transfer",
                                           received_on=dt.date.fromisoformat(received), actor="admin",
                                           request_key=f"aging-history-{key}").transaction.id


def seeded(service: InvoiceService, clock: Clock) -> dict[str, int]:
    """Invoices of January and what happened to them in February and March."""
    ids = {"A": invoice(service, "2027-01-05", "2027-02-04", "100.00"),
           "B": invoice(service, "2027-01-10", "2027-02-09", "200.00", customer_id=11, customer_name="Beta GmbH"),
           "C": invoice(service, "2027-01-15", "2027-01-31", "50.00"),
           "E": invoice(service, "2027-01-20", "2027-02-19", "60.00"),
           "F": invoice(service, "2027-01-20", "2027-02-19", "80.00"),
           "H": invoice(service, "2027-01-20", "2027-02-01", "25.00", customer_id=None, customer_name="Walk-in")}
    clock.on("2027-02-01")
    held = service.record_payment(ids["F"], {"method": "bank", "action": "authorize", "amount": "80.00"})
    clock.on("2027-02-20")
    by_hand(service, ids["A"], "30.00", "2027-02-15", "0000000001")
    clock.on("2027-03-01")
    ids["D"] = invoice(service, "2027-03-01", "2027-03-31", "40.00")
    by_hand(service, ids["H"], "25.00", "2027-03-01", "0000000002")
    clock.on("2027-03-03")
    service.record_payment(ids["F"], {"method": "bank", "action": "capture", "amount": "80.00", "parent_id": held.id})
    clock.on("2027-03-05")
    by_hand(service, ids["A"], "70.00", "2027-03-05", "0000000003")
    clock.on("2027-03-10")
    service.create_credit_note(ids["C"], {"full": True, "reason": "Returned"}, actor="admin")
    clock.on("2027-03-12")
    by_hand(service, ids["B"], "50.00", "2027-01-31", "0000000004")      # received in January, recorded now
    clock.on("2027-03-15")
    wrong = by_hand(service, ids["B"], "150.00", "2027-02-10", "0000000005")
    clock.on("2027-03-16")
    service.reverse_received_payment(ids["B"], wrong, reason="Another customer's transfer", actor="admin")
    clock.on("2027-03-20")
    service.force_payment_status(ids["E"], "paid_in_full")          # an ERP's "paid": settled that day
    clock.on("2027-03-31")
    return ids


def lines(report) -> list[tuple[int | None, str, int, list[str]]]:
    return [(line.customer_id, line.customer_name, line.invoices, [str(line.amounts[key]) for key in BUCKET_KEYS])
            for line in report.lines]


def test_a_month_end_is_what_was_owed_then_by_how_late_it_was_then(service, clock):
    seeded(service, clock)
    report = service.receivables_aging({"organization_id": 1}, today=MONTH_END)
    assert report.as_of == MONTH_END
    assert lines(report) == [
        # A owed 70.00 after the February payment, 24 days late; C was credited only in March;
        # E was marked paid from outside only in March; F was authorized, captured only in March
        (10, "Acme Corp", 4, ["0.00", "260.00", "0.00", "0.00", "0.00"]),
        # B: the payment received on 31 January counts; the one reversed in error never does
        (11, "Beta GmbH", 1, ["0.00", "150.00", "0.00", "0.00", "0.00"]),
        (None, "Walk-in", 1, ["0.00", "25.00", "0.00", "0.00", "0.00"])]
    assert [(t.currency, str(t.total), t.invoices) for t in report.totals] == [("USD", "435.00", 6)]
    # F's payment was authorized then: owed, but the customer was not late with it
    acme = report.lines[0]
    assert (str(acme.held_overdue), str(acme.overdue)) == ("80.00", "180.00")
    assert [(str(t.held_overdue), str(t.overdue)) for t in report.totals] == [("80.00", "355.00")]
    # today: A and H paid, C credited, D new (not yet due), B 50 days late
    assert lines(service.receivables_aging({"organization_id": 1})) == [
        (10, "Acme Corp", 1, ["40.00", "0.00", "0.00", "0.00", "0.00"]),
        (11, "Beta GmbH", 1, ["0.00", "0.00", "150.00", "0.00", "0.00"])]


def test_filters_and_earlier_days(service, clock):
    seeded(service, clock)
    assert lines(service.receivables_aging({"organization_id": 1, "customer_ids": [11]}, today=MONTH_END)) == [
        (11, "Beta GmbH", 1, ["0.00", "150.00", "0.00", "0.00", "0.00"])]
    assert lines(service.receivables_aging({"organization_id": 2}, today=MONTH_END)) == []
    assert lines(service.receivables_aging({"organization_id": 1, "currency": "EUR"}, today=MONTH_END)) == []
    # on 30 January nothing was received or late yet
    assert lines(service.receivables_aging({"organization_id": 1}, today=dt.date(2027, 1, 30))) == [
        (10, "Acme Corp", 4, ["290.00", "0.00", "0.00", "0.00", "0.00"]),
        (11, "Beta GmbH", 1, ["200.00", "0.00", "0.00", "0.00", "0.00"]),
        (None, "Walk-in", 1, ["25.00", "0.00", "0.00", "0.00", "0.00"])]
    # before any invoice was dated, nobody owed anything
    assert service.receivables_aging({"organization_id": 1}, today=dt.date(2026, 12, 31)).totals == []


def test_on_days_nothing_changed_after_it_is_todays_aging_judged_then(service, clock, db):
    seeded(service, clock)
    clock.on("2027-04-20")                                                    # nothing happened since 31 March
    within = InvoiceFilter(organization_id=1)
    with db.session() as s:
        for day in (dt.date(2027, 3, 31), dt.date(2027, 4, 10)):
            then, now = aging_rows_on(s, day=day, within=within, zone=dt.UTC), aging_rows(s, today=day, within=within)
            assert sorted(then, key=repr) == sorted(now, key=repr)


def test_a_customers_total_is_the_closing_balance_of_their_activity(service, clock):
    seeded(service, clock)
    activity = service.activity_statement(11, start=dt.date(2027, 2, 1), end=MONTH_END, organization_id=1)
    [section] = activity.sections
    [line] = service.receivables_aging({"organization_id": 1, "customer_id": 11}, today=MONTH_END).lines
    assert section.closing == line.total == Decimal("150.00")
    # owed until captured: the authorized F is in both
    activity = service.activity_statement(10, start=dt.date(2027, 2, 1), end=MONTH_END, organization_id=1)
    [line] = service.receivables_aging({"organization_id": 1, "customer_id": 10}, today=MONTH_END).lines
    assert activity.sections[0].closing == line.total == Decimal("260.00")


def test_a_statement_on_a_month_end_lists_what_was_open_then_for_what_it_owed_then(service, clock, db):
    ids = seeded(service, clock)
    then = service.customer_statement({"organization_id": 1, "customer_id": 10}, today=MONTH_END)
    [section] = then.sections
    # F, authorized then, owed in its due date's bucket but not overdue: its payment is authorized
    assert [(i.invoice_id, str(i.paid), str(i.credited), str(i.due), i.days_overdue, i.bucket, i.payment_authorized)
            for i in section.items] \
        == [(ids["C"], "0.00", "0.00", "50.00", 28, "days_1_30", False),
            (ids["A"], "30.00", "0.00", "70.00", 24, "days_1_30", False),
            (ids["E"], "0.00", "0.00", "60.00", 9, "days_1_30", False),
            (ids["F"], "0.00", "0.00", "80.00", 0, "days_1_30", True)]
    assert (then.as_of, then.invoices, str(section.total)) == (MONTH_END, 4, "260.00")
    [line] = service.receivables_aging({"organization_id": 1, "customer_id": 10}, today=MONTH_END).lines
    assert section.aging.amounts == line.amounts
    with db.session() as s:
        listed, count = open_items_on(s, day=MONTH_END, within=InvoiceFilter(organization_id=1, customer_id=10),
                                      limit=1, zone=dt.UTC)
    assert ([row.invoice_id for row in listed], count) == ([ids["C"]], 4)       # the oldest due first, and how many
    now = service.customer_statement({"organization_id": 1, "customer_id": 10})
    assert [i.invoice_id for i in now.sections[0].items] == [ids["D"]]          # A paid, C credited since


@pytest.mark.parametrize("day", [MONTH_END, dt.date(2027, 1, 30), None])       # a month-end, a day, today
def test_the_detail_lists_the_invoices_the_report_counts_for_what_they_owed(service, clock, day):
    seeded(service, clock)
    as_of, rows = service.aging_detail({"organization_id": 1}, today=day)
    text = "".join(aging_detail_csv(as_of, rows))
    lines = list(csv.DictReader(io.StringIO(text)))
    assert list(lines[0]) == list(DETAIL_COLUMNS)
    report = service.receivables_aging({"organization_id": 1}, today=day)
    for line in report.lines:
        mine = [r for r in lines if r["customer_name"] == line.customer_name]
        assert len(mine) == line.invoices, line.customer_name
        for key in BUCKET_KEYS:
            assert sum(Decimal(r["due"]) for r in mine if r["bucket"] == key) == line.amounts[key], (key, line)
    assert [r["customer_name"] for r in lines] == sorted((r["customer_name"] for r in lines), key=str.lower)
    for line in report.lines:    # what authorizations hold past due is the report's, invoice by invoice
        mine = [r for r in lines if r["customer_name"] == line.customer_name and r["bucket"] != "current"]
        assert sum((Decimal(r["held"]) for r in mine), Decimal(0)) == line.held_overdue, line


def test_the_detail_says_an_authorized_invoice_is_held_and_not_overdue(service, clock):
    ids = seeded(service, clock)
    as_of, rows = service.aging_detail({"organization_id": 1}, today=MONTH_END)
    lines = {r["invoice_number"]: r for r in csv.DictReader(io.StringIO("".join(aging_detail_csv(as_of, rows))))}
    numbers = {key: service.get(invoice_id).invoice_number for key, invoice_id in ids.items()}
    f, a = lines[numbers["F"]], lines[numbers["A"]]
    assert (f["days_overdue"], f["bucket"], f["due"], f["held"]) == ("0", "days_1_30", "80.00", "80.00")
    assert (a["days_overdue"], a["bucket"], a["due"], a["held"]) == ("24", "days_1_30", "70.00", "0.00")


def test_an_authorization_counts_past_due_on_the_days_it_held_and_not_before(service, clock):
    owed = invoice(service, "2027-01-05", "2027-01-20", "100.00")
    clock.on("2027-02-01")
    held = service.record_payment(owed, {"method": "bank", "action": "authorize", "amount": "30.00"})
    clock.on("2027-02-20")
    service.record_payment(owed, {"method": "bank", "action": "capture", "amount": "30.00", "parent_id": held.id})
    clock.on("2027-03-01")

    def overdue_on(day: str) -> tuple[str, str, str]:
        [line] = service.receivables_aging({"organization_id": 1}, today=dt.date.fromisoformat(day)).lines
        return str(line.total), str(line.held_overdue), str(line.overdue)

    assert overdue_on("2027-01-31") == ("100.00", "0.00", "100.00")      # before the authorization
    assert overdue_on("2027-02-10") == ("100.00", "30.00", "70.00")      # 30.00 of it held
    assert overdue_on("2027-02-25") == ("70.00", "0.00", "70.00")        # captured: paid in part
    # held now, not on the day: the day's report does not take it off
    other = invoice(service, "2027-01-05", "2027-01-20", "50.00")
    service.record_payment(other, {"method": "bank", "action": "authorize", "amount": "50.00"})
    assert overdue_on("2027-02-25") == ("120.00", "0.00", "120.00")
    [today] = service.receivables_aging({"organization_id": 1}).lines
    assert (str(today.held_overdue), str(today.overdue)) == ("50.00", "70.00")
