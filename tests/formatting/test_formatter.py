"""One formatting for pages, PDFs and emails: what a reader of each locale sees."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, parse_pattern

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.invoice import Address
from oro_invoices.domain.money import round_money
from oro_invoices.formatting import Formatter, check_timezone, keep_words
from oro_invoices.formatting.line_breaks import soft_hyphens

MOMENT = dt.datetime(2025, 3, 5, 13, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("locale,zone,date,moment", [
    ("en_US", "America/New_York", "Mar 5, 2025", "Mar 5, 2025, 8:30\u202fAM EST"),
    ("de_DE", "Europe/Berlin", "05.03.2025", "05.03.2025, 14:30 MEZ"),
    ("fr_FR", "Europe/Paris", "5 mars 2025", "5 mars 2025, 14:30 UTC+01:00"),
    ("ja_JP", "Asia/Tokyo", "2025/03/05", "2025/03/05 22:30 JST"),
    ("en_GB", "UTC", "5 Mar 2025", "5 Mar 2025, 13:30 UTC"),
])
def test_dates_and_times_with_their_zone(locale, zone, date, moment):
    fmt = Formatter(locale, zone)
    assert fmt.date(MOMENT.date()) == date
    assert fmt.datetime(MOMENT) == moment
    assert fmt.datetime(MOMENT.replace(tzinfo=None)) == moment  # a naive time is UTC


def test_summer_time_is_named():
    assert Formatter("de_DE", "Europe/Berlin").datetime(dt.datetime(2025, 7, 1, 12, tzinfo=dt.UTC)) \
        == "01.07.2025, 14:00 MESZ"


@pytest.mark.parametrize("locale,money,percent", [
    ("en_US", "€1,234.50", "19%"),
    ("de_DE", "1.234,50\u00a0€", "19\u00a0%"),
    ("fr_FR", "1\u202f234,50\u00a0€", "19\u00a0%"),
    ("ja_JP", "€1,234.50", "19%"),
])
def test_amounts_and_rates(locale, money, percent):
    fmt = Formatter(locale)
    assert fmt.money(Decimal("1234.5"), "EUR") == money
    assert fmt.percent(Decimal("0.19")) == percent


@pytest.mark.parametrize("locale,amounts", [
    ("en_US", ["1,234,567.89", "-0.50", "0.00", "1,000.00", "1,234,568", "12.346"]),
    ("de_DE", ["1.234.567,89", "-0,50", "0,00", "1.000,00", "1.234.568", "12,346"]),
    ("fr_FR", ["1\u202f234\u202f567,89", "-0,50", "0,00", "1\u202f000,00", "1\u202f234\u202f568", "12,346"]),
    ("ja_JP", ["1,234,567.89", "-0.50", "0.00", "1,000.00", "1,234,568", "12.346"]),
])
def test_amounts_of_a_column_headed_by_their_currency(locale, amounts):
    fmt = Formatter(locale)
    assert [fmt.amount(Decimal("1234567.891"), "EUR"), fmt.amount(Decimal("-0.5"), "EUR"),
            fmt.amount(Decimal("0.004"), "EUR"), fmt.amount(Decimal("999.995"), "EUR"),
            fmt.amount(Decimal("1234567.5"), "JPY"), fmt.amount(Decimal("12.3456"), "KWD")] == amounts


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "de_CH", "fr_FR", "ja_JP", "en_IN", "ar_EG", "sv_SE"])
def test_amounts_read_as_babel_writes_them(locale):
    fmt = Formatter(locale)
    for text in ("0", "-0", "0.005", "0.015", "-1234.5", "999999.995", "1E+3", "123456789012.345"):
        for currency, pattern in (("EUR", "#,##0.00"), ("JPY", "#,##0"), ("KWD", "#,##0.000")):
            assert fmt.amount(Decimal(text), currency) == fmt.decimal(Decimal(text), pattern), (text, currency)


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "de_CH", "fr_FR", "ja_JP", "en_IN", "hi_IN", "ar_EG",
                                    "fa_IR", "he_IL", "nl_NL", "sv_SE", "es_ES", "pl_PL", "pt_BR", "tr_TR"])
def test_quantities_read_as_babel_writes_them(locale):
    """Whole quantities (counts, page numbers) are written without Babel's pattern machinery;
    the text is what Babel writes for the same pattern, as for fractions and negative ones."""
    fmt = Formatter(locale)
    pattern = parse_pattern("#,##0.######")
    for value in (0, 1, 999, 1000, 12345, 1234567, 10**15, Decimal("0"), Decimal("-0"), Decimal("3.000"),
                  Decimal("1E+3"), Decimal("2.5"), Decimal("-4"), Decimal("-1234.5"), Decimal("0.0000005"),
                  Decimal("1234567.1234567"), Decimal("Infinity")):
        expected = pattern.apply(Decimal(value), Locale.parse(locale), decimal_quantization=True)
        assert fmt.quantity(value) == expected, (locale, value)


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "de_CH", "fr_FR", "ja_JP", "en_IN", "hi_IN", "ar_EG",
                                    "fa_IR", "he_IL", "nl_NL", "sv_SE", "es_ES", "pl_PL", "pt_BR", "tr_TR"])
def test_money_reads_as_babel_writes_it(locale):
    """``money`` writes the number itself between the pattern's prefix and suffix; the text is
    Babel's, for patterns that group by three and those that do not (en_IN, hi_IN)."""
    fmt = Formatter(locale)
    fullwidth = str.maketrans({"\uffe5": "\u00a5"})
    for text in ("0", "-0", "0.005", "-1.5", "1234.5", "-1234.5", "999.995", "1234567.891", "123456789012.345"):
        for currency in ("EUR", "USD", "JPY", "CHF", "INR", "KWD"):
            value = round_money(Decimal(text), currency)
            expected = format_currency(value, currency, locale=locale).translate(fullwidth)
            assert fmt.money(Decimal(text), currency) == expected, (text, currency)


def test_yen_has_no_decimals_and_an_ordinary_sign():
    assert Formatter("ja_JP").money(Decimal("3800"), "JPY") == "¥3,800"
    assert Formatter("en_US").amount(Decimal("3800.4"), "JPY") == "3,800"


@pytest.mark.parametrize("locale,expected", [
    ("en_US", ["1 hour", "1.5 hours", "3 items", "1 item", "2.5 kg", "12 bags", "1 pair", "4 m²", "2 days",
               "2 crate"]),
    ("de_DE", ["1 Stunde", "1,5 Stunden", "3 Stück", "1 Stück", "2,5 kg", "12 Beutel", "1 Paar", "4 m²", "2 Tage",
               "2 crate"]),
    ("fr_FR", ["1 heure", "1,5 heure", "3 pièces", "1 pièce", "2,5 kg", "12 sacs", "1 paire", "4 m²", "2 jours",
               "2 crate"]),
    ("ja_JP", ["1 時間", "1.5 時間", "3 個", "1 個", "2.5 kg", "12 袋", "1 組", "4 m²", "2 日", "2 crate"]),
])
def test_quantities_with_their_unit_names_in_the_right_plural(locale, expected):
    fmt = Formatter(locale)
    shown = [fmt.measure(Decimal(q), unit).replace("\u00a0", " ")
             for q, unit in [("1", "hour"), ("1.5", "HOUR"), ("3", "pcs"), ("1", "item"), ("2.5", "kg"),
                             ("12", "bag"), ("1", "PR"), ("4", "m2"), ("2", "day"), ("2", "crate")]]
    assert shown == expected
    assert fmt.measure(Decimal("3"), "") == "3" and fmt.unit("", Decimal(3)) == ""


@pytest.mark.parametrize("locale,names", [
    ("en_US", ["Germany", "France", "Japan", "United States"]),
    ("de_DE", ["Deutschland", "Frankreich", "Japan", "Vereinigte Staaten"]),
    ("fr_FR", ["Allemagne", "France", "Japon", "États-Unis"]),
    ("ja_JP", ["ドイツ", "フランス", "日本", "アメリカ合衆国"]),
])
def test_countries_by_name(locale, names):
    fmt = Formatter(locale)
    assert [fmt.country(code) for code in ("DE", "fr", "JP", "US")] == names
    assert fmt.country("Narnia") == "Narnia" and fmt.country("") == ""


US = Address(name="Gina Park", organization="Globex", street="500 Market Street", city="San Francisco",
             region="CA", postal_code="94105", country="US", phone="+1 415 555 0100")
DE = Address(name="Dieter Berg", street="Friedrichstraße 100", city="Berlin", postal_code="10117",
             country="DE")
FR = Address(name="Claire Martin", street="12 rue de la Paix", city="Paris", postal_code="75002", country="FR")
JP = Address(name="Hiro Tanaka", organization="Tanaka Seisakusho", street="4-5-6 Umeda, Kita-ku",
             city="Osaka", region="Osaka-fu", postal_code="530-0001", country="JP")
GB = Address(name="Ada Lovelace", street="10 Downing Street", city="London", postal_code="SW1A 2AA",
             country="GB")


def test_addresses_in_their_countrys_order():
    en, de, ja = Formatter("en_US"), Formatter("de_DE"), Formatter("ja_JP")
    assert en.address(US) == ["Gina Park", "Globex", "500 Market Street", "San Francisco, CA 94105",
                              "United States", "+1 415 555 0100"]
    assert de.address(DE) == ["Dieter Berg", "Friedrichstraße 100", "10117 Berlin", "Deutschland"]
    assert en.address(FR) == ["Claire Martin", "12 rue de la Paix", "75002 Paris", "France"]
    assert en.address(GB) == ["Ada Lovelace", "10 Downing Street", "London", "SW1A 2AA", "United Kingdom"]
    # Japan: for a Japanese reader postal code first, larger to smaller; else the Latin order
    assert ja.address(JP) == ["〒530-0001", "Osaka-fuOsaka", "4-5-6 Umeda, Kita-ku", "Tanaka Seisakusho",
                              "Hiro Tanaka", "日本"]
    assert en.address(JP) == ["Hiro Tanaka", "Tanaka Seisakusho", "4-5-6 Umeda, Kita-ku",
                              "Osaka, Osaka-fu 530-0001", "Japan"]


def test_an_address_with_parts_missing_has_no_dangling_separators():
    en = Formatter("en_US")
    assert en.address(Address(city="Springfield", postal_code="97403", country="US")) == \
        ["Springfield 97403", "United States"]
    assert en.address(Address(name="Someone", city="Elsewhere", country="ZZ")) == ["Someone", "Elsewhere", "ZZ"]
    assert Formatter("ja_JP").address(Address(name="田中", city="大阪市", country="JP")) == ["大阪市", "田中", "日本"]
    assert en.address(None) == []


def test_japanese_runs_are_kept_together_and_other_text_is_untouched():
    assert keep_words("精密ドライバー セット、付き") == \
        "精\u2060密\u2060ド\u2060ラ\u2060イ\u2060バ\u2060ー セ\u2060ッ\u2060ト、付\u2060き"
    assert keep_words("支払済み・クレジット") == "支\u2060払\u2060済\u2060み・ク\u2060レ\u2060ジ\u2060ッ\u2060ト"  # may break after ・
    assert keep_words("Bohrmaschinenzubehör") == "Bohrmaschinenzubehör"
    assert keep_words(None) == ""


def test_long_words_may_break_where_their_parts_meet_and_nowhere_else():
    def breaks(text, language):
        return soft_hyphens(text, language).replace("\u00ad", "|")
    assert breaks("Rechnungsdatum", "de") == "Rechnungs|datum"
    assert breaks("Zahlungsstatus", "de_DE") == "Zahlungs|status"
    assert breaks("Invoice Date", "en") == "Invoice Date"                     # no word of ten letters
    assert breaks("Utilisateur client", "fr") == "Utili|sateur client"
    assert breaks("請求書番号", "ja") == "請求書番号"                           # no patterns: as it is
    assert soft_hyphens(None, "de") == ""


@pytest.mark.parametrize("name", ["Mars/Base", "", "../../etc/passwd", "/etc/localtime", "Europe/../UTC"])
def test_unknown_time_zones_are_refused(name):
    with pytest.raises(ConfigurationError, match="Unknown time zone"):
        Formatter("en_US", name)
    with pytest.raises(ConfigurationError, match="use an IANA name such as 'Europe/Berlin'"):
        check_timezone(name)


def test_the_date_of_a_moment_is_its_day_in_the_configured_zone():
    late_evening_utc = dt.datetime(2025, 3, 5, 23, 30, tzinfo=dt.UTC)
    assert Formatter("de_DE", "Asia/Tokyo").date(late_evening_utc) == "06.03.2025"
    assert Formatter("de_DE", "America/New_York").date(late_evening_utc) == "05.03.2025"


@pytest.mark.parametrize("locale,typed,read", [
    ("de_DE", "12,50", "12.50"), ("de_DE", "1.234,50", "1234.50"), ("de_DE", "1 234,5", "1234.5"),
    ("de_DE", "158.03", "158.03"),          # the plain form, where German does not read it
    ("de_DE", "1.234", "1234"),             # German grouping, as a German reader means it
    ("fr_FR", "1\u202f234,5", "1234.5"), ("fr_FR", "1 234,5", "1234.5"), ("fr_FR", "12.5", "12.5"),
    ("en_US", "1,234.50", "1234.50"), ("en_US", " 7 ", "7"), ("ja_JP", "1,500", "1500"),
    ("de_CH", "1’234.50", "1234.50"),
    # what a Japanese keyboard types: full-width digits and separators
    ("ja_JP", "１０００", "1000"), ("ja_JP", "３，０００", "3000"), ("ja_JP", "１２．５", "12.5"), ("ja_JP", "　７　", "7"),
    ("en_US", "²", "²"),                    # a superscript is no digit
    # no number in this locale: back as typed, for the check that refuses it to quote
    ("en_US", "12,50", "12,50"), ("de_DE", "12,5,0", "12,5,0"), ("de_DE", "1e5", "1e5"), ("de_DE", "abc", "abc"),
])
def test_numbers_typed_into_a_form_are_read_in_the_pages_locale(locale, typed, read):
    assert Formatter(locale).typed_number(typed) == read


@pytest.mark.parametrize("locale,typed,read", [
    ("de_DE", "1" + "0" * 40 + ",5", "1" + "0" * 40 + ".5"), ("en_US", "9" * 30, "9" * 30),
    ("en_US", "1" + "0" * 40 + ".5", "1" + "0" * 40 + ".5"), ("fr_FR", "9" * 300 + ",5", "9" * 300 + ",5"),
])
def test_a_number_too_long_for_any_amount_is_read_for_the_check_that_refuses_it(locale, typed, read):
    assert Formatter(locale).typed_number(typed) == read


@pytest.mark.parametrize("locale,shown", [("de_DE", "1234,50"), ("en_US", "1234.50"), ("fr_FR", "1234,50")])
def test_a_form_offers_a_number_with_the_locales_decimal_sign_and_reads_it_back(locale, shown):
    fmt = Formatter(locale)
    assert fmt.field_number(Decimal("1234.50")) == shown
    assert fmt.typed_number(shown) == "1234.50"


@pytest.mark.parametrize("locale,amount,currency,shown", [
    ("en_US", "10.5", "EUR", "10.50"), ("de_DE", "10.5", "EUR", "10,50"), ("de_DE", "0", "EUR", "0,00"),
    ("en_US", "1050", "JPY", "1050"), ("en_US", "1.5", "KWD", "1.500"), ("fr_FR", "1234.5", "EUR", "1234,50"),
])
def test_a_form_offers_an_amount_with_the_currencys_decimals(locale, amount, currency, shown):
    fmt = Formatter(locale)
    assert fmt.field_amount(Decimal(amount), currency) == shown
    assert Decimal(fmt.typed_number(shown)) == Decimal(amount)


@pytest.mark.parametrize("locale,expected", [
    ("en_US", "20 pairs · 1 set · 3 boxes · 2 packs · 1 shipment"),
    ("de_DE", "20 Paar · 1 Set · 3 Kartons · 2 Packungen · 1 Sendung"),
    ("fr_FR", "20 paires · 1 lot · 3 boîtes · 2 paquets · 1 envoi"),
    ("ja_JP", "20 組 · 1 セット · 3 箱 · 2 パック · 1 便"),
])
def test_packages_are_named_in_the_readers_language(locale, expected):
    fmt = Formatter(locale)
    shown = [fmt.measure(Decimal(q), unit).replace("\u00a0", " ")
             for q, unit in [("20", "pair"), ("1", "set"), ("3", "BX"), ("2", "pack"), ("1", "shipment")]]
    assert " · ".join(shown) == expected
