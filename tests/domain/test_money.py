"""Money is exact: Decimal, rounded by each currency's minor units, tax per rate."""
from decimal import Decimal

import pytest

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import LineInput, compute_lines
from oro_invoices.domain.money import (
    from_minor,
    minor_units,
    parse_decimal,
    round_money,
    to_minor,
    too_many_decimals,
)


@pytest.mark.parametrize("currency,amount,expected", [
    ("USD", "10.005", "10.01"), ("USD", "10.004", "10.00"),
    ("JPY", "1234.5", "1235"), ("JPY", "1234.4", "1234"),
    ("BHD", "1.2345", "1.235"), ("BHD", "1.2344", "1.234"),
])
def test_rounding_follows_the_currency_minor_units(currency, amount, expected):
    assert str(round_money(Decimal(amount), currency)) == expected


def test_minor_units_round_trip_exactly():
    assert minor_units("JPY") == 0 and minor_units("BHD") == 3 and minor_units("EUR") == 2
    assert to_minor(Decimal("19.99"), "USD") == 1999
    assert to_minor(Decimal("1500"), "JPY") == 1500
    assert to_minor(Decimal("1.234"), "BHD") == 1234
    assert from_minor(1999, "USD") == Decimal("19.99")
    assert str(from_minor(1234, "BHD")) == "1.234"
    for currency in ("USD", "JPY", "BHD", "CLF"):
        for value in (0, 1, -1, 5, -5, 99, 100, 1999, -1999, 10**17, -(10**17), 123456789012345678):
            made = from_minor(value, currency)
            assert made.as_tuple() == Decimal(value).scaleb(-minor_units(currency)).quantize(
                Decimal(1).scaleb(-minor_units(currency))).as_tuple(), (value, currency)
            assert to_minor(made, currency) == value and str(made) == str(round_money(made, currency))


def test_more_decimals_than_the_currency_allows_is_refused():
    """Said one way wherever an amount is checked; a currency without decimals says it has none."""
    with pytest.raises(ValidationError, match=r"amount: JPY amounts have no decimals\.$"):
        to_minor(Decimal("1.5"), "JPY")
    with pytest.raises(ValidationError, match=r"amount: EUR amounts have at most 2 decimals\.$"):
        to_minor(Decimal("1.005"), "EUR")
    assert too_many_decimals("KWD") == "KWD amounts have at most 3 decimals."
    assert too_many_decimals("JPY").msgid == "%(currency)s amounts have no decimals."


def test_floats_are_refused():
    with pytest.raises(ValidationError, match="not floats"):
        parse_decimal(0.1, "amount")


def test_true_and_false_are_refused_as_what_they_are():
    for value in (True, False):
        with pytest.raises(ValidationError, match=r'as decimal strings such as "19\.99", not true or false\.$'):
            parse_decimal(value, "amount")


def test_tax_is_rounded_once_per_rate_and_totals_are_computed():
    lines, totals = compute_lines([
        LineInput("A", Decimal("1"), Decimal("0.10"), Decimal("0.19")),
        LineInput("B", Decimal("1"), Decimal("0.10"), Decimal("0.19")),
        LineInput("C", Decimal("1"), Decimal("0.10"), Decimal("0.19")),
        LineInput("D", Decimal("2"), Decimal("10.00"), Decimal("0.07")),
    ], "EUR")
    # Per line 0.019 rounds to 0.02 (0.06 for three), but per rate 0.30 × 0.19 = 0.057 → 0.06.
    rates = {str(t.rate): (str(t.base), str(t.amount)) for t in totals.taxes}
    assert rates == {"0.19": ("0.30", "0.06"), "0.07": ("20.00", "1.40")}
    assert str(totals.subtotal) == "20.30"
    assert str(totals.tax_amount) == "1.46"
    assert str(totals.total_amount) == "21.76"
    assert [str(l.row_total) for l in lines] == ["0.10", "0.10", "0.10", "20.00"]


def test_jpy_invoice_has_no_minor_units():
    _, totals = compute_lines([LineInput("Tea", Decimal("3"), Decimal("333"), Decimal("0.08"))], "JPY")
    assert (str(totals.subtotal), str(totals.tax_amount), str(totals.total_amount)) == ("999", "80", "1079")
