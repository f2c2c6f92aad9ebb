"""The rows of the storefront's invoice list, each cell written once in Python.

As the back-office grid's (``grid_rows``): per row, its dates, total, badges and links are
made here; what many rows share (a payment status's badge, the column labels) once per page.
The template only places them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from oro_invoices.domain.overdue import awaits_capture, days_overdue
from oro_invoices.i18n import _
from oro_invoices.persistence.read_models import InvoiceSummary
from oro_invoices.web.context import WebContext
from oro_invoices.web.grid_rows import NOTHING, payment_method_labels

ENDPOINT_VIEW = "oro_invoices.storefront.view"
ENDPOINT_PAY = "oro_invoices.storefront.payment"


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each of its fields through a call
class StorefrontRow:
    """One invoice of the customer's list as shown: texts are escaped where placed, ``Markup`` is not."""

    id: int
    url: str
    number: str
    credit_note: bool
    invoice_date: str
    #: "—" for a credit note or an invoice without a due date
    due_date: str
    total_amount: str
    #: empty for a credit note, which is not paid
    payment_badge: Markup
    overdue_badge: Markup
    #: the label of the method it was paid with, "—" without one (a column shown on request)
    payment_method: str
    #: the Pay link; "" when the row offers none
    pay_url: str
    #: the customer (company) the invoice is made out to: a column for a list that spans
    #: several, a corporate customer user's (their customer and its sub-customers)
    customer: str = ""
    #: whether the row may be ticked for Pay Selected (paid online here, with a method that takes
    #: several invoices in one payment)
    selectable: bool = False
    #: what Pay Selected would pay of it (its amount due beyond what authorizations hold), as a
    #: plain decimal for the page's running total
    payable: str = ""
    currency: str = ""
    #: what payments on their way (reported processing by the provider) say: "" for none
    processing: str = ""


def storefront_rows(ctx: WebContext, items: Iterable[InvoiceSummary],
                    can_pay: Callable[[InvoiceSummary], bool],
                    selectable: Callable[[InvoiceSummary], bool] = lambda _inv: False, *,
                    today: dt.date) -> list[StorefrontRow]:
    """The rows of ``items``, formatted for the page being rendered (made within its
    ``ctx.render``, ``written=``: amounts and dates in the page's formats); ``selectable``: whether
    a row may be ticked for Pay Selected; overdue judged on ``today``, the day the list's filter
    judges on (the customer's organization's books' day: ``InvoiceService.books_today``). A row
    whose payment is on its way says so, and since when."""
    items = list(items)
    # read only for the rows whose payment state says a payment is on its way
    on_its_way = ctx.service.processing_payments([inv.id for inv in items if inv.amount_processing])
    formatter = ctx.formatters.current()
    macros = ctx.env.get_template("_macros.html").module
    payment_badge = ctx.written_once("payment_badge")
    view_url = ctx.url_maker(ENDPOINT_VIEW, "invoice_id")
    pay_url = ctx.url_maker(ENDPOINT_PAY, "invoice_id")
    method_label = payment_method_labels(ctx)
    rows = []
    for inv in items:
        credit_note = inv.is_credit_note
        processing = on_its_way.get(inv.id, [])
        in_flight = sum((p.amount for p in processing), Decimal(0))
        overdue = not credit_note and (days_overdue(inv, today) or awaits_capture(inv))
        rows.append(StorefrontRow(
            id=inv.id, url=view_url(inv.id), number=inv.display_number, credit_note=credit_note,
            invoice_date=formatter.date(inv.invoice_date),
            due_date=formatter.date(inv.due_date) if inv.due_date and not credit_note else "—",
            total_amount=formatter.money(inv.total_amount, inv.currency),
            payment_badge=NOTHING if credit_note else payment_badge(inv.payment_status),
            overdue_badge=Markup(macros.overdue_badge(inv)) if overdue else NOTHING,  # type: ignore[attr-defined]
            payment_method=method_label(inv.payment_method), pay_url=pay_url(inv.id) if can_pay(inv) else "",
            customer=inv.customer_name, selectable=selectable(inv),
            payable=str(max(inv.amount_due - inv.amount_held - in_flight, Decimal(0))), currency=inv.currency,
            processing=_(
                "Payment of %(amount)s being processed since %(when)s", amount=formatter.money(in_flight, inv.currency),
                when=formatter.datetime(min(p.processing_since for p in processing if p.processing_since)))
            if processing else ""))
    return rows
