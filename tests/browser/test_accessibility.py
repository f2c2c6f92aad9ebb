"""WCAG 2.1 AA: axe-core finds no serious or critical violation on any page of the add-on,
and the dialogs keep the keyboard inside them and give it back when they close."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from support.axe import audit, axe_script, blocking
from support.browser_shop import admin_login, customer_login, enable_payments
from support.hpp_standin import APPROVED_CARD
from support.stripe_payments import configure_stripe, local_account

from oro_invoices.integration.config import Settings
from oro_invoices.web import backoffice_aging

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def axe():
    return axe_script()


@pytest.fixture
def shop(live_shop):
    """The live shop with payments on, so the pay pages exist."""
    base_url, app, info = live_shop
    standin = enable_payments(app, base_url)
    yield base_url, app, info
    standin.stop()


def problems_on(page: Page, axe, label: str, url: str, *, status: int = 200) -> list[str]:
    """Open ``url`` and list axe's serious and critical findings there, each prefixed by ``label``."""
    response = page.goto(url)
    assert response is not None and response.status == status, (label, url)
    return [f"{label}: {line}" for line in blocking(audit(page, axe))]


def test_back_office_pages(page: Page, shop, axe, monkeypatch):
    base_url, app, info = shop
    service = app.extensions["oro_invoices"].service
    draft = service.find_id(external_id="ERP-SO-1004-4")
    posted = service.find_id(external_id="ERP-SO-1003-3")
    paid = service.find_id(external_id="ERP-SO-1001-1")
    order = info["orders"][0]["id"]
    admin_login(page, base_url)
    view = f"{base_url}/admin/invoices"
    monkeypatch.setattr(backoffice_aging, "PAGE_SIZE", 2)     # the report's pager on a seeded shop
    by_hand = service.record_received_payment(posted, amount="1.00", method="bank_transfer",
                                              received_on=dt.date(2026, 12, 1), reference="STMT 7",
                                              actor="test", request_key="a" * 24).transaction
    # Acme's credit in EUR: what a payment on its partly paid invoice brought over the amount due
    partial = service.get(service.find_id(external_id="ERP-SO-1002-2"))
    service.record_received_payment(partial.id, amount=str(partial.amount_due + 5), method="bank_transfer",
                                    received_on=dt.date(2026, 12, 1), actor="test", request_key="b" * 24,
                                    keep_surplus=True)
    acme = service.get(posted).customer_id
    today = dt.datetime.now(dt.UTC).date()
    month_end = (today.replace(day=1) - dt.timedelta(days=1)).isoformat()
    pages = [
        ("grid", view),
        ("grid filtered", view + "?payment_status=paid_in_full&overdue=no&show_payment_method=1"),
        ("draft view", f"{view}/{draft}"),
        ("posted view", f"{view}/{posted}"),
        ("paid view", f"{view}/{paid}"),
        ("send-to-customer dialog", f"{view}/{draft}?dialog=send-to-customer"),
        ("email dialog", f"{view}/{posted}?dialog=email&to_customer=1"),
        ("delete confirmation", f"{view}/{draft}/delete"),
        ("void confirmation", f"{view}/{posted}/void"),
        ("credit note form", f"{view}/{posted}/credit-notes/new"),
        ("import form", f"{view}/import"),
        ("aging report", f"{view}/aging"),
        ("aging report, second page", f"{view}/aging?page=2"),
        ("aging report at a month-end", f"{view}/aging?as_of={month_end}"),
        ("aging report email dialog", f"{view}/aging?as_of={month_end}&dialog=email"),
        ("customer statement", f"{view}/statement?customer={service.get(posted).customer_id}"),
        ("customer statement at a month-end",
         f"{view}/statement?customer={service.get(posted).customer_id}&as_of={month_end}"),
        ("statement email dialog", f"{view}/statement?customer={service.get(posted).customer_id}&dialog=email"),
        ("account activity", f"{view}/statement/activity?customer={service.get(posted).customer_id}&from=2026-01-01"),
        ("record payment dialog", f"{view}/{posted}?dialog=record-payment"),
        ("reverse payment dialog", f"{view}/{posted}?dialog=reverse-payment&transaction={by_hand.id}"),
        ("apply credit dialog", f"{view}/{posted}?dialog=apply-credit"),
        ("customer credit", f"{view}/customer-credit?customer={acme}"),
        ("send the ticked invoices", f"{view}/selected/send?invoice={draft}&invoice={posted}&invoice={paid}"),
        ("delete the ticked drafts", f"{view}/selected/delete?invoice={draft}&invoice={posted}"),
        ("record payment for the ticked invoices",
         f"{view}/selected/payment?invoice={draft}&invoice={posted}&invoice={paid}&received=99999"),
        ("order tab", f"{base_url}/admin/orders/{order}?tab=oro_invoices.order_invoices"),
        ("configuration", base_url + "/admin/config/oro_invoices"),
    ]
    found = [p for label, url in pages for p in problems_on(page, axe, label, url)]
    found += problems_on(page, axe, "error page", f"{view}/999999999", status=404)
    found += problems_on(page, axe, "aging report with a bad currency", f"{view}/aging?currency=x", status=422)
    found += problems_on(page, axe, "aging report with a bad day", f"{view}/aging?as_of=x", status=422)
    found += problems_on(page, axe, "grid with bad filters", view + "?date_from=2026-02-31&external_id=x%00"
                         "&sort=bogus&page=abc", status=422)
    # a sent email: the page after sending (with its announced message) and the email itself
    page.goto(f"{view}/{posted}?dialog=email")
    page.locator("#oi-email-dialog").get_by_role("button", name="Send").click()
    expect(page.get_by_role("status").first).to_be_visible()
    found += [f"view after sending: {line}" for line in blocking(audit(page, axe))]
    email_url = page.locator("a[data-oi-open-email]").first.get_attribute("href")
    assert email_url
    found += problems_on(page, axe, "sent email", base_url + email_url)
    # the import's outcome per file
    page.goto(f"{view}/import")
    page.set_input_files("#oi-import-files", files=[{"name": "order.xml", "mimeType": "application/xml",
                                                     "buffer": b"<order/>"}])
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#oi-import-results")).to_contain_text("Not imported")
    found += [f"import results: {line}" for line in blocking(audit(page, axe))]
    # Give Back Credit refused: the page again with the reason
    page.goto(f"{view}/customer-credit?customer={acme}")
    page.get_by_label("Amount (EUR)").fill("99999")
    page.get_by_role("button", name="Give Back Credit").click()
    expect(page.locator("#oi-pay-out-error")).to_contain_text("at most that can be given back")
    found += [f"give back credit refused: {line}" for line in blocking(audit(page, axe))]
    # Create Invoice on the order tab refused: the quantity's problem beside its labelled field
    page.goto(f"{base_url}/admin/orders/{order}?tab=oro_invoices.order_invoices")
    page.get_by_role("textbox", name=re.compile(r"^Quantity to invoice of line 1: ")).fill("x")
    page.get_by_role("button", name="Create Invoice", exact=True).click()
    expect(page.locator("#f-error-qty_1")).to_contain_text("is not a decimal number")
    found += [f"create invoice refused: {line}" for line in blocking(audit(page, axe))]
    # a bank statement's payments matched to invoices
    page.goto(f"{view}/bank-statement")
    found += [f"bank statement form: {line}" for line in blocking(audit(page, axe))]
    page.set_input_files("#oi-bank-file", files=[{"name": "bank-statement.csv", "mimeType": "text/csv",
                                                  "buffer": (EXAMPLES / "bank-statement.csv").read_bytes()}])
    page.get_by_role("button", name="Match Payments").click()
    expect(page.locator("#oi-bank-payments")).to_contain_text("No invoice found")
    found += [f"bank statement payments: {line}" for line in blocking(audit(page, axe))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("width", [360, 1280])
def test_storefront_and_guest_pages(page: Page, shop, axe, browser, width):
    base_url, app, info = shop
    page.set_viewport_size({"width": width, "height": 800})
    service = app.extensions["oro_invoices"].service
    posted = service.find_id(external_id="ERP-SO-1003-3")
    customer_login(page, base_url, "amanda.cole@acme.example")
    store = f"{base_url}/customer/invoices"
    found = [p for label, url in [
        ("storefront list", store),
        ("storefront list filtered", store + "?payment_status=invoiced&overdue=no"),
        ("storefront list with payment method", store + "?show_payment_method=1&per_page=10"),
        ("storefront view", f"{store}/{posted}"),
        ("storefront account activity", f"{store}/activity?from=2026-01-01"),
        ("storefront pay page", f"{store}/{posted}/payment"),
    ] for p in problems_on(page, axe, label, url)]
    found += problems_on(page, axe, "storefront error page", f"{store}/999999999", status=404)
    found += problems_on(page, axe, "storefront list with bad filters",
                         store + "?date_from=2026-02-31&overdue=maybe&sort=bogus&page=abc", status=422)
    found += problems_on(page, axe, "storefront account activity with a bad period",
                         f"{store}/activity?from=xx&to=2999-01-01", status=422)
    guest = browser.new_page(viewport={"width": width, "height": 800})
    try:
        found += problems_on(guest, axe, "guest pay page", service.pay_link(service.get(posted)))
        found += problems_on(guest, axe, "guest error page", base_url + "/invoices/pay/not-a-token",
                             status=404)
    finally:
        guest.close()
    assert not found, "\n".join(found)


def focused(page: Page) -> dict:
    """What has the keyboard focus: its text, id, whether it is inside the dialog, its outline."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {text: (el.textContent || '').trim(), id: el.id, tag: el.tagName,
                inDialog: el.closest('[role=dialog]') !== null,
                outline: style.outlineStyle + ' ' + style.outlineWidth};
    }""")


def test_a_dialog_keeps_the_keyboard_inside_and_gives_focus_back(page: Page, live_shop):
    base_url, app, info = live_shop
    draft = app.extensions["oro_invoices"].service.find_id(external_id="ERP-SO-1004-4")
    admin_login(page, base_url)
    page.goto(f"{base_url}/admin/invoices/{draft}")
    opener = page.get_by_role("link", name="Send to Customer")
    opener.focus()
    assert focused(page)["outline"] == "solid 3px"  # keyboard focus is visible
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Send to Customer")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".oi-modal__foot").get_by_role("link", name="Cancel")).to_be_focused()

    forward = []
    for _ in range(5):
        page.keyboard.press("Tab")
        forward.append(focused(page))
    assert all(f["inDialog"] for f in forward), forward
    assert [f["text"] for f in forward[:4]] == ["Proceed", "Cancel", "Proceed", "Cancel"]
    backward = []
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        backward.append(focused(page))
    assert all(f["inDialog"] for f in backward), backward
    assert {f["text"] for f in backward} == {"Proceed", "Cancel"}

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert "dialog=" not in page.url
    expect(page.get_by_role("link", name="Send to Customer")).to_be_focused()  # back on the opener
    assert not app.extensions["oro_invoices"].service.get(draft).is_posted


def test_the_email_dialog_starts_at_its_first_field_and_tabs_through_its_fields(page: Page, live_shop):
    base_url, app, info = live_shop
    posted = app.extensions["oro_invoices"].service.find_id(external_id="ERP-SO-1003-3")
    admin_login(page, base_url)
    page.goto(f"{base_url}/admin/invoices/{posted}")
    page.get_by_role("link", name="Send email").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator("#oi-email-template")).to_be_focused()
    ids = []
    for _ in range(12):
        page.keyboard.press("Tab")
        state = focused(page)
        assert state["inDialog"], state
        ids.append(state["id"] or state["text"])
    assert {"oi-email-to", "oi-email-subject", "oi-email-body", "Send", "Cancel"} <= set(ids)
    assert ids.index("oi-email-to") < ids.index("oi-email-subject") < ids.index("oi-email-body")
    page.locator(".oi-modal__foot").get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("link", name="Send email")).to_be_focused()  # back on the opener


def test_status_messages_are_announced(page: Page, live_shop):
    base_url, app, info = live_shop
    posted = app.extensions["oro_invoices"].service.find_id(external_id="ERP-SO-1003-3")
    admin_login(page, base_url)
    page.goto(f"{base_url}/admin/invoices/{posted}")
    page.get_by_label("Add a note").fill("Called the customer.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status").filter(has_text="Note added.")).to_be_visible()


def test_payment_result_and_refund_dialog(page: Page, shop, axe, browser):
    base_url, app, info = shop
    service = app.extensions["oro_invoices"].service
    doc = service.get(service.find_id(external_id="ERP-SO-1003-3"))
    customer_login(page, base_url, "ben.ortiz@acme.example")
    page.goto(f"{base_url}/customer/invoices/{doc.id}/payment")
    page.get_by_role("button", name="Proceed with Payment").click()
    page.get_by_label("Card number").fill(APPROVED_CARD)
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay Now").click()
    expect(page.get_by_role("heading", name=f"Payment Successful - Invoice #{doc.invoice_number}")).to_be_visible()
    found = [f"payment result: {line}" for line in blocking(audit(page, axe))]
    page.goto(f"{base_url}/customer/invoices/{doc.id}")
    expect(page.locator("#oi-payments")).to_contain_text("OroPay")
    found += [f"storefront view with its payments: {line}" for line in blocking(audit(page, axe))]

    admin = browser.new_page()
    try:
        admin_login(admin, base_url)
        admin.goto(f"{base_url}/admin/invoices/{doc.id}")
        refund = admin.locator("#payments").get_by_role("link", name="Refund")
        refund.click()
        expect(admin.get_by_role("dialog", name="Refund Payment")).to_be_visible()
        expect(admin.locator("#oi-refund-amount")).to_be_focused()
        found += [f"refund dialog: {line}" for line in blocking(audit(admin, axe))]
        admin.keyboard.press("Escape")
        expect(admin.get_by_role("dialog")).to_have_count(0)
        expect(admin.locator("#payments").get_by_role("link", name="Refund")).to_be_focused()
    finally:
        admin.close()
    assert not found, "\n".join(found)


def test_pay_selected_from_the_list_to_the_result(page: Page, shop, axe):
    """A customer user ticks two invoices, presses Pay Selected, pays them on the hosted page with one
    card payment, and lands on the result naming both; each page passes axe."""
    base_url, app, info = shop
    service = app.extensions["oro_invoices"].service
    docs = [service.get(service.find_id(external_id=e)) for e in ("ERP-SO-1002-2", "ERP-SO-1003-3")]
    customer_login(page, base_url, "ben.ortiz@acme.example")
    page.goto(f"{base_url}/customer/invoices")
    expect(page.get_by_role("button", name="Pay Selected")).to_be_disabled()     # nothing ticked yet
    for doc in docs:
        page.get_by_role("checkbox", name=f"Select invoice {doc.invoice_number} to pay").check()
    total = sum(d.amount_due for d in docs)
    expect(page.locator("#oi-pay-selected-summary")).to_have_text(f"Selected: 2 \u00b7 €{total:,.2f}")
    found = [f"list with invoices ticked: {line}" for line in blocking(audit(page, axe))]
    page.get_by_role("button", name="Pay Selected").click()
    expect(page.get_by_role("heading", name="Pay Invoices")).to_be_visible()
    expect(page.locator("#oi-pay-several-total")).to_have_text(f"€{total:,.2f}")
    found += [f"pay invoices page: {line}" for line in blocking(audit(page, axe))]
    page.get_by_role("button", name="Proceed with Payment").click()
    page.get_by_label("Card number").fill(APPROVED_CARD)
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay Now").click()
    expect(page.get_by_role("heading", name="Payment Successful")).to_be_visible()
    # Ben's own invoice (ERP-SO-1002-2) first: the payer's lead the payment
    numbers = ", ".join(d.invoice_number for d in docs)
    expect(page.get_by_role("status")).to_contain_text(f"Invoices {numbers} were successfully processed.")
    found += [f"result of a payment of several invoices: {line}" for line in blocking(audit(page, axe))]
    assert all(service.get(d.id).payment_status.value == "paid_in_full" for d in docs)
    assert not found, "\n".join(found)


@pytest.fixture
def stripe_shop(live_shop, stripe_server):
    """The live shop paying with Stripe (authorize only, cards kept for renewing) through the local
    Stripe server."""
    base_url, app, info = live_shop
    settings = Settings(app.extensions["oro_reference_host"].config)
    configure_stripe(settings, local_account(stripe_server), base_url=base_url, action="authorize",
                     reauthorize=True)
    return base_url, app, info


def stripe_card(page: Page, number: str) -> None:
    """Proceed with Payment, the card in the Stripe element, then Proceed with Payment again."""
    form = page.locator("#oi-provider-element")
    for placeholder, value in (("number", number), ("exp_month", "12"), ("exp_year", "34"),
                               ("cvc", "123"), ("postal_code", "70565")):
        form.get_by_placeholder(placeholder).fill(value)
    page.get_by_role("button", name="Proceed with Payment").click()


def test_stripe_pages_and_the_capture_reauthorize_and_cancel_dialogs(page: Page, stripe_shop, axe, browser):
    base_url, app, info = stripe_shop
    service = app.extensions["oro_invoices"].service
    doc = service.get(service.find_id(external_id="ERP-SO-1003-3"))
    customer_login(page, base_url, doc.customer_user_email)    # her card is kept in her Stripe customer
    found = problems_on(page, axe, "Stripe pay page", f"{base_url}/customer/invoices/{doc.id}/payment")
    page.get_by_role("button", name="Proceed with Payment").click()
    expect(page.locator("#oi-provider-element").get_by_placeholder("number")).to_be_visible()
    expect(page.locator("#oi-payment-notice")).to_have_text(
        "Stripe keeps your card so that the seller can renew this authorization before it expires.")
    found += [f"Stripe card step: {line}"
              for line in blocking(audit(page, axe))]
    stripe_card(page, "4000000000000002")  # declined
    expect(page.get_by_role("heading", level=1, name=f"Payment Error - Invoice #{doc.invoice_number}")).to_be_visible()
    found += [f"Stripe error page: {line}" for line in blocking(audit(page, axe))]
    page.get_by_role("link", name="Back to Payment Page").click()
    page.get_by_role("button", name="Proceed with Payment").click()
    stripe_card(page, "4242424242424242")
    expect(page.get_by_role("heading", level=1,
                            name=f"Payment Successful - Invoice #{doc.invoice_number}")).to_be_visible()
    found += [f"Stripe result page: {line}" for line in blocking(audit(page, axe))]
    guest = browser.new_page()
    try:
        other = service.get(service.find_id(external_id="ERP-SO-1005-5"))
        found += problems_on(guest, axe, "Stripe guest pay page", service.pay_link(other))
    finally:
        guest.close()

    admin = browser.new_page()
    try:
        admin_login(admin, base_url)
        admin.goto(f"{base_url}/admin/invoices/{doc.id}")
        cancel = admin.locator("#payments").get_by_role("link", name="Cancel")
        cancel.click()
        dialog = admin.get_by_role("dialog", name="Cancel Authorization")
        expect(dialog).to_be_visible()
        found += [f"cancel authorization dialog: {line}" for line in blocking(audit(admin, axe))]
        admin.keyboard.press("Escape")
        expect(admin.get_by_role("dialog")).to_have_count(0)
        expect(admin.locator("#payments").get_by_role("link", name="Cancel")).to_be_focused()
        admin.locator("#payments").get_by_role("link", name="Capture").click()
        expect(admin.get_by_role("dialog", name="Capture Payment")).to_be_visible()
        found += [f"capture dialog: {line}" for line in blocking(audit(admin, axe))]
        admin.keyboard.press("Escape")
        expect(admin.locator("#payments").get_by_role("link", name="Capture")).to_be_focused()
        admin.locator("#payments").get_by_role("link", name="Re-authorize").click()
        expect(admin.get_by_role("dialog", name="Re-authorize Payment")).to_be_visible()
        found += [f"re-authorize dialog: {line}" for line in blocking(audit(admin, axe))]
        admin.keyboard.press("Escape")
        expect(admin.locator("#payments").get_by_role("link", name="Re-authorize")).to_be_focused()
    finally:
        admin.close()
    assert not found, "\n".join(found)


def test_the_pay_selected_total_writes_yen_as_the_server_does(page: Page, shop):
    """In Japanese the browser writes yen full-width (￥); the bar writes it as every amount of the
    pages does (¥)."""
    base_url, app, info = shop
    customer_login(page, base_url, "ben.ortiz@acme.example")
    page.goto(f"{base_url}/customer/invoices")
    page.evaluate("""() => { document.documentElement.lang = 'ja';
        document.querySelectorAll('input[data-oi-pay-select]').forEach(box => {
            box.setAttribute('data-currency', 'JPY'); box.setAttribute('data-amount', '13266'); }); }""")
    boxes = page.locator("input[data-oi-pay-select]")
    boxes.nth(0).check()
    summary = page.locator("#oi-pay-selected-summary")
    expect(summary).to_contain_text("\u00a513,266")
    assert "\uffe5" not in summary.inner_text()


def test_the_keyboard_ticks_invoices_then_tabs_on_to_pay_selected(page: Page, shop):
    """With the keyboard only: Space ticks the boxes, and Tab goes on from the last one through its
    row's links to Pay Selected (it follows the boxes), which Enter presses; the summary says what is
    ticked, announced as it changes."""
    base_url, app, info = shop
    customer_login(page, base_url, "ben.ortiz@acme.example")
    page.goto(f"{base_url}/customer/invoices")
    boxes = page.locator("input[data-oi-pay-select]")
    assert boxes.count() == 2
    for index in range(2):
        boxes.nth(index).focus()
        page.keyboard.press("Space")
    expect(page.locator("#oi-pay-selected-summary")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#oi-pay-selected-summary")).to_contain_text("Selected: 2")
    reached = []
    for _step in range(8):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
        if reached[-1] == "oi-pay-selected-button":
            break
    assert reached[-1] == "oi-pay-selected-button", reached
    assert "Skip to content" not in reached                   # reached going forward, not round the page
    expect(page.locator("#oi-pay-selected-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Pay Invoices")).to_be_visible()


@pytest.mark.parametrize("where", ["storefront", "back-office"])
def test_the_lists_date_fields_are_named_for_what_they_hold(page: Page, shop, where):
    """The list's second date field shows "to" beside the first, but a screen reader names it in full."""
    base_url, app, info = shop
    if where == "storefront":
        customer_login(page, base_url, "ben.ortiz@acme.example")
        page.goto(f"{base_url}/customer/invoices")
    else:
        admin_login(page, base_url)
        page.goto(f"{base_url}/admin/invoices")
    expect(page.get_by_label("Invoice Date from", exact=True)).to_have_attribute("name", "date_from")
    expect(page.get_by_label("Invoice Date to", exact=True)).to_have_attribute("name", "date_to")
    expect(page.locator('label[for="f-date-to"]')).to_have_text("to")
    assert not page.get_by_label("to", exact=True).count()                 # no field is just "to"
