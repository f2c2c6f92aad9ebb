"""The Overdue filter: the SQL agrees with the domain's one definition, keyset paging keeps working,
and the index on (organization, status, due date) serves it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from support.payloads import invoice_payload

from oro_invoices.domain.overdue import days_overdue
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter
from oro_invoices.services.facade import InvoiceService

NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def day(offset: int) -> str:
    """TODAY shifted by ``offset`` days, as the payloads write dates."""
    return (TODAY + dt.timedelta(days=offset)).isoformat()


@pytest.fixture
def clocked(db) -> InvoiceService:
    """The service whose clock says 2027-01-10 (UTC)."""
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)


def make(service: InvoiceService, *, due: int | None, post: bool = True, paid: str | None = None,
         price: str = "100.00", invoice_date: str = "2026-12-01", **extra) -> int:
    payload = invoice_payload(invoice_date=invoice_date, due_date=None if due is None else day(due),
                              lines=[{"description": "x", "quantity": "1", "unit_price": price}],
                              **extra)
    invoice = service.create(payload)
    if post:
        service.post(invoice.id)
    if paid:
        service.record_payment(invoice.id, {"method": "bank", "action": "charge", "amount": paid})
    return invoice.id


@pytest.fixture
def cases(clocked) -> dict[str, int]:
    """One invoice per edge of the definition."""
    s = clocked
    ids = {
        "five_days_late": make(s, due=-5),
        "due_today": make(s, due=0),
        "due_tomorrow": make(s, due=1),
        "partially_paid_late": make(s, due=-40, paid="40.00"),
        "paid_late": make(s, due=-40, paid="100.00"),
        "draft_late": make(s, due=-40, post=False),
        "draft_without_due_date": make(s, due=None, post=False),
        "nothing_to_pay": make(s, due=-40, price="0.00"),
        "forced_paid": make(s, due=-40),
        "other_organization": make(s, due=-5, organization_id=2),
    }
    s.force_payment_status(ids["forced_paid"], "paid_in_full")
    return ids


def listed(service: InvoiceService, **filters) -> set[int]:
    return {i.id for i in service.list_invoices(filters, limit=500).items}


def test_the_filter_is_the_domain_definition(clocked, cases):
    overdue = listed(clocked, overdue=True)
    assert overdue == {cases["five_days_late"], cases["partially_paid_late"], cases["other_organization"]}
    assert listed(clocked, overdue=False) == set(cases.values()) - overdue
    for item in clocked.list_invoices({}, limit=500).items:      # the rows say the same
        assert (days_overdue(item, TODAY) > 0) == (item.id in overdue), item
    assert days_overdue(clocked.get(cases["five_days_late"]), TODAY) == 5
    assert listed(clocked, overdue=True, organization_id=1) == overdue - {cases["other_organization"]}


def test_overdue_is_judged_on_the_day_given(clocked, cases):
    week_ago = TODAY - dt.timedelta(days=7)
    earlier = listed(clocked, overdue=True, today=week_ago)
    assert earlier == {cases["partially_paid_late"]}   # five_days_late was not yet due then


@pytest.mark.parametrize("few", [500, 3], ids=["read-by-due-date", "read-in-sort-order"])
@pytest.mark.parametrize("sort", ["-invoice_date", "due_date", "-total_amount", "invoice_number",
                                  "payment_status", "-id"])
def test_keyset_paging_under_the_filter_visits_each_row_once(clocked, sort, few, monkeypatch):
    """Both ways of reading overdue invoices (few: by due date, then sorted; many: in the
    sort's order, tested row by row) give the same pages."""
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE", few)
    late = {make(clocked, due=-(i + 1), invoice_date=f"2026-11-{1 + i % 9:02d}",
                 price=f"{10 + i % 4}.00", paid="1.00" if i % 3 == 0 else None)
            for i in range(23)}
    make(clocked, due=3)
    make(clocked, due=-2, paid=None, post=False)
    seen, cursor = [], None
    while True:
        page = clocked.list_invoices({"overdue": True, "organization_id": 1}, sort=sort, limit=5,
                                     cursor=cursor)
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(late) and len(seen) == len(set(seen))
    everything = clocked.list_invoices({"overdue": True, "organization_id": 1}, sort=sort, limit=100)
    assert [i.id for i in everything.items] == seen


def test_an_organizations_overdue_invoices_are_read_through_the_due_date_index(sqlite_db):
    stmt = apply_filter(select(Invoice.id).join(PaymentState, PaymentState.invoice_id == Invoice.id),
                        InvoiceFilter(organization_id=1, overdue=True, today=TODAY))
    sql = str(stmt.compile(sqlite_db.engine, compile_kwargs={"literal_binds": True}))
    with sqlite_db.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_oro_invoice_invoice_org_status_due_id" in plan, plan


def test_the_filter_needs_the_day_it_is_judged_on(clocked):
    with pytest.raises(ValueError, match="judged on"):
        apply_filter(select(Invoice.id), InvoiceFilter(overdue=True))
