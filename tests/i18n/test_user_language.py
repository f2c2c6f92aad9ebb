"""A page follows the language the host keeps for its user (``CurrentUser.locale``), before the
browser's; the memory host's pages driven through the framework-neutral mounting."""
from __future__ import annotations

import dataclasses

import pytest

from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration import profile
from oro_invoices.testing.pages import KitShop


@pytest.fixture
def pages():
    host = MemoryHost()
    client = host.page_client()
    profile.install(host)
    shop = KitShop.build(host, client.addon, client.addon.settings)
    yield host, client, shop
    client.close()


def speaking(host, locale: str) -> None:
    """The host's users carry ``locale`` (as a shop keeping each user's language would)."""
    current = host.users.current
    host.users.current = lambda: dataclasses.replace(current(), locale=locale)


@pytest.mark.parametrize("locale, heading, status", [
    ("ja_JP", "請求書", "支払状況"), ("fr_FR", "Factures", "Statut de paiement"),
    ("de_DE", "Rechnungen", "Zahlungsstatus"), ("es_ES", "Invoices", "Payment Status"),
])
def test_the_back_office_follows_the_users_locale_over_the_browser(pages, locale, heading, status):
    host, client, _shop = pages
    client.login_admin()
    speaking(host, locale)
    page = client.request("GET", "/admin/invoices", headers={"Accept-Language": "de"}).text()
    assert f"<h1>{heading}</h1>" in page and status in page


def test_without_a_user_locale_the_browser_decides(pages):
    host, client, _shop = pages
    client.login_admin()
    page = client.request("GET", "/admin/invoices", headers={"Accept-Language": "fr-CH, en;q=0.5"}).text()
    assert "<h1>Factures</h1>" in page
