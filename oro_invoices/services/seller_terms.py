"""The seller's payment terms applied to a document: an invoice's due date by ``Days to Pay``,
and the printed terms each document keeps, filled in (``domain.payment_terms``)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from oro_invoices.domain.invoice import SellerInfo
from oro_invoices.domain.payment_terms import default_due_date, fill_terms, invoice_terms, parse_days
from oro_invoices.formatting.formatter import Formatter


def due_by_terms(seller: SellerInfo, invoice_date: dt.date | None) -> dt.date | None:
    """The due date ``seller``'s ``Days to Pay`` gives an invoice dated ``invoice_date``; None
    without either."""
    if invoice_date is None:
        return None
    return default_due_date(invoice_date, parse_days(seller.payment_days))


def invoice_seller(seller: SellerInfo, *, invoice_date: dt.date | None, due_date: dt.date | None,
                   locale: str) -> SellerInfo:
    """``seller`` as an invoice keeps it at posting: its terms filled in with the invoice's days
    and due date, the date written as the invoice writes dates in ``locale``."""
    if "{" not in seller.payment_terms:
        return seller
    terms = invoice_terms(seller.payment_terms, invoice_date=invoice_date, due_date=due_date,
                          write_date=Formatter(locale).date)
    return dataclasses.replace(seller, payment_terms=terms)


def statement_seller(seller: SellerInfo) -> SellerInfo:
    """``seller`` as a statement or report of many invoices prints it: ``{days}`` from ``Days to
    Pay``, a line naming ``{due_date}`` (or ``{days}`` without Days to Pay) left out."""
    if "{" not in seller.payment_terms:
        return seller
    terms = fill_terms(seller.payment_terms, days=parse_days(seller.payment_days), due_date=None)
    return dataclasses.replace(seller, payment_terms=terms)
