"""System > Configuration in a real browser: "Use default" disables its field, editing unticks it.

Run with ``python -m pytest tests/browser -m browser``; a screenshot goes to
/tmp/oro-invoices-config.png.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from test_flows import admin_login

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.integration.config import Settings

pytestmark = pytest.mark.browser

PREFIX = "oro_invoices.number_prefix"


def test_use_default_disables_the_field_and_clicking_the_field_unticks_it(page: Page, live_shop):
    base_url, app, _info = live_shop
    settings = Settings(app.extensions["oro_reference_host"].config)
    admin_login(page, base_url)
    page.goto(base_url + "/admin/config/oro_invoices?scope=organization&scope_id=1")
    field = page.locator(f'[id="{PREFIX}"]')
    use_default = page.locator(f'[data-use-default="{PREFIX}"]')
    expect(field).to_be_disabled()
    expect(use_default).to_be_checked()
    page.screenshot(path="/tmp/oro-invoices-config.png", full_page=True)

    field.click(force=True)  # a click on the greyed-out field means "I want to edit it"
    expect(use_default).not_to_be_checked()
    expect(field).to_be_enabled()
    expect(field).to_be_focused()
    field.fill("NW-")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Configuration saved.")).to_be_visible()
    assert settings.value(PREFIX, ScopeContext(organization_id=1)) == "NW-"

    use_default.check()
    expect(field).to_be_disabled()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Configuration saved.")).to_be_visible()
    assert settings.stored(PREFIX, "organization", 1) is None


def test_a_refused_value_is_shown_next_to_its_field(page: Page, live_shop):
    base_url, app, _info = live_shop
    admin_login(page, base_url)
    page.goto(base_url + "/admin/config/oro_invoices?scope=organization&scope_id=1")
    name = page.locator('[id="oro_invoices.mail.sender_name"]')
    page.locator('[data-use-default="oro_invoices.mail.sender_name"]').uncheck()
    name.fill("Northwind")
    locale = page.locator('[id="oro_invoices.locale"]')
    page.locator('[data-use-default="oro_invoices.locale"]').uncheck()
    locale.fill("xx_YY")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The configuration was not saved")).to_be_visible()
    expect(page.locator('[id="oro_invoices.locale-error"]')).to_contain_text("Unknown locale 'xx_YY'")
    expect(locale).to_have_value("xx_YY")
    expect(locale).to_have_attribute("aria-invalid", "true")
    settings = Settings(app.extensions["oro_reference_host"].config)
    assert settings.stored("oro_invoices.mail.sender_name", "organization", 1) is None


def test_a_box_changed_before_the_script_ran_decides_its_field(page: Page, live_shop):
    """A slow connection lets the admin untick "Use default" before config_form.js has run."""
    base_url, _app, _info = live_shop
    admin_login(page, base_url)
    script = base_url + "/static/config_form.js"
    page.route(script, lambda route: route.abort())
    page.goto(base_url + "/admin/config/oro_invoices?scope=organization&scope_id=1")
    field = page.locator(f'[id="{PREFIX}"]')
    page.locator(f'[data-use-default="{PREFIX}"]').uncheck()
    expect(field).to_be_disabled()  # nothing has run yet

    page.unroute(script)
    page.add_script_tag(url=script)
    expect(field).to_be_enabled()
