"""The default invoice number: prefix, year, month and the monthly counter (INV-2026-11-00001)."""
from __future__ import annotations

import datetime as dt

from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.integration.hookspecs import hookimpl
from oro_invoices.persistence.numbering import format_default


@hookimpl(trylast=True)
def invoice_number(invoice: InvoiceDocument, prefix: str, posted_at: dt.datetime,
                   sequence: int) -> str:
    """``{prefix}{YYYY}-{MM}-{sequence:05d}``; wider sequences are kept whole."""
    return format_default(prefix, posted_at, sequence)
