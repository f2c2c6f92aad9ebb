"""Export of invoices in the import's layouts (CSV, JSON Lines), streamed page by page.

What export writes, ``importing`` reads back into the same invoices: numbers, dates,
amounts (lines), statuses. Invoices are read in pages of ``PAGE`` and written as they
come, so memory does not grow with the number of invoices. An invoice without an
external id is written with one no invoice of its organization has (``StandIns``), so that the
import creates it again and a credit note names it. Text that a
spreadsheet would run as a formula is marked as text (``formatting.spreadsheet``), a mark the
import takes off again.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from sqlalchemy import select

from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.formatting.spreadsheet import CsvWriter
from oro_invoices.persistence.models import Invoice
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.import_payloads import document_payload, stand_in
from oro_invoices.services.import_reading import ADDRESS_PARTS, BUYER_PARTS, LINE_FIELDS

PAGE = 500
HEAD_COLUMNS = ("external_id", "invoice_number", "invoice_date", "due_date", "delivery_date",
                "delivery_period_start", "delivery_period_end", "currency", "organization_id",
                "website_id", "customer_id", "customer_user_id", "customer_name", "customer_user_email",
                "order_id", "order_identifier", "purchase_order", "status", "payment_status", "external_payment_url",
                "document_type", "credited_invoice_external_id", "credit_reason")
CSV_COLUMNS = (HEAD_COLUMNS + tuple(f"bill_to_{p}" for p in ADDRESS_PARTS)
               + tuple(f"ship_to_{p}" for p in ADDRESS_PARTS) + tuple(f"buyer_{p}" for p in BUYER_PARTS)
               + tuple(f"line_{f}" for f in LINE_FIELDS))


class StandIns:
    """The external ids export writes for invoices that have none: ``ORO-<id>``, or, when an
    invoice of the same organization has that external id, the first of ``ORO-<id>-2``,
    ``ORO-<id>-3`` … none has. Each depends only on the invoice's id and the external ids stored,
    so an invoice and a credit note naming it get the same one, and two invoices never do (the
    number before the suffix is the invoice's own id)."""

    def __init__(self, service: InvoiceService):
        self.service = service
        self._given: dict[int, str] = {}

    def learn(self, docs: Iterable[InvoiceDocument]) -> None:
        """Work out at once the stand-ins of ``docs`` without an external id, and of the
        invoices they credit (one query for the page, another per clash)."""
        wanted = {doc.id: doc.organization_id for doc in docs if not doc.external_id}
        wanted.update((doc.credited_invoice.id, doc.organization_id) for doc in docs
                      if doc.credited_invoice is not None and not doc.credited_invoice.external_id)
        wanted = {invoice: org for invoice, org in wanted.items() if invoice not in self._given}
        taken = self._taken(set(wanted.values()), [stand_in(invoice) for invoice in wanted])
        for invoice, org in wanted.items():
            given, suffix = stand_in(invoice), 1
            while (org, given) in taken:
                suffix += 1
                given = f"{stand_in(invoice)}-{suffix}"
                taken |= self._taken({org}, [given])
            self._given[invoice] = given

    def of(self, invoice_id: int) -> str:
        """The stand-in of ``invoice_id`` (``learn`` first)."""
        return self._given[invoice_id]

    def _taken(self, orgs: set[int], external_ids: list[str]) -> set[tuple[int, str]]:
        if not external_ids:
            return set()
        with self.service.db.session() as session:
            rows = session.execute(select(Invoice.organization_id, Invoice.external_id)
                                   .where(Invoice.organization_id.in_(orgs), Invoice.external_id.in_(external_ids)))
            return {(org, str(ext)) for org, ext in rows}


def export_records(service: InvoiceService, filters: InvoiceFilter) -> Iterator[dict[str, Any]]:
    """Every invoice ``filters`` selects, oldest first, as an import record."""
    cursor: str | None = None
    stand_ins = StandIns(service)
    while True:
        page = service.list_invoices(filters, sort="id", limit=PAGE, cursor=cursor)
        with service.db.session() as session:
            docs = service.context.read_many(session, [summary.id for summary in page.items])
        stand_ins.learn(docs)
        for doc in docs:
            record = document_payload(doc, external_id_of=stand_ins.of)
            if not doc.external_id:
                record["external_id"] = stand_ins.of(doc.id)
            yield record
        if page.next_cursor is None or not page.items:
            return
        cursor = page.next_cursor


def write_jsonl(records: Iterator[dict[str, Any]], out: TextIO,
                progress: Callable[[int], None] | None = None) -> int:
    """One invoice object per line; returns how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
        if progress is not None:
            progress(count)
    return count


def write_csv(records: Iterator[dict[str, Any]], out: TextIO,
              progress: Callable[[int], None] | None = None) -> int:
    """One row per line item, the invoice's columns repeated; returns how many invoices were written."""
    count = -1                                   # the first piece is the header
    for count, text in enumerate(csv_text(records)):
        out.write(text)
        if progress is not None and count:
            progress(count)
    return count


def csv_text(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The CSV of ``records`` piece by piece: the header row, then the rows of each invoice."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)                   # every cell through ``cell``
    writer.writerow(CSV_COLUMNS)
    yield drain(buffer)
    for record in records:
        head = {k: record[k] for k in HEAD_COLUMNS if k in record}
        for which in ("bill_to", "ship_to", "buyer"):
            for part, value in (record.get(which) or {}).items():
                head[f"{which}_{part}"] = value
        for line in record["lines"]:
            row = {**head, **{f"line_{k}": v for k, v in line.items()}}
            writer.writerow([row.get(column, "") for column in CSV_COLUMNS])
        yield drain(buffer)


def drain(buffer: io.StringIO) -> str:
    """What ``buffer`` holds, emptying it (a streamed file's next piece)."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
