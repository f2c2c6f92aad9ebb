"""The pages on a phone (360 px), a small laptop (1024 px) and a desktop (1440 px): nothing is
clipped, the page never scrolls sideways and every row's actions can be reached.

Screenshots of each width go to the test's tmp_path (printed when ``-s`` is given)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from support.browser_shop import admin_login, customer_login, enable_payments, page_overflow, reachable

pytestmark = pytest.mark.browser

WIDTHS = [360, 1024, 1440]


@pytest.fixture
def shop(live_shop):
    base_url, app, info = live_shop
    standin = enable_payments(app, base_url)
    yield base_url, app, info
    standin.stop()


def outside_viewport(page: Page, selector: str) -> list[str]:
    """The text of every visible element matching ``selector`` that sticks out of the viewport."""
    return page.evaluate("""(selector) => Array.from(document.querySelectorAll(selector))
        .filter(el => el.getClientRects().length > 0)
        .filter(el => { const r = el.getBoundingClientRect();
                        return r.left < -0.5 || r.right > window.innerWidth + 0.5; })
        .map(el => el.textContent.trim().slice(0, 60))""", selector)


@pytest.mark.parametrize("width", WIDTHS)
def test_storefront_list_view_and_pay_page(page: Page, shop, width, tmp_path):
    base_url, app, info = shop
    page.set_viewport_size({"width": width, "height": 800})
    customer_login(page, base_url, "amanda.cole@acme.example")
    page.goto(base_url + "/customer/invoices")
    rows = page.locator("table[aria-label=Invoices] tbody tr")
    expect(rows).to_have_count(4)
    page.screenshot(path=tmp_path / f"storefront-list-{width}.png", full_page=True)
    assert page_overflow(page) <= 0
    assert outside_viewport(page, "table[aria-label=Invoices] td, .oi-filters .oi-field, .oi-pager") == []
    pay_links = 0
    for i in range(rows.count()):
        row = rows.nth(i)
        assert reachable(page, row.get_by_role("link", name="View")), f"row {i} View at {width}px"
        pay = row.get_by_role("link", name="Pay")
        if pay.count():
            pay_links += 1
            assert reachable(page, pay), f"row {i} Pay at {width}px"
    assert pay_links >= 2  # the unpaid invoices can be paid from the list
    if width == 360:  # a card per invoice: each value sits under its row, labelled, not in a column
        cells = rows.first.locator("td")
        boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
        assert all(b["width"] > width * 0.6 for b in boxes), boxes
        label = rows.first.locator("td[data-label]").first.evaluate(
            "el => getComputedStyle(el, '::before').content")
        assert label.strip('"') == "Invoice Date"
    # sorting stays available at every width
    expect(page.get_by_role("link", name="Due Date")).to_be_visible()

    unpaid = rows.filter(has=page.get_by_role("link", name="Pay")).first
    unpaid.get_by_role("link", name="View").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice")
    page.screenshot(path=tmp_path / f"storefront-view-{width}.png", full_page=True)
    assert page_overflow(page) <= 0
    assert outside_viewport(page, ".oi-card, .oi-dl dd, table td, .oi-actions a") == []
    assert reachable(page, page.get_by_role("link", name="Download"))
    pay = page.locator(".oi-head").get_by_role("link", name="Pay")
    assert reachable(page, pay)

    pay.click()
    expect(page.get_by_role("button", name="Proceed with Payment")).to_be_visible()
    page.screenshot(path=tmp_path / f"storefront-pay-{width}.png", full_page=True)
    assert page_overflow(page) <= 0
    assert reachable(page, page.get_by_role("button", name="Proceed with Payment"))


@pytest.mark.parametrize("width", [1024, 1280])
def test_storefront_list_in_german_keeps_view_and_pay_in_reach(page: Page, shop, width, tmp_path):
    """German column names make the table wider than its frame: the actions stay in view."""
    base_url, app, info = shop
    page.set_viewport_size({"width": width, "height": 800})
    customer_login(page, base_url, "amanda.cole@acme.example")
    page.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(base_url + "/customer/invoices")
    rows = page.locator("table[aria-label=Rechnungen] tbody tr")
    expect(rows).to_have_count(4)
    page.screenshot(path=tmp_path / f"storefront-list-de-{width}.png", full_page=True)
    assert page_overflow(page) <= 0
    assert page.locator(".oi-tablewrap").evaluate("el => el.scrollWidth > el.clientWidth")
    pays = rows.get_by_role("link", name="Bezahlen")
    assert pays.count() >= 2
    for link in [*(rows.nth(i).get_by_role("link", name="Ansehen") for i in range(rows.count())),
                 *(pays.nth(i) for i in range(pays.count()))]:
        assert reachable(page, link), f"{link} at {width}px"


@pytest.mark.parametrize("width", [360, 1024])
def test_guest_pay_page_and_error_page(page: Page, shop, width, tmp_path):
    base_url, app, info = shop
    service = app.extensions["oro_invoices"].service
    posted = service.get(service.find_id(external_id="ERP-SO-1003-3"))
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(service.pay_link(posted))
    expect(page.get_by_role("button", name="Proceed with Payment")).to_be_visible()
    page.screenshot(path=tmp_path / f"guest-pay-{width}.png", full_page=True)
    assert page_overflow(page) <= 0
    assert reachable(page, page.get_by_role("button", name="Proceed with Payment"))
    assert page.goto(base_url + "/invoices/pay/not-a-token").status == 404
    assert page_overflow(page) <= 0


@pytest.mark.parametrize("width", [1024, 1440])
def test_back_office_grid_keeps_every_rows_actions_in_reach(page: Page, shop, width, tmp_path):
    base_url, app, info = shop
    page.set_viewport_size({"width": width, "height": 800})
    admin_login(page, base_url)
    page.goto(base_url + "/admin/invoices?show_payment_method=1")
    rows = page.locator("table[aria-label=Invoices] tbody tr")
    expect(rows).to_have_count(11)
    page.screenshot(path=tmp_path / f"grid-{width}.png", full_page=True)
    assert page_overflow(page) <= 0  # a wide table scrolls inside its frame, not the page
    if width == 1024:  # the table is wider than its frame here: Actions stay in view all the same
        assert page.locator(".oi-tablewrap").evaluate("el => el.scrollWidth > el.clientWidth")
    deletes = 0
    for i in range(rows.count()):
        row = rows.nth(i)
        assert reachable(page, row.get_by_role("link", name="View")), f"row {i} View at {width}px"
        delete = row.get_by_role("link", name="Delete")
        if delete.count():
            deletes += 1
            assert reachable(page, delete), f"row {i} Delete at {width}px"
    assert deletes >= 4  # the drafts
    # the invoice page fits too, its actions on screen
    rows.first.get_by_role("link", name="View").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=tmp_path / f"admin-view-{width}.png", full_page=True)
    assert page_overflow(page) <= 0
    assert outside_viewport(page, ".oi-head .oi-actions a, .oi-card") == []


def test_back_office_invoice_page_and_order_tab_on_a_phone(page: Page, shop, tmp_path):
    """The tables of the invoice page and of the order's Invoices tab scroll inside their frames:
    nothing in them (not even the screen-reader-only "Actions" heading) widens the page."""
    base_url, app, info = shop
    service = app.extensions["oro_invoices"].service
    paid = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    page.set_viewport_size({"width": 360, "height": 800})
    admin_login(page, base_url)
    for path in (f"/admin/invoices/{paid.id}", f"/admin/orders/{paid.order_id}?tab=oro_invoices.order_invoices"):
        page.goto(base_url + path)
        page.screenshot(path=tmp_path / f"admin-{path.split('/')[2]}-360.png", full_page=True)
        assert page.locator(".oi-tablewrap .oi-sr-only").count() >= 1, path
        assert page_overflow(page) <= 0, path


@pytest.mark.parametrize("width", [360, 390])
def test_back_office_header_on_a_phone_keeps_the_user_and_log_out_on_one_line(page: Page, shop, width, tmp_path):
    base_url, app, info = shop
    page.set_viewport_size({"width": width, "height": 800})
    admin_login(page, base_url)
    page.goto(base_url + "/admin/invoices")
    page.screenshot(path=tmp_path / f"admin-header-{width}.png")
    lines = page.evaluate("""() => ['#h-current-user', '.h-top button'].map(selector => {
        const range = document.createRange();
        range.selectNodeContents(document.querySelector(selector));
        return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size; })""")
    assert lines == [1, 1]                        # "Alex Admin" and "Log out" are not broken
    assert outside_viewport(page, ".h-top a, .h-top button, #h-current-user") == []
    assert page_overflow(page) <= 0


def test_long_german_labels_and_unbroken_notes_stay_in_their_column(page: Page, shop, tmp_path):
    base_url, app, info = shop
    page.set_viewport_size({"width": 1280, "height": 800})
    admin_login(page, base_url)
    service = app.extensions["oro_invoices"].service
    invoice_id = service.find_id(external_id="ERP-SO-1003-3")
    service.add_note(invoice_id, "Ü" * 3000, actor="admin")
    page.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(f"{base_url}/admin/invoices/{invoice_id}")
    page.screenshot(path=tmp_path / "view-de-1280.png", full_page=True)
    overlaps = page.evaluate("""() => Array.from(document.querySelectorAll('.oi-dl dt')).filter(dt => {
        const dd = dt.nextElementSibling; if (!dd) return false;
        const a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
        return a.right > b.left + 0.5 && a.top < b.bottom && b.top < a.bottom; }).map(dt => dt.textContent)""")
    assert overlaps == []
    assert page_overflow(page) <= 0
    sticking_out = page.evaluate("""() => Array.from(document.querySelectorAll('.oi-notes li, .oi-timeline li'))
        .filter(li => { const card = li.closest('.oi-card').getBoundingClientRect(),
                        r = li.getBoundingClientRect(); return r.right > card.right + 0.5; }).length""")
    assert sticking_out == 0


@pytest.mark.parametrize("language", ["de", "fr", "en"])
def test_at_1280px_the_grids_sticky_actions_cover_no_figure_or_status(page: Page, shop, language, tmp_path):
    """Long column names (German, French) break where their language allows (a soft hyphen
    between a compound's parts) rather than widen their columns, so that from the invoice
    number to the payment status every column is beside the Actions column, not beneath it."""
    base_url, app, info = shop
    page.set_viewport_size({"width": 1280, "height": 800})
    admin_login(page, base_url)
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(base_url + "/admin/invoices")
    page.screenshot(path=tmp_path / f"grid-{language}-1280.png", full_page=True)
    covered = page.evaluate("""() => {
        const heads = Array.from(document.querySelectorAll('.oi-table--grid thead th'));
        const actions = heads[heads.length - 1].getBoundingClientRect().left;
        return heads.filter(th => th.dataset.oiColumn && th.getBoundingClientRect().right > actions + 0.5)
                    .map(th => th.dataset.oiColumn); }""")
    assert set(covered) <= {"external_payment_url"}, covered
    headers = page.locator(".oi-table--grid thead th[data-oi-column=invoice_date]").inner_text()
    assert headers.replace("\u00ad", "").split()[0] == \
        {"de": "Rechnungsdatum", "fr": "Date", "en": "Invoice"}[language]
