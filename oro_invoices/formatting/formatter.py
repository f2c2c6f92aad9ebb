"""Locale-aware formatting (Babel, CLDR) of what pages, PDFs and emails show: amounts, quantities
with units, rates, dates, times with their zone, countries and addresses."""
from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import DateTimePattern
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import (
    NumberFormatError,
    NumberPattern,
    format_decimal,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
    parse_pattern,
)

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.invoice import SellerInfo
from oro_invoices.domain.messages import Amount, Number, Percent
from oro_invoices.domain.money import minor_units, round_money
from oro_invoices.formatting.addresses import PostalAddress, address_lines, country_name
from oro_invoices.formatting.line_breaks import keep_words
from oro_invoices.formatting.units import unit_name
from oro_invoices.formatting.zones import check_timezone, zone_label

# CJK locales use full-width currency signs (ja_JP: "￥"), which the document fonts lack;
# their ordinary forms read the same.
_HALFWIDTH_SYMBOLS = str.maketrans({"\uffe5": "\u00a5", "\uffe6": "\u20a9", "\uff04": "$",
                                    "\uffe1": "\u00a3", "\uffe0": "\u00a2"})


def check_locale(locale: str) -> str:
    """Return ``locale`` if Babel knows it ("en_US", "de-DE"), else raise ConfigurationError."""
    try:
        return str(Locale.parse(str(locale).replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ConfigurationError(
            f"Unknown locale {locale!r} for invoice PDFs; use a code such as 'en_US' or 'de_DE'.") from None


@functools.lru_cache(maxsize=256)
def _currency_pattern(locale: str, min_digits: int, max_digits: int) -> NumberPattern:
    """The locale's currency pattern showing ``min_digits`` to ``max_digits`` decimals."""
    pattern: NumberPattern = copy.copy(Locale.parse(locale).currency_formats["standard"])
    pattern.frac_prec = (min_digits, max(max_digits, min_digits))
    return pattern


@functools.lru_cache(maxsize=256)
def _money_layout(locale: str, currency: str) -> tuple[str, str, str, str] | None:
    """What the locale's currency pattern writes around the number, for a positive and for a
    negative amount of ``currency``: ``(prefix, suffix, negative prefix, negative suffix)``,
    read from what Babel writes for a probe amount. None where the pattern is not the plain
    grouping by three (``en_IN``'s "#,##,##0.00") or the probe's number is not found once in
    Babel's text: Babel then writes each amount."""
    digits = minor_units(currency)
    pattern = _currency_pattern(locale, digits, 0)
    if pattern.grouping != (3, 3):
        return None
    babel_locale = Locale.parse(locale)
    probe = Decimal("1234567" + ("." + "8" * digits if digits else ""))
    number = Formatter(locale).amount(probe, currency)
    layout: list[str] = []
    for value in (probe, -probe):
        text = pattern.apply(value, babel_locale, currency=currency, currency_digits=False)
        if text.count(number) != 1:
            return None
        layout += [part.translate(_HALFWIDTH_SYMBOLS) for part in text.split(number)]
    prefix, suffix, negative_prefix, negative_suffix = layout
    return prefix, suffix, negative_prefix, negative_suffix


def _unquoted(text: str) -> str:
    """What Babel makes of quotes in a number it wrote: "'x'" is "x", "''" is "'"."""
    return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", text)


#: A number written the plain way, as the API and files take it ("1234.5").
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
#: The longest number typed that is read in the locale's way (longer ones only as plain numbers).
_TYPED_MAX = 200
#: The full-width digits, signs and separators a Japanese (or Chinese) keyboard types, as the
#: ASCII ones a number is read from: "１，０００" is 1,000.
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)},
                             "\uff0c": ",", "\uff0e": ".", "\uff0d": "-", "\uff0b": "+", "\u3000": " "})


@functools.lru_cache(maxsize=64)
def number_pattern(pattern: str) -> NumberPattern:
    """``pattern`` ("#,##0.00") parsed once."""
    return parse_pattern(pattern)


class Formatter:
    """Formats values for one locale; its methods are the template's filters.

    The locale and its patterns are parsed once here, not for every value: a page of
    invoices formats hundreds of them.
    """

    def __init__(self, locale: str = "en_US", timezone: str = "UTC"):
        self.locale = check_locale(locale)
        self.timezone = check_timezone(timezone)
        self._locale = Locale.parse(self.locale)
        self._date: DateTimePattern = parse_date_pattern(self._locale.date_formats["medium"])
        self._time: DateTimePattern = parse_date_pattern(self._locale.time_formats["short"])
        # "{1}, {0}": the date and the time; a literal word in it is quoted ("{1} 'à' {0}")
        self._date_time = re.sub(r"'([^']*)'", r"\1", str(self._locale.datetime_formats["medium"]))
        # an amount column's "#,##0.00": Babel's symbols, written without its pattern machinery
        self._grouped = str.maketrans({",": get_group_symbol(self._locale), ".": get_decimal_symbol(self._locale)})
        # a grid shows a few days over and over: each written once
        self._day: Callable[[dt.date], str] = functools.lru_cache(maxsize=1024)(self._write_day)
        signs = get_decimal_symbol(self._locale) + get_group_symbol(self._locale)
        self._typed = re.compile(rf"[+-]?[0-9{re.escape(signs)}]+")

    def _currency(self, amount: Decimal, currency: str, max_digits: int) -> str:
        pattern = _currency_pattern(self.locale, minor_units(currency), max_digits)
        text: str = pattern.apply(amount, self._locale, currency=currency, currency_digits=False)
        return text.translate(_HALFWIDTH_SYMBOLS)

    def money(self, amount: Decimal, currency: str) -> str:
        """An amount with the currency's minor units: EUR, de_DE → ``1.234,50 €``.

        What Babel writes: the number as ``amount`` writes it, between what the locale's
        pattern puts around it (``_money_layout``), without Babel's pattern machinery for each
        amount of a page."""
        value = round_money(Decimal(amount), currency)
        layout = _money_layout(self.locale, currency) if value.is_finite() else None
        if layout is None:
            return self._currency(value, currency, 0)
        number = self.amount(abs(value), currency)
        if value.is_signed():
            return layout[2] + number + layout[3]
        return layout[0] + number + layout[1]

    def amount(self, amount: Decimal, currency: str) -> str:
        """An amount with the currency's decimals and no sign, for a column headed by the
        currency: EUR "1,234.50", JPY "1,235"."""
        digits = minor_units(currency)
        value = Decimal(amount)
        if not value.is_finite():
            return self.decimal(value, "#,##0" + ("." + "0" * digits if digits else ""))
        # what Babel's "#,##0.00" writes (its rounding, groups of three, a leading "-"), a grid
        # of 100 rows writing one amount per row
        rounded = abs(value).normalize().quantize(Decimal(1).scaleb(-digits))
        text = ("-" if value.is_signed() else "") + f"{rounded:,f}".translate(self._grouped)
        return _unquoted(text) if "'" in text else text  # Babel reads "'" as quotes (de_CH)

    def unit_price(self, amount: Decimal, currency: str) -> str:
        """A unit price: the currency's minor units, more when the price has more."""
        amount = Decimal(amount)
        exponent = amount.normalize().as_tuple().exponent  # a letter for NaN and infinity
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return self._currency(amount, currency, decimals)

    def quantity(self, value: Decimal | int) -> str:
        """A quantity without needless trailing zeros ("3", "2.5", "1,000")."""
        if (type(value) is int and value >= 0) or (isinstance(value, Decimal) and value.is_finite()
                                                   and not value.is_signed() and value == value.to_integral_value()):
            # a count or a page number: what Babel's pattern writes, without its machinery
            text = f"{int(value):,}".translate(self._grouped)
            return _unquoted(text) if "'" in text else text
        return self.decimal(Decimal(value), "#,##0.######")

    def decimal(self, value: Decimal, pattern: str, *, quantize: bool = True) -> str:
        """``value`` in ``pattern`` ("#,##0.00") with the locale's separators; ``quantize``
        rounds it to the pattern's decimals."""
        text: str = number_pattern(pattern).apply(Decimal(value), self._locale,
                                                  decimal_quantization=quantize)
        return text

    def number_symbols(self) -> tuple[str, str]:
        """The locale's decimal sign and digit group separator ("," and "." in German)."""
        return get_decimal_symbol(self._locale), get_group_symbol(self._locale)

    def field_number(self, value: Decimal | int | str) -> str:
        """A number as a form field offers it for editing: the locale's decimal sign, no grouping
        ("158,03" in German); what ``typed_number`` reads back."""
        return format(Decimal(value), "f").replace(".", get_decimal_symbol(self._locale))

    def field_amount(self, amount: Decimal, currency: str) -> str:
        """An amount as a form field offers it for editing: as ``field_number``, with the currency's
        decimals ("10,50" for 10.5 EUR in German, "1050" for JPY)."""
        return self.field_number(round_money(Decimal(amount), currency))

    def typed_number(self, text: str) -> str:
        """A number typed into a form on a page in this locale, as a plain decimal string: in
        German "12,50" and "1.234,50" give "12.50" and "1234.50" (spaces are ignored). Where the
        locale does not read it, the plain form ("12.50") is taken; anything else comes back as
        typed, for the check that refuses it to quote."""
        # Swiss grouping is typed with either apostrophe; a Japanese keyboard's digits are full-width
        compact = re.sub(r"[\s\u00a0\u202f]", "", text.translate(_FULL_WIDTH)).replace("\u2019", "'")
        if len(compact) <= _TYPED_MAX and self._typed.fullmatch(compact):
            try:
                # babel writes the number back to check its grouping: with room for all its digits,
                # a number too long for the default 28 reaches the check that refuses it
                with localcontext() as room:
                    room.prec = max(room.prec, len(compact) + 2)
                    return format(parse_decimal(compact, self._locale, strict=True), "f")
            except NumberFormatError:
                pass
        return compact if _PLAIN_NUMBER.fullmatch(compact) else text

    def percent(self, rate: Decimal) -> str:
        """A rate given as a fraction (``0.19``) as "19 %" in the locale's style."""
        return format_percent(Decimal(rate), locale=self._locale, decimal_quantization=False)

    def date(self, value: dt.date | None) -> str:
        """A date in the locale's medium style ("Mar 5, 2025", "05.03.2025"); of a moment, the
        day it is in the configured time zone."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):  # the day it is in the configured zone
            value = (value.astimezone(self.timezone) if value.tzinfo else value).date()
        return self._day(value) if type(value) is dt.date else self._write_day(value)

    def _write_day(self, value: dt.date) -> str:
        text: str = self._date.apply(value, self._locale)
        return text

    def datetime(self, value: dt.datetime | None) -> str:
        """A moment in the configured time zone, with that zone: "Mar 5, 2025, 2:30 PM GMT+01:00",
        "05.03.2025, 14:30 MEZ", "2025/03/05 22:30 JST". A naive value is taken as UTC."""
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        local = value.astimezone(self.timezone)
        time = f"{self._time.apply(local, self._locale)} {zone_label(local, self._locale)}"
        return self._date_time.replace("{1}", self._date.apply(local, self._locale)).replace("{0}", time)

    def unit(self, code: str | None, quantity: Decimal = Decimal(1)) -> str:
        """The name of a line's unit after ``quantity`` ("hours", "Stunden", "kg", "個")."""
        return unit_name(code, Decimal(quantity), self._locale) if code else ""

    def measure(self, quantity: Decimal, code: str | None) -> str:
        """A quantity with its unit: "1.5 hours", "3 Stück", "2,5 kg"; just the number without one."""
        number = self.quantity(quantity)
        name = self.unit(code, quantity)
        return f"{number}\u00a0{name}" if name else number

    def country(self, code: str | None) -> str:
        """The name of a country code in this locale ("Deutschland" for "DE" in de_DE)."""
        return country_name(code or "", self._locale)

    def address(self, address: PostalAddress | None) -> list[str]:
        """An address's printed lines in its country's order, the country by name."""
        return address_lines(address, self._locale) if address is not None else []

    def value(self, value: Any) -> str:
        """A value of a message (``oro_invoices.domain.messages``) in this locale: an ``Amount``
        as money, a ``Percent`` as a percentage, a date, a moment with its zone, a decimal or a
        ``Number`` as a number."""
        if isinstance(value, Amount):
            return self.money(value.amount, value.currency)
        if isinstance(value, Number):
            return format_decimal(value.value, locale=self._locale, decimal_quantization=False)
        if isinstance(value, Percent):
            return self.percent(value.rate)
        if isinstance(value, dt.datetime):
            return self.datetime(value)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, Decimal):
            return format_decimal(value, locale=self._locale, decimal_quantization=False)
        return str(value)

    def seller_address(self, seller: SellerInfo) -> list[str]:
        """The seller's printed address lines: its structured address in its country's order,
        else (an install that only has the free text) the lines of ``business_address``."""
        structured = seller.postal_address
        if structured is not None:
            return self.address(structured)
        return [line.strip() for line in seller.business_address.splitlines() if line.strip()]

    def filters(self) -> dict[str, Callable[..., Any]]:
        """The Jinja2 filters: money, amount, unit_price, quantity, field_number, unit, measure, percent, date, datetime,
        country, address and seller_address (lists of lines), keep_words (no line break inside a
        Japanese word)."""
        return {"money": self.money, "amount": self.amount, "unit_price": self.unit_price, "quantity": self.quantity,
                "field_number": self.field_number,
                "unit": self.unit, "measure": self.measure, "percent": self.percent,
                "date": self.date, "datetime": self.datetime, "country": self.country,
                "address": self.address, "seller_address": self.seller_address, "keep_words": keep_words}
