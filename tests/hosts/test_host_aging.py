"""The back-office Aging Report in the reference shop: what each customer of the admin's
organization still owes, by days past due, per currency, on the page and in its CSV."""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re
from collections import defaultdict
from decimal import Decimal

from support.admins import admin_with
from support.payloads import posted_for_seeded_customer
from support.pdfs import pdf_words

from oro_invoices.domain.aging import BUCKET_KEYS, bucket_of
from oro_invoices.domain.overdue import days_overdue
from oro_invoices.domain.statuses import is_owed
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.services.aging import CSV_COLUMNS


def table_cells(page: str, currency: str) -> dict[str, list[str]]:
    """The report table of ``currency``: each row's cells (as read) by its first cell's text (the
    customer's name, without the link to their statement)."""
    table = re.search(rf'<table[^>]*data-currency="{currency}".*?</table>', page, re.S).group(0)
    rows = [re.sub(r'<a class="oi-statement-link".*?</a>', "", row) for row in re.findall(r"<tr\b.*?</tr>", table, re.S)]
    cells = [[text_of(c) for c in re.findall(r"<t[hd]\b.*?</t[hd]>", row, re.S)] for row in rows]
    return {row[0]: row[1:] for row in cells}


def expected_by_customer(service, organization_id: int) -> dict[tuple[str, str], list[Decimal]]:
    """What each (customer name, currency) owes by bucket, from the invoices as the grid lists them."""
    today = service.today()
    owed: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(BUCKET_KEYS))
    for item in service.list_invoices({"organization_id": organization_id, "status": "posted"}, limit=500).items:
        if item.document_type.value == "invoice" and is_owed(item.payment_status, item.amount_due):
            owed[(item.customer_name, item.currency)][BUCKET_KEYS.index(bucket_of(days_overdue(item, today)).key)] \
                += item.amount_due
    return owed


def test_the_report_shows_what_each_customer_owes_by_days_past_due(admin):
    service = admin.service
    late = posted_for_seeded_customer(service, due_date="2026-01-15", invoice_date="2026-01-01")
    service.record_payment(late.id, {"method": "bank", "action": "charge", "amount": "10.00"})
    grid = admin.get("/admin/invoices").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'id="oi-aging-report" href="([^"]+)"', grid).group(1))
    resp = admin.get(link)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Aging Report" in text_of(page)
    assert table_cells(page, "USD")["Customer"] == \
        ["Invoices", "Not Yet Due", "1–30 Days", "31–60 Days", "61–90 Days", "Over 90 Days", "Total Due",
         "Customer Credit", "Net"]
    expected = expected_by_customer(service, 1)
    assert expected and {currency for _, currency in expected} == {"EUR", "USD"}
    for currency in ("EUR", "USD"):
        rows = table_cells(page, currency)
        shown = {name: cells for name, cells in rows.items() if name not in ("Customer", "Total")}
        mine = {name: owed for (name, cur), owed in expected.items() if cur == currency}
        assert set(shown) == set(mine)
        for name, owed in mine.items():
            assert shown[name][1:-2] == [f"{amount:,.2f}" for amount in (*owed, sum(owed))], name
        column_sums = [sum(column) for column in zip(*mine.values(), strict=True)]
        assert rows["Total"][1:-2] == [f"{amount:,.2f}" for amount in (*column_sums, sum(column_sums))]
    late_row = table_cells(page, late.currency)[late.customer_name]
    assert Decimal(late_row[-4].replace(",", "")) >= late.total_amount - Decimal("10.00")   # over 90 days


def test_a_customer_links_to_their_posted_invoices_in_the_grid(admin):
    page = admin.get("/admin/invoices/aging").get_data(as_text=True)
    links = re.findall(r'<tr data-customer-id="(\d+)"><th scope="row"><a href="([^"]+)">([^<]+)</a>', page)
    assert links
    customer_id, href, name = links[0]
    grid = admin.get(html_lib.unescape(href)).get_data(as_text=True)
    listed = re.findall(r'<tr data-invoice-id="(\d+)"', grid)
    assert listed and {admin.service.get(int(i)).customer_id for i in listed} == {int(customer_id)}
    assert html_lib.unescape(name) in text_of(grid)


def test_each_admin_sees_only_their_organizations_customers(shop, admin):
    northwind = {name for name, _ in expected_by_customer(admin.service, 1)}
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    page = sakura.get("/admin/invoices/aging?organization_id=1").get_data(as_text=True)   # not a filter it honours
    theirs = expected_by_customer(admin.service, 2)
    assert theirs and {currency for _, currency in theirs} == {"JPY"}
    assert re.findall(r'data-currency="(\w+)"', page) == ["JPY"]
    assert {name for name, _ in theirs} <= set(table_cells(page, "JPY"))
    assert northwind and not any(name in text_of(page) for name in northwind)


def test_one_currency_is_shown_on_request_and_an_unknown_one_is_said_beside_its_field(admin):
    page = admin.get("/admin/invoices/aging?currency=USD").get_data(as_text=True)
    assert re.findall(r'data-currency="(\w+)"', page) == ["USD"]
    assert 'href="/admin/invoices/aging.csv?currency=USD"' in page
    resp = admin.get("/admin/invoices/aging?currency=dollars")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'aria-invalid="true" aria-describedby="f-error-currency"', page)
    assert "Choose one of the currencies listed." in text_of(page)
    assert re.findall(r'data-currency="(\w+)"', page) == ["EUR", "USD"]          # every currency meanwhile
    resp = admin.get("/admin/invoices/aging.csv?currency=dollars")
    assert resp.status_code == 422 and "Currency: Must be an ISO 4217 currency code" in text_of(resp.get_data(as_text=True))


def test_the_csv_holds_the_report(admin):
    resp = admin.get("/admin/invoices/aging.csv")
    assert resp.status_code == 200 and resp.content_type == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="aging-\d{4}-\d{2}-\d{2}\.csv"', resp.headers["Content-Disposition"])
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    expected = expected_by_customer(admin.service, 1)
    customers = [r for r in rows if r["customer_name"] != "Total"]
    assert {(r["customer_name"], r["currency"]): [Decimal(r[k]) for k in BUCKET_KEYS] for r in customers} == expected
    assert [(r["currency"], r["customer_id"]) for r in rows if r["customer_name"] == "Total"] == [("EUR", ""), ("USD", "")]


def test_the_report_needs_the_view_permission_and_a_login(shop):
    host = shop[0].extensions["oro_reference_host"]
    host.records.add_admin("clerk", "clerk1234", name="Clara Clerk", organization_id=1, permissions=[])
    clerk = ShopClient(shop[0])
    clerk.login_admin("clerk", "clerk1234")
    for url in ("/admin/invoices/aging", "/admin/invoices/aging.csv"):
        refused = clerk.get(url)
        assert refused.status_code == 403 and "Total Due" not in refused.get_data(as_text=True)
        anonymous = ShopClient(shop[0]).get(url)
        assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


def test_the_customers_are_sorted_by_name_or_by_an_amount_the_largest_first(admin):
    def order(url: str) -> list[str]:
        page = admin.get(url).get_data(as_text=True)
        return [name for name in table_cells(page, "EUR") if name not in ("Customer", "Total")]

    by_name = order("/admin/invoices/aging")
    assert by_name == sorted(by_name, key=str.casefold) and len(by_name) > 2
    page = admin.get("/admin/invoices/aging").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'<a class="oi-sort" href="([^"]+)">Total Due</a>', page).group(1))
    assert link == "?sort=total"
    rows = table_cells(admin.get("/admin/invoices/aging" + link).get_data(as_text=True), "EUR")
    totals = [Decimal(cells[-1].replace(",", "")) for name, cells in rows.items() if name not in ("Customer", "Total")]
    assert totals == sorted(totals, reverse=True) and len(set(totals)) > 1
    assert order("/admin/invoices/aging" + link) != by_name
    late_first = order("/admin/invoices/aging?sort=days_1_30&currency=EUR")
    owed = expected_by_customer(admin.service, 1)
    latest = max((name for name, currency in owed if currency == "EUR"), key=lambda name: owed[(name, "EUR")][1])
    assert owed[(latest, "EUR")][1] > 0 and late_first[0] == latest
    page = admin.get("/admin/invoices/aging?sort=days_1_30&currency=EUR").get_data(as_text=True)
    assert 'aria-sort="descending"><a class="oi-sort" href="?currency=EUR&amp;sort=days_1_30">1–30 Days' in page
    assert 'href="/admin/invoices/aging.csv?currency=EUR&amp;sort=days_1_30"' in page
    csv_rows = list(csv.DictReader(io.StringIO(admin.get(
        "/admin/invoices/aging.csv?sort=total").get_data(as_text=True))))
    eur = [Decimal(r["total_due"]) for r in csv_rows if r["currency"] == "EUR" and r["customer_name"] != "Total"]
    assert eur == sorted(eur, reverse=True)


def test_an_unknown_order_is_said_beside_its_field(admin):
    resp = admin.get("/admin/invoices/aging?sort=size")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Choose one of the orders listed." in text_of(page)
    assert 'aria-describedby="f-error-sort"' in page
    resp = admin.get("/admin/invoices/aging.csv?sort=size")
    assert resp.status_code == 422 and "Sort by: Must be one of customer, current" in text_of(resp.get_data(as_text=True))


def test_an_overdue_amount_opens_that_customers_overdue_invoices(admin):
    page = admin.get("/admin/invoices/aging").get_data(as_text=True)
    links = re.findall(r'<td class="oi-num" data-bucket="(\w+)"><a href="([^"]+)" aria-label="([^"]+)">', page)
    assert links and {bucket for bucket, _, _ in links} <= {"days_1_30", "days_31_60", "days_61_90", "over_90"}
    bucket, href, label = links[0]
    assert html_lib.unescape(label).startswith("Overdue invoices of ")
    grid = admin.get(html_lib.unescape(href)).get_data(as_text=True)
    listed = [admin.service.get(int(i)) for i in re.findall(r'<tr data-invoice-id="(\d+)"', grid)]
    today = admin.service.today()
    customer_id = int(re.search(r"customer=(\d+)", href).group(1))
    currency = re.search(r"currency=(\w+)", href).group(1)
    assert listed and all(doc.customer_id == customer_id and doc.currency == currency and days_overdue(doc, today) > 0
                          for doc in listed)
    assert 'data-bucket="current"><a ' not in page                  # what is not yet due links nowhere


def test_the_customer_filter_keeps_one_customer_or_those_whose_names_start_with_it(admin):
    names = [name for name in table_cells(admin.get("/admin/invoices/aging").get_data(as_text=True), "EUR")
             if name not in ("Customer", "Total")]
    first = names[0]
    prefix = first[:4].lower()                                         # any case
    expected = [name for name in names if name.casefold().startswith(prefix)]
    page = admin.get(f"/admin/invoices/aging?customer={prefix}&sort=total").get_data(as_text=True)
    shown = [name for name in table_cells(page, "EUR") if name not in ("Customer", "Total")]
    assert sorted(shown) == sorted(expected) and len(shown) < len(names)
    assert f'value="{prefix}"' in page
    assert f'href="/admin/invoices/aging.csv?customer={prefix}&amp;sort=total"' in page   # the CSV keeps it
    csv_rows = list(csv.DictReader(io.StringIO(admin.get(f"/admin/invoices/aging.csv?customer={prefix}").get_data(
        as_text=True))))
    assert sorted(r["customer_name"] for r in csv_rows if r["currency"] == "EUR" and r["customer_name"] != "Total") \
        == sorted(expected)
    customer_id = re.search(rf'<tr data-customer-id="(\d+)"><th scope="row"><a href="[^"]+">{re.escape(html_lib.escape(first))}<',
                            page).group(1)
    one = admin.get(f"/admin/invoices/aging?customer={customer_id}").get_data(as_text=True)
    assert [n for n in table_cells(one, "EUR") if n not in ("Customer", "Total")] == [first]
    nobody = admin.get("/admin/invoices/aging?customer=zzzz-nobody").get_data(as_text=True)
    assert "No customer you chose owes anything on a posted invoice." in text_of(nobody)


def test_a_bad_customer_filter_is_said_beside_its_field(admin):
    resp = admin.get("/admin/invoices/aging?customer=" + "x" * 300)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'aria-describedby="f-error-customer"' in page
    assert re.findall(r'data-currency="(\w+)"', page) == ["EUR", "USD"]            # every customer meanwhile
    assert admin.get("/admin/invoices/aging.csv?customer=" + "x" * 300).status_code == 422


def test_the_report_shows_a_page_of_customers_at_a_time_with_whole_totals(admin, monkeypatch):
    from oro_invoices.web import backoffice_aging
    whole = admin.get("/admin/invoices/aging").get_data(as_text=True)
    every = re.findall(r'<tr data-customer-id="(\d*)">', whole)
    footers = re.findall(r'<tfoot>(.*?)</tfoot>', whole, re.S)
    assert len(every) >= 3 and 'id="oi-aging-pager"' not in whole             # one page: no pager
    order = re.findall(r'<tr data-customer-id="(\d*)">', admin.get("/admin/invoices/aging?sort=total")
                       .get_data(as_text=True))
    monkeypatch.setattr(backoffice_aging, "PAGE_SIZE", 2)
    pages, url = [], "/admin/invoices/aging?sort=total"
    first = admin.get(url).get_data(as_text=True)
    # a customer owing in two currencies is two lines: the pager counts lines, not customers
    assert f"Lines 1–2 of {len(every)} · Page 1 of {-(-len(every) // 2)}" in text_of(first)
    while url:
        page = admin.get(url).get_data(as_text=True)
        pages.append(re.findall(r'<tr data-customer-id="(\d*)">', page))
        for footer in re.findall(r'<tfoot>(.*?)</tfoot>', page, re.S):
            assert footer in footers                                        # each currency's total is all of it
        found = re.search(r'rel="next" href="([^"]+)"', page)
        url = "/admin/invoices/aging" + html_lib.unescape(found.group(1)) if found else ""
    assert [c for shown in pages for c in shown] == order                    # every customer once, in order
    assert all(len(shown) <= 2 for shown in pages) and sorted(order) == sorted(every)
    assert "sort=total" in html_lib.unescape(first) and "page=2" in html_lib.unescape(first)
    past = admin.get("/admin/invoices/aging?page=999")
    assert past.status_code == 422                                          # past the last: the last, said
    assert f"Page {len(pages)} of {len(pages)}" in text_of(past.get_data(as_text=True))
    assert (f"There is no page 999: the report has {len(pages)} pages; here is the last."
            in text_of(past.get_data(as_text=True)))
    monkeypatch.setattr(backoffice_aging, "PAGE_SIZE", 100)
    one = admin.get("/admin/invoices/aging?page=2")                          # one page: the pager says it
    assert one.status_code == 422 and 'id="oi-aging-pager"' in one.get_data(as_text=True)
    assert "There is no page 2: the report has 1 page; here it is." in text_of(one.get_data(as_text=True))
    bad = admin.get("/admin/invoices/aging?page=abc")
    assert bad.status_code == 422
    assert "'abc' is not a page number: use a whole number such as 2." in text_of(bad.get_data(as_text=True))
    negative = admin.get("/admin/invoices/aging?page=-3")                    # as the grid says it
    assert negative.status_code == 422
    assert ("'-3' is not a page number: pages are numbered from 1; here is the first page."
            in text_of(negative.get_data(as_text=True)))
    assert "Page 1 of 1" in text_of(negative.get_data(as_text=True))


def test_a_month_end_shows_what_was_owed_then_and_a_payment_received_since_leaves_it(admin):
    service = admin.service
    today = service.today()
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    due = month_end - dt.timedelta(days=10)
    late = posted_for_seeded_customer(service, invoice_date=(due - dt.timedelta(days=30)).isoformat(),
                                      due_date=due.isoformat())
    before = admin.get(f"/admin/invoices/aging?as_of={month_end.isoformat()}&currency=USD")
    page = before.get_data(as_text=True)
    assert before.status_code == 200 and 'value="' + month_end.isoformat() + '"' in page
    assert "at the end of" in text_of(page) and "credit notes dated later are not counted" in text_of(page)
    owed = table_cells(page, "USD")[late.customer_name]
    assert Decimal(owed[2].replace(",", "")) >= late.total_amount               # 1–30 days late then
    assert "overdue=yes" not in page                                          # the grid shows today's, not then
    assert 'href="?currency=USD&amp;sort=over_90&amp;as_of=' + month_end.isoformat() + '"' in page
    service.record_received_payment(late.id, amount=late.amount_due, method="bank_transfer", received_on=today,
                                    actor="admin", request_key="aging-month-end-0001")
    again = admin.get(f"/admin/invoices/aging?as_of={month_end.isoformat()}&currency=USD").get_data(as_text=True)
    assert table_cells(again, "USD")[late.customer_name] == owed
    now = table_cells(admin.get("/admin/invoices/aging?currency=USD").get_data(as_text=True), "USD")
    assert now.get(late.customer_name, ["0"] * 9)[6] != owed[6]                # its total due
    resp = admin.get(f"/admin/invoices/aging.csv?as_of={month_end.isoformat()}&currency=USD")
    assert resp.headers["Content-Disposition"] == f'attachment; filename="aging-{month_end.isoformat()}.csv"'
    [row] = [r for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True)))
             if r["customer_name"] == late.customer_name]
    assert [f"{Decimal(row[key]):,.2f}" for key in BUCKET_KEYS] == owed[1:-3]


def test_a_day_that_is_no_day_is_said_beside_its_field(admin):
    resp = admin.get("/admin/invoices/aging?as_of=31.10.2026")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'aria-describedby="f-error-as-of"' in page
    assert "'31.10.2026' is not a day: use YYYY-MM-DD" in html_lib.unescape(text_of(page))
    assert re.findall(r'data-currency="(\w+)"', page) == ["EUR", "USD"]          # today's report meanwhile
    resp = admin.get("/admin/invoices/aging.csv?as_of=yesterday")
    assert resp.status_code == 422 and "As of: Must be a day written YYYY-MM-DD." in text_of(resp.get_data(as_text=True))
    today = admin.service.today()
    for far, said in ((today - dt.timedelta(days=3 * 366 + 1), "the aging looks back at most three years"),
                      (today + dt.timedelta(days=367), "the aging looks ahead at most a year")):  # too much, or little
        resp = admin.get(f"/admin/invoices/aging?as_of={far.isoformat()}")
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422 and 'aria-describedby="f-error-as-of"' in page
        assert said in text_of(page)
        assert re.findall(r'data-currency="(\w+)"', page) == ["EUR", "USD"]       # today's report meanwhile
        assert admin.get(f"/admin/invoices/aging.pdf?as_of={far.isoformat()}").status_code == 422


def test_the_report_downloads_as_a_pdf_headed_by_the_organization(shop, admin):
    page = admin.get("/admin/invoices/aging?currency=EUR&sort=total").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'id="oi-aging-pdf" href="([^"]+)"', page).group(1))
    assert link == "/admin/invoices/aging.pdf?currency=EUR&sort=total"
    resp = admin.get(link)
    assert resp.status_code == 200 and resp.content_type == "application/pdf"
    today = admin.service.today()
    assert resp.headers["Content-Disposition"] == f'attachment; filename="aging-{today.isoformat()}.pdf"'
    text = " ".join(pdf_words(resp.get_data()).split())
    assert "Receivables aging" in text and "AMOUNTS DUE IN EUR" in text.upper() and "IN USD" not in text.upper()
    report = admin.service.receivables_aging({"organization_id": 1, "currency": "EUR"}).sorted_by("total")
    names = [line.customer_name for line in report.lines]
    assert [name for name in names if name in text] == names                       # every customer
    assert text.index(names[0]) < text.index(names[-1])                            # in the page's order
    [total] = report.totals
    assert f"€{total.total:,.2f}" in text and "Northwind" in text                  # its total; the seller heads it
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    past = " ".join(pdf_words(admin.get(f"/admin/invoices/aging.pdf?as_of={month_end.isoformat()}").get_data())
                    .split())
    assert "at the end of" in past and "credit notes dated later are not counted" in past



def test_the_pdf_counts_a_customer_owing_in_several_currencies_once(admin):
    first = posted_for_seeded_customer(admin.service)                               # a USD invoice
    posted_for_seeded_customer(admin.service, currency="JPY",
                               lines=[{"description": "x", "quantity": "1", "unit_price": "12345"}])
    report = admin.service.receivables_aging({"organization_id": 1})
    customers = {(line.customer_id, line.customer_name if line.customer_id is None else "") for line in report.lines}
    assert len(report.lines) > len(customers)                      # first's customer has a line in each currency
    assert [line.currency for line in report.lines if line.customer_id == first.customer_id][:2] == ["JPY", "USD"]
    text = " ".join(pdf_words(admin.get("/admin/invoices/aging.pdf").get_data()).split())
    assert f"Customers {len(customers)} " in text

def test_an_admin_of_no_organization_gets_no_pdf(shop):
    everyone = admin_with(shop, username="auditor", organization_id=None)
    page = everyone.get("/admin/invoices/aging").get_data(as_text=True)
    assert 'id="oi-aging-csv"' in page and 'id="oi-aging-pdf"' not in page
    resp = everyone.get("/admin/invoices/aging.pdf")
    assert resp.status_code == 404 and "made for one organization" in text_of(resp.get_data(as_text=True))


def test_export_detail_lists_every_invoice_the_report_counts(admin):
    page = admin.get("/admin/invoices/aging?currency=EUR").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'id="oi-aging-detail" href="([^"]+)"', page).group(1))
    assert link == "/admin/invoices/aging-detail.csv?currency=EUR"
    resp = admin.get(link)
    today = admin.service.today()
    assert resp.status_code == 200 and resp.content_type == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="aging-detail-{today.isoformat()}.csv"'
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    open_eur = {i.invoice_number: i for i in admin.service.list_invoices(
        {"organization_id": 1, "status": "posted", "currency": "EUR"}, limit=500).items
        if i.document_type.value == "invoice" and is_owed(i.payment_status, i.amount_due)}
    assert {r["invoice_number"] for r in rows} == set(open_eur)
    for row in rows:
        item = open_eur[row["invoice_number"]]
        late = days_overdue(item, today)
        assert (row["customer_name"], Decimal(row["due"]), int(row["days_overdue"]), row["bucket"]) == \
            (item.customer_name, item.amount_due, late, bucket_of(late).key)
    assert admin.get("/admin/invoices/aging-detail.csv?as_of=2019-01-01").status_code == 422


def overpaid(service, surplus: str, key: str, **customer) -> object:
    """A posted invoice of organization 1 (USD unless ``currency``) paid in full with ``surplus`` more,
    kept as its customer's credit."""
    doc = posted_for_seeded_customer(service, **customer)
    service.record_received_payment(doc.id, amount=doc.amount_due + Decimal(surplus), method="bank_transfer",
                                    received_on=service.today(), actor="admin",
                                    request_key=f"aging-credit-{key}".ljust(24, "0"), keep_surplus=True)
    return doc


def test_a_customers_credit_is_shown_negative_beside_what_they_owe_with_the_net(admin):
    service = admin.service
    owing = overpaid(service, "200.00", "a")
    # in pounds the customer owes nothing: a line of its credit alone
    only = overpaid(service, "75.50", "b", currency="GBP")
    overpaid(service, "24.50", "c", currency="GBP")
    page = admin.get("/admin/invoices/aging").get_data(as_text=True)
    rows = table_cells(page, "USD")
    total_due = Decimal(rows[owing.customer_name][6].replace(",", ""))
    assert rows[owing.customer_name][7:] == ["-200.00", f"{total_due - 200:,.2f}"]
    total = Decimal(rows["Total"][6].replace(",", ""))
    assert rows["Total"][7:] == ["-200.00", f"{total - 200:,.2f}"]
    pounds = table_cells(page, "GBP")
    assert pounds[only.customer_name] == ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "-100.00", "-100.00"]
    assert pounds["Total"] == ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "-100.00", "-100.00"]
    assert (f'href="/admin/invoices/customer-credit?customer={only.customer_id}" '
            f'aria-label="Credit of {html_lib.escape(only.customer_name)}: -100.00"') in page
    assert "Net is the total due less that credit." in text_of(page)

    by_credit = admin.get("/admin/invoices/aging?currency=USD&sort=credit").get_data(as_text=True)
    assert list(table_cells(by_credit, "USD"))[1] == owing.customer_name       # the most credit first
    assert '<option value="credit" selected>Customer Credit</option>' in by_credit
    by_net = admin.get("/admin/invoices/aging?currency=USD&sort=net").get_data(as_text=True)
    nets = [Decimal(cells[-1].replace(",", "")) for name, cells in table_cells(by_net, "USD").items()
            if name not in ("Customer", "Total")]
    assert nets == sorted(nets, reverse=True) and 'aria-sort="descending"><a class="oi-sort" href="?currency=USD' \
        '&amp;sort=net">Net</a>' in by_net

    csv_rows = list(csv.DictReader(io.StringIO(admin.get("/admin/invoices/aging.csv").get_data(as_text=True))))
    assert [(r["customer_name"], r["invoices"], r["total_due"], r["credit"], r["net"]) for r in csv_rows
            if r["currency"] == "GBP"] == [(only.customer_name, "0", "0.00", "-100.00", "-100.00"),
                                           ("Total", "0", "0.00", "-100.00", "-100.00")]
    assert next(r for r in csv_rows if r["customer_id"] == str(owing.customer_id) and r["currency"] == "USD")[
        "credit"] == "-200.00"

    pdf = " ".join(pdf_words(admin.get("/admin/invoices/aging.pdf?currency=GBP").get_data()).split())
    assert "Customer credit Net" in pdf and only.customer_name in pdf and pdf.count("-£100.00") == 4


def test_a_customers_lines_carry_the_hosts_name_not_an_invoices_text(admin):
    """An invoice whose customer_name is a custom text (an importing system's) does not rename
    its customer's line: every line of a customer says the host's name, in every currency."""
    service = admin.service
    usd = posted_for_seeded_customer(service)
    customer = service.context.host.customers.get_customer(usd.customer_id)
    custom = posted_for_seeded_customer(service, currency="EUR", customer_name="ZZ Custom billing text",
                                        due_date="2026-01-15", invoice_date="2026-01-01")
    assert custom.customer_name == "ZZ Custom billing text" and customer.name != custom.customer_name
    page = admin.get("/admin/invoices/aging").get_data(as_text=True)
    for currency in ("EUR", "USD"):
        assert customer.name in table_cells(page, currency)
    assert "ZZ Custom billing text" not in text_of(page)
    exported = admin.get("/admin/invoices/aging.csv").get_data(as_text=True)
    names = {(row["customer_name"], row["currency"]) for row in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
             if row["customer_id"] == str(customer.id)}
    assert names == {(customer.name, "EUR"), (customer.name, "USD")}
    assert "ZZ Custom billing text" not in exported
    pdf = admin.get("/admin/invoices/aging.pdf?currency=EUR")
    assert pdf.status_code == 200
    text = " ".join(pdf_words(pdf.get_data()).split())
    assert customer.name in text and "ZZ Custom billing text" not in text
    detail = admin.get("/admin/invoices/aging-detail.csv").get_data(as_text=True)
    named = {row["invoice_number"]: row["customer_name"] for row in csv.DictReader(io.StringIO(detail))}
    assert named[custom.invoice_number] == customer.name and "ZZ Custom billing text" not in detail


def test_the_customer_filter_reads_the_names_the_report_shows(admin):
    """Filtering by the start of a name matches the host's name of the customer, which the report
    shows, not the text an invoice carries; the CSV, the detail and the PDF follow the page."""
    service = admin.service
    usd = posted_for_seeded_customer(service)
    customer = service.context.host.customers.get_customer(usd.customer_id)
    custom = posted_for_seeded_customer(service, currency="EUR", customer_name="ZZ Custom billing text",
                                        due_date="2026-01-15", invoice_date="2026-01-01")
    prefix = customer.name[:5].upper()
    page = admin.get(f"/admin/invoices/aging?customer={prefix}&currency=EUR").get_data(as_text=True)
    assert customer.name in table_cells(page, "EUR")
    assert all(name.casefold().startswith(prefix.casefold()) for name in table_cells(page, "EUR")
               if name not in ("Customer", "Total"))
    exported = admin.get(f"/admin/invoices/aging.csv?customer={prefix}").get_data(as_text=True)
    assert (customer.name, "EUR") in {(row["customer_name"], row["currency"])
                                      for row in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))}
    detail = admin.get(f"/admin/invoices/aging-detail.csv?customer={prefix}").get_data(as_text=True)
    assert custom.invoice_number in {row["invoice_number"] for row in csv.DictReader(io.StringIO(detail))}
    # the invoice's own text names no customer the report shows
    nobody = admin.get("/admin/invoices/aging?customer=zz%20custom").get_data(as_text=True)
    assert "No customer you chose owes anything on a posted invoice." in text_of(nobody)
    detail = admin.get("/admin/invoices/aging-detail.csv?customer=zz%20custom").get_data(as_text=True)
    assert list(csv.DictReader(io.StringIO(detail))) == []


def test_the_customer_field_suggests_the_names_the_report_shows(shop, admin):
    """As the grid's Customer field: while typing, names from ``data-oi-suggest``; here the
    host's names, which the report shows and filters by, never an invoice's own text."""
    service = admin.service
    usd = posted_for_seeded_customer(service)
    customer = service.context.host.customers.get_customer(usd.customer_id)
    posted_for_seeded_customer(service, currency="EUR", customer_name="ZZ Custom billing text",
                               due_date="2026-01-15", invoice_date="2026-01-01")
    page = admin.get("/admin/invoices/aging").get_data(as_text=True)
    field = re.search(r'<input type="text" id="f-customer"[^>]*>', page).group(0)
    assert 'list="f-customer-names"' in field and 'data-oi-suggest="/admin/invoices/aging/customer-names"' in field
    assert 'oro_invoices.js' in page                                   # the script that asks for them

    resp = admin.get("/admin/invoices/aging/customer-names?q=" + customer.name[:4].lower())
    assert resp.status_code == 200 and customer.name in resp.get_json()["names"]
    names = resp.get_json()["names"]
    assert names == sorted(names, key=str.casefold) and all(
        n.casefold().startswith(customer.name[:4].casefold()) for n in names)
    assert admin.get("/admin/invoices/aging/customer-names?q=zz").get_json() == {"names": []}   # the invoice's text
    assert admin.get("/admin/invoices/aging/customer-names?q=").get_json() == {"names": []}
    too_long = admin.get("/admin/invoices/aging/customer-names?q=" + "a" * 256)
    assert too_long.status_code == 422 and "at most 255 characters" in too_long.get_json()["errors"][0]["message"]
    nul = admin.get("/admin/invoices/aging/customer-names?q=ac%00")
    assert nul.status_code == 422 and nul.get_json()["errors"][0]["message"] == (
        "Must not contain NUL or unpaired surrogate characters.")

    filtered = admin.get("/admin/invoices/aging?customer=" + customer.name[:4]).get_data(as_text=True)
    datalist = filtered.split('<datalist id="f-customer-names">')[1].split("</datalist>")[0]
    assert f'<option value="{html_lib.escape(customer.name)}">' in datalist      # without scripts too

    sakura = ShopClient(shop[0])                                        # another organization: not theirs
    sakura.login_admin("admin.jp", "admin1234")
    assert customer.name not in sakura.get("/admin/invoices/aging/customer-names?q="
                                           + customer.name[:4]).get_json()["names"]
    anonymous = ShopClient(shop[0]).get("/admin/invoices/aging/customer-names?q=ac")
    assert anonymous.status_code in (302, 401)


def test_a_report_longer_than_a_pdf_lists_says_so_beside_download_pdf(admin, monkeypatch):
    from oro_invoices.services import aging
    lines = len(admin.service.receivables_aging({"organization_id": 1}).lines)
    assert lines >= 2
    page = text_of(admin.get("/admin/invoices/aging").get_data(as_text=True))
    assert "The PDF lists the first" not in page
    monkeypatch.setattr(aging, "PDF_LINES_MAX", 1)
    page = text_of(admin.get("/admin/invoices/aging?sort=total").get_data(as_text=True))
    assert (f"The PDF lists the first 1 of these {lines} customer lines, in this order; its totals count them all, "
            "and Export CSV lists them all.") in page
    pdf = " ".join(pdf_words(admin.get("/admin/invoices/aging.pdf?sort=total").get_data()).split())
    assert "more customer lines in" in pdf and "are not listed (a PDF lists at most 1 lines)" in pdf


def test_the_customer_suggestions_follow_the_currency_and_the_day_chosen(shop, admin):
    """The suggestions are the names the report of the chosen currency and day lists (the field
    sends them along: ``data-oi-suggest-with``), read without making the report."""
    service = admin.service
    host = shop[0].extensions["oro_reference_host"]
    today = service.today()
    new = host.add_customer("Quillfeather Supplies", organization_id=1)
    posted_for_seeded_customer(service, customer_id=new.id, customer_user_id=None, customer_name=new.name,
                               customer_user_email=None, currency="EUR",
                               invoice_date=(today - dt.timedelta(days=5)).isoformat(),
                               due_date=(today + dt.timedelta(days=25)).isoformat())
    page = admin.get("/admin/invoices/aging").get_data(as_text=True)
    assert 'data-oi-suggest-with="currency as_of"' in page

    def suggested(query: str) -> list[str]:
        resp = admin.get("/admin/invoices/aging/customer-names?q=quill" + query)
        assert resp.status_code == 200
        return resp.get_json()["names"]

    def listed(query: str) -> list[str]:
        report = admin.get("/admin/invoices/aging?customer=quill" + query).get_data(as_text=True)
        return [name for currency in re.findall(r'data-currency="(\w+)"', report)
                for name in table_cells(report, currency) if name not in ("Customer", "Total")]

    assert suggested("") == suggested("&currency=EUR") == listed("&currency=EUR") == ["Quillfeather Supplies"]
    assert suggested("&currency=USD") == listed("&currency=USD") == []
    week_ago = (today - dt.timedelta(days=7)).isoformat()
    assert suggested(f"&as_of={week_ago}") == listed(f"&as_of={week_ago}") == []     # not invoiced yet then
    assert suggested(f"&as_of={today.isoformat()}") == ["Quillfeather Supplies"]
    # a currency or day the report refuses is left out, as the report leaves it out
    assert suggested("&currency=XYZ") == suggested("&as_of=31.10.2026") == ["Quillfeather Supplies"]
