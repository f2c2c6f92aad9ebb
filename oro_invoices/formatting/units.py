"""The names of quantity units ("item", "kg", "hour") in a locale, in the right plural form.

A line's unit is a code the shop chose. Codes of measures CLDR knows (hours, kilograms,
metres …) are named from CLDR; counted things ("item", "pcs") and the common packages ("pair",
"set", "bag", "box", "pack", "shipment", with their UN/ECE Recommendation 20 codes) from the
small tables below, since CLDR has no such words (its only countable unit reads as a list
entry: "Element", "項目"). Any other code ("crate") is shown as given.
"""
from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal
from babel.units import format_unit

_NUMBER = "#,##0.######"

#: Codes (as shops write them, lower case) → the CLDR unit, and whether its symbol reads
#: better than its name ("2.5 kg" rather than "2.5 kilograms").
MEASURES: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "hur"), ("duration-hour", False)),
    **dict.fromkeys(("min", "minute", "minutes"), ("duration-minute", False)),
    **dict.fromkeys(("d", "day", "days"), ("duration-day", False)),
    **dict.fromkeys(("wk", "week", "weeks", "wee"), ("duration-week", False)),
    **dict.fromkeys(("mo", "month", "months", "mon"), ("duration-month", False)),
    **dict.fromkeys(("yr", "year", "years", "ann"), ("duration-year", False)),
    **dict.fromkeys(("kg", "kgm", "kilogram", "kilograms"), ("mass-kilogram", True)),
    **dict.fromkeys(("g", "grm", "gram", "grams"), ("mass-gram", True)),
    **dict.fromkeys(("t", "tne", "tonne", "tonnes"), ("mass-tonne", True)),
    **dict.fromkeys(("m", "mtr", "meter", "meters", "metre", "metres"), ("length-meter", True)),
    **dict.fromkeys(("cm", "cmt", "centimeter", "centimeters"), ("length-centimeter", True)),
    **dict.fromkeys(("km", "kmt", "kilometer", "kilometers"), ("length-kilometer", True)),
    **dict.fromkeys(("l", "ltr", "liter", "liters", "litre", "litres"), ("volume-liter", True)),
    **dict.fromkeys(("m2", "mtk", "sqm"), ("area-square-meter", True)),
    **dict.fromkeys(("m3", "mtq"), ("volume-cubic-meter", True)),
    "kwh": ("energy-kilowatt-hour", True),
}

#: Codes of counted things.
COUNTED = frozenset(("item", "items", "pc", "pcs", "piece", "pieces", "each", "ea", "unit",
                     "units", "c62", "h87"))
#: Their name per language: the CLDR plural category → word.
COUNTED_NAMES: dict[str, dict[str, str]] = {
    "en": {"one": "item", "other": "items"},
    "de": {"one": "Stück", "other": "Stück"},
    "fr": {"one": "pièce", "other": "pièces"},
    "ja": {"other": "個"},
}
#: Packages: their codes, and their name per language as for ``COUNTED_NAMES``.
PACKAGES: tuple[tuple[tuple[str, ...], dict[str, dict[str, str]]], ...] = (
    (("pair", "pairs", "pr"), {"en": {"one": "pair", "other": "pairs"}, "de": {"other": "Paar"},
                               "fr": {"one": "paire", "other": "paires"}, "ja": {"other": "組"}}),
    (("set", "sets"), {"en": {"one": "set", "other": "sets"}, "de": {"one": "Set", "other": "Sets"},
                       "fr": {"one": "lot", "other": "lots"}, "ja": {"other": "セット"}}),
    (("bag", "bags", "bg"), {"en": {"one": "bag", "other": "bags"}, "de": {"other": "Beutel"},
                             "fr": {"one": "sac", "other": "sacs"}, "ja": {"other": "袋"}}),
    (("box", "boxes", "bx"), {"en": {"one": "box", "other": "boxes"}, "de": {"one": "Karton", "other": "Kartons"},
                              "fr": {"one": "boîte", "other": "boîtes"}, "ja": {"other": "箱"}}),
    (("pack", "packs", "pk", "package", "packages"), {
        "en": {"one": "pack", "other": "packs"}, "de": {"one": "Packung", "other": "Packungen"},
        "fr": {"one": "paquet", "other": "paquets"}, "ja": {"other": "パック"}}),
    (("shipment", "shipments"), {"en": {"one": "shipment", "other": "shipments"},
                                 "de": {"one": "Sendung", "other": "Sendungen"},
                                 "fr": {"one": "envoi", "other": "envois"}, "ja": {"other": "便"}}),
)
_PACKAGE_NAMES = {code: names for codes, names in PACKAGES for code in codes}


def unit_name(code: str, quantity: Decimal, locale: Locale) -> str:
    """The name of unit ``code`` after ``quantity`` in ``locale``: "hours", "Stunde", "kg", "個";
    an unknown code as given."""
    key = code.strip().lower()
    if key in COUNTED:
        return _word(COUNTED_NAMES, quantity, locale) \
            or _measure_name("concentr-item", quantity, locale, short=False) or code
    if key in _PACKAGE_NAMES:
        return _word(_PACKAGE_NAMES[key], quantity, locale) or code
    measure = MEASURES.get(key)
    if measure is None:
        return code
    return _measure_name(measure[0], quantity, locale, short=measure[1]) or code


def _word(names: dict[str, dict[str, str]], quantity: Decimal, locale: Locale) -> str:
    """The word of a table of ``names`` for ``quantity`` in ``locale``'s language ("" without one)."""
    words = names.get(locale.language)
    return words.get(locale.plural_form(abs(quantity)), words["other"]) if words is not None else ""


def _measure_name(unit: str, quantity: Decimal, locale: Locale, *, short: bool) -> str:
    """The unit's word for ``quantity`` (its plural form): CLDR's "{0} hours" without the number."""
    text: str = format_unit(quantity, unit, length="short" if short else "long", format=_NUMBER,
                            locale=locale)
    number: str = format_decimal(quantity, format=_NUMBER, locale=locale)
    return text.replace(number, "", 1).strip()
