"""The pages work under their Content-Security-Policy: scripts from files only, nothing blocked."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def violations(page: Page) -> list[str]:
    """Collects what the browser reports blocking by the page's Content-Security-Policy."""
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    return found


def log_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/admin/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin1234")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def test_scripts_run_from_files_and_nothing_is_blocked(page: Page, live_shop):
    base_url, app, _ = live_shop
    blocked = violations(page)
    log_in(page, base_url)

    # The host's script: choosing a scope reloads the configuration page for it.
    page.goto(base_url + "/admin/config/oro_invoices")
    page.locator("#scope").select_option("organization")
    expect(page).to_have_url(re.compile(r"scope=organization"))

    # The add-on's script: "Go back" on an error page returns to the page before.
    inv = app.extensions["oro_invoices"].service.find_id(external_id="ERP-SO-1001-1")
    page.goto(f"{base_url}/admin/invoices/{inv}?dialog=email")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.goto(f"{base_url}/admin/invoices/999999999")
    page.get_by_role("link", name="Go back").click()
    expect(page).to_have_url(re.compile(rf"/admin/invoices/{inv}\?dialog=email$"))

    page.goto(base_url + "/customer/login")
    assert blocked == []
