"""The amounts Stripe charges: its minimum per currency and its largest amount.

Stripe refuses a charge below a minimum that depends on the currency ("Minimum and maximum
charge amounts", docs.stripe.com/currencies). The table holds the currencies Stripe lists there,
in minor units; the method takes no other currency. For each of them Stripe's amount unit is the
ISO 4217 minor unit the add-on stores (cents; yen for JPY, a zero-decimal currency), so amounts
cross unchanged. Stripe's special cases (three-decimal currencies charged in tens, ISK and UGX
written with two decimals) are not in the table, so no amount ever needs rewriting.
"""
from __future__ import annotations

from oro_invoices.integration.payment_methods import AmountLimits

#: Stripe's minimum charge amount per currency, in minor units.
MINIMUM_CHARGE: dict[str, int] = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50,
    "CZK": 1500, "DKK": 250, "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50,
    "JPY": 50, "MXN": 1000, "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200,
    "SEK": 300, "SGD": 50, "THB": 1000,
}
#: Stripe's ``amount`` takes up to eight digits (99,999,999 minor units: $999,999.99, ¥99,999,999).
MAXIMUM_CHARGE = 99_999_999


def charge_limits(currency: str) -> AmountLimits | None:
    """The amounts Stripe charges in ``currency`` (ISO code), or None for a currency not in the table."""
    minimum = MINIMUM_CHARGE.get(currency.upper())
    return AmountLimits(minimum=minimum, maximum=MAXIMUM_CHARGE) if minimum is not None else None
