"""The shop's pages in the browser's language: the storefront list and view, the back-office
grid, the shop's own layout and flash messages; English for a language without a catalog."""
from __future__ import annotations

import re

import pytest

from oro_invoices.formatting import Formatter
from oro_invoices.hosts.reference import models
from oro_invoices.hosts.reference.testing import ShopClient, text_of

EXPECTED = {
    "de-DE,de;q=0.9": {"list": ["Rechnungen", "Rechnungsnummer", "Rechnungsdatum", "Fälligkeitsdatum",
                                "Zahlungsstatus", "Filtern", "Zurücksetzen", "Mein Konto"],
                       "view": ["Rechnungsadresse", "Offener Betrag", "Herunterladen"], "lang": "de",
                       "title": "Rechnung"},
    "fr-FR,fr;q=0.9": {"list": ["Factures", "Numéro de facture", "Date de facture", "Date d’échéance",
                                "Statut de paiement", "Filtrer", "Réinitialiser", "Mon compte"],
                       "view": ["Adresse de facturation", "Montant dû", "Télécharger"], "lang": "fr",
                       "title": "Facture"},
    "ja,en;q=0.5": {"list": ["請求書", "請求書番号", "請求日", "支払期日", "支払状況", "絞り込み", "リセット",
                             "マイアカウント"],
                    "view": ["請求先住所", "未払額", "ダウンロード"], "lang": "ja",
                    "title": "請求書"},
    "es-ES": {"list": ["Invoices", "Invoice Number", "Invoice Date", "Due Date", "Payment Status", "Filter",
                       "Reset", "My Account"],
              "view": ["Billing Address", "Amount Due", "Download"], "lang": "en",
              "title": "Invoice"},
}


def customer(shop) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_customer("ben.ortiz@acme.example")
    return client


@pytest.mark.parametrize("accept", list(EXPECTED))
def test_the_storefront_is_in_the_browsers_language(shop, accept):
    client = customer(shop)
    headers = {"Accept-Language": accept}
    listing = client.get("/customer/invoices", headers=headers).get_data(as_text=True)
    words = text_of(listing)
    for word in EXPECTED[accept]["list"]:
        assert word in words, f"{word!r} not on the {accept} list page"
    view_url = re.search(r'href="(/customer/invoices/\d+)"', listing).group(1)
    page = client.get(view_url, headers=headers).get_data(as_text=True)
    for word in EXPECTED[accept]["view"]:
        assert word in text_of(page), f"{word!r} not on the {accept} invoice page"
    assert f'<html lang="{EXPECTED[accept]["lang"]}">' in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith(EXPECTED[accept]["title"] + " ")


def test_the_back_office_grid_and_flash_messages_are_in_the_browsers_language(admin):
    headers = {"Accept-Language": "fr"}
    page = admin.get("/admin/invoices", headers=headers).get_data(as_text=True)
    grid = text_of(page)
    assert "Statut de paiement" in grid and "Numéro de facture" in grid
    # the shop's menu, the add-on's entry in it included
    assert re.search(r'data-menu-key="oro_invoices.invoices"[^>]*>Factures</a>', page)
    assert "Ventes" in grid and "Système" in grid
    admin.submit("/admin/invoices", "/admin/logout", {}, headers=headers)
    login = admin.get("/admin/login", headers=headers).get_data(as_text=True)
    assert "Vous avez été déconnecté." in text_of(login)
    assert "Se connecter au back-office" in text_of(login)


def test_an_add_on_flash_message_is_in_the_browsers_language(admin):
    headers = {"Accept-Language": "de-DE"}
    invoice = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{invoice}"
    resp = admin.submit(view, f"{view}/notes", {"body": ""}, headers=headers, follow_redirects=True)
    assert "Die Notiz ist leer." in text_of(resp.get_data(as_text=True))
    resp = admin.submit(view, f"{view}/notes", {"body": "Bitte prüfen"}, headers=headers,
                        follow_redirects=True)
    assert "Notiz hinzugefügt." in text_of(resp.get_data(as_text=True))



@pytest.mark.parametrize("method, path", [("PUT", "/customer/invoices/{id}/payment"), ("POST", "/customer/invoices"),
                                          ("PATCH", "/customer/invoices/{id}"), ("PUT", "/invoices/pay/notify/oropay"),
                                          ("DELETE", "/admin/invoices/{id}")])
def test_a_method_no_page_answers_is_said_in_the_shops_layout_and_language(shop, admin, method, path):
    """405 (a method the page does not take) is the add-on's error page in the reader's language,
    not Werkzeug's bare English page; the Allow header still says which methods the page takes."""
    client = admin if path.startswith("/admin") else customer(shop)
    url = path.format(id=admin.service.find_id(external_id="ERP-SO-1003-3"))
    resp = client.client.open(url, method=method, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"] and method not in resp.headers["Allow"]
    assert '<html lang="fr">' in html and 'data-oi-error="405"' in html
    assert "Method Not Allowed" not in html
    assert "Requête refusée Cette méthode n’est pas autorisée ici." in text_of(html)
    assert client.get("/admin/invoices" if path.startswith("/admin") else "/customer/invoices").status_code == 200


def test_a_method_the_shops_own_page_does_not_take_is_said_in_its_layout(shop):
    resp = customer(shop).client.delete("/customer/account", headers={"Accept-Language": "de-DE"})
    assert resp.status_code == 405 and resp.headers["Allow"]
    assert "Anfrage nicht angenommen Diese Methode ist hier nicht erlaubt." in text_of(resp.get_data(as_text=True))


def days_of_orders(client: ShopClient, url: str, headers: dict[str, str]) -> dict[str, str]:
    """Each order an order list shows, by number, with the day its Created column writes."""
    page = client.get(url, headers=headers).get_data(as_text=True)
    rows = [[text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)]
    return {cells[0]: cells[-2 if url.startswith("/admin") else -1] for cells in rows}


@pytest.mark.parametrize("accept, language", [("ja,en;q=0.5", "ja"), ("fr-FR,fr;q=0.9", "fr"), ("de-DE", "de"),
                                              ("en-US", "en")])
def test_the_shops_order_lists_write_their_days_in_the_pages_language(shop, admin, accept, language):
    created = {row.identifier: row.created_at
               for row in shop[0].extensions["oro_reference_host"].records.rows(models.orders)}
    write = Formatter(language).date
    headers = {"Accept-Language": accept}
    for client, url in ((admin, "/admin/orders"), (customer(shop), "/customer/orders")):
        shown = days_of_orders(client, url, headers)
        assert shown and shown == {number: write(created[number]) for number in shown}, url
    if language == "ja":
        assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", shown["SO-1002"])
