"""The back-office pages in the reference shop: grid, view page, notes, delete, order tab."""
from __future__ import annotations

import re

from support.list_pages import grid_numbers

from oro_invoices.hosts.reference.testing import ShopClient, text_of


def invoice_id(client: ShopClient, external_id: str) -> int:
    return client.service.find_id(external_id=external_id)




def test_anonymous_visitor_is_sent_to_the_login(shop):
    resp = ShopClient(shop[0]).get("/admin/invoices")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/admin/login?next=/admin/invoices")


def test_menu_has_sales_invoices(admin):
    html = admin.get("/admin/").get_data(as_text=True)
    assert re.search(r'<h3>Sales</h3>.*data-menu-key="oro_invoices.invoices"[^>]*>Invoices</a>', html, re.S)


def test_grid_shows_the_columns_of_the_guide(admin):
    html = admin.get("/admin/invoices").get_data(as_text=True)
    text = text_of(html)
    for column in ("Invoice Number", "Invoice Date", "Customer", "Customer User", "Website",
                   "Total Amount", "Currency", "Payment Status", "External Payment URL"):
        assert column in text
    assert 'data-oi-column="payment_method"' not in html  # hidden by default
    shown = admin.get("/admin/invoices?show_payment_method=1").get_data(as_text=True)
    assert 'data-oi-column="payment_method"' in shown
    # the admin of Northwind sees Northwind's invoices only (not Sakura's JPY ones)
    assert "INV-2026" in text or "INV-" in text
    rows = text_of(html.split("<tbody>")[1])
    assert "JPY" not in rows and "Tanaka" not in rows
    assert "Northwind EU Store" in text and "Amanda Cole" in text


def test_grid_filters(admin):
    def rows(query):
        return grid_numbers(admin.get("/admin/invoices?" + query).get_data(as_text=True))
    drafts = rows("status=draft")
    assert drafts and all(n.startswith("Draft #") for n in drafts)
    # a draft's name says it is one: its cell reads "Draft #9", not "Draft #9 Draft"
    draft_rows = admin.get("/admin/invoices?status=draft").get_data(as_text=True).split("<tbody>")[1]
    first_cell = text_of(draft_rows.split("</td>")[1])     # after the row's checkbox
    assert first_cell == drafts[0], first_cell
    posted = rows("status=posted")
    assert posted and not any(n.startswith("Draft") for n in posted)
    assert len(rows("")) == len(drafts) + len(posted)
    paid = rows("payment_status=paid_in_full")
    assert len(paid) == 1
    number = paid[0]
    assert rows("number=" + number[-5:]) == [number]
    items = admin.service.list_invoices({}, limit=100).items
    globex_id = next(i.customer_id for i in items if i.customer_name == "Globex Corporation")
    globex_rows = rows(f"customer={globex_id}")
    assert len(globex_rows) == 3
    html = admin.get(f"/admin/invoices?customer={globex_id}").get_data(as_text=True)
    assert "Acme" not in text_of(html.split("<tbody>")[1])


def test_grid_date_range_and_bad_dates(admin):
    items = admin.service.list_invoices({"organization_id": 1}, limit=100).items
    day = sorted(i.invoice_date for i in items)[3]
    html = admin.get(f"/admin/invoices?date_from={day}&date_to={day}").get_data(as_text=True)
    expected = sorted(i.display_number for i in items if i.invoice_date == day)
    assert sorted(grid_numbers(html)) == expected
    bad = admin.get("/admin/invoices?date_from=2026-02-31")
    assert bad.status_code == 422
    assert "is not a date" in text_of(bad.get_data(as_text=True))
    assert "Traceback" not in bad.get_data(as_text=True)


def test_grid_sorting_by_clicking_headers(admin):
    html = admin.get("/admin/invoices?currency=EUR").get_data(as_text=True)
    link = re.search(r'href="(\?[^"]*sort=-total_amount[^"]*)"', html).group(1)
    by_total = admin.get("/admin/invoices" + link.replace("&amp;", "&")).get_data(as_text=True)
    totals = [float(t.replace(",", "")) for t in
              re.findall(r'<td class="oi-num">([\d,]+\.\d\d)</td>', by_total)]
    assert totals == sorted(totals, reverse=True) and len(totals) > 5
    assert re.search(r'aria-sort="descending"><a class="oi-sort" href="\?currency=EUR&amp;sort=total_amount"',
                     by_total)  # clicking again flips
    ascending = admin.get("/admin/invoices?currency=EUR&sort=total_amount").get_data(as_text=True)
    up = [float(t.replace(",", "")) for t in re.findall(r'<td class="oi-num">([\d,]+\.\d\d)</td>', ascending)]
    assert up == sorted(up)


def test_grid_keyset_paging_next_and_previous(shop, admin):
    shop[0].extensions["oro_invoices"].ctx.page_size = 4
    first = admin.get("/admin/invoices").get_data(as_text=True)
    seen = [grid_numbers(first)]
    assert "Previous" not in text_of(first)
    html = first
    while "Next" in text_of(html):
        link = re.search(r'href="(\?[^"]*)" rel="next"|rel="next" href="(\?[^"]*)"', html)
        url = (link.group(1) or link.group(2)).replace("&amp;", "&")
        assert "offset" not in url and "after=" in url
        html = admin.get("/admin/invoices" + url).get_data(as_text=True)
        seen.append(grid_numbers(html))
    flat = [n for page in seen for n in page]
    assert len(flat) == len(set(flat)) == 11          # every invoice once
    assert f"Page {len(seen)}" in text_of(html)
    back = re.search(r'rel="prev" href="(\?[^"]*)"', html).group(1).replace("&amp;", "&")
    previous = admin.get("/admin/invoices" + back).get_data(as_text=True)
    assert grid_numbers(previous) == seen[-2]
    assert f"Page {len(seen) - 1}" in text_of(previous)


def test_view_page_sections(admin):
    inv = invoice_id(admin, "ERP-SO-1001-1")  # posted, paid by bank transfer
    html = admin.get(f"/admin/invoices/{inv}").get_data(as_text=True)
    text = text_of(html)
    doc = admin.service.get(inv)
    assert f"Invoice {doc.invoice_number}" in text
    for label in ("General Information", "Billing Address", "Shipping Address", "Line Items",
                  "Payments", "Notes", "Emails", "Activity", "Guest Payment Link"):
        assert label in text
    assert "Acme Industries AG" in text and "Amanda Cole" in text and "Northwind EU Store" in text
    assert "Cordless drill 18 V" in text and "Tax 7% on €195.00" in text and "Tax 19%" in text
    assert "Total €919.44" in text
    assert "Bank transfer" in text and "Received by bank transfer" in text and "Paid in full" in text
    assert "bank_transfer" not in text  # the method's label, never its code (also in the activity)
    assert "Charge of €919.44 via Bank transfer: successful" in text
    assert f"/invoices/pay/{doc.payment_token}" in html
    assert re.search(r'href="/admin/orders/\d+">SO-1001</a>', html)
    assert "Download" in text and "Send to Customer" in text
    assert "Delete" not in text  # posted invoices are not deleted


def test_add_note(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    resp = admin.submit(page, f"{page}/notes", {"body": "Customer asked for <b>a copy</b>."})
    assert resp.status_code == 303
    html = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Note added." in text_of(html)
    assert "Customer asked for &lt;b&gt;a copy&lt;/b&gt;." in html  # escaped, not markup
    assert "Alex Admin" in text_of(html.split('id="notes"')[1])
    empty = admin.submit(page, f"{page}/notes", {"body": "   "})
    assert empty.status_code == 422 and "The note is empty" in text_of(empty.get_data(as_text=True))
    nul = admin.submit(page, f"{page}/notes", {"body": "pasted\x00text"})
    said = text_of(nul.get_data(as_text=True))
    assert nul.status_code == 422 and "Must not contain NUL or unpaired surrogate characters." in said
    assert "The note is empty" not in said
    invisible = admin.submit(page, f"{page}/notes", {"body": "\u200b"})         # a zero-width space only
    assert "The note is empty" in text_of(invisible.get_data(as_text=True))
    reordered = admin.submit(page, f"{page}/notes", {"body": "\u202e evil"})
    said = text_of(reordered.get_data(as_text=True))
    assert reordered.status_code == 422 and "Must not contain U+202E RIGHT-TO-LEFT OVERRIDE" in said
    assert [n.body for n in admin.service.notes(inv)] == ["Customer asked for <b>a copy</b>."]


def test_delete_draft_with_confirmation(admin):
    inv = invoice_id(admin, "ERP-SO-1006-6")
    confirm = admin.get(f"/admin/invoices/{inv}/delete").get_data(as_text=True)
    assert "Are you sure you want to delete invoice Draft #" in text_of(confirm)
    resp = admin.submit(f"/admin/invoices/{inv}/delete", f"/admin/invoices/{inv}/delete", {})
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/invoices"
    assert f"Invoice Draft #{inv} was deleted." in text_of(admin.get("/admin/invoices").get_data(as_text=True))
    assert admin.get(f"/admin/invoices/{inv}").status_code == 404


def test_posted_invoice_cannot_be_deleted(admin):
    inv = invoice_id(admin, "ERP-SO-1003-3")
    grid = admin.get("/admin/invoices").get_data(as_text=True)
    assert f"/admin/invoices/{inv}/delete" not in grid
    resp = admin.get(f"/admin/invoices/{inv}/delete")
    assert resp.status_code == 409
    assert "is posted and cannot be deleted" in text_of(resp.get_data(as_text=True))
    forced = admin.submit(f"/admin/invoices/{inv}", f"/admin/invoices/{inv}/delete", {})
    assert "cannot be deleted" in text_of(admin.get(forced.headers["Location"]).get_data(as_text=True))
    assert admin.service.get(inv).is_posted


def test_other_organizations_invoice_is_not_found(admin):
    sakura = invoice_id(admin, "ERP-SO-1011-11")
    resp = admin.get(f"/admin/invoices/{sakura}")
    assert resp.status_code == 404
    assert "Page not found" in text_of(resp.get_data(as_text=True))
    assert admin.get("/admin/invoices/999999").status_code == 404


def test_order_view_has_invoices_tab(shop, admin):
    order = shop[1]["orders"][0]
    page = admin.get(f"/admin/orders/{order['id']}").get_data(as_text=True)
    assert re.search(r'data-tab-key="oro_invoices.order_invoices"[^>]*>Invoices</a>', page)
    tab = admin.get(f"/admin/orders/{order['id']}?tab=oro_invoices.order_invoices").get_data(as_text=True)
    numbers = re.findall(r'<tr data-invoice-id="\d+"><td><a [^>]*>([^<]+)</a>', tab)
    expected = [i.display_number for i in admin.service.list_invoices({"order_id": order["id"]}).items]
    assert sorted(numbers) == sorted(expected) and len(numbers) == 2
    other = shop[1]["orders"][6]
    tab = admin.get(f"/admin/orders/{other['id']}?tab=oro_invoices.order_invoices").get_data(as_text=True)
    assert not set(numbers) & set(re.findall(r"INV-[\d-]+", text_of(tab)))


def test_admin_without_view_permission_is_refused(shop):
    host = shop[0].extensions["oro_reference_host"]
    host.records.add_admin("clerk", "clerk1234", name="Clara Clerk", organization_id=1,
                           permissions=[])
    client = ShopClient(shop[0])
    client.login_admin("clerk", "clerk1234")
    resp = client.get("/admin/invoices")
    assert resp.status_code == 403
    assert "You do not have permission" in text_of(resp.get_data(as_text=True))
    assert 'data-menu-key="oro_invoices.invoices"' not in client.get("/admin/").get_data(as_text=True)


def test_unexpected_error_shows_a_generic_page(shop, admin, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(admin.service, "history", boom)
    inv = invoice_id(admin, "ERP-SO-1003-3")
    resp = admin.get(f"/admin/invoices/{inv}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "An unexpected error occurred" in text_of(body)
    assert "secret internals" not in body and "Traceback" not in body


def test_the_view_page_says_why_its_lines_tax_does_not_add_up_to_the_invoices(admin):
    """Tax is rounded once per rate: three lines of €1.05 at 10 % have €0.11 of tax each on the
    page, while the invoice's tax is 10 % of €3.15, €0.32."""
    from support.payloads import posted_for_seeded_customer
    line = {"description": "Washer", "quantity": "1", "unit_price": "1.05", "tax_rate": "0.10"}
    odd = posted_for_seeded_customer(admin.service, currency="EUR", lines=[line, line, line])
    text = text_of(admin.get(f"/admin/invoices/{odd.id}").get_data(as_text=True))
    assert ("The lines' Tax adds up to €0.33 and the invoice's tax is €0.32: tax is calculated once on "
            "the total of each rate") in text
    even = posted_for_seeded_customer(admin.service, currency="EUR", lines=[line])
    assert "The lines' Tax adds up" not in text_of(admin.get(f"/admin/invoices/{even.id}").get_data(as_text=True))
