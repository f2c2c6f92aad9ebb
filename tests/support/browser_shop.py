"""Steps the browser tests share: logging in, switching payments on, measuring a page's layout."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from oro_invoices.integration.config import Settings
from oro_invoices.integration.hosted_page import method as oropay
from support.hpp_standin import HostedPageStandIn

SECRET = "browser-shared-secret"


def admin_login(page: Page, base_url: str) -> None:
    page.goto(base_url + "/admin/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin1234")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def customer_login(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/customer/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My Profile")).to_be_visible()


def enable_payments(app: Any, base_url: str) -> HostedPageStandIn:
    """Payments on through OroPay at a started stand-in hosted page (the caller stops it)."""
    standin = HostedPageStandIn(secret=SECRET, rebate_password="rebate", merchant_id="Browser").start()
    settings = Settings(app.extensions["oro_reference_host"].config)
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "oropay",
                       "oro_invoices.storefront_base_url": base_url,
                       oropay.MERCHANT_ID: "Browser", oropay.SHARED_SECRET: SECRET,
                       oropay.REBATE_PASSWORD: "rebate", oropay.HPP_URL: standin.pay_url,
                       oropay.API_URL: standin.api_url}.items():
        settings.set(key, value)
    return standin


def page_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    return int(page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"))


def reachable(page: Page, locator: Any) -> bool:
    """Whether the element, once the page is scrolled down to it (never sideways), lies inside the
    viewport's width and is what a click at its centre hits (not covered by anything)."""
    handle = locator.element_handle()
    return bool(page.evaluate("""(el) => {
        window.scrollBy(0, el.getBoundingClientRect().top - window.innerHeight / 2);
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.left < 0 || r.right > window.innerWidth + 0.5) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit !== null && (hit === el || el.contains(hit));
    }""", handle))
