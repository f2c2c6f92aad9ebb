"""**Aging Report** of the back-office: what each customer of the admin's organization still owes
on posted invoices, by days past the due date (``services.aging``), one table per currency, and
its CSV. The admin needs what the grid needs (``oro_invoices.view``).
"""
from __future__ import annotations

from dataclasses import replace

from oro_invoices.domain.aging import BUCKETS
from oro_invoices.domain.errors import ValidationError
from oro_invoices.i18n import _
from oro_invoices.services.aging import aging_csv_text, check_currency
from oro_invoices.web.backoffice import BackOffice, currency_options
from oro_invoices.web.http import Request, Response

CSV = "text/csv; charset=utf-8"


class AgingPages:
    """The report page and its **Export CSV**."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def report(self, req: Request) -> Response:
        """The report; an unknown ``?currency=`` is said beside its field (422) over the report of
        every currency."""
        bo = self.backoffice
        bo.check(req)
        chosen = req.query.get("currency") or None
        error = ""
        try:
            check_currency(chosen)
        except ValidationError:
            error, chosen = _("Choose one of the currencies listed."), None
        report = bo.ctx.service.receivables_aging(replace(bo.base_filter(req), currency=chosen))
        html = bo.ctx.render("admin/aging.html", req, report=report, buckets=BUCKETS, chosen=chosen,
                             currency_options=currency_options(chosen), error=error,
                             csv_query=f"?currency={chosen}" if chosen else "")
        return Response.html(html, status=422 if error else 200, title=_("Aging Report"))

    def report_csv(self, req: Request) -> Response:
        """The report as CSV (``aging-YYYY-MM-DD.csv``); an unknown ``?currency=``: 422."""
        bo = self.backoffice
        bo.check(req)
        report = bo.ctx.service.receivables_aging(replace(bo.base_filter(req), currency=req.query.get("currency") or None))
        name = f"aging-{report.as_of.isoformat()}.csv"
        return Response(status=200, body=aging_csv_text(report).encode("utf-8"), content_type=CSV, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})
