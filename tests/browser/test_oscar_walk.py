"""A walk through a live Oscar shop in Chromium: the dashboard (grid, view, Send to Customer,
Download, the order page's Invoices tab) and the customer's account (list, view, download, and
paying an invoice through the hosted payment page stand-in).

Run with ``python -m pytest tests/browser/test_oscar_walk.py``; screenshots go to
/tmp/oro-invoices-oscar-grid.png, …-oscar-order.png, …-oscar-account.png and …-oscar-paid.png.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytest.importorskip("oscar", reason="the oscar extra is not installed")

pytestmark = pytest.mark.browser

ADMIN = ("walk-admin@shop.test", "walk-admin-password")
BUYER_PASSWORD = "walk-buyer-password"


@dataclass
class LiveOscar:
    base_url: str
    addon: Any
    data: Any


@pytest.fixture
def live_oscar(monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveOscar]:
    """The throwaway Oscar shop (PDFs rendered) served over HTTP in a thread, static files too."""
    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are synchronous
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from oro_invoices.adapters.oscar.entry import throwaway_shop_host
    host = throwaway_shop_host()  # sets Django up first

    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application
    from werkzeug.serving import make_server

    from oro_invoices.adapters.oscar.commerce import option
    from oro_invoices.adapters.oscar.payments import OscarPayments
    from oro_invoices.adapters.oscar.runtime import database_url
    from oro_invoices.adapters.oscar.testing import KitClient
    from oro_invoices.composition import AddonConfig, build_addon
    from oro_invoices.integration import profile
    from oro_invoices.testing.pages import KitShop

    payments = OscarPayments(host.db)  # as the shop's own runtime: payments on Oscar's orders too
    addon = build_addon(AddonConfig(database_url=database_url(), storage_url=option("STORAGE_URL"),
                                    plugins=(payments,)), host=host)
    payments.bind(addon.invoices)
    client = KitClient(host, addon)  # makes this the shop's running add-on
    profile.install(host)
    data = KitShop.build(host.seeder(), addon, addon.settings)
    users = get_user_model().objects
    users.create_superuser(username="walk-admin", email=ADMIN[0], password=ADMIN[1])
    buyer = users.get(pk=data.users["own"].id)
    buyer.set_password(BUYER_PASSWORD)
    buyer.save()
    server = make_server("127.0.0.1", 0, StaticFilesHandler(get_wsgi_application()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveOscar(f"http://127.0.0.1:{server.server_port}", addon, data)
    server.shutdown()
    thread.join(timeout=10)
    client.close()
    host.close()


def test_dashboard_walk(page: Page, live_oscar: LiveOscar) -> None:
    base, data = live_oscar.base_url, live_oscar.data
    page.goto(base + "/dashboard/login/")
    page.locator("input[name=username]").fill(ADMIN[0])
    page.locator("input[name=password]").fill(ADMIN[1])
    page.get_by_role("button", name="Login").click()
    expect(page).to_have_url(base + "/dashboard/")

    page.get_by_role("button", name="Fulfilment").click()
    page.get_by_role("link", name="Invoices", exact=True).click()
    expect(page).to_have_url(base + "/dashboard/invoices")
    expect(page.get_by_role("link", name=data.posted.display_number, exact=True)).to_be_visible()
    page.screenshot(path="/tmp/oro-invoices-oscar-grid.png", full_page=True)

    draft = data.draft
    page.get_by_role("link", name=f"Draft #{draft.id}", exact=True).click()
    page.get_by_role("link", name="Send to Customer").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Once posted, the invoice can no longer be modified.")
    dialog.get_by_role("button", name="Proceed").click()
    posted = live_oscar.addon.invoices.get(draft.id)
    assert posted.is_posted and posted.pdf is not None
    expect(page.get_by_text(f"Invoice {posted.invoice_number} has been posted.")).to_be_visible()

    page.goto(base + f"/dashboard/invoices/{draft.id}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download", exact=True).click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")

    page.goto(base + f"/dashboard/orders/{data.order.identifier}/")
    page.locator("[data-oro-tab]").click()
    pane = page.locator("#oro-oro_invoices-order_invoices")
    expect(pane).to_be_visible()
    expect(pane).to_contain_text(data.posted.display_number)
    page.screenshot(path="/tmp/oro-invoices-oscar-order.png", full_page=True)


def test_account_walk(page: Page, live_oscar: LiveOscar) -> None:
    base, data = live_oscar.base_url, live_oscar.data
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login-username]").fill(data.users["own"].email)
    page.locator("input[name=login-password]").fill(BUYER_PASSWORD)
    page.locator("button[name=login_submit]").click()
    page.goto(base + "/accounts/profile/")
    page.locator(".nav-pills").get_by_role("link", name="Invoices").click()
    expect(page).to_have_url(base + "/accounts/invoices")
    expect(page.get_by_text(data.colleague_invoice.display_number)).to_have_count(0)
    page.screenshot(path="/tmp/oro-invoices-oscar-account.png", full_page=True)
    page.get_by_role("link", name=data.posted.display_number).first.click()
    expect(page).to_have_url(base + f"/accounts/invoices/{data.posted.id}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").first.click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")


SECRET = "oscar-walk-secret"


@pytest.fixture
def paying_oscar(live_oscar: LiveOscar) -> Iterator[tuple[LiveOscar, Any]]:
    """The live Oscar shop taking payments through OroPay at the stand-in hosted page."""
    from support.hpp_standin import HostedPageStandIn

    from oro_invoices.integration.hosted_page import method as oropay
    standin = HostedPageStandIn(secret=SECRET, merchant_id="OscarWalk").start()
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "oropay",
                       "oro_invoices.storefront_base_url": live_oscar.base_url,
                       oropay.MERCHANT_ID: "OscarWalk", oropay.SHARED_SECRET: SECRET,
                       oropay.HPP_URL: standin.pay_url, oropay.API_URL: standin.api_url}.items():
        live_oscar.addon.settings.set(key, value)
    yield live_oscar, standin
    standin.stop()


def test_account_pay_walk(page: Page, browser: Any, paying_oscar: tuple[LiveOscar, Any]) -> None:
    from oscar.core.loading import get_model
    from support.hpp_standin import APPROVED_CARD

    live, standin = paying_oscar
    base, data, invoices = live.base_url, live.data, live.addon.invoices
    invoice = invoices.get(data.posted.id)
    number, due = invoice.display_number, invoice.amount_due
    assert due > 0
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login-username]").fill(data.users["own"].email)
    page.locator("input[name=login-password]").fill(BUYER_PASSWORD)
    page.locator("button[name=login_submit]").click()
    page.goto(base + "/accounts/invoices")
    row = page.locator(f'tr[data-invoice-id="{invoice.id}"]')
    row.get_by_role("link", name="Pay").click()
    expect(page.get_by_role("heading", name=f"Payment - Invoice #{number}")).to_be_visible()
    page.get_by_role("button", name="Proceed with Payment").click()
    expect(page.get_by_role("heading", name="Secure payment (stand-in)")).to_be_visible()
    page.get_by_label("Card number").fill(APPROVED_CARD)
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay Now").click()
    expect(page.get_by_role("heading", name=f"Payment Successful - Invoice #{number}")).to_be_visible()
    assert standin.requests[-1]["AMOUNT"] == str(int(due * 100))

    page.get_by_role("link", name="Back to Invoice Page").click()
    expect(page).to_have_url(base + f"/accounts/invoices/{invoice.id}")
    expect(page.locator("#oi-storefront-invoice")).to_contain_text("Paid in full")
    expect(page.locator("[data-oi-pay]")).to_have_count(0)
    expect(page.locator(".nav-pills")).to_contain_text("Invoices")  # still inside Oscar's account
    page.screenshot(path="/tmp/oro-invoices-oscar-paid.png", full_page=True)

    admin = browser.new_page()
    try:
        admin.goto(base + "/dashboard/login/")
        admin.locator("input[name=username]").fill(ADMIN[0])
        admin.locator("input[name=password]").fill(ADMIN[1])
        admin.get_by_role("button", name="Login").click()
        admin.goto(base + f"/dashboard/invoices/{invoice.id}")
        expect(admin.locator("#oi-invoice-view")).to_contain_text("Paid in full")
        expect(admin.locator("table[aria-label=Payments] tbody tr").first).to_contain_text("OroPay")
    finally:
        admin.close()

    source = get_model("payment", "Source").objects.get(order_id=data.order.id)
    assert (source.source_type.name, source.reference, source.amount_debited) == ("Invoice", number, due)
    assert [(t.txn_type, t.amount) for t in source.transactions.all()] == [("Debit", due)]
    events = get_model("order", "PaymentEvent").objects.filter(order_id=data.order.id)
    assert [(e.event_type.name, e.amount) for e in events] == [("Invoice payment", due)]
