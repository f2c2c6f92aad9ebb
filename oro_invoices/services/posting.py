"""The posting requirements (``domain.posting``) with the year range from the settings."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.posting import YearRange, posting_problems
from oro_invoices.integration.config import load_schema
from oro_invoices.persistence.models import Invoice
from oro_invoices.services.context import ServiceContext

EARLIEST_YEAR = "oro_invoices.posting.earliest_year"
LATEST_YEAR = "oro_invoices.posting.latest_year"


def year_range(setting: Callable[[str], Any]) -> YearRange:
    """The plausible years from ``setting(key)``; a source that has no number gives the default."""
    def year(key: str) -> int:
        value = setting(key)
        if isinstance(value, bool) or not isinstance(value, int):
            default: int = load_schema()[key].default
            return default
        return value
    return YearRange(year(EARLIEST_YEAR), year(LATEST_YEAR))


def check_postable(ctx: ServiceContext, inv: Invoice, found: Sequence[tuple[str, str]] = ()) -> None:
    """Raise ``ValidationError`` (one entry per field, after the problems already ``found``)
    unless ``inv`` may be posted."""
    problems = [*found, *posting_problems(
        customer_name=inv.customer_name, bill_to=inv.bill_to, invoice_date=inv.invoice_date,
        due_date=inv.due_date, years=year_range(lambda key: ctx.invoice_setting(key, inv)))]
    if not inv.lines:
        problems.insert(0, ("lines", "An invoice without lines cannot be posted."))
    if problems:
        raise ValidationError(problems)
