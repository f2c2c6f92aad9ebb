"""The Overdue filter: the SQL agrees with the domain's one definition, keyset paging keeps working,
the open due date the triggers keep follows each invoice through its life, and the index on
(organization, open due date) serves the filter."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect
from support.databases import make_database
from support.payloads import one_line_invoice
from support.statements import sqlite_plan_of_last

from oro_invoices.domain.overdue import days_overdue
from oro_invoices.domain.statuses import is_held, is_owed
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence import queries
from oro_invoices.persistence.migrate import downgrade, upgrade
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
    return one_line_invoice(service, due_date=None if due is None else day(due), invoice_date=invoice_date,
                            price=price, post=post, paid=paid, **extra)


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
        # paid in part by hand, a card authorized for the rest (or part of it)
        "rest_held_late": make(s, due=-40, paid="40.00"),
        "rest_partly_held_late": make(s, due=-40, paid="40.00"),
        "part_held_late": make(s, due=-40),
        # authorized in full, nothing captured: owed until the capture, not overdue
        "authorized_late": make(s, due=-40),
    }
    s.force_payment_status(ids["forced_paid"], "paid_in_full")
    for key, held in (("rest_held_late", "60.00"), ("rest_partly_held_late", "59.99"), ("part_held_late", "30.00"),
                      ("authorized_late", "100.00")):
        s.record_payment(ids[key], {"method": "card", "action": "authorize", "amount": held})
    return ids


def listed(service: InvoiceService, **filters) -> set[int]:
    return {i.id for i in service.list_invoices(filters, limit=500).items}


def test_the_filter_is_the_domain_definition(clocked, cases):
    overdue = listed(clocked, overdue=True)
    assert overdue == {cases["five_days_late"], cases["partially_paid_late"], cases["other_organization"],
                       cases["rest_partly_held_late"], cases["part_held_late"]}   # not the rest held in full
    assert listed(clocked, overdue=False) == set(cases.values()) - overdue
    for item in clocked.list_invoices({}, limit=500).items:      # the rows say the same
        assert (days_overdue(item, TODAY) > 0) == (item.id in overdue), item
    assert days_overdue(clocked.get(cases["five_days_late"]), TODAY) == 5
    assert listed(clocked, overdue=True, organization_id=1) == overdue - {cases["other_organization"]}


def test_overdue_is_judged_on_the_day_given(clocked, cases):
    week_ago = TODAY - dt.timedelta(days=7)
    earlier = listed(clocked, overdue=True, today=week_ago)
    assert earlier == {cases["partially_paid_late"], cases["rest_partly_held_late"], cases["part_held_late"]}
    # five_days_late was not yet due then


@pytest.mark.parametrize("few", [(500, 500), (3, 3), (3, 500)],
                         ids=["read-by-due-date", "read-in-sort-order", "between"])
@pytest.mark.parametrize("sort", ["-invoice_date", "invoice_date", "due_date", "-due_date", "-total_amount",
                                  "total_amount", "customer_name", "-customer_name", "invoice_number",
                                  "payment_status", "-payment_method", "-id", "created_at"])
def test_keyset_paging_under_the_filter_visits_each_row_once(clocked, sort, few, monkeypatch):
    """Every way of reading overdue invoices (few: by due date, then sorted; many: in the
    sort's order, tested row by row; between the two thresholds, on PostgreSQL, in the sort's
    order tested against the set of overdue ids) gives the same pages."""
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE", few[0])
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE_BY_DATE", few[1])
    late = {make(clocked, due=-(i + 1), invoice_date=f"2026-11-{1 + i % 9:02d}",
                 price=f"{10 + i % 4}.00", paid="1.00" if i % 3 == 0 else None,
                 customer_name=["Zeta", "alpha", "Alpha", "Émile", "beta"][i % 5])
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


def test_an_organizations_overdue_invoices_are_one_range_of_the_open_due_date_index(sqlite_db):
    stmt = apply_filter(select(Invoice.id).join(PaymentState, PaymentState.invoice_id == Invoice.id),
                        InvoiceFilter(organization_id=1, overdue=True, today=TODAY))
    sql = str(stmt.compile(sqlite_db.engine, compile_kwargs={"literal_binds": True}))
    with sqlite_db.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert ("COVERING INDEX ix_oro_invoice_payment_state_org_open_due "
            "(organization_id=? AND open_due_date<?)") in plan, plan


def page_plan(service: InvoiceService, sort: str) -> str:
    """SQLite's plan of the statement that reads a first page of overdue invoices."""
    return sqlite_plan_of_last(service.db.engine, lambda: service.list_invoices(
        {"overdue": True, "organization_id": 1}, sort=sort, limit=5))


@pytest.mark.parametrize("sort", ["due_date", "-due_date"])
def test_by_due_date_overdue_invoices_are_read_in_order_from_one_index(sqlite_db, sort):
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    make(service, due=-3)
    plan = page_plan(service, sort)
    ids, rows = plan.split("REUSE LIST SUBQUERY")
    assert "COVERING INDEX ix_oro_invoice_payment_state_org_open_due (organization_id=? AND open_due_date<?)" \
        in ids, plan
    assert "TEMP B-TREE" not in ids, plan      # the page's ids in index order; only its rows are sorted


def test_newest_first_overdue_invoices_come_from_the_payment_states_indexes(sqlite_db, monkeypatch):
    """Few: the page's ids from the open-due-date index alone, sorted; many: from the open
    invoices in date order, each tested in that index."""
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    for offset in range(4):
        make(service, due=-3 - offset)
    few = page_plan(service, "-invoice_date")
    assert "COVERING INDEX ix_oro_invoice_payment_state_org_open_due" in few, few
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE_BY_DATE", 2)
    ids = page_plan(service, "-invoice_date").split("REUSE LIST SUBQUERY")[0]
    assert "COVERING INDEX ix_oro_invoice_payment_state_org_open_date (organization_id=?)" in ids, ids
    assert "TEMP B-TREE" not in ids, ids      # read in the index's order; only the page's rows are sorted


def test_a_bound_of_a_few_overdue_reads_as_the_count_would_choose_without_counting(sqlite_db, monkeypatch):
    """``overdue_at_most`` (the storefront's balance counted the open invoices): at most a few
    are overdue, so the page is read by due date as the count would choose, and no count is
    sent; a bound above a few says nothing of how many there are: they are counted all the same."""
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    for offset in range(4):
        make(service, due=-3 - offset)
    counts: list[int] = []
    real = queries._overdue_found
    monkeypatch.setattr(queries, "_overdue_found", lambda *args: counts.append(1) or real(*args))
    for few, counted_with_bound in ((500, 0), (2, 1)):
        monkeypatch.setattr(queries, "FEW_OVERDUE_BY_DATE", few)
        counts.clear()
        chosen = page_plan(service, "-invoice_date")
        assert counts == [1]
        bounded = sqlite_plan_of_last(service.db.engine, lambda: service.list_invoices(
            {"overdue": True, "organization_id": 1}, sort="-invoice_date", limit=5, overdue_at_most=4))
        assert bounded == chosen and len(counts) == 1 + counted_with_bound, few


@pytest.mark.parametrize("sort", ["-total_amount", "customer_name", "payment_status", "-payment_method", "-id",
                                  "created_at"])
def test_few_overdue_invoices_sorted_by_a_column_of_the_open_due_date_index_are_read_from_it_alone(
        sqlite_db, sort, monkeypatch):
    """Few: the page's ids from the open-due-date index alone, which holds the sort's column,
    then sorted; many: the invoices in the order of the sort's own index, each tested."""
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    for offset in range(4):
        make(service, due=-3 - offset, price=f"{10 + offset}.00", customer_name=f"Customer {offset}")
    ids = page_plan(service, sort).split("REUSE LIST SUBQUERY")[0]
    assert "COVERING INDEX ix_oro_invoice_payment_state_org_open_due (organization_id=? AND open_due_date<?)" \
        in ids, ids
    assert "oro_invoice_invoice" not in ids, ids
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE_BY_DATE", 2)
    index = {"-total_amount": "ix_oro_invoice_invoice_org_total_id", "customer_name": "ix_oro_invoice_invoice_org_name_id",
             "payment_status": "ix_oro_invoice_payment_state_status_invoice",
             "-payment_method": "ix_oro_invoice_payment_state_method_invoice",
             "-id": "ix_oro_invoice_invoice_org_id", "created_at": "ix_oro_invoice_invoice_org_id"}
    assert index[sort] in page_plan(service, sort)


@pytest.fixture
def pg_db(request, tmp_path):
    database = make_database("postgresql", request, tmp_path)
    yield database
    database.dispose()


def test_on_postgresql_some_overdue_invoices_are_tested_against_their_ids_hashed_once(pg_db, monkeypatch):
    """Between the two thresholds, the sort's index is read in order and each invoice tested
    against the set of overdue ids, not by looking up its payment state."""
    db = pg_db
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    for offset in range(4):
        make(service, due=-3 - offset, currency=["EUR", "USD"][offset % 2])
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE", 2)
    seen: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
    page = service.list_invoices({"overdue": True, "organization_id": 1}, sort="currency", limit=3)
    assert [i.currency for i in page.items] == ["EUR", "EUR", "USD"]
    statement, parameters = seen[-1]
    with db.engine.connect() as conn:
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "Filter: ((hashed SubPlan 1) OR (id IS NULL))" in plan, plan
    assert "Index Only Scan using ix_oro_invoice_payment_state_org_open_due" in plan.rsplit("SubPlan 1", 1)[1], plan


def copied_columns(service: InvoiceService) -> tuple[dict[int, tuple[int | None, str | None]], ...]:
    """The invoices' totals and customer names as their payment states copy them, and as the
    invoices hold them."""
    with service.db.session() as s:
        return tuple({row[0]: (row[1], row[2]) for row in s.execute(select(*columns))} for columns in (
            (PaymentState.invoice_id, PaymentState.total_amount, PaymentState.customer_name),
            (Invoice.id, Invoice.total_amount, Invoice.customer_name)))


def test_the_total_and_customer_name_the_states_copy_follow_drafts_as_they_change(clocked, cases):
    draft = make(clocked, due=-3, post=False, customer_name="Aaron Ltd")
    clocked.update(draft, {"customer_name": "Zulu GmbH", "lines": [
        {"description": "x", "quantity": "2", "unit_price": "70.00"}]})
    clocked.post(draft)
    copied, held = copied_columns(clocked)
    assert copied == held
    assert copied[draft] == (14000, "Zulu GmbH")
    first = clocked.list_invoices({"overdue": True, "organization_id": 1}, sort="-customer_name", limit=1)
    assert [i.customer_name for i in first.items] == ["Zulu GmbH"]


def open_due_dates(service: InvoiceService) -> dict[int, tuple[int | None, dt.date | None, dt.date | None]]:
    """What the triggers keep on each payment state: organization, invoice date, open due date."""
    with service.db.session() as s:
        return {row.invoice_id: (row.organization_id, row.invoice_date, row.open_due_date) for row in s.execute(
            select(PaymentState.invoice_id, PaymentState.organization_id, PaymentState.invoice_date,
                   PaymentState.open_due_date))}


def expected_open_due(service: InvoiceService) -> dict[int, tuple[int | None, dt.date | None, dt.date | None]]:
    """What the domain says: the invoice's organization and date, and its due date while it
    is owed."""
    docs = [service.get(invoice.id) for invoice in service.list_invoices({}, limit=500).items]
    return {doc.id: (doc.organization_id, doc.invoice_date, doc.due_date if doc.status.value == "posted"
                     and doc.document_type == "invoice" and is_owed(doc.payment_status, doc.amount_due)
                     else None) for doc in docs}


def test_the_open_due_date_follows_each_invoice_through_its_life(clocked, cases):
    s = clocked
    assert open_due_dates(s) == expected_open_due(s)
    assert open_due_dates(s)[cases["five_days_late"]] == (1, dt.date(2026, 12, 1), TODAY - dt.timedelta(days=5))
    assert open_due_dates(s)[cases["other_organization"]][0] == 2
    refunded = make(s, due=-3, paid="100.00")
    credited = make(s, due=-3, paid="30.00")
    voided = make(s, due=-3)
    unforced = make(s, due=-3)
    draft = make(s, due=-3, post=False)
    s.record_payment(refunded, {"method": "bank", "action": "refund", "amount": "100.00"})
    s.create_credit_note(credited, {"full": True, "reason": "Wrong customer", "settlement": "outside"},
                         actor="admin")
    s.void(voided, reason="typo")
    s.force_payment_status(unforced, "paid_in_full")
    s.force_payment_status(unforced, None)
    s.record_payment(cases["partially_paid_late"], {"method": "bank", "action": "charge", "amount": "60.00"})
    s.update(draft, {"due_date": day(-9), "invoice_date": "2026-12-02"})
    s.post(draft)
    kept = open_due_dates(s)
    assert kept == expected_open_due(s)
    first = dt.date(2026, 12, 1)
    assert kept[cases["partially_paid_late"]] == (1, first, None)                # paid off now
    assert kept[unforced] == (1, first, TODAY - dt.timedelta(days=3))            # payable again
    assert kept[draft] == (1, dt.date(2026, 12, 2), TODAY - dt.timedelta(days=9))  # posted as changed
    assert kept[credited] == kept[voided] == (1, first, None)
    assert kept[refunded] == (1, first, TODAY - dt.timedelta(days=3))         # refunded: owed again
    assert listed(s, overdue=True, organization_id=1) == {cases["five_days_late"], unforced, draft, refunded,
                                                         cases["rest_partly_held_late"], cases["part_held_late"]}


def held_in_full(service: InvoiceService) -> dict[int, bool]:
    """What the triggers keep on each payment state: whether authorizations hold all that is due."""
    with service.db.session() as s:
        return {row.invoice_id: bool(row.held_in_full)
                for row in s.execute(select(PaymentState.invoice_id, PaymentState.held_in_full))}


def expected_held_in_full(service: InvoiceService) -> dict[int, bool]:
    """What the domain says of each invoice (``statuses.is_held``)."""
    return {item.id: is_held(item.payment_status, item.amount_due, item.amount_held)
            for item in service.list_invoices({}, limit=500).items}


def test_what_authorizations_hold_follows_each_invoice_and_decides_overdue_with_it(clocked, cases):
    """The rest held in full is not overdue; a payment by hand that leaves no more due than is held
    makes it so; releasing the hold makes the invoice overdue again; a new hold, not again."""
    s = clocked
    assert held_in_full(s) == expected_held_in_full(s)
    assert held_in_full(s)[cases["rest_held_late"]] and not held_in_full(s)[cases["rest_partly_held_late"]]
    s.record_payment(cases["rest_partly_held_late"], {"method": "bank", "action": "charge", "amount": "0.01"})
    [auth] = [t for t in s.transactions(cases["rest_held_late"]) if t.action == "authorize"]
    s.record_payment(cases["rest_held_late"], {"method": "card", "action": "cancel", "amount": "60.00",
                                               "parent_id": auth.id})
    assert held_in_full(s) == expected_held_in_full(s)
    overdue = listed(s, overdue=True, organization_id=1)
    assert cases["rest_held_late"] in overdue and cases["rest_partly_held_late"] not in overdue
    s.record_payment(cases["rest_held_late"], {"method": "card", "action": "authorize", "amount": "60.00"})
    assert cases["rest_held_late"] not in listed(s, overdue=True, organization_id=1)
    assert cases["rest_held_late"] in listed(s, overdue=False)
    for item in s.list_invoices({}, limit=500).items:      # the rows say the same
        assert (days_overdue(item, TODAY) > 0) == (item.id in listed(s, overdue=True)), item


def test_an_invoice_authorized_in_full_keeps_its_open_due_date_but_is_not_overdue(clocked, cases):
    """Authorized and nothing captured, it is owed (its due date open, as the aging and the
    statement read it) and held in full, as the rest held is; so is one set to authorized from
    outside, whatever is held; the capture closes it."""
    s = clocked
    authorized = cases["authorized_late"]
    forced = make(s, due=-10)
    s.force_payment_status(forced, "authorized")
    assert s.get(authorized).payment_status.value == "authorized"
    assert open_due_dates(s) == expected_open_due(s) and held_in_full(s) == expected_held_in_full(s)
    assert open_due_dates(s)[authorized][2] == TODAY - dt.timedelta(days=40)
    assert open_due_dates(s)[forced][2] == TODAY - dt.timedelta(days=10)
    assert held_in_full(s)[authorized] and held_in_full(s)[forced]
    assert {authorized, forced}.isdisjoint(listed(s, overdue=True)) and {authorized, forced} <= listed(s, overdue=False)
    [auth] = s.transactions(authorized)
    s.record_payment(authorized, {"method": "card", "action": "capture", "amount": "100.00", "parent_id": auth.id})
    assert open_due_dates(s)[authorized][2] is None                  # paid in full: closed
    assert open_due_dates(s) == expected_open_due(s) and held_in_full(s) == expected_held_in_full(s)


def test_the_filter_needs_the_day_it_is_judged_on(clocked):
    with pytest.raises(ValueError, match="judged on"):
        apply_filter(select(Invoice.id), InvoiceFilter(overdue=True))


def test_upgrading_fills_in_the_open_due_dates_of_existing_invoices(db, clocked, cases):
    expected = expected_open_due(clocked)
    downgrade(db, "0015")
    try:
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa_inspect(conn).get_columns("oro_invoice_payment_state")}
        assert "open_due_date" not in columns
    finally:
        upgrade(db)
    assert open_due_dates(clocked) == expected
    copied, held = copied_columns(clocked)
    assert copied == held
    clocked.record_payment(cases["five_days_late"], {"method": "bank", "action": "charge", "amount": "100.00"})
    assert open_due_dates(clocked)[cases["five_days_late"]][2] is None    # kept from then on


def test_downgrading_below_the_copied_totals_and_names_keeps_the_open_due_dates(db, clocked, cases):
    downgrade(db, "0017")
    try:
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa_inspect(conn).get_columns("oro_invoice_payment_state")}
        assert {"total_amount", "customer_name"}.isdisjoint(columns) and "open_due_date" in columns
        assert open_due_dates(clocked)[cases["five_days_late"]][2] is not None
        with db.engine.begin() as conn:     # the triggers of revision 0017 still keep the open due date
            conn.exec_driver_sql("UPDATE oro_invoice_payment_state SET amount_paid = 11900 "
                                 f"WHERE invoice_id = {cases['five_days_late']}")
        assert open_due_dates(clocked)[cases["five_days_late"]][2] is None
    finally:
        upgrade(db)
    copied, held = copied_columns(clocked)
    assert copied == held
