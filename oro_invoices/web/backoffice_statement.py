"""A customer's **Statement** in the back-office: their open invoices with what each still owes
and how late it is, per currency with its aging (``services.statement``), as a page, a PDF to
send them and a CSV. Opened from the Aging Report; the admin needs what the grid needs
(``oro_invoices.view``) and sees only customers of their organization.
"""
from __future__ import annotations

from oro_invoices.domain.aging import BUCKETS
from oro_invoices.domain.errors import NotFound
from oro_invoices.domain.limits import parse_id
from oro_invoices.i18n import _
from oro_invoices.services.statement import Statement, statement_csv_text
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.backoffice_export import CSV
from oro_invoices.web.downloads import statement_download, statement_file_name
from oro_invoices.web.http import Request, Response


class StatementPages:
    """The statement page, its PDF and its CSV, for ``?customer=<id>``."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def statement(self, req: Request) -> Statement:
        """The statement of the customer ``?customer=`` names, for an admin who may see it;
        ``NotFound`` for a customer that is not theirs (or unknown, with no open invoice)."""
        bo = self.backoffice
        bo.check(req)
        customer_id = parse_id(req.query.get("customer"))
        if customer_id is None:
            raise NotFound(_("That customer does not exist."))
        try:
            return bo.ctx.service.statement_of(customer_id, organization_id=bo.base_filter(req).organization_id)
        except NotFound:
            raise NotFound(_("That customer does not exist.")) from None

    def page(self, req: Request) -> Response:
        """The statement as a page, with **Download PDF** and **Export CSV**."""
        found = self.statement(req)
        who = found.customer_name or f"#{found.customer_id}"
        html = self.backoffice.ctx.render("admin/statement.html", req, statement=found, buckets=BUCKETS,
                                          customer=who, query=f"?customer={found.customer_id}")
        return Response.html(html, title=_("Statement of %(customer)s", customer=who))

    def pdf(self, req: Request) -> Response:
        """The statement as PDF (``statement-<customer id>-<date>.pdf``), made now."""
        return statement_download(self.backoffice.ctx.service, self.statement(req))

    def csv(self, req: Request) -> Response:
        """The statement as CSV: a row per open invoice (``statement-<customer id>-<date>.csv``)."""
        found = self.statement(req)
        return Response(status=200, body=statement_csv_text(found).encode("utf-8"), content_type=CSV, headers={
            "Content-Disposition": f'attachment; filename="{statement_file_name(found, "csv")}"',
            "Cache-Control": "private, no-store"})
