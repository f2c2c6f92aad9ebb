"""The grid's Customer filter in a shop with more customers than the host lists, in Chromium:
typing suggests names (from the endpoint, under the page's Content-Security-Policy), Enter filters
by the start of the name, and axe finds no serious or critical problem, with or without an error."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import insert
from support.axe import audit, axe_script, blocking
from support.browser_shop import admin_login

from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.app import CUSTOMER_CHOICES_LIMIT

pytestmark = pytest.mark.browser


def test_typing_suggests_names_and_enter_filters_by_them(page: Page, live_shop):
    base_url, app, _info = live_shop
    with app.extensions["oro_reference_host"].engine.begin() as conn:
        conn.execute(insert(m.customers), [{"name": f"Bulk Customer {n:03}", "organization_id": 1}
                                           for n in range(CUSTOMER_CHOICES_LIMIT)])
    axe = axe_script()
    admin_login(page, base_url)
    page.goto(f"{base_url}/admin/invoices")
    field = page.get_by_role("combobox", name="Customer", exact=True)
    field.fill("acm")
    options = page.locator("#f-customer-names option")
    expect(options).to_have_count(2)
    assert sorted(options.evaluate_all("os => os.map(o => o.value)")) == [
        "Acme Industries AG", "Acme Industries – Berlin Branch"]
    field.press("Enter")
    page.wait_for_url("**customer=acm**")
    expect(page.locator("[data-oi-filter-summary=customer]")).to_contain_text("Customer: names starting with “acm”")
    expect(page.locator("tr[data-invoice-id]").first).to_be_visible()
    found = [f"filtered: {line}" for line in blocking(audit(page, axe))]
    page.goto(f"{base_url}/admin/invoices?customer=" + "a" * 256)
    expect(page.locator("#f-error-customer")).to_have_text("Give at most 255 characters of the customer's name.")
    found += [f"refused: {line}" for line in blocking(audit(page, axe))]
    assert not found, "\n".join(found)
