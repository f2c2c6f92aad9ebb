"""Paying with Stripe in Chromium: the storefront and the guest link, test cards, 3-D Secure, the
error page, and a refund from the back-office. Stripe.js and the API are the local Stripe server's.

Run with ``python -m pytest tests/browser/test_stripe_flows.py -m browser``.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from support.stripe_payments import configure_stripe, local_account

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.config import Settings

pytestmark = pytest.mark.browser

VISA, DECLINED, THREE_D_SECURE = "4242424242424242", "4000000000000002", "4000002760003184"
ERROR_TEXT = ("We are sorry, but your payment could not be processed. Please check your payment details and "
              "try again.")


@pytest.fixture
def stripe_shop(live_shop, stripe_server):
    """The live reference shop paying with Stripe through the local server."""
    base_url, app, info = live_shop
    settings = Settings(app.extensions["oro_reference_host"].config)
    configure_stripe(settings, local_account(stripe_server), base_url=base_url)
    service = app.extensions["oro_invoices"].service
    return base_url, service, settings


def customer_login(page: Page, base_url: str, email: str = "ben.ortiz@acme.example"):
    page.goto(base_url + "/customer/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My Profile")).to_be_visible()


def admin_login(page: Page, base_url: str):
    page.goto(base_url + "/admin/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin1234")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def invoice(service, external_id: str = "ERP-SO-1003-3"):
    return service.get(service.find_id(external_id=external_id))


def pay_by_card(page: Page, number: str, amount: str | None = None):
    """On the payment page: the amount (partial payments), Proceed with Payment, the card, Proceed."""
    if amount is not None:
        page.get_by_label(re.compile("Amount to Pay")).fill(amount)
    page.get_by_role("button", name="Proceed with Payment").click()
    form = page.locator("#oi-provider-element")
    form.get_by_placeholder("number").fill(number)
    form.get_by_placeholder("exp_month").fill("12")
    form.get_by_placeholder("exp_year").fill("34")
    form.get_by_placeholder("cvc").fill("123")
    form.get_by_placeholder("postal_code").fill("70565")
    page.get_by_role("button", name="Proceed with Payment").click()


def open_payment_page(page: Page, base_url: str, doc):
    page.goto(f"{base_url}/customer/invoices")
    page.locator(f'tr[data-invoice-id="{doc.id}"]').get_by_role("link", name="Pay").click()
    expect(page.get_by_role("heading", level=1, name=f"Payment - Invoice #{doc.invoice_number}")).to_be_visible()


def expect_success(page: Page, doc):
    expect(page.get_by_role("heading", level=1,
                            name=f"Payment Successful - Invoice #{doc.invoice_number}")).to_be_visible()
    expect(page.get_by_text(f"Invoice #{doc.invoice_number} was successfully processed.")).to_be_visible()


def test_pay_in_full_from_the_storefront(page: Page, stripe_shop):
    base_url, service, _ = stripe_shop
    doc = invoice(service)
    customer_login(page, base_url)
    open_payment_page(page, base_url, doc)
    pay_by_card(page, VISA)
    expect_success(page, doc)
    page.get_by_role("link", name="Back to Invoice Page").click()
    expect(page.get_by_text("Paid in full").first).to_be_visible()
    expect(page.locator("[data-oi-pay]")).to_have_count(0)
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_pay_in_part_from_the_storefront_then_the_rest(page: Page, stripe_shop):
    base_url, service, settings = stripe_shop
    settings.set("oro_invoices.partial_payments_enabled", True)
    doc = invoice(service)
    customer_login(page, base_url)
    open_payment_page(page, base_url, doc)
    pay_by_card(page, VISA, amount="100.00")
    expect_success(page, doc)
    expect(page.get_by_text(f"Still due: €{doc.amount_due - 100:,.2f}")).to_be_visible()
    page.get_by_role("link", name="Back to Invoice Page").click()
    expect(page.get_by_text("Paid partially").first).to_be_visible()
    page.get_by_role("link", name="Pay").first.click()
    pay_by_card(page, VISA, amount=f"{doc.amount_due - 100}")
    expect_success(page, doc)
    page.get_by_role("link", name="Back to Invoice Page").click()
    expect(page.get_by_text("Paid in full").first).to_be_visible()
    expect(page.locator("[data-oi-pay]")).to_have_count(0)


def test_pay_through_the_guest_link(page: Page, stripe_shop):
    base_url, service, settings = stripe_shop
    settings.set("oro_invoices.partial_payments_enabled", True)
    doc = invoice(service, "ERP-SO-1005-5")
    page.goto(service.pay_link(doc))
    expect(page.get_by_role("heading", level=1, name=f"Payment - Invoice #{doc.invoice_number}")).to_be_visible()
    pay_by_card(page, VISA, amount="50.00")
    expect_success(page, doc)
    expect(page.get_by_role("link", name="Back to Invoice Page")).to_have_count(0)
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_PARTIALLY
    page.goto(service.pay_link(doc))
    pay_by_card(page, VISA)
    expect_success(page, doc)
    paid = service.get(doc.id)
    assert paid.payment_status is PaymentStatus.PAID_IN_FULL and paid.amount_due == 0


def test_a_declined_card_shows_the_error_page(page: Page, stripe_shop):
    base_url, service, _ = stripe_shop
    doc = invoice(service)
    customer_login(page, base_url)
    open_payment_page(page, base_url, doc)
    pay_by_card(page, DECLINED)
    expect(page.get_by_role("heading", level=1, name=f"Payment Error - Invoice #{doc.invoice_number}")).to_be_visible()
    expect(page.get_by_text(ERROR_TEXT)).to_be_visible()
    expect(page.get_by_role("link", name="Back to Payment Page")).to_be_visible()
    page.get_by_role("link", name="Back to Invoice Page").click()
    expect(page.get_by_text("Payment declined").first).to_be_visible()
    expect(page.locator("[data-oi-pay]")).to_have_count(1)


@pytest.mark.parametrize(("button", "succeeds"), [("Complete authentication", True),
                                                  ("Fail authentication", False)])
def test_three_d_secure(page: Page, stripe_shop, button, succeeds):
    base_url, service, _ = stripe_shop
    doc = invoice(service)
    customer_login(page, base_url)
    open_payment_page(page, base_url, doc)
    pay_by_card(page, THREE_D_SECURE)
    dialog = page.get_by_role("dialog", name="3D Secure authentication")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=button).click()
    if succeeds:
        expect_success(page, doc)
        assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    else:
        expect(page.get_by_role("heading", level=1,
                                name=f"Payment Error - Invoice #{doc.invoice_number}")).to_be_visible()
        expect(page.get_by_text(ERROR_TEXT)).to_be_visible()
        assert service.get(doc.id).payment_status is PaymentStatus.DECLINED


def test_refund_from_the_back_office(page: Page, stripe_shop):
    base_url, service, _ = stripe_shop
    doc = invoice(service)
    customer_login(page, base_url)
    open_payment_page(page, base_url, doc)
    pay_by_card(page, VISA)
    expect_success(page, doc)
    [charge] = service.transactions(doc.id)
    page.context.clear_cookies()
    admin_login(page, base_url)
    page.goto(f"{base_url}/admin/invoices/{doc.id}")
    row = page.locator(f'tr[data-transaction-id="{charge.id}"]')
    expect(row).to_contain_text("Stripe")
    expect(row).to_contain_text("Charge")
    row.get_by_role("link", name="Refund").click()
    dialog = page.get_by_role("dialog", name="Refund Payment")
    expect(dialog).to_contain_text(f"The €{charge.amount:,.2f} payment will be refunded. Are you sure you want "
                                   "to continue?")
    dialog.get_by_label("Amount").fill("40.00")
    dialog.get_by_label("Notes").fill("Two widgets came back")
    dialog.get_by_role("button", name="Yes, Refund Payment").click()
    expect(page.get_by_text("The payment of €40.00 has been refunded successfully.")).to_be_visible()
    refund = next(t for t in service.transactions(doc.id) if t.action == "refund")
    assert refund.amount == Decimal("40.00") and refund.provider_reference.startswith("re_")
    expect(page.locator(f'tr[data-transaction-id="{refund.id}"]')).to_contain_text("Refund")
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
