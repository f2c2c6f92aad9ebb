"""What an admin and customer users do in a real browser.

Run with ``python -m pytest tests/browser -m browser``; screenshots of the grid
and the view page go to /tmp/oro-invoices-*.png.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def admin_login(page: Page, base_url: str, username: str = "admin", password: str = "admin1234"):
    page.goto(base_url + "/admin/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def customer_login(page: Page, base_url: str, email: str, password: str = "demo1234"):
    page.goto(base_url + "/customer/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My Profile")).to_be_visible()


def test_admin_sends_a_draft_to_the_customer_and_downloads_it(page: Page, live_shop):
    base_url, app, info = live_shop
    service = app.extensions["oro_invoices"].service
    draft_id = service.find_id(external_id="ERP-SO-1004-4")
    admin_login(page, base_url)

    page.locator("#h-main-menu").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", level=1, name="Invoices")).to_be_visible()
    expect(page.locator("table[aria-label=Invoices] tbody tr")).to_have_count(11)
    page.screenshot(path="/tmp/oro-invoices-grid.png", full_page=True)

    page.get_by_role("link", name=f"Draft #{draft_id}", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Invoice Draft #{draft_id}")).to_be_visible()
    expect(page.get_by_role("link", name="Download")).to_have_count(0)

    page.get_by_label("Add a note").fill("Checked the quantities with the warehouse.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Note added.")).to_be_visible()
    expect(page.locator(".oi-note")).to_contain_text("Checked the quantities with the warehouse.")

    page.get_by_role("link", name="Send to Customer").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Once posted, the invoice can no longer be modified.")
    dialog.get_by_role("button", name="Proceed").click()

    doc = service.get(draft_id)
    assert doc.is_posted and doc.pdf is not None
    expect(page.get_by_text(f"Invoice {doc.invoice_number} has been posted.")).to_be_visible()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("To")).to_have_value("carla.nguyen@acme.example")
    expect(dialog.get_by_label("Subject")).to_have_value(re.compile(doc.invoice_number))
    expect(dialog.get_by_label("Body")).to_have_value(re.compile(doc.invoice_number))
    expect(dialog.locator("#oi-email-attachment")).to_contain_text(f"invoice-{doc.invoice_number}.pdf")
    dialog.get_by_role("button", name="Send").click()
    expect(page.get_by_text("The email to carla.nguyen@acme.example was queued for delivery.")).to_be_visible()
    expect(page.locator("#emails")).to_contain_text("Queued")
    page.screenshot(path="/tmp/oro-invoices-view.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert data == service.storage.read(doc.pdf.sha256)

    page.get_by_role("link", name="SO-1004").click()
    page.get_by_role("link", name="Invoices", exact=True).last.click()
    expect(page.locator("#oi-order-invoices")).to_contain_text(doc.invoice_number)


def test_deleting_a_note_asks_first(page: Page, live_shop):
    base_url, app, info = live_shop
    service = app.extensions["oro_invoices"].service
    invoice = service.find_id(external_id="ERP-SO-1001-1")
    admin_login(page, base_url)
    page.goto(f"{base_url}/admin/invoices/{invoice}")
    page.get_by_label("Add a note").fill("Call back on Monday.")
    page.get_by_role("button", name="Add note").click()
    note = page.locator(".oi-note", has_text="Call back on Monday.")
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    note.get_by_role("button", name="Delete this note").click()
    expect(note).to_have_count(1)                                   # kept: the question was declined
    page.once("dialog", lambda dialog: answer(dialog, True))
    note.get_by_role("button", name="Delete this note").click()
    expect(note).to_have_count(0)
    assert asked == ["Delete this note? It cannot be restored."] * 2
    assert "Call back on Monday." not in [n.body for n in service.notes(invoice)]


@pytest.mark.parametrize("email,count", [
    ("amanda.cole@acme.example", 4),   # corporate: Acme and its Berlin branch
    ("ben.ortiz@acme.example", 3),     # department: Acme
    ("carla.nguyen@acme.example", 1),  # own
])
def test_customer_sees_what_the_role_allows(page: Page, live_shop, email, count):
    base_url, app, info = live_shop
    customer_login(page, base_url, email)
    page.locator("#h-account-menu").get_by_role("link", name="Invoices").click()
    rows = page.locator("table[aria-label=Invoices] tbody tr")
    expect(rows).to_have_count(count)
    expect(rows.filter(has_text="Draft")).to_have_count(0)
    rows.first.get_by_role("link", name="View").click()
    expect(page.get_by_role("heading", name=re.compile(r"Invoice INV-"))).to_be_visible()
    expect(page.get_by_role("link", name="Download")).to_be_visible()


def test_customer_without_invoice_role_has_no_invoices(page: Page, live_shop):
    base_url, _, _ = live_shop
    customer_login(page, base_url, "no.access@acme.example")
    expect(page.locator("#h-account-menu").get_by_role("link", name="Invoices")).to_have_count(0)
    page.goto(base_url + "/customer/invoices")
    expect(page.get_by_role("heading", level=1, name="Access denied")).to_be_visible()


def test_switching_invoices_off_in_configuration(page: Page, live_shop, browser):
    base_url, app, info = live_shop
    order_id = info["orders"][0]["id"]
    admin_login(page, base_url)
    menu = page.locator("#h-main-menu")
    expect(menu.get_by_role("link", name="Invoices")).to_be_visible()

    menu.get_by_role("link", name="Configuration").click()
    row = page.locator('tr[data-setting="oro_invoices.enabled"]')
    row.get_by_role("combobox").select_option("0")
    row.get_by_label("Use default").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Configuration saved.")).to_be_visible()

    expect(menu.get_by_role("link", name="Invoices")).to_have_count(0)
    page.goto(f"{base_url}/admin/orders/{order_id}")
    expect(page.locator("#h-order-tabs")).not_to_contain_text("Invoices")
    assert page.goto(base_url + "/admin/invoices").status == 404

    shopper = browser.new_page()
    try:
        customer_login(shopper, base_url, "ben.ortiz@acme.example")
        expect(shopper.locator("#h-account-menu").get_by_role("link", name="Invoices")).to_have_count(0)
        assert shopper.goto(base_url + "/customer/invoices").status == 404
    finally:
        shopper.close()


def test_admin_ticks_the_drafts_of_a_page_and_sends_them_all(page: Page, live_shop):
    base_url, app, info = live_shop
    service = app.extensions["oro_invoices"].service
    mail = app.extensions["oro_invoices"].mail
    admin_login(page, base_url)
    page.goto(base_url + "/admin/invoices?status=draft")
    rows = page.locator("table[aria-label=Invoices] tbody tr")
    expect(rows).to_have_count(4)
    drafts = [int(rows.nth(i).get_attribute("data-invoice-id")) for i in range(4)]

    every = page.get_by_label("Select every invoice on this page")
    every.check()                                        # the script ticks each row
    expect(page.locator("input[name=invoice]:checked")).to_have_count(4)
    page.get_by_label(f"Select Draft #{drafts[0]}").uncheck()
    expect(every).not_to_be_checked()                    # some, not all: shown as mixed
    assert every.evaluate("box => box.indeterminate")
    page.get_by_label(f"Select Draft #{drafts[0]}").check()
    expect(every).to_be_checked()

    page.locator("#oi-selection-form").get_by_role("button", name="Send to Customer").click()
    expect(page.get_by_role("heading", level=1, name="Send to Customer")).to_be_visible()
    expect(page.get_by_text("4 of them are drafts: they are posted first")).to_be_visible()
    page.get_by_role("button", name="Send 4 invoices").click()
    expect(page.locator("#oi-selection-summary")).to_contain_text(
        "4 invoices were queued for sending. 4 drafts were posted first.")
    for invoice_id in drafts:
        assert service.get(invoice_id).is_posted and len(mail.emails(invoice_id)) == 1
    page.get_by_role("link", name="Back to Invoices").click()
    expect(page.locator("table[aria-label=Invoices] td.oi-empty")).to_have_count(1)          # no drafts left


def test_admin_records_one_transfer_for_the_ticked_invoices_of_a_customer(page: Page, live_shop):
    base_url, app, info = live_shop
    service = app.extensions["oro_invoices"].service
    partly, pending = (service.find_id(external_id=e) for e in ("ERP-SO-1002-2", "ERP-SO-1003-3"))
    due = {i: service.get(i).amount_due for i in (partly, pending)}
    admin_login(page, base_url)
    page.goto(base_url + "/admin/invoices?status=posted")
    for invoice_id in (partly, pending):
        page.get_by_label(f"Select {service.get(invoice_id).invoice_number}").check()
    page.locator("#oi-selection-form").get_by_role("button", name="Record Payment").click()
    expect(page.get_by_role("heading", level=1, name="Record Payment")).to_be_visible()
    total = page.locator("#oi-shares-total")
    expect(total).to_have_text(f"€{sum(due.values()):,.2f}")

    page.get_by_label("Amount received (EUR)").fill("200")
    page.get_by_role("button", name="Spread").click()                # oldest due first
    number = service.get(pending).invoice_number
    expect(page.get_by_label(f"Payment for {number}")).to_have_value(f"{Decimal('200') - due[partly]:.2f}")
    for refused in ("1e1", "-1", "0.001", "1,5"):                      # a share the form refuses is not counted
        page.get_by_label(f"Payment for {number}").fill(refused)
        expect(total).to_have_text("—")
    page.get_by_label(f"Payment for {number}").fill("1,000")         # the page's digit grouping is
    expect(total).to_have_text(f"€{due[partly] + 1000:,.2f}")
    page.get_by_label(f"Payment for {number}").fill("50")            # the total follows what is typed
    expect(total).to_have_text(f"€{due[partly] + 50:,.2f}")
    page.get_by_label("Reference").fill("STMT 9 / 4")
    page.locator("#oi-remittance-form").get_by_role("button", name="Record Payment").click()
    expect(page.locator("#oi-remittance-summary")).to_contain_text(
        f"A payment of €{due[partly] + 50:,.2f} received by Bank transfer")
    assert service.get(partly).amount_due == 0 and service.get(pending).amount_due == due[pending] - 50
