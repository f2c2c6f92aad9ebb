"""Sorting by payment status in an order the caller gives (the pages: their labels' order in the
page's language): every page in that order, ties by id, under any filter, read one range of the
(payment status, invoice) index per status."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event
from support.databases import make_database
from support.payloads import invoice_payload, one_line_invoice
from support.statements import sqlite_plan_of_last

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.queries import InvoiceFilter, encode_cursor
from oro_invoices.services.facade import InvoiceService

#: An order unlike the codes' own (nor their reverse).
ORDER = ("pending", "voided", "paid_in_full", "authorized", "refunded", "canceled_partially", "declined",
         "credited", "paid_partially", "invoiced", "canceled", "refunded_partially", "authorized_partially")
FORCED = ("paid_in_full", "voided", "declined", "authorized", "refunded", "invoiced", None)


@pytest.fixture
def sorted_shop(service):
    return seed(service)


def seed(service):
    """Twenty-two invoices of six statuses (many ties), in two organizations and for three customers."""
    ids = []
    for i in range(22):
        doc = service.post(service.create(invoice_payload(
            external_id=f"s-{i}", organization_id=1 + (i % 5 == 4), customer_id=10 + i % 3)).id)
        if FORCED[i % 7] is not None:
            service.force_payment_status(doc.id, FORCED[i % 7])
        ids.append(doc.id)
    return ids


def walk(service, flt, sort, order, limit=3):
    seen, cursor = [], None
    while True:
        page = service.list_invoices(flt, sort=sort, limit=limit, cursor=cursor, status_order=order,
                                     with_total=True, total_cap=1000)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            return seen, page.total


def in_order(rows, order, desc):
    """``rows`` as a sort by payment status in ``order`` lists them: drafts, which have none yet, after every status."""
    def place(i):
        return len(order) if i.status.value == "draft" else order.index(i.payment_status.value)
    return sorted(rows, key=lambda i: (place(i), i.id), reverse=desc)


@pytest.mark.parametrize("sort", ["payment_status", "-payment_status"])
@pytest.mark.parametrize("flt", [InvoiceFilter(), InvoiceFilter(organization_id=1),
                                 InvoiceFilter(customer_ids=[10, 12]), InvoiceFilter(payment_status="voided")],
                         ids=["all", "organization", "customers", "one-status"])
def test_each_page_follows_the_order_given_ties_by_id(service, sorted_shop, sort, flt):
    seen, total = walk(service, flt, sort, ORDER)
    everything = service.list_invoices(flt, limit=500).items
    assert total == len(everything) == len(seen) == len({i.id for i in seen})
    assert [i.id for i in seen] == [i.id for i in in_order(everything, ORDER, sort.startswith("-"))]
    by_code = walk(service, flt, sort, None)[0]                          # without an order: by code
    assert [i.id for i in by_code] == [i.id for i in in_order(everything, sorted(ORDER), sort.startswith("-"))]


def test_a_cursor_carries_the_status_code_so_another_order_goes_on_from_the_same_row(service, sorted_shop):
    first = service.list_invoices({}, sort="payment_status", limit=4, status_order=ORDER)
    reordered = tuple(reversed(ORDER))
    rest = service.list_invoices({}, sort="payment_status", limit=500, cursor=first.next_cursor,
                                 status_order=reordered).items
    last = first.items[-1]
    assert rest == [i for i in in_order(service.list_invoices({}, limit=500).items, reordered, False)
                    if (reordered.index(i.payment_status.value), i.id)
                    > (reordered.index(last.payment_status.value), last.id)]


def test_a_cursor_naming_no_status_is_refused_and_an_order_must_name_each_status_once(service, sorted_shop):
    forged = encode_cursor("payment_status", "lost", 1)
    with pytest.raises(ValidationError) as caught:
        service.list_invoices({}, sort="payment_status", cursor=forged, status_order=ORDER)
    assert caught.value.as_list()[0]["field"] == "cursor"
    with pytest.raises(ValueError, match="every payment status once"):
        service.list_invoices({}, sort="payment_status", status_order=ORDER[:-1])
    with pytest.raises(ValueError, match="every payment status once"):
        service.list_invoices({}, sort="payment_status", status_order=(*ORDER[:-1], "pending"))
    assert len(ORDER) == len(PaymentStatus)


NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("few", [(500, 500), (3, 3)], ids=["few-sorted", "many-by-status"])
def test_overdue_invoices_follow_the_order_too(db, few, monkeypatch):
    """A few overdue invoices are read from the open-due-date index and sorted by their status's
    place; many, one range of the status index per status, each tested."""
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE", few[0])
    monkeypatch.setattr("oro_invoices.persistence.queries.FEW_OVERDUE_BY_DATE", few[1])
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    for i in range(9):
        one_line_invoice(service, due_date=(NOW.date() - dt.timedelta(days=i + 1)).isoformat(),
                         invoice_date="2026-11-01", paid="10.00" if i % 3 == 0 else None)
    flt = InvoiceFilter(overdue=True, organization_id=1)
    order = ("paid_partially", *(code for code in ORDER if code != "paid_partially"))
    for sort in ("payment_status", "-payment_status"):
        seen, _total = walk(service, flt, sort, order, limit=2)
        everything = service.list_invoices(flt, limit=500).items
        assert len(everything) == 9
        assert [i.id for i in seen] == [i.id for i in in_order(everything, order, sort.startswith("-"))]


@pytest.fixture
def sqlite_service(request, tmp_path):
    database = make_database("sqlite", request, tmp_path)
    yield InvoiceService(database, plugins=get_plugin_manager(load_entrypoints=False))
    database.dispose()


def test_a_page_reads_one_range_of_the_status_index_per_status(sqlite_service):
    service = sqlite_service
    seed(service)
    first = service.list_invoices({"organization_id": 1}, sort="payment_status", limit=3, status_order=ORDER)
    plan = sqlite_plan_of_last(service.db.engine, lambda: service.list_invoices(
        {"organization_id": 1}, sort="payment_status", limit=3, cursor=first.next_cursor, status_order=ORDER))
    ranges = plan.count("ix_oro_invoice_payment_state_status_invoice (payment_status=? AND invoice_id>?)")
    assert ranges == len(PaymentStatus), plan
    assert "SCAN oro_invoice_payment_state" not in plan and "SCAN oro_invoice_invoice" not in plan, plan




def test_on_postgresql_a_page_reads_one_range_of_the_status_index_per_status(request, tmp_path):
    database = make_database("postgresql", request, tmp_path)
    try:
        service = InvoiceService(database, plugins=get_plugin_manager(load_entrypoints=False))
        seed(service)
        seen: list[tuple[str, object]] = []
        event.listen(database.engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
        first = service.list_invoices({"organization_id": 1}, sort="payment_status", limit=3, status_order=ORDER)
        service.list_invoices({"organization_id": 1}, sort="payment_status", limit=3, cursor=first.next_cursor,
                              status_order=ORDER)
        statement, parameters = seen[-1]
        with database.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off; SET enable_bitmapscan = off")  # as a large table
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    finally:
        database.dispose()
    assert plan.count("Index Only Scan using ix_oro_invoice_payment_state_status_invoice") == len(PaymentStatus), plan
    assert plan.count("Index Cond: ((payment_status = ") == len(PaymentStatus), plan
    assert "Seq Scan" not in plan, plan


@pytest.fixture
def shop_with_drafts(service):
    """The sorted shop with drafts among its invoices (their payment state says pending, as a new one's does)."""
    ids = seed(service)
    for i in range(5):
        ids.insert(3 * i, service.create(invoice_payload(
            external_id=f"d-{i}", organization_id=1 + (i % 2), customer_id=10 + i % 3)).id)
    service.force_payment_status(service.post(service.create(invoice_payload(external_id="p-last")).id).id, "pending")
    return ids


@pytest.mark.parametrize("sort", ["payment_status", "-payment_status"])
@pytest.mark.parametrize("flt", [InvoiceFilter(), InvoiceFilter(organization_id=1), InvoiceFilter(customer_ids=[10, 12])],
                         ids=["all", "organization", "customers"])
@pytest.mark.parametrize("limit", [1, 3])
def test_drafts_are_a_group_of_their_own_after_every_status(service, shop_with_drafts, sort, flt, limit):
    """Drafts show no payment status: they are not sorted among Pending payment, whose status they
    keep, but after every status (first, descending); a walk through the pages meets each row once."""
    seen, total = walk(service, flt, sort, ORDER, limit=limit)
    everything = service.list_invoices(flt, limit=500).items
    drafts = [i.id for i in everything if i.status.value == "draft"]
    assert drafts and total == len(everything) == len(seen) == len({i.id for i in seen})
    assert [i.id for i in seen] == [i.id for i in in_order(everything, ORDER, sort.startswith("-"))]
    ids = [i.id for i in seen]
    assert (ids[-len(drafts):] if sort == "payment_status" else ids[:len(drafts)]) == \
        sorted(drafts, reverse=sort.startswith("-"))


def test_a_cursor_after_a_draft_goes_on_with_the_drafts(service, shop_with_drafts):
    last_status = service.list_invoices({}, sort="payment_status", limit=500, status_order=ORDER).items
    first_draft = next(n for n, i in enumerate(last_status) if i.status.value == "draft")
    page = service.list_invoices({}, sort="payment_status", limit=first_draft + 1, status_order=ORDER)
    rest = service.list_invoices({}, sort="payment_status", limit=500, cursor=page.next_cursor,
                                 status_order=ORDER).items
    assert [i.id for i in rest] == [i.id for i in last_status[first_draft + 1:]]
    assert {i.status.value for i in rest} == {"draft"}
