"""The customers' unapplied credit in the receivables aging: a column of its own beside what is
due (negative: it offsets it) and the net, per customer and currency, now and at the end of a
past day; a customer holding credit and owing nothing has a line too."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from support.payloads import one_line_invoice

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.aging import aging_csv_text, aging_text
from oro_invoices.services.facade import InvoiceService

DAY_ONE = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    now = [DAY_ONE]
    return now


@pytest.fixture
def service(db, clock) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: clock[0])


def invoice(service: InvoiceService, price: str, **extra) -> int:
    return one_line_invoice(service, due_date="2027-03-31", invoice_date="2027-03-01", price=price, **extra)


def overpay(service: InvoiceService, invoice_id: int, surplus: str, key: str) -> None:
    """Pay the invoice in full with ``surplus`` more, kept as its customer's credit."""
    due = service.get(invoice_id).amount_due
    service.record_received_payment(invoice_id, amount=due + Decimal(surplus), method="bank_transfer",
                                    received_on=service.clock().date(), actor="admin", request_key=key * 24,
                                    keep_surplus=True)


def rows(service: InvoiceService, **kw) -> list[list[str]]:
    return list(csv.reader(io.StringIO(aging_csv_text(service.receivables_aging({"organization_id": 1}, **kw)))))


def test_a_customers_credit_offsets_what_it_owes_and_one_owing_nothing_has_a_line(service):
    invoice(service, "500.00")                                     # Acme owes 500, holds 200
    overpay(service, invoice(service, "50.00"), "200.00", "a")
    overpay(service, invoice(service, "10.00", customer_id=11, customer_name="Beta GmbH"), "30.00", "b")
    report = service.receivables_aging({"organization_id": 1})
    acme, beta = report.lines
    assert (acme.total, acme.credit, acme.net) == (Decimal("500.00"), Decimal("200.00"), Decimal("300.00"))
    assert (beta.customer_name, beta.invoices, beta.total, beta.net) == ("Beta GmbH", 0, 0, Decimal("-30.00"))
    assert rows(service)[1:] == [
        ["10", "Acme Corp", "USD", "1", "500.00", "0.00", "0.00", "0.00", "0.00", "500.00", "-200.00", "300.00"],
        ["11", "Beta GmbH", "USD", "0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "-30.00", "-30.00"],
        ["", "Total", "USD", "1", "500.00", "0.00", "0.00", "0.00", "0.00", "500.00", "-230.00", "270.00"]]
    text = aging_text(report).splitlines()
    assert text[2].split()[-3:] == ["due", "credit", "net"]
    assert text[3].split()[-3:] == ["500.00", "-200.00", "300.00"]
    assert text[4].split()[-3:] == ["0.00", "-30.00", "-30.00"]
    assert text[-1].split()[-3:] == ["500.00", "-230.00", "270.00"]


def test_credit_is_of_its_currency_and_of_the_customers_the_report_selects(service):
    overpay(service, invoice(service, "10.00"), "5.00", "a")
    overpay(service, invoice(service, "1000", currency="JPY"), "700", "b")
    overpay(service, invoice(service, "10.00", organization_id=2), "9.00", "c")
    report = service.receivables_aging({"organization_id": 1})
    assert [(line.currency, str(line.offset), str(line.net)) for line in report.lines] == [
        ("JPY", "-700", "-700"), ("USD", "-5.00", "-5.00")]
    assert [(t.currency, t.credit) for t in report.totals] == [("JPY", Decimal("700")), ("USD", Decimal("5.00"))]
    assert service.receivables_aging({"organization_id": 1, "currency": "JPY"}).lines[0].currency == "JPY"
    assert service.receivables_aging({"organization_id": 1, "customer_id": 11}).lines == []
    # a filter on what the invoices hold keeps the customers with an invoice it selects
    assert service.receivables_aging({"organization_id": 1, "customer_name_prefix": "Zeta"}).lines == []
    named = service.receivables_aging({"organization_id": 1, "customer_name_prefix": "Acme"})
    assert [line.credit for line in named.lines] == [Decimal("700"), Decimal("5.00")]


def test_a_past_day_has_the_credit_held_at_its_end(service, clock):
    overpay(service, invoice(service, "10.00"), "40.00", "a")                   # day one: 40 kept
    clock[0] = DAY_ONE + dt.timedelta(days=2)
    service.pay_out_credit(10, organization_id=1, currency="USD", amount="15.00", actor="admin")   # day three: 25
    clock[0] = DAY_ONE + dt.timedelta(days=5)
    credit_on = {day: [(str(line.total), str(line.offset)) for line in service.receivables_aging(
        {"organization_id": 1}, today=dt.date(2027, 3, day)).lines] for day in (9, 10, 11, 12, 15)}
    assert credit_on == {9: [("10.00", "0.00")], 10: [("0.00", "-40.00")], 11: [("0.00", "-40.00")],
                         12: [("0.00", "-25.00")], 15: [("0.00", "-25.00")]}
    assert rows(service, today=dt.date(2027, 3, 11))[-1][-2:] == ["-40.00", "-40.00"]


def test_credit_and_net_sort_the_lines_largest_first(service):
    invoice(service, "100.00")
    overpay(service, invoice(service, "10.00", customer_id=11, customer_name="Beta"), "60.00", "a")
    overpay(service, invoice(service, "90.00", customer_id=12, customer_name="Gamma"), "5.00", "b")
    invoice(service, "90.00", customer_id=12, customer_name="Gamma")
    report = service.receivables_aging({"organization_id": 1})
    assert [line.customer_name for line in report.sorted_by("credit").lines] == ["Beta", "Gamma", "Acme Corp"]
    assert [line.customer_name for line in report.sorted_by("net").lines] == ["Acme Corp", "Gamma", "Beta"]


def net_on(service: InvoiceService, day: dt.date) -> Decimal:
    """Acme's net (due less credit) in the aging at the end of ``day``."""
    return sum((line.net for line in service.receivables_aging({"organization_id": 1}, today=day).lines
                if line.customer_id == 10), Decimal(0))


def closing_on(service: InvoiceService, day: dt.date) -> Decimal:
    """Acme's closing balance in the account activity to ``day``."""
    found = service.activity_statement(10, start=dt.date(2027, 1, 1), end=day, organization_id=1)
    return sum((section.closing for section in found.sections), Decimal(0))


def test_a_surplus_is_credit_from_the_day_its_payment_was_received_as_the_activity_counts_it(service, clock):
    """A payment received one day and keyed in the next: its surplus is credit from the day
    received, in the aging and the statement, as the activity counts the payment then."""
    paid = invoice(service, "10.00")
    other = invoice(service, "80.00")
    service.record_received_payment(paid, amount="60.00", method="bank_transfer", received_on=dt.date(2027, 3, 9),
                                    actor="admin", request_key="s" * 24, keep_surplus=True)     # keyed in on the 10th
    day = {n: dt.date(2027, 3, n) for n in range(8, 16)}
    assert [line.offset for line in service.receivables_aging({"organization_id": 1}, today=day[9]).lines] == [
        Decimal("-50.00")]
    assert service.statement_of(10, organization_id=1, today=day[9]).credits[0].amount == Decimal("50.00")
    assert service.statement_of(10, organization_id=1, today=day[8]).credits == ()
    clock[0] = DAY_ONE + dt.timedelta(days=1)                                          # the 11th: 20 applied
    applied = service.apply_credit(other, amount="20.00", actor="admin").transaction
    clock[0] = DAY_ONE + dt.timedelta(days=3)
    assert net_on(service, day[11]) == Decimal("30.00") == closing_on(service, day[11])     # 60 due less 30
    assert service.statement_of(10, organization_id=1, today=day[11]).credits[0].amount == Decimal("30.00")
    for n in (8, 9, 10, 11, 13):
        assert net_on(service, day[n]) == closing_on(service, day[n]), n
    # an application reversed in error counts on no day, as in the ledger
    service.reverse_received_payment(other, applied.id, reason="Wrong invoice", actor="admin")
    assert service.statement_of(10, organization_id=1, today=day[11]).credits[0].amount == Decimal("50.00")
    clock[0] = DAY_ONE + dt.timedelta(days=5)
    # and so does a payment reversed in error, its surplus with it
    payment = next(t for t in service.transactions(paid) if t.action == "charge")
    service.reverse_received_payment(paid, payment.id, reason="Wrong customer", actor="admin")
    assert service.statement_of(10, organization_id=1, today=day[9]).credits == ()
    for n in (8, 9, 10, 11, 13, 15):
        assert net_on(service, day[n]) == closing_on(service, day[n]), n
    assert net_on(service, day[15]) == Decimal("90.00")


def test_a_credit_note_kept_as_credit_counts_from_its_date(service, clock):
    inv = invoice(service, "30.00")
    service.record_received_payment(inv, amount="30.00", method="bank_transfer", received_on=dt.date(2027, 3, 9),
                                    actor="admin", request_key="p" * 24)
    service.create_credit_note(inv, {"full": True, "reason": "returned", "settlement": "credit"}, actor="admin")
    clock[0] = DAY_ONE + dt.timedelta(days=2)
    for n in (9, 10, 11):
        assert net_on(service, dt.date(2027, 3, n)) == closing_on(service, dt.date(2027, 3, n)), n
    assert net_on(service, dt.date(2027, 3, 10)) == Decimal("-30.00")
