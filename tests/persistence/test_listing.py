"""Listing: filters, sorting and keyset paging with stable cursors."""
import datetime as dt

import pytest
from support.payloads import invoice_payload
from support.statements import sqlite_plan_of_last

from oro_invoices.domain.errors import ValidationError
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService


@pytest.fixture
def thirty(service):
    ids = []
    for i in range(30):
        inv = service.create(invoice_payload(
            invoice_date=(dt.date(2026, 1, 1) + dt.timedelta(days=i % 10)).isoformat(),
            due_date="2026-12-31", customer_id=10 + i % 3, external_id=f"ext-{i}",
            lines=[{"description": "x", "quantity": str(i + 1), "unit_price": "1.00"}]))
        if i % 2:
            service.post(inv.id)
        ids.append(inv.id)
    return ids


def walk(service, **kw):
    seen, cursor, pages = [], None, 0
    while True:
        page = service.list_invoices(cursor=cursor, **kw)
        seen += page.items
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            return seen, pages


@pytest.mark.parametrize("sort", ["-invoice_date", "invoice_date", "-total_amount", "invoice_number",
                                  "-due_date", "customer_name", "-payment_status", "id"])
def test_cursor_walk_visits_every_row_once_in_order(service, thirty, sort):
    seen, pages = walk(service, sort=sort, limit=7)
    assert sorted(i.id for i in seen) == sorted(thirty) and pages == 5
    everything = service.list_invoices(sort=sort, limit=100).items
    assert [i.id for i in seen] == [i.id for i in everything]


@pytest.mark.parametrize("sort", ["id", "-created_at"])
def test_an_organizations_invoices_by_id_are_read_in_index_order(sqlite_db, sort):
    """The API's id and creation orders within an organization: one index read in order, never
    a sort of all of the organization's invoices."""
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False))
    plan = sqlite_plan_of_last(sqlite_db.engine,
                               lambda: service.list_invoices({"organization_id": 1}, sort=sort, limit=5))
    assert "ix_oro_invoice_invoice_org_id (organization_id=?)" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("sort", ["invoice_number", "-invoice_number"])
def test_posted_invoices_by_number_are_every_posted_one_in_number_order(service, thirty, sort):
    """The drafts, which sort first by number, are skipped in the index, never a posted one."""
    seen, _ = walk(service, filters={"status": "posted"}, sort=sort, limit=4)
    numbers = [i.invoice_number for i in seen]
    assert len(numbers) == 15 and numbers == sorted(numbers, reverse=sort.startswith("-"))


@pytest.mark.parametrize("sort", ["-invoice_date", "invoice_date", "-total_amount", "-due_date",
                                  "id", "invoice_number"])
def test_a_walk_over_several_customers_is_the_customers_rows_merged_in_order(service, thirty, sort):
    """A visibility over a few customers (read a page per customer in one statement for the
    date, amount and id sorts) pages through exactly their invoices, in the sort's order."""
    filters = {"customer_ids": [10, 12], "status": "posted"}
    seen, pages = walk(service, filters=filters, sort=sort, limit=3)
    expected = service.list_invoices({"status": "posted"}, sort=sort, limit=100).items
    expected = [i.id for i in expected if i.customer_id in (10, 12)]
    assert [i.id for i in seen] == expected and len(expected) == 10
    assert pages == 4


@pytest.mark.parametrize("sort", ["-invoice_date", "total_amount"])
def test_a_walk_over_several_customers_by_payment_status_reads_their_states(service, thirty, sort):
    """The same walk filtered by payment status, which the read per customer must join."""
    paid = [i.id for i in service.list_invoices({"customer_ids": [10, 12], "status": "posted"}, limit=100).items][:3]
    for invoice_id in paid:
        service.record_payment(invoice_id, {"method": "bank", "action": "charge",
                                            "amount": str(service.get(invoice_id).total_amount)})
    filters = {"customer_ids": [10, 12], "status": "posted", "payment_status": "pending"}
    seen, _ = walk(service, filters=filters, sort=sort, limit=3)
    expected = service.list_invoices({"status": "posted", "payment_status": "pending"}, sort=sort, limit=100).items
    expected = [i.id for i in expected if i.customer_id in (10, 12)]
    assert [i.id for i in seen] == expected and len(expected) == 7
    assert not set(paid) & {i.id for i in seen}


def test_default_order_is_newest_first(service, thirty):
    items = service.list_invoices(limit=100).items
    keys = [(i.invoice_date, i.id) for i in items]
    assert keys == sorted(keys, reverse=True)


def test_filters(service, thirty):
    assert {i.customer_id for i in service.list_invoices({"customer_id": 11}, limit=100).items} == {11}
    posted = service.list_invoices({"status": "posted"}, limit=100, with_total=True)
    assert posted.total == 15 and all(i.invoice_number for i in posted.items)
    ranged = service.list_invoices({"date_from": dt.date(2026, 1, 3), "date_to": dt.date(2026, 1, 4)}, limit=100)
    assert {i.invoice_date.day for i in ranged.items} == {3, 4} and len(ranged.items) == 6
    assert [i.external_id for i in service.list_invoices({"external_id": "ext-4"}).items] == ["ext-4"]
    pending = service.list_invoices({"payment_status": "pending", "status": "posted"}, limit=100)
    assert len(pending.items) == 15
    number = posted.items[0].invoice_number
    assert [i.invoice_number for i in service.list_invoices({"number_contains": number[-5:]}).items] == [number]
    assert service.list_invoices({"customer_ids": [10, 12], "status": "posted"}, limit=100).items
    assert service.list_invoices({"number_contains": "%"}).items == []


def test_filtered_walk(service, thirty):
    seen, _ = walk(service, filters={"customer_id": 10, "status": "posted"}, limit=2)
    assert len(seen) == len({i.id for i in seen}) == 5


@pytest.mark.parametrize("kwargs,field", [
    ({"sort": "nonsense"}, "sort"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
    ({"cursor": "garbage!!"}, "cursor"), ({"filters": {"status": "open"}}, "status"),
    ({"filters": {"payment_status": "rich"}}, "payment_status"),
])
def test_bad_listing_arguments(service, kwargs, field):
    with pytest.raises(ValidationError) as err:
        service.list_invoices(**kwargs)
    assert err.value.errors[0][0] == field


def test_cursor_of_another_sort_is_refused(service, thirty):
    cursor = service.list_invoices(sort="-invoice_date", limit=5).next_cursor
    with pytest.raises(ValidationError, match="Invalid or expired cursor"):
        service.list_invoices(sort="total_amount", cursor=cursor)


def test_a_page_statement_built_for_one_filter_lists_another_filters_invoices(service, thirty):
    """Each page statement is built once per shape of request and run again with the next
    request's values: two customers (and two sets of customers, two cursors) in a row each get
    their own invoices, never the first one's."""
    for customer in (10, 11, 12, 10):
        items = service.list_invoices({"customer_id": customer}, limit=100, with_total=True,
                                      total_cap=50)
        assert {i.customer_id for i in items.items} == {customer}
        assert items.total == len(items.items) == 10
    for customers in ([10, 11], [11, 12], [10, 12]):
        items = service.list_invoices({"customer_ids": customers}, limit=100).items
        assert {i.customer_id for i in items} == set(customers) and len(items) == 20
    first = service.list_invoices({"customer_id": 10}, limit=4)
    other = service.list_invoices({"customer_id": 11}, limit=4)
    after_first = service.list_invoices({"customer_id": 10}, limit=4, cursor=first.next_cursor).items
    after_other = service.list_invoices({"customer_id": 11}, limit=4, cursor=other.next_cursor).items
    assert {i.customer_id for i in after_first} == {10} and {i.customer_id for i in after_other} == {11}
    assert not {i.id for i in after_first} & {i.id for i in first.items}


def test_a_summary_shows_the_invoice_as_its_document_does(service, thirty):
    """A page's summaries, read from plain rows, carry what the invoice itself says."""
    items = service.list_invoices({"status": "posted"}, sort="id", limit=3).items
    for item in items:
        doc = service.get(item.id)
        assert (item.invoice_number, item.invoice_date, item.due_date, item.currency, item.customer_id,
                item.total_amount, item.amount_paid, item.amount_due, item.payment_status,
                item.status, item.document_type, item.created_at) == (
            doc.invoice_number, doc.invoice_date, doc.due_date, doc.currency, doc.customer_id,
            doc.total_amount, doc.amount_paid, doc.amount_due, doc.payment_status, doc.status,
            doc.document_type, doc.created_at)
        assert item.total_amount > 0 and item.created_at.tzinfo is not None
