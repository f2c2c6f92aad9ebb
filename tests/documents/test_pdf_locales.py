"""German, French, Japanese and US invoice PDFs as their readers see them (pdftotext): dates,
amounts, units, rates, country names, the address order, and words kept whole at line ends."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from support.invoices import make_invoice_document
from support.pdfs import pdf_text, pdf_words

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.domain.invoice import Address, SellerInfo

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")


def pdftotext(pdf: bytes) -> list[str]:
    """The PDF's text lines as pdftotext reads them, whitespace collapsed."""
    return [" ".join(line.split()) for line in pdf_text(pdf, layout=False).splitlines() if line.strip()]


def seen(pdf: bytes) -> str:
    """The page's text line by line as laid out, without spaces: pdftotext's spacing inside a
    table row (around "%", between columns) is a guess, the characters and their order are not."""
    return "".join(pdf_text(pdf).split())


def shows(pdf_seen: str, *expected: str) -> bool:
    return all("".join(text.split()) in pdf_seen for text in expected)


def text_of(pdf: bytes) -> str:
    return pdf_words(pdf)


def render(locale: str, *lines: tuple[str, ...], currency: str = "EUR", bill_to: Address,
           timezone: str = "UTC") -> bytes:
    doc = make_invoice_document(list(lines), currency=currency, bill_to=bill_to, ship_to=None)
    return PdfRenderer(locale=locale, timezone=timezone).render(doc)


BERLIN = Address(name="Dieter Berg", organization="Acme Industries", street="Friedrichstraße 100",
                 city="Berlin", postal_code="10117", country="DE")
PARIS = Address(name="Claire Martin", organization="Atelier Lumière", street="12 rue de la Paix",
                city="Paris", postal_code="75002", country="FR")
OSAKA = Address(name="田中 博", organization="田中製作所", street="梅田4-5-6", city="大阪市北区",
                region="大阪府", postal_code="530-0001", country="JP")
OREGON = Address(name="Jane Buyer", organization="Globex Corporation", street="742 Evergreen Terrace",
                 city="Springfield", region="OR", postal_code="97403", country="US")


def test_a_german_invoice():
    pdf = render("de_DE", ("Schutzhandschuhe", "40", "4.75", "0.19", "GLV", "pcs"),
                 ("Montage", "3.5", "85", "0.19", "SVC", "hour"),
                 ("Fachbuch", "1", "39", "0.07", "BOOK", "item"), bill_to=BERLIN)
    text = seen(pdf)
    assert shows(text, "05.03.2025", "04.04.2025")
    assert shows(text, "1 Schutzhandschuhe GLV 40 Stück 4,75 € 19 % 190,00 €")
    assert shows(text, "2 Montage SVC 3,5 Stunden 85,00 € 19 % 297,50 €")
    assert shows(text, "3 Fachbuch BOOK 1 Stück 39,00 € 7 % 39,00 €")
    assert shows(text, "Friedrichstraße 100 10117 Berlin Deutschland")
    assert "DE" not in pdftotext(pdf)  # the country by name, not its code


def test_a_french_invoice():
    text = seen(render("fr_FR", ("Installation sur site", "2", "1250", "0.2", "SVC", "hour"),
                          ("Gants de sécurité", "1", "4.75", "0.2", "GLV", "pcs"), bill_to=PARIS))
    assert shows(text, "5 mars 2025", "4 avr. 2025")
    assert shows(text, "1 Installation sur site SVC 2 heures 1 250,00 € 20 % 2 500,00 €")
    assert shows(text, "2 Gants de sécurité GLV 1 pièce 4,75 € 20 % 4,75 €")
    assert shows(text, "12 rue de la Paix 75002 Paris France")


def test_a_japanese_invoice():
    text = seen(render("ja_JP", ("精密ドライバーセット", "3", "3800", "0.1", "PSD", "pcs"),
                          ("技術サポート", "2", "5000", "0.1", "SUP", "hour"),
                          currency="JPY", bill_to=OSAKA))
    assert shows(text, "2025/03/05", "2025/04/04")
    assert shows(text, "1 精密ドライバーセット PSD 3 個 ¥3,800 10% ¥11,400")
    assert shows(text, "2 技術サポート SUP 2 時間 ¥5,000 10% ¥10,000")
    # postal code first, then from the prefecture down to the person; the country by name
    assert shows(text, "〒530-0001 大阪府大阪市北区 梅田4-5-6 田中製作所 田中 博 日本")


def test_a_us_invoice():
    text = seen(render("en_US", ("Consulting", "3.5", "150", "0.0725", "CONS", "hour"),
                          ("Shop vacuum", "1", "129", "0.0725", "VAC", "item"),
                          currency="USD", bill_to=OREGON))
    assert shows(text, "Mar 5, 2025", "Apr 4, 2025")
    assert shows(text, "1 Consulting CONS 3.5 hours $150.00 7.25% $525.00")
    assert shows(text, "2 Shop vacuum VAC 1 item $129.00 7.25% $129.00")
    assert shows(text, "742 Evergreen Terrace Springfield, OR 97403 United States")


def test_the_same_invoice_in_two_locales_differs_only_in_formats():
    lines = ("Montage", "1", "85", "0.19", "SVC", "hour")
    english, german = (seen(render(loc, lines, bill_to=BERLIN)) for loc in ("en_GB", "de_DE"))
    assert shows(english, "1 Montage SVC 1 hour €85.00", "10117 Berlin Germany", "5 Mar 2025")
    assert shows(german, "1 Montage SVC 1 Stunde 85,00 €", "10117 Berlin Deutschland", "05.03.2025")


LONG_GERMAN = "Sicherheitsschuhe Arbeitsschutzhandschuhe Bohrmaschinenzubehörsatz Vor-Ort-Montagedienstleistung"
LONG_JAPANESE = "精密ドライバーセット 二十四本組収納ケース 技術サポート付属"


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "ja_JP"])
def test_line_ends_never_split_a_word(locale):
    """A narrow description column wraps a long German and a long Japanese description at
    spaces only, and the unit column shows whole unit names."""
    pdf = render(locale, (LONG_GERMAN, "12.5", "85", "0.19", "SVC", "hour"),
                 (LONG_JAPANESE, "3", "3800", "0.1", "PSD", "pcs"), bill_to=BERLIN)
    lines = pdftotext(pdf)
    words = {word for line in lines for word in line.split()}
    for word in LONG_GERMAN.split() + LONG_JAPANESE.split():
        assert word in words, (word, [line for line in lines if word[:4] in line])
    # the descriptions did wrap: the column is narrower than either of them
    assert not any(LONG_GERMAN in line or LONG_JAPANESE in line for line in lines)
    unit = {"en_US": "hours", "de_DE": "Stunden", "fr_FR": "heures", "ja_JP": "時間"}[locale]
    assert unit in words


def test_a_word_wider_than_its_column_is_broken_rather_than_cut_off():
    word = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"
    text = "".join(text_of(render("de_DE", (word, "1", "1", "0.19"), bill_to=BERLIN)).split())
    assert word in text


def test_a_time_zone_is_validated_when_the_renderer_is_built():
    from oro_invoices.domain.errors import ConfigurationError
    with pytest.raises(ConfigurationError, match="Unknown time zone 'Mars/Base'"):
        PdfRenderer(locale="de_DE", timezone="Mars/Base")
    assert PdfRenderer(timezone="Europe/Berlin").variant(timezone="Asia/Tokyo").timezone == "Asia/Tokyo"


def test_a_japanese_font_is_installed():
    found = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True).stdout
    assert found.strip(), "Japanese invoices need a font with Japanese glyphs (Debian: fonts-ipafont-gothic)"


SAKURA = SellerInfo(company_name="Sakura Trading K.K.", street="丸の内1-2-3", street2="丸の内ビル 5階",
                    postal_code="100-0005", city="千代田区", region="東京都", country_code="JP",
                    business_address="(old free text, not printed)")
NORTHWIND = SellerInfo(company_name="Northwind Supply GmbH", street="Hafenstraße 12", postal_code="20457",
                       city="Hamburg", country_code="DE")


def has_lines(pdf: bytes, *expected: str) -> bool:
    """Whether the PDF shows ``expected`` as consecutive lines (in this order, nothing between)."""
    lines, n = pdftotext(pdf), len(expected)
    return any(lines[i:i + n] == list(expected) for i in range(len(lines) - n + 1))


def test_the_sellers_address_in_its_countrys_order_and_the_readers_language():
    def pdf(locale: str, seller: SellerInfo) -> bytes:
        doc = make_invoice_document([("Widget", "1", "10")], seller=seller, bill_to=OREGON, ship_to=None)
        return PdfRenderer(locale=locale).render(doc)

    assert has_lines(pdf("ja_JP", SAKURA), "〒100-0005", "東京都千代田区", "丸の内1-2-3", "丸の内ビル 5階", "日本")
    english = pdf("en_US", SAKURA)
    assert has_lines(english, "丸の内1-2-3", "丸の内ビル 5階", "千代田区, 東京都 100-0005", "Japan")
    assert "(old free text, not printed)" not in text_of(english)
    assert has_lines(pdf("fr_FR", NORTHWIND), "Hafenstraße 12", "20457 Hamburg", "Allemagne")
    assert has_lines(pdf("de_DE", NORTHWIND), "Hafenstraße 12", "20457 Hamburg", "Deutschland")


def test_an_install_with_only_the_free_text_address_prints_it_as_typed():
    seller = SellerInfo(company_name="Acme Supplies GmbH", business_address="Hauptstraße 1\n10115 Berlin\nGermany")
    doc = make_invoice_document([("Widget", "1", "10")], seller=seller, bill_to=OREGON, ship_to=None)
    assert has_lines(PdfRenderer(locale="fr_FR").render(doc), "Hauptstraße 1", "10115 Berlin", "Germany")
