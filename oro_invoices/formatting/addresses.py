"""Postal addresses printed in the order of their country, the country named in the reader's
language ("Deutschland", "Germany", "ドイツ") rather than as its code."""
from __future__ import annotations

import re
import string
from typing import Protocol

from babel import Locale

#: One address format: its lines, each naming the fields it holds. A line whose fields are
#: all empty is left out; an empty field's ", " separator goes with it.
AddressFormat = tuple[str, ...]

#: Postal code before the city (most of continental Europe) and the fallback for any country
#: not listed.
DEFAULT_FORMAT: AddressFormat = ("{name}", "{organization}", "{street}", "{street2}",
                                 "{postal_code} {city}", "{region}", "{country}")
_CITY_REGION_ZIP: AddressFormat = ("{name}", "{organization}", "{street}", "{street2}",
                                   "{city}, {region} {postal_code}", "{country}")
_CITY_THEN_POSTCODE: AddressFormat = ("{name}", "{organization}", "{street}", "{street2}",
                                      "{city}", "{region}", "{postal_code}", "{country}")
#: Japan written in Japanese: postal code first, from the prefecture down to the person.
_JAPAN_DOMESTIC: AddressFormat = ("〒{postal_code}", "{region}{city}", "{street}", "{street2}",
                                  "{organization}", "{name}", "{country}")
#: Japan in a Latin-script document: the person first, the city with the postal code last.
_JAPAN_LATIN: AddressFormat = ("{name}", "{organization}", "{street}", "{street2}",
                               "{city}, {region} {postal_code}", "{country}")

#: Country code → its format; "JP/ja": Japan read in Japanese.
ADDRESS_FORMATS: dict[str, AddressFormat] = {
    "US": _CITY_REGION_ZIP, "CA": _CITY_REGION_ZIP, "AU": _CITY_REGION_ZIP,
    "GB": _CITY_THEN_POSTCODE, "IE": _CITY_THEN_POSTCODE,
    "JP": _JAPAN_LATIN, "JP/ja": _JAPAN_DOMESTIC,
}

_FIELDS = re.compile(r"\{(\w+)\}")
_SPACES = re.compile(r"\s+")


class PostalAddress(Protocol):
    """What an address needs to be printed (``domain.invoice.Address`` has it); read only."""

    @property
    def name(self) -> str: ...
    @property
    def organization(self) -> str: ...
    @property
    def street(self) -> str: ...
    @property
    def street2(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def postal_code(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def phone(self) -> str: ...


def country_name(code: str, locale: Locale) -> str:
    """The name of the country ``code`` ("DE") in ``locale``; anything not a country code as given."""
    text = code.strip()
    if len(text) == 2 and text.isalpha() and text.upper() != "ZZ":  # ZZ: CLDR's "Unknown Region"
        name = locale.territories.get(text.upper())
        if name:
            return str(name)
    return text


def address_format(country: str, locale: Locale) -> AddressFormat:
    """The format of an address in ``country`` (a code) for a reader of ``locale``."""
    code = country.strip().upper()
    return (ADDRESS_FORMATS.get(f"{code}/{locale.language}") or ADDRESS_FORMATS.get(code)
            or DEFAULT_FORMAT)


def address_lines(address: PostalAddress, locale: Locale) -> list[str]:
    """``address`` as printed lines, in its country's order, empty parts left out; the phone last."""
    values = {name: str(getattr(address, name) or "").strip()
              for name in ("name", "organization", "street", "street2", "city", "region",
                           "postal_code")}
    values["country"] = country_name(address.country or "", locale)
    lines = []
    for line in address_format(address.country or "", locale):
        if not any(values[field] for field in _FIELDS.findall(line)):
            continue
        for field in _FIELDS.findall(line):
            if not values[field]:  # its separator goes with it: "Osaka 530-0001", not "Osaka, 530-0001"
                line = line.replace(f", {{{field}}}", "").replace(f"{{{field}}}, ", "")
        lines.append(_SPACES.sub(" ", string.Formatter().vformat(line, (), values)).strip(" ,"))
    if address.phone:
        lines.append(address.phone.strip())
    return [line for line in lines if line]
