"""What corrects an invoice: its credit notes and the invoices issued to replace it, as one
statement of their own reads them (``CORRECTIONS``) or as the invoice's history reads them with
its other rows (``invoice_rows.rows_of_invoice``)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select

from oro_invoices.domain.invoice import DocumentRef, DocumentType
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.models import Invoice, PaymentState

#: The credit notes and replacing invoices of one invoice (``corrections_of``), built once.
CORRECTIONS = (select(*views.SUMMARY_COLUMNS, Invoice.reissued_from_id, PaymentState.invoice_id)
               .outerjoin(PaymentState, PaymentState.invoice_id == Invoice.id)
               .where(or_(Invoice.credited_invoice_id == bindparam("invoice_id"),
                          Invoice.reissued_from_id == bindparam("invoice_id")))
               .order_by(Invoice.id))
#: Where ``CORRECTIONS``' rows hold what is read of them besides the summary's columns.
_COLUMN = {column.key: n for n, column in enumerate(views.SUMMARY_COLUMNS) if column.class_ is Invoice}
_REISSUED_FROM, _HAS_STATE = len(views.SUMMARY_COLUMNS), len(views.SUMMARY_COLUMNS) + 1


@dataclass(frozen=True)
class Corrections:
    """What corrects an invoice: its credit notes and the invoices issued to replace it."""

    credit_notes: list[views.InvoiceSummary]
    reissues: list[DocumentRef]


def corrections_of_rows(invoice_id: int, rows: Sequence[Sequence[Any]]) -> Corrections:
    """The corrections of ``invoice_id`` from rows of ``CORRECTIONS``' columns, oldest first."""
    c = _COLUMN
    return Corrections(
        credit_notes=[views.summary_of_row(row) for row in rows
                      if row[c["credited_invoice_id"]] == invoice_id and row[_HAS_STATE] is not None],
        reissues=[DocumentRef(id=row[c["id"]], number=row[c["invoice_number"]], date=row[c["invoice_date"]],
                              document_type=DocumentType(row[c["document_type"]] or "invoice"),
                              external_id=row[c["external_id"]])
                  for row in rows if row[_REISSUED_FROM] == invoice_id])


def corrections_from(invoice_id: int, invoices: Sequence[Any], states: Sequence[Any]) -> Corrections:
    """The corrections of ``invoice_id`` from the invoices that correct it and their payment
    states, as values with the models' attribute names (``invoice_rows.rows_of_invoice``)."""
    state_of = {state.invoice_id: state for state in states}
    rows = []
    for invoice in sorted(invoices, key=lambda row: row.id):
        state = state_of.get(invoice.id)
        rows.append((*(getattr(invoice if column.class_ is Invoice else state, column.key, None)
                       for column in views.SUMMARY_COLUMNS),
                     invoice.reissued_from_id, None if state is None else state.invoice_id))
    return corrections_of_rows(invoice_id, rows)
