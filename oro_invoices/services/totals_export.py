"""The invoices a filter selects as one CSV row each, with their totals and payment state:
what an accountant reconciles, as opposed to the import's layout (``exporting``: one row
per line item). Streamed a page of ``PAGE`` invoices at a time; amounts are plain decimals in
the invoice's currency. A draft has no payment status until it is posted: its cell is empty.
"""
from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from oro_invoices.domain.invoice import InternalStatus
from oro_invoices.formatting.spreadsheet import CsvWriter
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.read_models import InvoiceSummary
from oro_invoices.services.exporting import PAGE, drain
from oro_invoices.services.facade import InvoiceService

TOTALS_COLUMNS = ("invoice_number", "document_type", "status", "external_id", "invoice_date", "due_date",
                  "customer_name", "customer_user_email", "currency", "total_amount", "amount_credited",
                  "amount_paid", "amount_due", "payment_status", "payment_method")


def totals_rows(service: InvoiceService, filters: InvoiceFilter, *, sort: str = "id",
                status_order: Sequence[str] | None = None) -> Iterator[list[str]]:
    """A row of ``TOTALS_COLUMNS`` per invoice ``filters`` selects, in ``sort`` (oldest first by
    default; ``status_order`` as for ``InvoiceService.list_invoices``)."""
    cursor: str | None = None
    while True:
        page = service.list_invoices(filters, sort=sort, limit=PAGE, cursor=cursor, status_order=status_order)
        yield from (_row(summary) for summary in page.items)
        if page.next_cursor is None or not page.items:
            return
        cursor = page.next_cursor


def totals_csv_text(service: InvoiceService, filters: InvoiceFilter, *, sort: str = "id",
                    status_order: Sequence[str] | None = None) -> Iterator[str]:
    """The CSV of ``totals_rows`` piece by piece: the header row, then a page of rows at a time."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(TOTALS_COLUMNS)
    for count, row in enumerate(totals_rows(service, filters, sort=sort, status_order=status_order), start=1):
        writer.writerow(row)
        if count % PAGE == 0:
            yield drain(buffer)
    yield drain(buffer)


def _row(s: InvoiceSummary) -> list[str]:
    return [s.invoice_number or "", s.document_type.value, s.status.value, s.external_id or "",
            s.invoice_date.isoformat(), s.due_date.isoformat() if s.due_date else "", s.customer_name,
            s.customer_user_email, s.currency, format(s.total_amount, "f"), format(s.amount_credited, "f"),
            format(s.amount_paid, "f"), format(s.amount_due, "f"),
            s.payment_status.value if s.status is InternalStatus.POSTED else "", s.payment_method]
