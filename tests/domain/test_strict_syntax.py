"""Amounts are plain ASCII decimals; numbers and external ids have no invisible edges."""
from __future__ import annotations

from decimal import Decimal

import pytest

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import identifier_problem
from oro_invoices.domain.money import is_decimal_text, parse_decimal


@pytest.mark.parametrize("text,expected", [
    ("19.99", Decimal("19.99")), ("0", Decimal("0")), ("-0.5", Decimal("-0.5")),
    ("007", Decimal("7")), ("1000000", Decimal("1000000")),
])
def test_plain_decimals_are_read_exactly(text, expected):
    assert is_decimal_text(text)
    assert parse_decimal(text, "amount") == expected


def test_integers_are_accepted():
    assert parse_decimal(12, "amount") == Decimal(12)


@pytest.mark.parametrize("text", [
    "1_000",            # Python's digit separator
    "١٢٣",              # Arabic-Indic digits
    "٣.٥", "１２", "१२",  # Arabic-Indic, full-width and Devanagari digits
    "1,000.00", "1.000,00", " 1", "1 ", "1\n", "\t1", "+1", "--1", "1.", ".5", "1.2.3",
    "1e3", "1E-2", "0x10", "NaN", "Infinity", "-inf", "", "-", "19.99\u200b",
])
def test_anything_else_is_not_an_amount(text):
    assert not is_decimal_text(text)
    with pytest.raises(ValidationError) as err:
        parse_decimal(text, "lines[0].quantity")
    [(field, message)] = err.value.errors
    assert field == "lines[0].quantity"
    assert "is not a decimal number" in message and 'write it like "19.99"' in message


@pytest.mark.parametrize("value", [0.5, True, None, ["1"], {"amount": "1"}])
def test_floats_and_other_types_are_refused(value):
    with pytest.raises(ValidationError):
        parse_decimal(value, "amount")


@pytest.mark.parametrize("value", ["INV-2026-11-00001", "ERP/SO 1004", "Ürün-7", "a"])
def test_plain_identifiers_pass(value):
    assert identifier_problem(value) is None


@pytest.mark.parametrize("value,problem", [
    ("INV-1\n", "start or end"), (" INV-1", "start or end"), ("INV-1\t", "start or end"),
    ("INV-1\u00a0", "start or end"), ("INV\n1", "control characters"),
    ("INV-\u200b1", "invisible"), ("INV-1\u202e", "invisible"), ("INV\u20281", "line breaks"),
    ("INV\x7f1", "control characters"),
])
def test_invisible_edges_and_controls_are_refused(value, problem):
    assert problem in identifier_problem(value)
