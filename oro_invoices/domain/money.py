"""Exact money: ``Decimal`` amounts rounded by each currency's own minor units.

Amounts are never floats. In storage they are integer minor units (cents,
fils, yen), which SQLite and PostgreSQL both keep exactly.
"""
from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import N_, Amount, Message, NumberHint

# ISO 4217 minor units for currencies that differ from the default of 2.
_MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}
# Currencies accepted by the add-on: ISO 4217 active codes (a representative, extendable set).
KNOWN_CURRENCIES = frozenset({
    "AED", "ARS", "AUD", "BGN", "BHD", "BRL", "CAD", "CHF", "CLP", "CNY", "COP", "CZK",
    "DKK", "EGP", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS", "INR", "IQD", "ISK", "JOD",
    "JPY", "KRW", "KWD", "LYD", "MAD", "MXN", "MYR", "NGN", "NOK", "NZD", "OMR", "PEN",
    "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SEK", "SGD", "THB", "TND",
    "TRY", "TWD", "UAH", "USD", "UYU", "VND", "XAF", "XOF", "ZAR",
})


#: Every amount given is less than this, either way (the API says "Must be between
#: -1,000,000,000,000 and 1,000,000,000,000."): in minor units it fits a 64-bit column, and
#: rounded to any currency's decimals it fits the decimal context's 28 digits.
AMOUNT_LIMIT = Decimal(10) ** 12

_DECIMAL_SYNTAX = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
#: How a decimal must be written, for error messages.
DECIMAL_SYNTAX_HINT = N_('write it like "19.99": ASCII digits with an optional leading minus and '
                          "decimal point, no spaces, digit separators or exponent.")
#: The same as a message's value: a page says how its forms read a typed number instead, in its
#: own number format (``NumberHint``).
DECIMAL_SYNTAX = NumberHint(DECIMAL_SYNTAX_HINT)


def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency`` (JPY 0, USD 2, BHD 3)."""
    return _MINOR_UNITS.get(currency, 2)


@functools.cache     # called for every amount rounded; a Decimal is immutable
def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency`` as a Decimal exponent (``Decimal('0.01')``)."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def given_money(amount: Decimal, currency: str) -> Amount:
    """An amount a client or file wrote, as a message states money: with the currency's decimals
    ("400.000" JPY: 400 JPY, "5.5" EUR: 5.50 EUR). One with more decimals than the currency has,
    or too large to round, stays as written: rounding would state another amount."""
    try:
        rounded = round_money(amount, currency)
    except InvalidOperation:
        return Amount(amount, currency)
    return Amount(rounded if rounded == amount else amount, currency)


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal('19.99')``, USD → ``1999``. The amount must already be rounded."""
    rounded = round_money(amount, currency)
    if rounded != amount:
        raise ValidationError([("amount", too_many_decimals(currency))])
    return int(rounded.scaleb(minor_units(currency)))


def too_many_decimals(currency: str) -> Message:
    """What an amount with more decimals than ``currency`` has is told, wherever it is typed or
    sent: "JPY amounts have no decimals.", "EUR amounts have at most 2 decimals."."""
    places = minor_units(currency)
    if places == 0:
        return Message("%(currency)s amounts have no decimals.", currency=currency)
    return Message("%(currency)s amounts have at most %(places)s decimals.", currency=currency, places=places)


def from_minor(value: int, currency: str) -> Decimal:
    """``1999``, USD → ``Decimal('19.99')``: exactly the currency's decimals (``0`` → ``0.00``),
    which a whole number scaled by them has already."""
    return Decimal(int(value)).scaleb(-minor_units(currency))


def is_decimal_text(text: str) -> bool:
    """Whether ``text`` is written ``-?[0-9]+(.[0-9]+)?`` in ASCII: no spaces, signs other
    than a leading minus, digit separators, exponents or non-ASCII digits."""
    return _DECIMAL_SYNTAX.fullmatch(text) is not None


def parse_decimal(value: object, field: str, currency: str = "") -> Decimal:
    """Parse a decimal string or int (never a float) or raise a field error (``currency``: of the
    amount, whose decimals a page's hint on writing it shows)."""
    if isinstance(value, bool):
        raise ValidationError([(field, Message("Give amounts as decimal strings such as \"19.99\", not true or "
                                               "false."))])
    if isinstance(value, float):
        raise ValidationError([(field, Message("Give amounts as decimal strings such as \"19.99\", not floats."))])
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str) or not is_decimal_text(value):
        raise ValidationError([(field, not_a_decimal(value, currency))])
    return Decimal(value)


def not_a_decimal(value: object, currency: str = "") -> Message:
    """What a value that is no decimal number is told: how to write one (the API's strict syntax;
    on a page, as its forms read numbers, with the decimals of ``currency`` when it is an amount)."""
    return Message("%(value)s is not a decimal number: %(hint)s", value=quoted(value),
                   hint=DECIMAL_SYNTAX._replace(currency=currency) if currency else DECIMAL_SYNTAX)
