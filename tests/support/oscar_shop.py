"""An Oscar shop per test (tests/adapters/oscar): Django is set up on first use, in this
process only, for a throwaway SQLite shop (``oro_invoices.adapters.oscar.testing``), so
nothing outside the tests that ask for ``shop`` sees its settings."""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from oro_invoices.integration import profile
from oro_invoices.testing.pages import KitShop
from oro_invoices.web.http import Response

#: The token of the add-on's forms, and of Django's own (``{% csrf_token %}``).
ADDON_TOKEN = re.compile(r"name=[\"']csrf_token[\"'] value=[\"']([^\"']+)[\"']")
DJANGO_TOKEN = re.compile(r"name=[\"']csrfmiddlewaretoken[\"'] value=[\"']([^\"']+)[\"']")


@dataclass
class Shop:
    """The adapter, a browser of the shop (Django's test client, CSRF checks on) and its data."""

    host: Any
    client: Any
    data: KitShop

    def get(self, url: str) -> Response:
        resp: Response = self.client.request("GET", url)
        return resp

    def post(self, url: str, data: dict[str, str]) -> Response:
        resp: Response = self.client.request("POST", url, data=data)
        return resp

    def token(self, page_url: str, pattern: re.Pattern[str] = ADDON_TOKEN) -> str:
        """The CSRF token of the page's form (Django's ``csrfmiddlewaretoken``: ``DJANGO_TOKEN``)."""
        found = pattern.search(self.get(page_url).text())
        assert found, f"{page_url} has no form with a CSRF token"
        return found.group(1)

    def url(self, endpoint: str, **params: Any) -> str:
        return str(self.host.urls.url_for(endpoint, **params))


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    # Once a worker has run a browser test, pytest-playwright's session keeps an event loop
    # running in this thread, and Django then refuses its synchronous ORM calls here; the
    # shop's calls are synchronous, made by the test itself, never from a coroutine.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from oro_invoices.adapters.oscar.entry import throwaway_shop_host
    host = throwaway_shop_host()
    client = host.page_client()
    profile.install(host)
    data = KitShop.build(host.seeder(), client.addon, client.addon.settings)
    yield Shop(host, client, data)
    client.close()
    host.close()


def login_superuser(shop: Shop) -> None:
    """Sign the shop's browser in as a Django superuser (Django admin's every page)."""
    from django.contrib.auth import get_user_model
    user = get_user_model().objects.create_superuser(username="root", email="root@shop.test", password="pw")
    shop.client.http.force_login(user)


def admin_get(shop: Shop, url: str, language: str = "en") -> tuple[int, str]:
    """GET a Django admin page: its status and text (HTML entities unescaped)."""
    resp = shop.client.request("GET", url, headers={"Accept-Language": language})
    return resp.status, html.unescape(resp.text())


def admin_post(shop: Shop, url: str, data: dict[str, str], language: str = "en") -> tuple[int, str]:
    """POST ``data`` with the CSRF token of the page at ``url``: the status, and the page shown
    (the one redirected to, when the admin redirects)."""
    headers = {"Accept-Language": language}
    token = DJANGO_TOKEN.search(shop.client.request("GET", url, headers=headers).text())
    assert token, f"{url} has no form"
    resp = shop.client.request("POST", url, headers=headers, data={"csrfmiddlewaretoken": token.group(1), **data})
    if resp.status == 302:
        return 302, admin_get(shop, resp.headers["Location"], language)[1]
    return resp.status, html.unescape(resp.text())


def select_options(page: str, field: str) -> list[str]:
    """The labels of the options of the form's ``<select name=field>``."""
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"the form has no {field} field"
    return [o.strip() for o in re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]*)</option>", select.group(1))]


#: The bearer token of ``shop_api``'s ERP client.
API_TOKEN = "erp-token"


@pytest.fixture
def shop_api(shop: Shop) -> Iterator[Any]:
    """Django's test client on the shop with the JSON API mounted for one ERP client
    (organization 1), sending its bearer token."""
    from django.conf import settings
    from django.test import Client, override_settings

    from oro_invoices.adapters.oscar.runtime import activate, build_runtime
    with override_settings(ORO_INVOICES={**settings.ORO_INVOICES,
                                         "API_TOKENS": {API_TOKEN: {"name": "erp", "organization_id": 1}}}):
        activate(build_runtime(shop.host, shop.client.addon))
        yield Client(HTTP_AUTHORIZATION=f"Bearer {API_TOKEN}")
    activate(shop.client.runtime)
