"""The back-office Sales > Invoices grid as an admin uses it day to day: the total and
"page X of Y", first and last page, the page size, the filters on external id, customer user,
website, currency and total, every column sortable, the column chooser and inline filter errors."""
from __future__ import annotations

import re

import pytest
from support.list_pages import grid_numbers, inline_error, link, pager_text
from support.payloads import posted_for_seeded_customer

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.web import listing

NORTHWIND = 1


def numbers(html: str) -> list[str]:
    """The invoice numbers in the grid's rows, top to bottom."""
    return grid_numbers(html)


def rows_text(html: str) -> str:
    return text_of(html.split("<tbody>")[1].split("</tbody>")[0])


def northwind(admin: ShopClient) -> list:
    return admin.service.list_invoices({"organization_id": NORTHWIND}, limit=100).items


def grid(admin: ShopClient, query: str = "") -> str:
    resp = admin.get("/admin/invoices" + query)
    assert resp.status_code == 200, (resp.status_code, resp.get_data(as_text=True)[-2000:])
    return resp.get_data(as_text=True)


def test_total_page_x_of_y_and_first_last_pages_line_up(shop, admin):
    shop[0].extensions["oro_invoices"].ctx.page_size = 4
    everyone = northwind(admin)
    assert len(everyone) == 11
    first = grid(admin)
    assert pager_text(first).startswith("11 documents · Page 1 of 3")
    assert link(first, "first") is None and link(first, "prev") is None
    forward = [numbers(first)]
    html = first
    while link(html, "next"):
        html = grid(admin, link(html, "next"))
        forward.append(numbers(html))
    assert [len(p) for p in forward] == [4, 4, 3]
    last = grid(admin, link(first, "last"))
    assert "Page 3 of 3" in pager_text(last) and link(last, "last") is None
    assert numbers(last) == forward[2]                      # the last page, as read forwards
    before_last = grid(admin, link(last, "prev"))
    assert numbers(before_last) == forward[1] and "Page 2 of 3" in pager_text(before_last)
    again = grid(admin, link(before_last, "first"))
    assert numbers(again) == forward[0] and "Page 1 of 3" in pager_text(again)


def test_page_size_is_chosen_from_the_list_and_kept_while_paging(admin):
    html = grid(admin, "?per_page=10")
    assert len(numbers(html)) == 10 and "Page 1 of 2" in pager_text(html)
    second = grid(admin, link(html, "next"))
    assert len(numbers(second)) == 1 and "Page 2 of 2" in pager_text(second)
    assert "per_page=10" in link(second, "prev")
    assert '<option value="10" selected>' in html
    five = admin.get("/admin/invoices?per_page=5")
    assert five.status_code == 422
    body = five.get_data(as_text=True)
    assert 'data-oi-error="per_page"' in body and "Show 10, 25, 50, 100 rows per page." in text_of(body)
    assert len(numbers(body)) == 11                        # the grid is still there, at the default size


def test_above_the_count_limit_the_page_says_so_and_counts_pages_from_the_end(shop, admin, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    shop[0].extensions["oro_invoices"].ctx.page_size = 4
    first = grid(admin)
    assert pager_text(first).startswith("More than 5 documents (not counted further) · Page 1")
    last = grid(admin, link(first, "last"))
    assert "Last page" in pager_text(last) and len(numbers(last)) == 4
    everyone = [i.display_number for i in northwind(admin)]  # newest first, as the grid
    assert numbers(last) == everyone[-4:]
    earlier = grid(admin, link(last, "prev"))
    assert "Page 1 before the last" in pager_text(earlier)
    assert numbers(earlier) == everyone[-8:-4]


def test_filters_on_external_id_customer_user_website_currency_and_total(shop, admin):
    everyone = northwind(admin)
    one = everyone[3]
    assert numbers(grid(admin, f"?external_id={one.external_id}")) == [one.display_number]
    users = {u["email"]: u["id"] for u in shop[1]["customer_users"]}
    gina = sorted(i.display_number for i in everyone if i.customer_user_id == users["gina.park@globex.example"])
    assert len(gina) == 3
    assert sorted(numbers(grid(admin, "?customer_user=gina.park@globex.example"))) == gina
    assert sorted(numbers(grid(admin, f"?customer_user={users['gina.park@globex.example']}"))) == gina
    us_store = next(i.website_id for i in everyone if i.currency == "USD")
    html = grid(admin, f"?website={us_store}")
    assert sorted(numbers(html)) == sorted(i.display_number for i in everyone if i.website_id == us_store)
    assert "Northwind EU Store" not in rows_text(html)
    eur = [i for i in everyone if i.currency == "EUR"]
    html = grid(admin, "?currency=EUR")
    assert sorted(numbers(html)) == sorted(i.display_number for i in eur)
    currency = re.search(r'<select id="f-currency".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\w*)"[^>]*\bselected\b', currency) == ["EUR"]   # the form keeps it
    assert {"", "EUR", "JPY", "USD", "CHF"} <= set(re.findall(r'<option value="(\w*)"', currency))
    assert pager_text(html).startswith(f"{len(eur)} documents")
    low, high = sorted(i.total_amount for i in eur)[1:3]
    html = grid(admin, f"?currency=EUR&total_min={low}&total_max={high}")
    assert sorted(numbers(html)) == sorted(i.display_number for i in eur if low <= i.total_amount <= high)
    assert f'value="{low}"' in html                        # the form keeps what was filtered on


def test_a_german_admin_filters_by_totals_typed_with_a_decimal_comma(admin):
    eur = [i for i in northwind(admin) if i.currency == "EUR"]
    low, high = sorted(i.total_amount for i in eur)[1:3]
    german = {"Accept-Language": "de"}
    query = "?currency=EUR&total_min={}&total_max={}".format(*(f"{v:,.2f}".replace(",", " ").replace(".", ",")
                                                                 for v in (low, high)))
    resp = admin.get("/admin/invoices" + query.replace(" ", "."), headers=german)
    assert resp.status_code == 200, resp.get_data(as_text=True)[-1500:]
    html = resp.get_data(as_text=True)
    wanted = [i for i in eur if low <= i.total_amount <= high]
    assert sorted(map(int, re.findall(r'<tr data-invoice-id="(\d+)">', html))) == sorted(i.id for i in wanted)
    assert f'value="{low:.2f}"'.replace(".", ",") in html                 # the field keeps what was typed
    refused = admin.get("/admin/invoices?currency=EUR&total_min=1,000.50", headers=german)    # said as typed here
    assert inline_error(refused, "total_min").endswith(" 1.234,50.")
    assert inline_error(admin.get("/admin/invoices?currency=JPY&total_min=10,5", headers=german),
                        "total_min") == "JPY-Beträge haben keine Nachkommastellen."
    exported = admin.get("/admin/invoices/export.csv" + query.replace(" ", "."), headers=german)
    assert exported.status_code == 200
    ids = {line.split(",")[0] for line in exported.get_data(as_text=True).splitlines()[1:]}
    assert ids == {i.external_id or "" for i in wanted}


def test_the_website_filter_lists_the_websites_of_the_admins_organization(shop, admin):
    us_store = next(i.website_id for i in northwind(admin) if i.currency == "USD")
    html = grid(admin, f"?website={us_store}")
    select = re.search(r'<select id="f-website" name="website"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="(\d*)"\s*(selected)?>([^<]*)</option>', select)
    assert [(name, bool(chosen)) for _, chosen, name in options] == [
        ("All websites", False), ("Northwind EU Store", False), ("Northwind US Store", True)]
    assert {name: value for value, _, name in options}["Northwind US Store"] == str(us_store)
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    theirs = grid(sakura)
    assert "Sakura Online</option>" in theirs and "Northwind EU Store" not in theirs


@pytest.mark.parametrize(("query", "field", "message"), [
    ("?date_from=2026-02-31&currency=USD", "date_from", "is not a date (use YYYY-MM-DD)"),
    ("?date_to=20261231&currency=USD", "date_to", "'20261231' is not a date (use YYYY-MM-DD)"),
    ("?date_from=2026-W49-1&currency=USD", "date_from", "'2026-W49-1' is not a date (use YYYY-MM-DD)"),
    (f"?date_from={'x' * 3000}&currency=USD", "date_from", f"'{'x' * 40}…' is not a date (use YYYY-MM-DD)"),
    ("?total_min=abc&currency=USD", "total_min", "'abc' is not a decimal number: write it like 1,234.50."),
    ("?total_min=10.001&currency=USD", "total_min", "USD amounts have at most 2 decimals."),
    ("?total_max=99999999999999999999999999&currency=USD", "total_max",
     "Too large: an invoice total is less than 1,000,000,000,000,000, either way."),
    ("?total_min=100&total_max=200&website=2", "currency", "Choose a currency to filter by total"),
    ("?customer_user=somebody&currency=USD", "customer_user", "Give the customer user's email address or id."),
    ("?website=main&currency=USD", "website", "Give the website's id"),
    ("?currency=EURO&website=2", "currency", "'EURO' is not a currency code"),
    ("?currency=USD&total_min=500&total_max=100", "total_max", "Must not be less than the minimum."),
    ("?external_id=ERP%00&currency=USD", "external_id", "Must not contain NUL"),
    ("?number=" + "9" * 65 + "&currency=USD", "number", "Give at most 64 characters of the invoice or PO number."),
    ("?external_id=" + "E" * 129 + "&currency=USD", "external_id",
     "Give at most 128 characters of the external ID."),
    ("?page=abc&currency=USD", "page", "'abc' is not a page number: use a whole number such as 2."),
    ("?sort=invoice_date-&website=2", "sort", "Cannot sort by 'invoice_date-'; use one of Invoice Number, "
     "Invoice Date, Customer, Total Amount, Currency, Payment Status, Customer User, Website, Document Type, "
     "Payment Method, or External Payment URL."),
    ("?page=5&website=2", "page", "Page 5 is reached with the pager's links (Next, Last); here is the first page."),
    ("?page=-3&website=2", "page", "'-3' is not a page number: pages are numbered from 1; here is the first page."),
    ("?page=0&website=2", "page", "'0' is not a page number: use a whole number such as 2."),
])
def test_a_bad_filter_is_shown_next_to_its_field_over_the_grid_of_the_others(admin, query, field, message):
    resp = admin.get("/admin/invoices" + query)
    assert message in inline_error(resp, field)
    assert text_of(resp.get_data(as_text=True)).count(message) == 1      # said once, beside its field
    html = resp.get_data(as_text=True)
    assert numbers(html), "the grid is still shown"
    everyone = northwind(admin)
    if "total_min=500" in query:                           # the valid filters still apply
        assert sorted(numbers(html)) == sorted(i.display_number for i in everyone
                                               if i.currency == "USD" and i.total_amount >= 500)
    elif "currency=USD" in query:
        assert sorted(numbers(html)) == sorted(i.display_number for i in everyone if i.currency == "USD")
    else:
        assert sorted(numbers(html)) == sorted(i.display_number for i in everyone if i.website_id == 2)


def test_a_bad_sort_is_said_over_the_grid_in_the_default_order(admin):
    resp = admin.get("/admin/invoices?sort=bogus")
    assert "Cannot sort by 'bogus'" in inline_error(resp, "sort")
    assert numbers(resp.get_data(as_text=True)) == numbers(grid(admin))


def header_link(html: str, column: str) -> str | None:
    found = re.search(rf'data-oi-column="{column}"[^>]*><a class="oi-sort" href="(\?[^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize(("column", "value"), [
    ("invoice_number", lambda i, names: i.invoice_number or ""),
    ("invoice_date", lambda i, names: i.invoice_date),
    ("document_type", lambda i, names: i.document_type.value),
    ("customer", lambda i, names: i.customer_name),
    ("customer_user", lambda i, names: i.customer_user_email),
    ("website", lambda i, names: i.website_id or 0),
    ("currency", lambda i, names: i.currency),
    ("payment_status", lambda i, names: i.payment_status.value),
    ("external_payment_url", lambda i, names: i.external_payment_url or ""),
])
def test_every_column_sorts_by_clicking_its_header_both_ways(admin, column, value):
    html = grid(admin, "?per_page=25")
    first = grid(admin, header_link(html, column))
    flipped = grid(admin, header_link(first, column))
    by_number = {i.display_number: i for i in northwind(admin)}
    for page in (first, flipped):
        shown = [value(by_number[n], None) for n in numbers(page)]
        assert len(shown) == len(by_number)
        assert shown == sorted(shown) or shown == sorted(shown, reverse=True)
    assert numbers(first) != numbers(flipped) or len({value(i, None) for i in by_number.values()}) == 1


def test_totals_are_sorted_only_within_one_currency(admin):
    html = grid(admin)
    assert header_link(html, "total_amount") is None
    assert "Total Amount is sorted within one currency" in text_of(html)
    usd = grid(admin, "?currency=USD")
    by_total = grid(admin, header_link(usd, "total_amount"))
    totals = [float(t.replace(",", "")) for t in re.findall(r'<td class="oi-num">([\d,]+\.\d\d)</td>', by_total)]
    assert len(totals) == 3 and totals == sorted(totals, reverse=True)


def test_clearing_the_currency_of_a_grid_sorted_by_total_goes_back_to_the_default_order(admin):
    """The filter form sends the sort on: with the Currency cleared, the sort by total is
    dropped, said once, rather than the filter refused."""
    by_total = grid(admin, "?currency=USD&sort=-total_amount")
    sent = re.search(r'<input type="hidden" name="sort" value="([^"]+)">', by_total).group(1)
    assert sent == "-total_amount"
    cleared = grid(admin, f"?sort={sent}&currency=&number=")                 # Filter pressed, no currency
    note = "No currency is chosen any more, so the grid is sorted by Invoice Date again (newest first) instead of Total Amount."
    assert note in text_of(cleared) and "Choose one currency" not in text_of(cleared)
    assert numbers(cleared) == numbers(grid(admin))                              # the default order
    assert '<input type="hidden" name="sort" value="-invoice_date">' in cleared
    next_page = grid(admin, "?" + re.search(r'<input type="hidden" name="return" value="\?([^"]*)"', cleared)
                     .group(1).replace("&amp;", "&"))
    assert note not in text_of(next_page)                                      # said once


def test_payment_method_sorts_once_the_column_is_shown(admin):
    html = grid(admin, "?show_payment_method=1")
    sorted_page = grid(admin, header_link(html, "payment_method"))
    methods = [i.payment_method for i in northwind(admin)]
    by_number = {i.display_number: i.payment_method for i in northwind(admin)}
    shown = [by_number[n] for n in numbers(sorted_page)]
    assert shown == sorted(methods)


def save_columns(client: ShopClient, columns: list[str], **extra: str) -> str:
    resp = client.submit("/admin/invoices", "/admin/invoices/columns",
                         {"columns": columns, "return": "?currency=EUR", **extra})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/admin/invoices?currency=EUR")
    return grid(client, "?currency=EUR")


def test_the_column_chooser_is_remembered_per_admin_and_keeps_actions(shop, admin):
    html = save_columns(admin, ["invoice_number", "total_amount", "payment_method"])
    headers = re.findall(r'data-oi-column="([a-z_]+)"', html.split("<thead>")[1].split("</thead>")[0])
    assert headers == ["invoice_number", "total_amount", "payment_method"]
    assert "Actions" in text_of(html.split("<thead>")[1].split("</thead>")[0])
    assert "View" in rows_text(html) and "Northwind EU Store" not in rows_text(html)
    assert "Columns saved." in text_of(html)
    # remembered on the server: a new login of the same admin, in another browser, sees it
    elsewhere = ShopClient(shop[0])
    elsewhere.login_admin()
    again = grid(elsewhere)
    assert re.findall(r'data-oi-column="([a-z_]+)"', again.split("</thead>")[0]) == \
        ["invoice_number", "total_amount", "payment_method"]
    # another admin keeps the defaults
    other = ShopClient(shop[0])
    other.login_admin("admin.jp")
    assert 'data-oi-column="website"' in grid(other)
    # Default columns restores them
    html = save_columns(admin, [], reset="1")
    assert 'data-oi-column="website"' in html and 'data-oi-column="payment_method"' not in html


def test_saving_columns_needs_the_form_token(admin):
    resp = admin.client.post("/admin/invoices/columns", data={"columns": ["invoice_number"]})
    assert resp.status_code in (400, 403)
    assert 'data-oi-column="website"' in grid(admin)


def statements_of(client: ShopClient, url: str) -> int:
    """SQL statements one GET of ``url`` sends on both engines (after a first GET)."""
    from sqlalchemy import event
    app = client.app
    client.get(url)
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)
    engines = (app.extensions["oro_reference_host"].engine, app.extensions["oro_invoices"].service.db.engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(url)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_first_last_filtered_and_refused_pages_stay_within_eight_statements(shop, admin):
    shop[0].extensions["oro_invoices"].ctx.page_size = 4
    first = grid(admin)
    for url in ("", link(first, "next"), link(first, "last"), "?currency=EUR&sort=-total_amount",
                "?customer_user=gina.park@globex.example&sort=customer_user", "?total_min=abc&currency=EUR"):
        assert statements_of(admin, "/admin/invoices" + url) <= 8, url


def test_the_customer_filter_lists_customers_until_there_are_too_many(shop, admin):
    from oro_invoices.hosts.reference.app import CUSTOMER_CHOICES_LIMIT
    some = admin.service.list_invoices({"organization_id": NORTHWIND}, limit=1).items[0]
    html = grid(admin)
    listed = html.split('<select id="f-customer" name="customer"')[1].split("</select>")[0]
    assert f'<option value="{some.customer_id}" >{some.customer_name}</option>' in listed
    records = shop[0].extensions["oro_reference_host"].records
    for n in range(CUSTOMER_CHOICES_LIMIT):
        records.add_customer(f"Bulk Customer {n:03}", organization_id=NORTHWIND)
    html = grid(admin)
    assert '<select id="f-customer"' not in html and "Bulk Customer" not in html
    assert re.search(r'<input type="text" id="f-customer" name="customer"', html)
    assert numbers(grid(admin, f"?customer={some.customer_id}")) != []


def test_the_count_names_what_the_rows_are(admin):
    """A list of invoices and credit notes counts documents; a Document Type filter names its type."""
    inv = posted_for_seeded_customer(admin.service)
    admin.service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "1"}]}, actor="test")
    everything = len(northwind(admin))
    notes = [i for i in northwind(admin) if i.document_type.value == "credit_note"]
    assert notes
    assert pager_text(grid(admin)).startswith(f"{everything} documents · Page 1")
    assert pager_text(grid(admin, "?document_type=invoice")).startswith(
        f"{everything - len(notes)} invoices · Page 1")
    credit_notes = f"{len(notes)} credit note{'s' if len(notes) > 1 else ''} · Page 1"
    assert pager_text(grid(admin, "?document_type=credit_note")).startswith(credit_notes)


@pytest.mark.parametrize("columns", [[], ["actions", "no_such_column"]])
def test_saving_no_column_is_refused_beside_the_columns_and_changes_nothing(admin, columns):
    """A grid of no column would show only its View links: the choice is refused, and back on
    the grid as it was the chooser is open and says why, once; the columns stay as they were."""
    save_columns(admin, ["invoice_number", "total_amount"])
    resp = admin.submit("/admin/invoices?currency=EUR", "/admin/invoices/columns",
                        {"columns": columns, "return": "?currency=EUR"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/admin/invoices?currency=EUR")
    html = grid(admin, "?currency=EUR")
    error = re.search(r'<p class="oi-field__error" id="f-error-columns" data-oi-error="columns" role="alert">'
                      r'([^<]*)</p>', html)
    assert error and error.group(1) == "Choose at least one column to show; your columns were not changed."
    assert '<details class="oi-columns" id="oi-column-chooser" open>' in html
    assert '<fieldset aria-describedby="f-error-columns">' in html
    headers = re.findall(r'data-oi-column="([a-z_]+)"', html.split("</thead>")[0])
    assert headers == ["invoice_number", "total_amount"]
    assert set(numbers(html)) == {i.display_number for i in northwind(admin) if i.currency == "EUR"}
    assert "Columns saved." not in text_of(html)
    again = grid(admin, "?currency=EUR")                                  # said once
    assert "Choose at least one column" not in again and "oi-column-chooser\" open>" not in again
    assert re.findall(r'data-oi-column="([a-z_]+)"', again.split("</thead>")[0]) == headers


def test_an_empty_list_names_what_it_lists(admin):
    nothing = "?number=NO-SUCH-NUMBER"
    assert "No documents match these filters." in rows_text(grid(admin, nothing))
    assert "No invoices match these filters." in rows_text(grid(admin, nothing + "&document_type=invoice"))
    assert "No credit notes match these filters." in rows_text(grid(admin, nothing + "&document_type=credit_note"))


def test_a_page_link_whose_rows_have_gone_shows_the_first_page_and_says_so(admin):
    """The Next link of a page whose following rows were deleted since: not an empty grid saying
    nothing matches, but the first page, with why."""
    html = grid(admin, "?per_page=10&sort=invoice_date")
    second = link(html, "next")
    [number] = numbers(grid(admin, second))
    gone = next(i for i in northwind(admin) if i.display_number == number)
    assert gone.status.value == "draft"
    admin.service.delete(gone.id)
    resp = admin.get("/admin/invoices" + second)
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/admin/invoices?per_page=10&sort=invoice_date")
    page = grid(admin, "?per_page=10&sort=invoice_date")
    assert "This page link is damaged or out of date; here is the first page." in text_of(page)
    assert numbers(page) == numbers(html) and "match these filters" not in page
    assert pager_text(page).startswith("10 documents · Page 1 of 1")
    assert statements_of(admin, "/admin/invoices" + second) <= 8


@pytest.mark.parametrize(("language", "empty", "page_five"), [
    ("de", "Keine Dokumente entsprechen diesen Filtern.",
     "Seite 5 erreichen Sie über die Links der Seitennavigation (Weiter, Letzte); hier ist die erste Seite."),
    ("fr", "Aucun document ne correspond à ces filtres.",
     "La page 5 s’atteint par les liens de pagination (Suivante, Dernière) ; voici la première page."),
    ("ja", "この条件に一致する書類はありません。",
     "5 ページへはページ送りのリンク（次へ、最後）から移動してください。最初のページを表示しています。"),
])
def test_the_grids_empty_list_and_page_number_messages_speak_the_admins_language(admin, language, empty, page_five):
    headers = {"Accept-Language": language}
    nothing = admin.client.get("/admin/invoices?number=NO-SUCH-NUMBER", headers=headers).get_data(as_text=True)
    assert empty in rows_text(nothing)
    resp = admin.client.get("/admin/invoices?page=5", headers=headers)
    assert inline_error(resp, "page") == page_five


def test_a_refused_sort_lists_the_headers_as_the_language_writes_a_list(admin):
    resp = admin.client.get("/admin/invoices?sort=bogus", headers={"Accept-Language": "ja"})
    said = inline_error(resp, "sort")
    assert said.startswith("'bogus' では並べ替えできません。請求書番号、請求日、顧客、")
    assert "、または外部支払 URL" in said and ", " not in said
    resp = admin.client.get("/admin/invoices?sort=bogus", headers={"Accept-Language": "de"})
    assert inline_error(resp, "sort").endswith("Zahlungsart oder Externe Zahlungs-URL.")


def test_a_payment_status_page_link_naming_no_status_shows_the_first_page_and_says_so(admin):
    """A link edited to resume after a payment status the grid has not (a well-formed cursor) is
    damaged like any other, not a page of its own saying only "Invalid or expired cursor"."""
    import base64
    import json
    forged = base64.urlsafe_b64encode(json.dumps(["-payment_status", "nope", 5]).encode()).decode().rstrip("=")
    resp = admin.get(f"/admin/invoices?sort=-payment_status&after={forged}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "This page link is damaged or out of date; here is the first page." in text_of(page)
    assert numbers(page) == numbers(grid(admin, "?sort=-payment_status"))
