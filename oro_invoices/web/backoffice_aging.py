"""**Aging Report** of the back-office: what each customer of the admin's organization still owes
on posted invoices, by days past the due date (``services.aging``), one table per currency, and
its CSV. The admin needs what the grid needs (``oro_invoices.view``).
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from oro_invoices.domain.aging import BUCKETS
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.messages import Message
from oro_invoices.i18n import _
from oro_invoices.services.aging import SORTS, aging_csv_text, check_currency
from oro_invoices.web.backoffice import BackOffice, currency_options
from oro_invoices.web.backoffice_export import CSV
from oro_invoices.web.http import Request, Response


class AgingPages:
    """The report page and its **Export CSV**."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def report(self, req: Request) -> Response:
        """The report; ``?sort=`` orders each currency's customers (``SORTS``: by name, or by an
        amount, the largest first). An unknown ``?currency=`` or ``?sort=`` is said beside its
        field (422) over the report of every currency in name order."""
        bo = self.backoffice
        bo.check(req)
        chosen, sort = req.query.get("currency") or None, req.query.get("sort") or "customer"
        errors: dict[str, str] = {}
        try:
            check_currency(chosen)
        except ValidationError:
            errors["currency"], chosen = _("Choose one of the currencies listed."), None
        if sort not in SORTS:
            errors["sort"], sort = _("Choose one of the orders listed."), "customer"
        report = bo.ctx.service.receivables_aging(replace(bo.base_filter(req), currency=chosen)).sorted_by(sort)
        html = bo.ctx.render("admin/aging.html", req, report=report, buckets=BUCKETS, chosen=chosen, sort=sort,
                             currency_options=currency_options(chosen), errors=errors,
                             sort_link=lambda key: _query(chosen, key) or "?", csv_query=_query(chosen, sort))
        return Response.html(html, status=422 if errors else 200, title=_("Aging Report"))

    def report_csv(self, req: Request) -> Response:
        """The report as CSV (``aging-YYYY-MM-DD.csv``), in the page's order; an unknown
        ``?currency=`` or ``?sort=``: 422."""
        bo = self.backoffice
        bo.check(req)
        sort = req.query.get("sort") or "customer"
        if sort not in SORTS:
            raise ValidationError([("sort", Message("Must be one of %(sorts)s.", sorts=", ".join(SORTS)))])
        report = bo.ctx.service.receivables_aging(
            replace(bo.base_filter(req), currency=req.query.get("currency") or None)).sorted_by(sort)
        name = f"aging-{report.as_of.isoformat()}.csv"
        return Response(status=200, body=aging_csv_text(report).encode("utf-8"), content_type=CSV, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


def _query(currency: str | None, sort: str) -> str:
    """The query string of the report in ``currency`` (None: every one) sorted by ``sort``; "" for the default."""
    params = {**({"currency": currency} if currency else {}), **({"sort": sort} if sort != "customer" else {})}
    return "?" + urlencode(params) if params else ""
