"""Errors and flash messages with values in the reader's language: a refused setting under its
field, an inline grid filter error, a payment refusal and a failed refund."""
from __future__ import annotations

import re

import pytest
from support.config_form import save

from oro_invoices.hosts.reference.testing import ShopClient, text_of

ORG1 = "/admin/config/oro_invoices?scope=organization&scope_id=1"


def error_under(html: str, key: str) -> str:
    """The error shown in the setting's own row ("" when none)."""
    row = re.search(rf'<tr data-setting="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {key}"
    found = re.search(r'<div class="h-error" role="alert" id="[^"]+-error">([^<]*)</div>', row.group(1))
    return text_of(found.group(1)) if found else ""


@pytest.mark.parametrize(("key", "value", "german"), [
    ("oro_invoices.number_prefix", "X" * 21, "Höchstens 20 Zeichen."),
    ("oro_invoices.locale", "xx_YY", "Unbekanntes Gebietsschema 'xx_YY'; verwenden Sie eines wie"),
    ("oro_invoices.seller.contact_email", "billing at northwind", "Keine gültige E-Mail-Adresse."),
    ("oro_invoices.seller.website_url", "northwind.example",
     "Muss eine absolute URL sein, die mit http:// oder https:// beginnt."),
    ("oro_invoices.payment_link_ttl_days", "soon", "Keine gültige ganze Zahl."),
])
def test_a_german_admin_sees_a_refused_setting_explained_in_german(shop, admin, key, value, german):
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    resp = save(admin, ORG1, {key: value, f"{key}.use_default": None})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True).replace("&#39;", "'")
    assert german in error_under(html, key)
    assert "nicht gespeichert" in text_of(html)


def test_a_german_admin_sees_the_limits_of_a_number_setting_in_german(shop, admin):
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    resp = save(admin, ORG1, {"oro_invoices.payment_link_ttl_days": "0",
                              "oro_invoices.payment_link_ttl_days.use_default": None})
    error = error_under(resp.get_data(as_text=True), "oro_invoices.payment_link_ttl_days")
    assert re.fullmatch(r"Muss zwischen \d+ und \d+ liegen\.", error), error


def test_an_english_admin_still_reads_english(shop, admin):
    resp = save(admin, ORG1, {"oro_invoices.number_prefix": "X" * 21,
                              "oro_invoices.number_prefix.use_default": None})
    assert error_under(resp.get_data(as_text=True), "oro_invoices.number_prefix") == \
        "At most 20 characters."


@pytest.mark.parametrize(("query", "field", "french"), [
    ("?date_from=2026-02-31&currency=USD", "date_from", "'2026-02-31' n’est pas une date (format AAAA-MM-JJ)."),
    ("?total_min=10.001&currency=USD", "total_min", "Les montants en USD ont au plus 2 décimales."),
])
def test_a_bad_grid_filter_is_explained_in_french_next_to_its_field(admin, query, field, french):
    resp = admin.get("/admin/invoices" + query, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    error = re.search(rf'<span class="oi-field__error" id="f-error-{field}" data-oi-error="{field}">([^<]*)</span>',
                      html)
    assert error and text_of(error.group(1)).replace("&#39;", "'") == french


def test_a_declined_payment_is_explained_in_japanese(shop):
    from test_host_payments import configure, doc_of, follow, hpp_answer, proceed

    configure(shop[0])
    client = ShopClient(shop[0])
    client.login_customer("ben.ortiz@acme.example")
    client.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja,en;q=0.5"
    doc = doc_of(client, "ERP-SO-1003-3")
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    reply, _ = hpp_answer(client, handover, result="101")
    text = text_of(follow(client, reply).get_data(as_text=True))
    assert f"支払エラー - 請求書 #{doc.invoice_number}" in text
    assert "申し訳ございませんが、お支払いを処理できませんでした。" in text


def test_a_refund_the_provider_refuses_is_flashed_in_german(shop, admin):
    from test_host_payments import _paid_through_the_shop

    doc = _paid_through_the_shop(shop)
    method = shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay")
    method.transport = lambda url, body: (b'<response timestamp="20261130120000"><result>00</result>'
                                          b"<sha1hash>0000</sha1hash></response>")
    [charge] = admin.service.transactions(doc.id)
    headers = {"Accept-Language": "de"}
    view = f"/admin/invoices/{doc.id}"
    done = admin.submit(view, f"{view}/transactions/{charge.id}/refund",
                        {"amount": str(charge.amount), "notes": ""}, headers=headers, follow_redirects=True)
    assert ("Die Antwort des Zahlungsanbieters ist nicht mit dem gemeinsamen Geheimnis signiert; sie "
            "wurde ignoriert.") in text_of(done.get_data(as_text=True))
