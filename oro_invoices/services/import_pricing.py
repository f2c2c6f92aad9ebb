"""An imported invoice's lines priced: their columns and the invoice's totals, in minor units.

Pricing is the domain's ``compute_lines``; what it gives in minor units (``LineSums``) needs only
the lines and the currency, so a process checking an import can work it out and hand it over
with the record (``Record.line_sums``), and the writer only puts the columns together.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oro_invoices.domain.invoice import LineInput, compute_lines
from oro_invoices.domain.money import to_minor

__all__ = ["LineSums", "Priced", "line_sums", "priced"]

#: ``(currency, subtotal, tax amount, total amount, ((row total, row tax) of each line, …))``
LineSums = tuple[str, int, int, int, tuple[tuple[int, int], ...]]
#: the lines' columns and the invoice's totals columns
Priced = tuple[list[dict[str, Any]], dict[str, int]]


def line_sums(given: Sequence[Mapping[str, Any]], currency: str) -> LineSums | None:
    """The sums of the lines ``given`` (as the API's schema loads them); None for a negative total."""
    return _sums([LineInput(**line) for line in given], currency)


def priced(given: Sequence[Mapping[str, Any]], currency: str, sums: LineSums | None = None) -> Priced | None:
    """The columns of the lines ``given`` and the invoice's totals; None for a negative total.

    ``sums``: what ``line_sums`` gave for these lines, if known (used only for the same currency
    and number of lines).
    """
    inputs = [LineInput(**line) for line in given]
    if sums is None or sums[0] != currency or len(sums[4]) != len(inputs):
        sums = _sums(inputs, currency)
        if sums is None:
            return None
    _, subtotal, tax_amount, total_amount, rows = sums
    lines = [dict(position=position, description=line.description, sku=line.sku, unit=line.unit,
                  quantity=line.quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
                  row_total=row_total, row_tax=row_tax, tax_category=line.tax_category or None,
                  tax_exemption_reason=line.tax_exemption_reason or None)
             for position, (line, (row_total, row_tax)) in enumerate(zip(inputs, rows, strict=True), start=1)]
    return lines, dict(subtotal=subtotal, tax_amount=tax_amount, total_amount=total_amount)


def _sums(inputs: list[LineInput], currency: str) -> LineSums | None:
    computed, totals = compute_lines(inputs, currency)
    if totals.total_amount < 0:
        return None
    return (currency, to_minor(totals.subtotal, currency), to_minor(totals.tax_amount, currency),
            to_minor(totals.total_amount, currency),
            tuple((to_minor(line.row_total, currency), to_minor(line.row_tax, currency)) for line in computed))
