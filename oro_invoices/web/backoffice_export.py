"""**Export CSV** on the back-office grid: every invoice the grid's filters select, not only one page.

The file has the layout of ``oro-invoices export`` (``services.exporting``), so it can be
imported again. It is streamed, a page of invoices at a time, as it is read. The admin needs
what the grid needs (``oro_invoices.view``) and gets only their organization's invoices.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from oro_invoices.services.exporting import csv_text, export_records
from oro_invoices.web import listing
from oro_invoices.web.backoffice import GRID_FILTERS, BackOffice
from oro_invoices.web.http import Request, Response

CSV = "text/csv; charset=utf-8"


class GridExport:
    """The grid's **Export CSV** action."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def export_csv(self, req: Request) -> Response:
        """The grid's current filter as a CSV download (``invoices-YYYY-MM-DD.csv``)."""
        bo = self.backoffice
        bo.check(req)
        # a bad filter: 400, saying which; amounts read as the grid's page writes them
        args, _ = listing.parse_filters(req.query, GRID_FILTERS, bo.ctx.page_formatter(req).typed_number)
        filters = replace(bo.base_filter(req), **args)
        service = bo.ctx.service
        name = f"invoices-{service.clock().date().isoformat()}.csv"
        return Response(status=200, body=_encoded(csv_text(export_records(service, filters))),
                        content_type=CSV, headers={
                            "Content-Disposition": f'attachment; filename="{name}"',
                            "Cache-Control": "private, no-store"})


def _encoded(pieces: Iterator[str]) -> Iterator[bytes]:
    for text in pieces:
        yield text.encode("utf-8")
