"""Webhook endpoints on the reference host's configuration page: secrets are write-only."""
from __future__ import annotations

import html as html_lib
import re

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.hosts.reference.testing import form_token, text_of
from oro_invoices.integration.config import Settings

PAGE = "/admin/config/oro_invoices?scope=organization&scope_id=1"
KEY = "oro_invoices.webhooks.endpoints"
SECRET = "erp-secret-0123456789abcdef"
MASK = "********"


def settings(shop) -> Settings:
    return Settings(shop[0].extensions["oro_reference_host"].config)


def endpoints(shop):
    return settings(shop).value(KEY, ScopeContext(organization_id=1))


def form(page: str) -> dict[str, str]:
    """What the config form submits as shown (disabled fields left out, like a browser)."""
    body = page.split('id="h-config-form"')[1]
    values: dict[str, str] = {"csrf_token": form_token(body)}
    for name, attrs, options in re.findall(r'<select id="[^"]+" name="([^"]+)"([^>]*)>(.*?)</select>',
                                           body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options) \
            or re.search(r'<option value="([^"]*)"', options)
        if " disabled" not in attrs:
            values[name] = html_lib.unescape(chosen.group(1))
    for name, value, attrs in re.findall(
            r'<input type="(?:text|number)" id="[^"]+" name="([^"]+)" value="([^"]*)"([^>]*)>', body):
        if " disabled" not in attrs:
            values[name] = html_lib.unescape(value)
    for name, attrs, value in re.findall(r'<textarea id="[^"]+" name="([^"]+)"([^>]*)>(.*?)</textarea>',
                                         body, re.S):
        if " disabled" not in attrs:
            values[name] = html_lib.unescape(value)
    for name in re.findall(r'name="([^"]+\.use_default)" value="1"[^>]* checked', body):
        values[name] = "1"
    for name in ("scope", "scope_id"):
        values[name] = re.search(rf'type="hidden" name="{name}" value="([^"]*)"', body).group(1)
    return values


def save(admin, text: str):
    data = form(admin.get(PAGE).get_data(as_text=True))
    data.pop(f"{KEY}.use_default", None)
    data[KEY] = text
    return admin.client.post(PAGE, data=data)


def shown(admin) -> str:
    page = admin.get(PAGE).get_data(as_text=True)
    return html_lib.unescape(re.search(rf'<textarea id="{re.escape(KEY)}"[^>]*>(.*?)</textarea>',
                                       page, re.S).group(1))


def test_the_secret_is_saved_but_never_shown(shop, admin):
    response = save(admin, f"https://erp.example/hooks {SECRET}")
    assert response.status_code == 302
    assert endpoints(shop) == [{"url": "https://erp.example/hooks", "secret": SECRET}]
    page = admin.get(PAGE).get_data(as_text=True)
    assert SECRET not in page
    assert shown(admin) == f"https://erp.example/hooks {MASK}"
    assert "Webhook Endpoints" in text_of(page)


def test_saving_the_form_unchanged_keeps_the_secret_and_a_new_one_replaces_it(shop, admin):
    save(admin, f"https://erp.example/hooks {SECRET}")
    assert save(admin, shown(admin)).status_code == 302
    assert endpoints(shop) == [{"url": "https://erp.example/hooks", "secret": SECRET}]
    rotated = "rotated-secret-0123456789"
    save(admin, f"{shown(admin)}\nhttps://bi.example/in bi-secret-0123456789")
    save(admin, shown(admin).replace(f"hooks {MASK}", f"hooks {rotated}"))
    assert endpoints(shop) == [{"url": "https://erp.example/hooks", "secret": rotated},
                               {"url": "https://bi.example/in", "secret": "bi-secret-0123456789"}]


def test_a_bad_line_is_refused_with_its_reason_and_typed_secrets_are_not_echoed(shop, admin):
    save(admin, f"https://erp.example/hooks {SECRET}")
    typed = "brand-new-secret-0123456789"
    response = save(admin, f"https://erp.example/hooks {MASK}\nhttps://bi.example/in {typed}\n"
                           f"ftp://files.example/x {typed}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 3: the URL must be absolute, starting with http:// or https://." in text_of(page)
    assert typed not in page and SECRET not in page
    assert endpoints(shop) == [{"url": "https://erp.example/hooks", "secret": SECRET}]  # unchanged


def test_a_new_url_needs_its_secret(shop, admin):
    save(admin, f"https://erp.example/hooks {SECRET}")
    response = save(admin, f"https://moved.example/hooks {MASK}")
    assert response.status_code == 422
    assert "Line 1: the secret is hidden, but no secret is kept for this URL: enter the " \
           "endpoint's secret." in text_of(response.get_data(as_text=True))
    assert endpoints(shop)[0]["url"] == "https://erp.example/hooks"


def test_an_inherited_list_shows_masks_too(shop, admin):
    settings(shop).set(KEY, [{"url": "https://global.example/hooks", "secret": SECRET}])
    page = admin.get(PAGE).get_data(as_text=True)
    assert SECRET not in page
    assert f"https://global.example/hooks {MASK}" in html_lib.unescape(page)
