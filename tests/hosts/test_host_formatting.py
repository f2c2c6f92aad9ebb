"""German, French, Japanese and US invoices on the back-office and storefront view pages and in
their PDF: to a reader of the invoice's language each page formats the invoice as its PDF does
(dates, amounts, units), names the country, orders the address as its country does, and shows
times in the configured zone."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from support.pdfs import pdf_words

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings

FRENCH_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                 "nov.", "déc.")


def date_in(locale: str, day: dt.date) -> str:
    """How a reader of ``locale`` writes ``day`` (written out here, not by the code under test)."""
    return {"de_DE": f"{day:%d.%m.%Y}", "ja_JP": f"{day:%Y/%m/%d}",
            "fr_FR": f"{day.day} {FRENCH_MONTHS[day.month - 1]} {day.year}",
            "en_US": f"{day:%b} {day.day}, {day.year}"}[locale]


def time_in(locale: str, moment: dt.datetime) -> str:
    return {"de_DE": f"{moment:%H:%M}", "fr_FR": f"{moment:%H:%M}", "ja_JP": f"{moment.hour}:{moment:%M}",
            "en_US": moment.strftime("%I:%M %p").lstrip("0")}[locale]


def configure(shop, scope: str, scope_id: int, **values: str) -> None:
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    for key, value in values.items():
        settings.set(f"oro_invoices.{key}", value, scope, scope_id)


def post(client: ShopClient, external_id: str):
    """Post a seeded draft (its PDF is rendered now, with the settings just made)."""
    inv = client.service.find_id(external_id=external_id)
    return client.service.post(inv, actor="test")


def pages(shop, doc, *, admin: tuple[str, str], customer: str, language: str) -> dict[str, str]:
    """What the back-office view page, the storefront view page (both to a browser asking for
    ``language``) and the PDF say."""
    back_office = ShopClient(shop[0])
    back_office.login_admin(*admin)
    storefront = ShopClient(shop[0])
    storefront.login_customer(customer)
    headers = {"Accept-Language": language}
    seen = {"admin": back_office.get(f"/admin/invoices/{doc.id}", headers=headers),
            "storefront": storefront.get(f"/customer/invoices/{doc.id}", headers=headers)}
    pdf = back_office.get(f"/admin/invoices/{doc.id}/download")
    assert pdf.status_code == 200 and all(r.status_code == 200 for r in seen.values())
    return {**{k: text_of(r.get_data(as_text=True)) for k, r in seen.items()}, "pdf": pdf_words(pdf.data)}


@pytest.mark.parametrize("locale,zone,zone_names,unit,country", [
    ("de_DE", "Europe/Berlin", ("MEZ", "MESZ"), "1 Stück", "Deutschland"),
    ("fr_FR", "Europe/Paris", ("UTC+01:00", "UTC+02:00"), "1 pièce", "Allemagne"),
])
def test_a_german_and_a_french_invoice(shop, locale, zone, zone_names, unit, country):
    configure(shop, "organization", 1, locale=locale, timezone=zone)
    doc = post(ShopClient(shop[0]), "ERP-SO-1006-6")  # Acme's Berlin branch: a handbook, 39.00 EUR
    seen = pages(shop, doc, admin=("admin", "admin1234"), customer="dieter.berg@acme.example",
                 language=f"{locale.replace('_', '-')},{locale[:2]};q=0.9,en;q=0.5")
    day, amount = date_in(locale, doc.invoice_date), "39,00 €"
    for where in ("admin", "storefront", "pdf"):
        assert day in seen[where], where
        assert amount in seen[where], where
        assert f"Friedrichstraße 100 10117 Berlin {country}" in seen[where], where
        assert " DE " not in seen[where], where
    assert unit in seen["storefront"]
    assert unit.split()[1] in seen["admin"].split() and unit.split()[1] in seen["pdf"].split()
    posted = doc.posted_at.astimezone(ZoneInfo(zone))
    shown = f"{date_in(locale, posted.date())}, {time_in(locale, posted)}"
    assert any(f"{shown} {name}" in seen["admin"] for name in zone_names), (shown, seen["admin"])


def test_a_japanese_invoice(shop):
    configure(shop, "organization", 2, timezone="Asia/Tokyo")  # Sakura's locale is ja_JP
    doc = post(ShopClient(shop[0]), "ERP-SO-1012-12")
    seen = pages(shop, doc, admin=("admin.jp", "admin1234"), customer="hiro.tanaka@tanaka.example",
                 language="ja,en;q=0.5")
    day = date_in("ja_JP", doc.invoice_date)
    total = f"¥{doc.total_amount:,.0f}"
    for where in ("admin", "storefront", "pdf"):
        assert day in seen[where] and total in seen[where], where
        # postal code first, then larger to smaller, the person last, the country by name
        assert "〒530-0001 Osaka 4-5-6 Umeda, Kita-ku Tanaka Seisakusho Hiro Tanaka 日本" in seen[where], where
    posted = doc.posted_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{date_in('ja_JP', posted.date())} {time_in('ja_JP', posted)} JST" in seen["admin"]


def test_a_us_invoice(shop):
    websites = shop[1]["organizations"][0]["websites"]
    configure(shop, "website", websites[1], locale="en_US", timezone="America/New_York")
    configure(shop, "organization", 1, locale="de_DE")  # the US store's own settings win
    doc = post(ShopClient(shop[0]), "ERP-SO-1009-9")  # Globex: one shop vacuum, 129.00 USD
    seen = pages(shop, doc, admin=("admin", "admin1234"), customer="gina.park@globex.example",
                 language="en-US,en;q=0.9")
    day = date_in("en_US", doc.invoice_date)
    for where in ("admin", "storefront", "pdf"):
        assert day in seen[where] and "$129.00" in seen[where], where
        assert "500 Market Street San Francisco 94105 United States" in seen[where], where
    assert "1 item" in seen["storefront"]
    posted = doc.posted_at.astimezone(ZoneInfo("America/New_York"))
    shown = f"{date_in('en_US', posted.date())}, {time_in('en_US', posted)}"
    assert f"{shown} EST" in seen["admin"] or f"{shown} EDT" in seen["admin"], (shown, seen["admin"])


def test_a_page_in_another_language_uses_that_languages_formats(shop):
    """An English reader of a German invoice: English formats on the page, German ones in the PDF."""
    configure(shop, "organization", 1, locale="de_DE", timezone="Europe/Berlin")
    doc = post(ShopClient(shop[0]), "ERP-SO-1006-6")
    seen = pages(shop, doc, admin=("admin", "admin1234"), customer="dieter.berg@acme.example",
                 language="en-US,en;q=0.9")
    for where in ("admin", "storefront"):
        assert date_in("en_US", doc.invoice_date) in seen[where] and "€39.00" in seen[where], where
        assert "10117 Berlin Germany" in seen[where], where
    assert date_in("de_DE", doc.invoice_date) in seen["pdf"] and "10117 Berlin Deutschland" in seen["pdf"]


def test_an_unknown_time_zone_is_refused(shop):
    with pytest.raises(ConfigurationError, match="Unknown time zone 'Moon/Tranquility'"):
        configure(shop, "organization", 1, timezone="Moon/Tranquility")
