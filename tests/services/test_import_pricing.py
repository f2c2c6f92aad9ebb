"""An import's lines priced once: the sums the checking process works out give the same columns."""
from __future__ import annotations

from decimal import Decimal

from oro_invoices.services.import_pricing import line_sums, priced

LINES = [{"description": "Widget", "quantity": Decimal("3"), "unit_price": Decimal("19.99"),
          "tax_rate": Decimal("0.19"), "sku": "W-1"},
         {"description": "Manual", "quantity": Decimal("1.5"), "unit_price": Decimal("4.333"),
          "tax_rate": Decimal("0.07"), "tax_category": "S"},
         {"description": "Export", "quantity": Decimal("2"), "unit_price": Decimal("10"),
          "tax_rate": Decimal("0"), "tax_category": "G", "tax_exemption_reason": "Export outside the EU"}]


def test_the_sums_given_price_the_lines_as_working_them_out_does():
    sums = line_sums(LINES, "EUR")
    assert sums == ("EUR", 8647, 1185, 9832, ((5997, 1139), (650, 46), (2000, 0)))
    assert priced(LINES, "EUR", sums) == priced(LINES, "EUR")
    lines, totals = priced(LINES, "EUR", sums)
    assert totals == {"subtotal": 8647, "tax_amount": 1185, "total_amount": 9832}
    assert [(line["position"], line["row_total"], line["row_tax"], line["tax_category"]) for line in lines] == [
        (1, 5997, 1139, None), (2, 650, 46, "S"), (3, 2000, 0, "G")]


def test_sums_of_another_currency_or_other_lines_are_not_used():
    eur = line_sums(LINES, "EUR")
    assert priced(LINES, "JPY", eur) == priced(LINES, "JPY")               # worked out again, in yen
    assert priced(LINES, "JPY")[1]["total_amount"] != eur[3]
    assert priced(LINES[:2], "EUR", eur) == priced(LINES[:2], "EUR")


def test_a_negative_total_is_left_to_the_service():
    refund = [{"description": "Credit", "quantity": Decimal("1"), "unit_price": Decimal("-5")}]
    assert line_sums(refund, "EUR") is None and priced(refund, "EUR") is None
