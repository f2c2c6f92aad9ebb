"""The receivables aging in detail ("aged receivables detail"): every invoice the aging counts, with
its customer, dates, days overdue, bucket and amounts, as CSV for an accountant to reconcile the
Aging Report's figures invoice by invoice.

The invoices and amounts are the Aging Report's on the same day (``services.aging``): those open
today, or at the end of a past day those open then for what each owed then
(``persistence.aging_history.open_items_on``). Rows come by currency, customer name and due date;
each names its customer as the host does, as the report does (the order is that of the names
the invoices carry).
Today's are streamed as they are read; a past day's are read whole (the day is at most
``aging.DAYS_BACK_MAX`` back).
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import replace

from sqlalchemy import func

from oro_invoices.adapters.commerce import customers_of
from oro_invoices.domain.aging import bucket_of
from oro_invoices.domain.money import from_minor
from oro_invoices.formatting.spreadsheet import CsvWriter
from oro_invoices.persistence.aging_history import open_items_on
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.statement import OpenItemRow, item_row, open_items_query
from oro_invoices.services.aging import check_as_of, check_currency, name_starts, read_report
from oro_invoices.services.context import ServiceContext

#: The CSV's columns: the customer, the invoice, how late it is and what it owes.
DETAIL_COLUMNS = ("customer_id", "customer_name", "currency", "invoice_number", "invoice_date", "due_date",
                  "days_overdue", "bucket", "total", "paid", "credited", "due", "held")
#: How many rows are written to the CSV at a time.
ROWS_PER_PIECE = 500


def aging_detail(ctx: ServiceContext, within: InvoiceFilter, *,
                 today: dt.date | None = None) -> tuple[dt.date, Iterator[OpenItemRow]]:
    """The day judged on (the clock's UTC date unless ``today``) and the invoices the aging of
    ``within`` counts on it, by currency, customer name and due date (rows made as they are read).

    :raises ValidationError: a currency that is no code, or a day too far back or ahead.
    """
    check_currency(within.currency)
    now = ctx.books_today(within)
    as_of = check_as_of(today, now) or now
    prefix = within.customer_name_prefix if ctx.host is not None else None
    if prefix:  # the customers the report names so (the host's names): those the report lists
        report = read_report(ctx, within, today=as_of, credit=False)
        customers = {line.customer_id for line in report.lines if line.customer_id is not None}
        within = replace(within, customer_name_prefix=None)
    if as_of < now:
        with ctx.db.session() as s:
            rows, _count = open_items_on(s, day=as_of, within=within, limit=10 ** 9, zone=ctx.books_zone(within))
        found: Iterator[OpenItemRow] = iter(sorted(rows, key=_order))
    else:
        found = _streamed(ctx, within)
    if prefix:
        found = (row for row in found
                 if (row.customer_id in customers if row.customer_id is not None
                     else name_starts(row.customer_name, prefix)))
    return as_of, _host_named(ctx, found)


def _host_named(ctx: ServiceContext, rows: Iterator[OpenItemRow]) -> Iterator[OpenItemRow]:
    """``rows`` naming each customer as the host does, as the report does (one look-up of the
    customers adapter per ``ROWS_PER_PIECE`` rows), whatever text the invoice carries."""
    if ctx.host is None:
        yield from rows
        return
    names: dict[int, str] = {}
    while piece := list(itertools.islice(rows, ROWS_PER_PIECE)):
        wanted = {row.customer_id for row in piece if row.customer_id is not None} - names.keys()
        if wanted:
            found = customers_of(ctx.host.customers, wanted)
            names.update({i: found[i].name if i in found and found[i].name else "" for i in wanted})
        for row in piece:
            name = names.get(row.customer_id) if row.customer_id is not None else None
            yield replace(row, customer_name=name) if name else row


def aging_detail_csv(as_of: dt.date, rows: Iterable[OpenItemRow]) -> Iterator[str]:
    """``rows`` as CSV (``DETAIL_COLUMNS``), judged on ``as_of``, in pieces of ``ROWS_PER_PIECE``."""
    yield ",".join(DETAIL_COLUMNS) + "\n"
    rows = iter(rows)
    while piece := list(itertools.islice(rows, ROWS_PER_PIECE)):
        buffer = io.StringIO()
        CsvWriter(buffer).writerows(_cells(row, as_of) for row in piece)
        yield buffer.getvalue()


def _cells(row: OpenItemRow, as_of: dt.date) -> list[object]:
    """A row's cells. An invoice held in full is in its due date's bucket, as the report counts
    it, but not overdue (0 days, as the statement says); ``held`` is what authorizations hold of
    its amount due, which the report takes off the overdue past the due date."""
    late = max((as_of - row.due_date).days, 0)
    return ["" if row.customer_id is None else row.customer_id, row.customer_name, row.currency, row.number,
            row.invoice_date.isoformat(), row.due_date.isoformat(), 0 if row.held else late, bucket_of(late).key,
            *(format(from_minor(amount, row.currency), "f")
              for amount in (row.total, row.paid, row.credited, row.due, row.holding))]


def _streamed(ctx: ServiceContext, within: InvoiceFilter) -> Iterator[OpenItemRow]:
    """Today's open invoices of ``within``, in the detail's order, read a part at a time."""
    stmt = open_items_query(within).order_by(PaymentState.currency, func.lower(PaymentState.customer_name),
                                             PaymentState.customer_id, PaymentState.open_due_date,
                                             Invoice.invoice_date, PaymentState.invoice_id)
    with ctx.db.snapshot() as s:                    # a snapshot's transaction lets the rows stream
        for row in s.execute(stmt.execution_options(yield_per=ROWS_PER_PIECE)):
            yield item_row(row)


def _order(row: OpenItemRow) -> tuple[str, str, int, dt.date, dt.date, int]:
    return row.currency, row.customer_name.lower(), row.customer_id or 0, row.due_date, row.invoice_date, row.invoice_id


