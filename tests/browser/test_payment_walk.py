"""Paying an invoice in Chromium through the hosted page stand-in, then refunding it in the back-office.

Run with ``python -m pytest tests/browser -m browser``; screenshots go to
/tmp/oro-invoices-payment-page.png, /tmp/oro-invoices-payment.png (the result) and
/tmp/oro-invoices-refund.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support.hpp_standin import APPROVED_CARD, DECLINED_CARD, HostedPageStandIn

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.config import Settings
from oro_invoices.integration.hosted_page import method as oropay

pytestmark = pytest.mark.browser

SECRET = "walk-shared-secret"
REBATE = "walk-rebate-password"


@pytest.fixture
def paying_shop(live_shop):
    """The live shop taking payments through OroPay at a stand-in hosted page."""
    base_url, app, info = live_shop
    standin = HostedPageStandIn(secret=SECRET, rebate_password=REBATE, merchant_id="NorthwindWalk").start()
    settings = Settings(app.extensions["oro_reference_host"].config)
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "oropay",
                       "oro_invoices.storefront_base_url": base_url,
                       oropay.MERCHANT_ID: "NorthwindWalk", oropay.SHARED_SECRET: SECRET,
                       oropay.REBATE_PASSWORD: REBATE, oropay.HPP_URL: standin.pay_url,
                       oropay.API_URL: standin.api_url}.items():
        settings.set(key, value)
    yield base_url, app, standin
    standin.stop()


def customer_login(page: Page, base_url: str, email: str):
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


def pay_at_the_hosted_page(page: Page, card: str, *, forge: bool = False):
    page.get_by_role("button", name="Proceed with Payment").click()
    expect(page.get_by_role("heading", name="Secure payment (stand-in)")).to_be_visible()
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    if forge:
        page.get_by_label("Sign the response wrongly").check()
    page.get_by_role("button", name="Pay Now").click()


def test_pay_through_the_hosted_page_then_refund(page: Page, browser, paying_shop):
    base_url, app, standin = paying_shop
    service = app.extensions["oro_invoices"].service
    doc = service.get(service.find_id(external_id="ERP-SO-1003-3"))
    number = doc.invoice_number
    customer_login(page, base_url, "ben.ortiz@acme.example")
    page.locator("#h-account-menu").get_by_role("link", name="Invoices").click()
    row = page.locator(f'tr[data-invoice-id="{doc.id}"]')
    expect(row).to_contain_text("Pending payment")
    row.get_by_role("link", name="Pay").click()

    expect(page.get_by_role("heading", name=f"Payment - Invoice #{number}")).to_be_visible()
    expect(page.locator("#oi-amount-due")).to_have_text(f"€{doc.amount_due:,.2f}")
    page.screenshot(path="/tmp/oro-invoices-payment-page.png", full_page=True)
    pay_at_the_hosted_page(page, APPROVED_CARD)
    expect(page.get_by_role("heading", name=f"Payment Successful - Invoice #{number}")).to_be_visible()
    expect(page.get_by_text(f"Invoice #{number} was successfully processed.")).to_be_visible()
    page.screenshot(path="/tmp/oro-invoices-payment.png", full_page=True)
    assert standin.requests[-1]["AMOUNT"] == str(int(doc.amount_due * 100))

    page.get_by_role("link", name="Back to Invoice Page").click()
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(page.locator("#oi-storefront-invoice")).to_contain_text("Paid in full")
    expect(page.locator("[data-oi-pay]")).to_have_count(0)

    # a response signed with the wrong secret: an error page, nothing recorded, Pay stays
    other = service.get(service.find_id(external_id="ERP-SO-1002-2"))
    page.goto(f"{base_url}/customer/invoices/{other.id}")
    page.locator("[data-oi-pay]").click()
    pay_at_the_hosted_page(page, APPROVED_CARD, forge=True)
    expect(page.get_by_role("heading", name=f"Payment Error - Invoice #{other.invoice_number}")).to_be_visible()
    expect(page.get_by_text("The payment provider's answer could not be accepted, so nothing was recorded "
                            "from it. The invoice page shows what was paid.")).to_be_visible()
    assert service.get(other.id).payment_status is PaymentStatus.PAID_PARTIALLY
    page.get_by_role("link", name="Back to Payment Page").click()
    expect(page.get_by_role("heading", name=f"Payment - Invoice #{other.invoice_number}")).to_be_visible()
    # a declined card: the error page too, and the invoice says so
    pay_at_the_hosted_page(page, DECLINED_CARD)
    expect(page.get_by_role("heading", name=f"Payment Error - Invoice #{other.invoice_number}")).to_be_visible()
    page.get_by_role("link", name="Back to Invoice Page").click()
    expect(page.locator("[data-oi-pay]")).to_have_count(1)

    # the back-office: the charge, Refund, the flash, status Refunded
    admin = browser.new_page()
    try:
        admin_login(admin, base_url)
        admin.goto(f"{base_url}/admin/invoices/{doc.id}")
        expect(admin.locator("#oi-invoice-view")).to_contain_text("Paid in full")
        [charge] = [t for t in service.transactions(doc.id) if t.action == "charge"]
        row = admin.locator(f'tr[data-transaction-id="{charge.id}"]')
        expect(row).to_contain_text("OroPay")
        expect(row).to_contain_text("Charge")
        row.get_by_role("link", name="Refund").click()
        dialog = admin.get_by_role("dialog")
        money = f"€{charge.amount:,.2f}"
        expect(dialog).to_contain_text(f"The {money} payment will be refunded. Are you sure you want to continue?")
        dialog.get_by_label("Amount").fill(str(charge.amount))
        dialog.get_by_label("Notes").fill("Returned goods")
        admin.screenshot(path="/tmp/oro-invoices-refund.png")
        dialog.get_by_role("button", name="Yes, Refund Payment").click()
        expect(admin.get_by_text(f"The payment of {money} has been refunded successfully.")).to_be_visible()
        expect(admin.locator("#oi-invoice-view")).to_contain_text("Refunded")
        rows = admin.locator("table[aria-label=Payments] tbody tr")
        expect(rows.first).to_contain_text("Refund")
        assert re.fullmatch(r"RB\d+", service.transactions(doc.id)[-1].provider_reference or "")
        assert [r.get("type") for r in standin.api_requests] == ["rebate"]
    finally:
        admin.close()
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED
