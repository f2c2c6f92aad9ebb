"""The grid's sorts added for every column (customer user, website, document type, payment method,
external payment URL, total within a currency), the capped count, the total range and customer
user email filters, and the per-user grid column choices."""
from __future__ import annotations

import pytest
from support.payloads import invoice_payload

from oro_invoices.persistence import grid_columns
from oro_invoices.persistence.queries import InvoiceFilter


@pytest.fixture
def twenty(service):
    """Twenty invoices with many ties: 3 buyers, 2 websites and none, 2 currencies, some URLs."""
    ids = []
    for i in range(20):
        inv = service.create(invoice_payload(
            external_id=f"g-{i}", currency=("EUR", "USD")[i % 2],
            customer_user_email=f"buyer{i % 3}@acme.test", website_id=(None, 1, 2)[i % 3],
            external_payment_url=f"https://pay.example/{i % 4}" if i % 5 else None,
            lines=[{"description": "x", "quantity": "1", "unit_price": f"{10 + i % 6}.00"}]))
        if i % 2:
            service.post(inv.id)
        ids.append(inv.id)
    return ids


def walk(service, flt, sort):
    seen, cursor = [], None
    while True:
        page = service.list_invoices(flt, sort=sort, limit=3, cursor=cursor, with_total=True,
                                     total_cap=1000)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            return seen, page.total


KEYS = {
    "customer_user": lambda i: i.customer_user_email,
    "website": lambda i: i.website_id or 0,
    "document_type": lambda i: i.document_type.value,
    "payment_method": lambda i: i.payment_method,
    "external_payment_url": lambda i: (i.external_payment_url or "")[:255],
    "currency": lambda i: i.currency,
}


@pytest.mark.parametrize("sort", [k for key in KEYS for k in (key, "-" + key)])
def test_a_walk_in_each_new_sort_visits_every_row_once_in_order(service, twenty, sort):
    seen, total = walk(service, InvoiceFilter(organization_id=1), sort)
    assert sorted(i.id for i in seen) == sorted(twenty) and total == 20
    key = KEYS[sort.lstrip("-")]
    expected = sorted(seen, key=lambda i: (key(i), i.id), reverse=sort.startswith("-"))
    assert [i.id for i in seen] == [i.id for i in expected]


def test_totals_sort_within_one_currency_and_filter_by_range(service, twenty):
    seen, total = walk(service, InvoiceFilter(currency="EUR"), "-total_amount")
    assert total == 10 and all(i.currency == "EUR" for i in seen)
    assert [i.total_amount for i in seen] == sorted((i.total_amount for i in seen), reverse=True)
    ranged = service.list_invoices(InvoiceFilter(currency="EUR", total_min=1200, total_max=1400),
                                   limit=100).items
    assert ranged and all(12 <= i.total_amount <= 14 for i in ranged)
    assert len(ranged) == sum(1 for i in seen if 12 <= i.total_amount <= 14)


def test_customer_user_email_filter(service, twenty):
    rows = service.list_invoices(InvoiceFilter(customer_user_email="buyer1@acme.test"), limit=100).items
    assert len(rows) == 7 and {r.customer_user_email for r in rows} == {"buyer1@acme.test"}


def test_the_count_stops_past_its_cap_and_is_exact_below_it(service, twenty):
    assert service.count_invoices(InvoiceFilter(), cap=5) == 6
    assert service.count_invoices(InvoiceFilter(status="posted"), cap=100) == 10
    assert service.count_invoices(InvoiceFilter(payment_status="pending"), cap=100) == 10   # a draft has none
    page = service.list_invoices(InvoiceFilter(), limit=3, with_total=True, total_cap=5)
    assert page.total == 6 and len(page.items) == 3
    empty = service.list_invoices(InvoiceFilter(customer_id=999), with_total=True, total_cap=5)
    assert empty.items == [] and empty.total == 0


def test_grid_columns_are_kept_per_organization_and_user(service):
    db = service.db
    assert grid_columns.load(db, 1, "7", "admin.invoices") is None
    grid_columns.save(db, 1, "7", "admin.invoices", ["invoice_number", "total_amount"])
    grid_columns.save(db, 2, "7", "admin.invoices", ["website"])   # same user id, another tenant
    assert grid_columns.load(db, 1, "7", "admin.invoices") == ["invoice_number", "total_amount"]
    assert grid_columns.load(db, 2, "7", "admin.invoices") == ["website"]
    assert grid_columns.load(db, 1, "8", "admin.invoices") is None
    grid_columns.save(db, 1, "7", "admin.invoices", [])
    assert grid_columns.load(db, 1, "7", "admin.invoices") == []
    grid_columns.save(db, 1, "7", "admin.invoices", None)
    assert grid_columns.load(db, 1, "7", "admin.invoices") is None
    grid_columns.save(db, None, "7", "admin.invoices", ["currency"])  # a host without organizations
    assert grid_columns.load(db, None, "7", "admin.invoices") == ["currency"]


@pytest.mark.parametrize("flt", [InvoiceFilter(organization_id=1), InvoiceFilter(organization_id=1, status="posted"),
                                 InvoiceFilter(customer_ids=[10, 11]), InvoiceFilter(customer_id=10, currency="EUR"),
                                 InvoiceFilter(customer_id=999)])
def test_a_page_and_another_sorts_first_page_read_together_are_those_read_apart(service, twenty, flt):
    """``list_invoices_or_first``: one statement, the same two pages as ``list_invoices`` gives."""
    from support.statements import statements_on

    def apart(sort, cursor=None):
        page = service.list_invoices(flt, sort=sort, limit=3, cursor=cursor, with_total=True, total_cap=1000,
                                     with_currencies=True)
        return [i.id for i in page.items], page.next_cursor, page.total, page.currencies

    cursor = service.list_invoices(flt, sort="-total_amount", limit=3).next_cursor
    for sort, after in (("-total_amount", None), ("total_amount", None), ("-total_amount", cursor)):
        with statements_on(service.db.engine) as sent:
            one, two = service.list_invoices_or_first(flt, sort=sort, other_sort="-invoice_date", limit=3,
                                                      cursor=after, total_cap=1000, with_currencies=True)
        assert len(sent) == 1, sent
        assert ([i.id for i in one.items], one.next_cursor, one.total, one.currencies) == apart(sort, after)
        assert ([i.id for i in two.items], two.next_cursor, two.total, two.currencies) == apart("-invoice_date")
    with pytest.raises(ValueError):
        service.list_invoices_or_first(flt, sort="customer_name", other_sort="-invoice_date", total_cap=10)
