"""**Export CSV**, **Export Totals (CSV)** and **Download PDFs (ZIP)** on the back-office grid:
every invoice the grid's filters select, not only one page.

**Export CSV** has the layout of ``oro-invoices export`` (``services.exporting``), so it can be
imported again; **Export Totals** has a row per invoice with its totals and payment state
(``services.totals_export``), for reconciling; **Download PDFs** is one ZIP archive of the
stored PDFs of the posted ones (``services.pdf_archive``). All are streamed, a page of invoices
at a time, as they are read. The admin needs what the grid needs (``oro_invoices.view``) and gets
only their organization's invoices.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from oro_invoices.domain.errors import ValidationError
from oro_invoices.i18n import _
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.exporting import csv_text, export_records
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.totals_export import totals_csv_text
from oro_invoices.web import listing
from oro_invoices.web.backoffice import GRID_DEFAULT_SORT, GRID_FILTERS, GRID_SORTS, BackOffice
from oro_invoices.web.downloads import CSV, archive_download
from oro_invoices.web.http import Request, Response


class GridExport:
    """The grid's **Export CSV** action."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def export_csv(self, req: Request) -> Response:
        """The grid's current filter as a CSV download (``invoices-YYYY-MM-DD.csv``), oldest first
        whatever the grid's sort: importing it again needs each invoice before its credit notes."""
        service = self.backoffice.ctx.service
        filters = self._filters(req)
        return _download("invoices", csv_text(export_records(service, filters)), service, filters)

    def export_totals_csv(self, req: Request) -> Response:
        """The grid's current filter, one row per invoice with its totals, in the grid's order
        (``invoice-totals-YYYY-MM-DD.csv``)."""
        service = self.backoffice.ctx.service
        filters = self._filters(req)
        sort, status_order = self._order(req, filters)
        return _download("invoice-totals", totals_csv_text(service, filters, sort=sort, status_order=status_order),
                         service, filters)

    def export_pdfs(self, req: Request) -> Response:
        """The stored PDFs of the grid's current filter as one ZIP archive, in the grid's order
        (``invoice-pdfs-YYYY-MM-DD.zip``). Drafts have none: a filter of drafts only is refused."""
        filters = self._filters(req)
        if filters.status == "draft":
            raise ValidationError([("status", _("Drafts have no PDF: choose Posted or Any status to "
                                                "download PDFs."))])
        return archive_download(self.backoffice.ctx.service, filters, "invoice-pdfs",
                                order=self._order(req, filters))

    def _filters(self, req: Request) -> InvoiceFilter:
        """The grid's filter of this request (a bad one: 400, saying which; amounts read as the
        grid's page writes them)."""
        bo = self.backoffice
        bo.check(req)
        args, _ = listing.parse_filters(req.query, GRID_FILTERS, bo.ctx.page_formatter(req).typed_number)
        return replace(bo.base_filter(req), **args)

    def _order(self, req: Request, filters: InvoiceFilter) -> tuple[str, tuple[str, ...] | None]:
        """The grid's sort of this request (a sort the grid does not offer: 400, saying why)."""
        return listing.read_order(req.query, GRID_SORTS, GRID_DEFAULT_SORT,
                                  currency=filters.currency is not None, currency_sorts=listing.CURRENCY_SORTS)


def _download(stem: str, pieces: Iterator[str], service: InvoiceService, filters: InvoiceFilter) -> Response:
    """``pieces`` as ``<stem>-YYYY-MM-DD.csv``, of today in the time zone of ``filters``' organization
    (the admin's)."""
    name = f"{stem}-{service.books_today(filters).isoformat()}.csv"
    return Response(status=200, body=_encoded(pieces), content_type=CSV, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


def _encoded(pieces: Iterator[str]) -> Iterator[bytes]:
    for text in pieces:
        yield text.encode("utf-8")
