"""Locale-aware formatting of money, quantities, rates and dates (Babel), for templates."""
from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import DateTimePattern, format_datetime
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, format_percent, parse_pattern

from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.money import minor_units, round_money

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


@functools.lru_cache(maxsize=64)
def number_pattern(pattern: str) -> NumberPattern:
    """``pattern`` ("#,##0.00") parsed once."""
    return parse_pattern(pattern)


class Formatter:
    """Formats values for one locale; its methods are the template's filters.

    The locale and its patterns are parsed once here, not for every value: a page of
    invoices formats hundreds of them.
    """

    def __init__(self, locale: str = "en_US"):
        self.locale = check_locale(locale)
        self._locale = Locale.parse(self.locale)
        self._date: DateTimePattern = parse_date_pattern(self._locale.date_formats["medium"])

    def _currency(self, amount: Decimal, currency: str, max_digits: int) -> str:
        pattern = _currency_pattern(self.locale, minor_units(currency), max_digits)
        text: str = pattern.apply(amount, self._locale, currency=currency, currency_digits=False)
        return text.translate(_HALFWIDTH_SYMBOLS)

    def money(self, amount: Decimal, currency: str) -> str:
        """An amount with the currency's minor units: EUR, de_DE → ``1.234,50 €``."""
        return self._currency(round_money(Decimal(amount), currency), currency, 0)

    def unit_price(self, amount: Decimal, currency: str) -> str:
        """A unit price: the currency's minor units, more when the price has more."""
        amount = Decimal(amount)
        exponent = amount.normalize().as_tuple().exponent  # a letter for NaN and infinity
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return self._currency(amount, currency, decimals)

    def quantity(self, value: Decimal) -> str:
        """A quantity without needless trailing zeros ("3", "2.5", "1,000")."""
        return self.decimal(value, "#,##0.######")

    def decimal(self, value: Decimal, pattern: str, *, quantize: bool = True) -> str:
        """``value`` in ``pattern`` ("#,##0.00") with the locale's separators; ``quantize``
        rounds it to the pattern's decimals."""
        text: str = number_pattern(pattern).apply(Decimal(value), self._locale,
                                                  decimal_quantization=quantize)
        return text

    def percent(self, rate: Decimal) -> str:
        """A rate given as a fraction (``0.19``) as "19 %" in the locale's style."""
        return format_percent(Decimal(rate), locale=self._locale, decimal_quantization=False)

    def date(self, value: dt.date | None) -> str:
        """A date in the locale's medium style ("Mar 5, 2025", "05.03.2025")."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        text: str = self._date.apply(value, self._locale)
        return text

    def datetime(self, value: dt.datetime | None) -> str:
        """A date and time in the locale's medium style, in the value's own time zone."""
        if value is None:
            return ""
        return format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=self._locale)

    def filters(self) -> dict[str, Callable[..., str]]:
        """The Jinja2 filters: money, unit_price, quantity, percent, date, datetime."""
        return {"money": self.money, "unit_price": self.unit_price, "quantity": self.quantity,
                "percent": self.percent, "date": self.date, "datetime": self.datetime}
