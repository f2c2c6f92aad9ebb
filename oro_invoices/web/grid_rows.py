"""The rows of the Sales > Invoices grid, each cell written once in Python.

A grid page shows 25 to 100 invoices; writing each cell in the template (a macro, a filter
or a translation per cell) costs several times what the page's other work does. Here each
row's texts, links and badges are made once per row, and what is the same for many rows
(the badge of a payment status, of a draft) once per page; the template only places them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup, escape

from oro_invoices.domain.invoice import DocumentType
from oro_invoices.domain.overdue import awaits_capture, days_overdue
from oro_invoices.i18n import _
from oro_invoices.persistence.read_models import InvoiceSummary
from oro_invoices.web.context import WebContext

ENDPOINT_VIEW = "oro_invoices.admin.view"
#: An empty cell's markup, shared by every row that has nothing there.
NOTHING = Markup()
#: A draft's Payment Status cell: it is not payable yet, so it has none (as the order's Invoices
#: tab and the view page show it).
NO_PAYMENT_STATUS = Markup("—")


class Names(Protocol):
    """The display names of a page's customer users and websites (``backoffice._Names``)."""

    def customer_user(self, user_id: int | None, fallback: str = "") -> str: ...

    def website(self, website_id: int | None) -> str: ...


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each of its fields through a call
class GridRow:
    """One invoice of the grid as shown: texts are escaped where placed, ``Markup`` is not."""

    id: int
    url: str
    number: str
    pdf_pending: bool
    invoice_date: str
    document_type: Markup
    customer: str
    customer_user: str
    website: str
    total_amount: str
    currency: str
    payment_badge: Markup
    overdue_badge: Markup
    payment_method: str
    external_payment_url: str | None
    view_title: Markup
    #: the accessible name of the row's checkbox ("Select INV-1")
    select_title: Markup
    #: the link of the Delete dialog; "" when the row offers none
    delete_url: str
    delete_title: Markup


def payment_method_labels(ctx: WebContext) -> Callable[[str | None], str]:
    """A payment method's label for a list's cell ("—" for none), each method's looked up once."""
    labels: dict[str | None, str] = {}

    def label(method: str | None) -> str:
        found = labels.get(method)
        if found is None:
            found = labels[method] = ctx.payment_method_label(method) or "—"
        return found
    return label


def grid_rows(ctx: WebContext, items: Iterable[InvoiceSummary], names: Names, *,
              pdf_pending: Collection[int], can_delete: bool, today: dt.date) -> list[GridRow]:
    """The rows of ``items``, formatted for the page being rendered (made within its
    ``ctx.render``, ``written=``: amounts and dates in the page's formats); overdue judged on
    ``today``, the day the grid's filter judges on (its organization's books' day:
    ``InvoiceService.books_today``)."""
    formatter = ctx.formatters.current()
    macros = ctx.env.get_template("_macros.html").module
    view_title, delete_title, select_title = _("View %(number)s"), _("Delete %(number)s"), _("Select %(number)s")
    document_types: dict[DocumentType, Markup] = {}
    payment_badge = ctx.written_once("payment_badge")
    method_label = payment_method_labels(ctx)
    view_url = ctx.url_maker(ENDPOINT_VIEW, "invoice_id")
    delete_url = ctx.url_maker(ENDPOINT_VIEW, "invoice_id", dialog="delete") if can_delete else None
    rows = []
    for inv in items:
        number = inv.invoice_number or _(inv.display_number)
        escaped_number = escape(number)  # the titles are the page's own words around it
        document_type = document_types.get(inv.document_type)
        if document_type is None:
            document_type = document_types[inv.document_type] = Markup(_(inv.document_type.label))
        badged = days_overdue(inv, today) or awaits_capture(inv)    # Overdue, or the rest authorized
        overdue = Markup(macros.overdue_badge(inv)) if badged else NOTHING  # type: ignore[attr-defined]
        url = view_url(inv.id)
        offers_delete = delete_url is not None and inv.status.value == "draft"
        rows.append(GridRow(
            id=inv.id, url=url, number=number, pdf_pending=inv.id in pdf_pending,
            invoice_date=formatter.date(inv.invoice_date), document_type=document_type,
            customer=inv.customer_name, customer_user=names.customer_user(inv.customer_user_id),
            website=names.website(inv.website_id),
            total_amount=formatter.amount(inv.total_amount, inv.currency), currency=inv.currency,
            payment_badge=payment_badge(inv.payment_status) if inv.status.value == "posted" else NO_PAYMENT_STATUS,
            overdue_badge=overdue, payment_method=method_label(inv.payment_method),
            external_payment_url=inv.external_payment_url,
            view_title=Markup(view_title % {"number": escaped_number}),
            select_title=Markup(select_title % {"number": escaped_number}),
            delete_url=delete_url(inv.id) if offers_delete and delete_url is not None else "",
            delete_title=Markup(delete_title % {"number": escaped_number}) if offers_delete else NOTHING))
    return rows
