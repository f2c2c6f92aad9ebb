"""The receivables aging: each open invoice's amount due in the bucket of its days overdue, per
customer and currency, on SQLite and PostgreSQL; the SQL agrees with the domain's buckets."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import text
from support.payloads import one_line_invoice
from support.statements import sqlite_plan_of_last

from oro_invoices.domain.aging import BUCKET_KEYS, BUCKETS, bucket_of
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.overdue import days_overdue
from oro_invoices.domain.statuses import is_owed
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.migrate import downgrade, upgrade
from oro_invoices.services.aging import CSV_COLUMNS, aging_csv_text
from oro_invoices.services.facade import InvoiceService

NOW = dt.datetime(2027, 3, 31, 23, 30, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def clocked(db) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)


def make(service: InvoiceService, *, due: int, price: str = "100.00", post: bool = True,
         paid: str | None = None, **extra) -> int:
    """A one-line invoice (no tax) of ``price``, due ``due`` days from TODAY."""
    return one_line_invoice(service, due_date=(TODAY + dt.timedelta(days=due)).isoformat(), invoice_date="2025-06-01",
                            price=price, post=post, paid=paid, **extra)


def amounts(line) -> list[str]:
    return [str(line.amounts[key]) for key in BUCKET_KEYS]


def test_each_invoice_is_in_the_bucket_of_its_days_overdue(clocked):
    for due in (3, 0, -1, -30, -31, -60, -61, -90, -91, -400):
        make(clocked, due=due)
    report = clocked.receivables_aging({"organization_id": 1})
    [line] = report.lines
    assert report.as_of == TODAY
    assert (line.customer_id, line.customer_name, line.currency, line.invoices) == (10, "Acme Corp", "USD", 10)
    assert amounts(line) == ["200.00", "200.00", "200.00", "200.00", "200.00"]
    assert (line.total, line.overdue) == (Decimal("1000.00"), Decimal("800.00"))


def test_only_what_can_still_be_paid_is_aged_for_its_amount_due(clocked):
    make(clocked, due=-10, paid="30.00")              # 70.00 left
    make(clocked, due=-10, paid="100.00")             # paid in full
    make(clocked, due=-10, post=False)                # a draft owes nothing yet
    forced = make(clocked, due=-10)
    clocked.force_payment_status(forced, "paid_in_full")
    credited = make(clocked, due=-45)
    clocked.create_credit_note(credited, {"amounts": [{"tax_rate": "0", "amount": "25.00"}]})   # 75.00 left, 31–60
    voided = make(clocked, due=-45)
    clocked.void(voided, reason="wrong")
    [line] = clocked.receivables_aging({"organization_id": 1}).lines
    assert amounts(line) == ["0.00", "70.00", "75.00", "0.00", "0.00"] and line.invoices == 2


def test_what_an_authorization_holds_is_owed_in_its_bucket_but_not_overdue(clocked):
    """Money held by a card is not collected: the buckets count it by its due date, but the
    line's overdue (the storefront balance's, the statement's) is what no authorization holds."""
    rest_held = make(clocked, due=-10, paid="40.00")          # 60.00 left, all of it held
    part_held = make(clocked, due=-40)                        # 100.00 left, 30.00 of it held
    not_due = make(clocked, due=5)                            # held, not yet due
    for invoice_id, held in ((rest_held, "60.00"), (part_held, "30.00"), (not_due, "20.00")):
        clocked.record_payment(invoice_id, {"method": "card", "action": "authorize", "amount": held})
    [line] = clocked.receivables_aging({"organization_id": 1}).lines
    assert amounts(line) == ["100.00", "60.00", "100.00", "0.00", "0.00"]
    assert (line.total, line.held_overdue, line.overdue) == (Decimal("260.00"), Decimal("90.00"), Decimal("70.00"))
    [total] = clocked.receivables_aging({"organization_id": 1}).totals
    assert (total.total, total.overdue) == (Decimal("260.00"), Decimal("70.00"))
    past = clocked.receivables_aging({"organization_id": 1}, today=TODAY - dt.timedelta(days=1))
    assert past.lines[0].held_overdue == 0             # what was held on a past day is not known


def test_an_invoice_authorized_in_full_is_owed_in_its_bucket_but_not_overdue_as_one_whose_rest_is_held(clocked):
    """Authorized and nothing captured (or set to authorized from outside, whatever is held): the
    buckets count it by its due date until it is captured, the line's overdue leaves it out."""
    authorized = make(clocked, due=-10)                       # 100.00, all of it authorized
    rest_held = make(clocked, due=-40, paid="40.00")          # 60.00 left, all of it held
    forced = make(clocked, due=-70, price="50.00")
    late = make(clocked, due=-5, price="10.00")               # nothing held: overdue
    clocked.record_payment(authorized, {"method": "card", "action": "authorize", "amount": "100.00"})
    clocked.record_payment(rest_held, {"method": "card", "action": "authorize", "amount": "60.00"})
    clocked.force_payment_status(forced, "authorized")
    assert clocked.get(authorized).payment_status.value == "authorized"
    [line] = clocked.receivables_aging({"organization_id": 1}).lines
    assert amounts(line) == ["0.00", "110.00", "60.00", "50.00", "0.00"] and line.invoices == 4
    assert (line.total, line.held_overdue, line.overdue) == (Decimal("220.00"), Decimal("210.00"), Decimal("10.00"))
    assert {i.id for i in clocked.list_invoices({"overdue": True}, limit=50).items} == {late}
    [auth] = clocked.transactions(authorized)
    clocked.record_payment(authorized, {"method": "card", "action": "capture", "amount": "100.00",
                                        "parent_id": auth.id})
    [line] = clocked.receivables_aging({"organization_id": 1}).lines
    assert (line.total, line.overdue, line.invoices) == (Decimal("120.00"), Decimal("10.00"), 3)   # captured: paid


def test_lines_are_per_customer_and_currency_with_a_total_per_currency(clocked):
    make(clocked, due=-5)
    make(clocked, due=-100, price="40.00", customer_id=11, customer_name="beta GmbH")
    make(clocked, due=2, price="5000", currency="JPY", customer_id=11, customer_name="beta GmbH")
    make(clocked, due=-3, price="7.50", customer_id=None, customer_user_id=None, customer_name="Walk-in")
    make(clocked, due=-5, organization_id=2, customer_name="Other Org's")      # another organization
    report = clocked.receivables_aging({"organization_id": 1})
    assert [(ln.currency, ln.customer_name, ln.customer_id) for ln in report.lines] == [
        ("JPY", "beta GmbH", 11), ("USD", "Acme Corp", 10), ("USD", "beta GmbH", 11), ("USD", "Walk-in", None)]
    assert amounts(report.lines[0]) == ["5000", "0", "0", "0", "0"]            # yen have no decimals
    assert [(t.currency, t.invoices, amounts(t)) for t in report.totals] == [
        ("JPY", 1, ["5000", "0", "0", "0", "0"]), ("USD", 3, ["0.00", "107.50", "0.00", "0.00", "40.00"])]
    assert all(t.is_total and t.customer_id is None for t in report.totals)
    assert [ln.currency for ln in clocked.receivables_aging({"organization_id": 1, "currency": "JPY"}).lines] == ["JPY"]
    assert {ln.customer_name for ln in clocked.receivables_aging().lines} >= {"Other Org's", "Acme Corp"}
    nobody = clocked.receivables_aging({"organization_id": 3})
    assert nobody.lines == [] and nobody.totals == []


def test_the_filter_chooses_whose_invoices_are_aged_and_the_aging_keeps_its_own_rules(clocked):
    make(clocked, due=-5, customer_user_id=100, website_id=1)
    make(clocked, due=-5, price="20.00", customer_user_id=101, website_id=2)
    make(clocked, due=-5, price="30.00", customer_id=11, customer_name="beta GmbH", customer_user_id=110)
    make(clocked, due=-5, price="40.00", post=False)                              # a draft owes nothing yet

    def owed(**filters) -> list[tuple[int | None, str]]:
        report = clocked.receivables_aging({"organization_id": 1, **filters})
        return [(line.customer_id, str(line.total)) for line in report.lines]

    assert owed() == [(10, "120.00"), (11, "30.00")]
    assert owed(customer_user_id=101) == [(10, "20.00")]
    assert owed(customer_ids=[11]) == [(11, "30.00")]
    assert owed(exclude_website_ids=[2]) == [(10, "100.00"), (11, "30.00")]
    assert owed(status="draft", overdue=False, document_type="credit_note", payment_status="paid_in_full") == \
        owed()                                                                   # not the aging's to choose


def test_the_sql_agrees_with_the_domain_on_every_day(clocked):
    ids = [make(clocked, due=due, paid="10.00" if due % 3 == 0 else None)
           for due in range(-130, 10, 7)]
    for today in (TODAY, TODAY + dt.timedelta(days=33), TODAY + dt.timedelta(days=61)):   # (past days: test_aging_history)
        expected = {key: Decimal("0.00") for key in BUCKET_KEYS}
        for invoice_id in ids:
            doc = clocked.get(invoice_id)
            if is_owed(doc.payment_status, doc.amount_due):
                expected[bucket_of(days_overdue(doc, today)).key] += doc.amount_due
        [line] = clocked.receivables_aging({"organization_id": 1}, today=today).lines
        assert line.amounts == expected, today


def test_a_currency_that_is_no_code_is_refused_on_its_field(clocked):
    with pytest.raises(ValidationError) as caught:
        clocked.receivables_aging({"organization_id": 1, "currency": "euro"})
    assert caught.value.as_list()[0]["field"] == "currency"


def test_the_csv_has_a_row_per_line_then_the_totals(clocked):
    make(clocked, due=-5)
    make(clocked, due=-100, price="40.00", customer_id=11, customer_name='beta, "the" GmbH')
    rows = list(csv.reader(io.StringIO(aging_csv_text(clocked.receivables_aging({"organization_id": 1})))))
    assert rows == [list(CSV_COLUMNS),
                    ["10", "Acme Corp", "USD", "1", "0.00", "100.00", "0.00", "0.00", "0.00", "100.00", "0.00",
                     "100.00"],
                    ["11", 'beta, "the" GmbH', "USD", "1", "0.00", "0.00", "0.00", "0.00", "40.00", "40.00", "0.00",
                     "40.00"],
                    ["", "Total", "USD", "2", "0.00", "100.00", "0.00", "0.00", "40.00", "140.00", "0.00", "140.00"]]


def test_a_customer_name_a_spreadsheet_would_run_is_written_as_text(clocked):
    make(clocked, due=-5, customer_name="=cmd|' /C calc'!A0")
    rows = list(csv.reader(io.StringIO(aging_csv_text(clocked.receivables_aging({"organization_id": 1})))))
    assert rows[1][:2] == ["10", "'=cmd|' /C calc'!A0"]


def test_the_buckets_cover_every_day_once():
    for days in range(400):
        assert sum(bucket.holds(days) for bucket in BUCKETS) == 1
    with pytest.raises(ValueError):
        bucket_of(-1)


@pytest.mark.parametrize("within", [{"organization_id": 1}, {"organization_id": 1, "customer_id": 10},
                                    {"organization_id": 1, "customer_ids": [10, 11], "currency": "USD"}])
def test_an_aging_is_read_from_the_aging_index_alone(sqlite_db, within):
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    make(service, due=-3)
    plan = sqlite_plan_of_last(sqlite_db.engine, lambda: service.receivables_aging(within))
    assert "COVERING INDEX ix_oro_invoice_payment_state_org_aging (organization_id=?" in plan, plan
    assert "oro_invoice_invoice" not in plan, plan


def test_a_customer_users_aging_joins_the_invoices_for_what_only_they_hold(sqlite_db):
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    make(service, due=-3)
    plan = sqlite_plan_of_last(sqlite_db.engine, lambda: service.receivables_aging(
        {"organization_id": 1, "customer_id": 10, "customer_user_id": 100}))
    assert "ix_oro_invoice_payment_state_org_aging (organization_id=? AND customer_id=?" in plan, plan
    assert "oro_invoice_invoice USING INTEGER PRIMARY KEY" in plan, plan


def test_revision_0028_copies_the_customer_and_currency_of_the_invoices_there_are(clocked):
    make(clocked, due=-5)
    make(clocked, due=-40, price="40.00", currency="EUR", customer_id=11, customer_name="beta GmbH")
    make(clocked, due=-70, price="7.00", customer_id=None, customer_user_id=None, customer_name="Walk-in")
    before = clocked.receivables_aging({"organization_id": 1})
    downgrade(clocked.db, "0027")                    # the copies are dropped …
    upgrade(clocked.db)                              # … and made again from the invoices
    after = clocked.receivables_aging({"organization_id": 1})
    assert [(ln.currency, ln.customer_id, str(ln.total)) for ln in after.lines] == [
        ("EUR", 11, "40.00"), ("USD", 10, "100.00"), ("USD", None, "7.00")]
    assert after == before
    with clocked.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM oro_invoice_payment_state "
                                 "WHERE currency IS NULL")).scalar() == 0


def test_a_report_sorts_its_lines_by_an_amount_within_each_currency(clocked):
    make(clocked, due=-5, price="10.00", customer_id=11, customer_name="alpha")
    make(clocked, due=-50, price="30.00", customer_id=12, customer_name="beta")
    make(clocked, due=3, price="20.00", customer_id=13, customer_name="gamma")
    make(clocked, due=3, price="99.00", currency="EUR", customer_id=14, customer_name="delta")
    report = clocked.receivables_aging({"organization_id": 1})

    def names(key: str) -> list[str]:
        return [line.customer_name for line in report.sorted_by(key).lines]

    assert names("customer") == ["delta", "alpha", "beta", "gamma"]
    assert names("total") == ["delta", "beta", "gamma", "alpha"]
    assert names("current") == ["delta", "gamma", "alpha", "beta"]            # equal amounts keep name order
    assert names("days_31_60") == ["delta", "beta", "alpha", "gamma"]
    assert report.sorted_by("total").totals == report.totals
    assert report.sorted_by("total").sorted_by("customer") == report
    with pytest.raises(ValueError, match="unknown aging sort 'size'"):
        report.sorted_by("size")


def test_a_statement_is_built_once_per_shape_and_run_again_with_other_values(clocked, monkeypatch):
    from oro_invoices.persistence import aging as aging_sql
    monkeypatch.setattr(aging_sql, "_STATEMENTS", {})
    make(clocked, due=-5)
    make(clocked, due=-40, price="40.00", customer_id=11, customer_name="beta GmbH")
    make(clocked, due=-5, price="7.00", organization_id=2, customer_id=12, customer_name="gamma")
    ours, theirs = (clocked.receivables_aging({"organization_id": org}) for org in (1, 2))
    later = clocked.receivables_aging({"organization_id": 1}, today=TODAY + dt.timedelta(days=30))
    assert len(aging_sql._STATEMENTS) == 1
    assert [(ln.customer_id, amounts(ln)) for ln in ours.lines] == [
        (10, ["0.00", "100.00", "0.00", "0.00", "0.00"]), (11, ["0.00", "0.00", "40.00", "0.00", "0.00"])]
    assert [(ln.customer_id, str(ln.total)) for ln in theirs.lines] == [(12, "7.00")]
    assert [(ln.customer_id, amounts(ln)) for ln in later.lines] == [
        (10, ["0.00", "0.00", "100.00", "0.00", "0.00"]), (11, ["0.00", "0.00", "0.00", "40.00", "0.00"])]
    one, both = (clocked.receivables_aging({"organization_id": 1, "customer_ids": ids}) for ids in ([11], [10, 11]))
    assert len(aging_sql._STATEMENTS) == 2                      # any number of customers: one more shape
    assert [ln.customer_id for ln in one.lines] == [11] and [ln.customer_id for ln in both.lines] == [10, 11]
