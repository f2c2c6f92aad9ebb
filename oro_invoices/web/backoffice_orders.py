"""The order view page's Invoices tab: the order's invoices, and Create Invoice.

The tab is a fragment the host shows on its order page (``PageMount.fragment``). Its Create
Invoice form (invoice date, due date) makes a draft of the order (``create_from_order``) and
opens it; it is offered to admins with the ``oro_invoices.import`` permission, who create
invoices. A refused form is answered with the tab again, saying why: when the order is invoiced
in full already, it names the invoices and offers Create Another Invoice.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from oro_invoices.adapters.commerce import OrderSnapshot
from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.limits import parse_day, parse_id
from oro_invoices.domain.overdue import local_today
from oro_invoices.i18n import _
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.order_invoicing import AlreadyInvoiced
from oro_invoices.web import guard
from oro_invoices.web.backoffice import ENDPOINT_VIEW, BackOffice
from oro_invoices.web.backoffice_actions import actor_of
from oro_invoices.web.http import Request, Response

#: Who may create an invoice of an order (as over the API and the Import page).
CREATE_PERMISSION = "oro_invoices.import"
TEMPLATE = "admin/order_tab.html"


class OrderInvoices:
    """The Invoices tab and its Create Invoice action."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def tab(self, req: Request) -> Response:
        """The order's invoices (the latest 100) and, for who may, the Create Invoice form.

        The order must be one of the admin's organization; only invoices of the order's
        organization are listed.
        """
        self.pages.check(req)
        order = self._order(req)
        return self._render(req, order)

    def create_invoice(self, req: Request) -> Response:
        """Create a draft invoice of the order and open it; a refused form: the tab, saying why."""
        self.pages.check(req, CREATE_PERMISSION)
        order = self._order(req)
        fields = {name: (req.form.get(name) or "").strip() for name in ("invoice_date", "due_date")}
        again = req.form.get("invoice_again") == "1"
        invoice_date, due_date = parse_day(fields["invoice_date"]), parse_day(fields["due_date"])
        wrong = [name for name in ("invoice_date", "due_date") if fields[name] and parse_day(fields[name]) is None]
        if wrong:
            error = " ".join(_("%(value)s is not a date (YYYY-MM-DD).", value=f"“{fields[name]}”") for name in wrong)
            return self._render(req, order, fields=fields, error=error, again=again, status=422, invalid=wrong)
        if invoice_date is None or due_date is None:
            error = _("Give the invoice date and the due date: a posted invoice needs both.")
            return self._render(req, order, fields=fields, error=error, again=again, status=422,
                                invalid=[name for name in ("invoice_date", "due_date") if not fields[name]])
        try:
            doc = self.ctx.service.create_from_order(order.id, actor=actor_of(req),
                                                     organization_id=order.organization_id,
                                                     invoice_date=invoice_date, due_date=due_date,
                                                     invoice_again=again)
        except AlreadyInvoiced as exc:
            return self._render(req, order, fields=fields, error=_(exc.message), again=True, status=409)
        except InvoiceError as exc:
            status, message = guard.friendly(exc)
            if status >= 500:
                raise
            invalid = [f for f, _m in exc.errors if f in fields] if isinstance(exc, ValidationError) else []
            return self._render(req, order, fields=fields, error=message, again=again, status=status,
                                invalid=invalid)
        flash = _("Draft invoice %(number)s was created from order %(order)s. Check it, then post it.",
                  number=doc.display_number, order=order.identifier)
        return Response.redirect(self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc.id), flashes=[("success", flash)])

    def _order(self, req: Request) -> OrderSnapshot:
        order_id = parse_id(req.path_params.get("order_id"))
        org = getattr(req.user, "organization_id", None)
        order = self.ctx.host.orders.get(order_id) if order_id is not None else None
        if order is None or (org is not None and order.organization_id != org):
            raise NotFound(_("That order does not exist."))
        return order

    def _render(self, req: Request, order: OrderSnapshot, *, fields: dict[str, str] | None = None,
                error: str = "", again: bool = False, status: int = 200,
                invalid: list[str] | None = None) -> Response:
        flt = InvoiceFilter(order_id=order.id, organization_id=order.organization_id)
        page = self.ctx.service.list_invoices(flt, sort="-invoice_date", limit=100)
        names = self.pages.names()
        names.prefetch(page.items)
        today = local_today(self.ctx.service.clock())
        values: dict[str, Any] = fields or {"invoice_date": today.isoformat(),
                                            "due_date": (today + dt.timedelta(days=30)).isoformat()}
        html = self.ctx.render(TEMPLATE, req, items=page.items, more=page.next_cursor is not None,
                               order_id=order.id, order=order, names=names,
                               can_create=req.can(CREATE_PERMISSION) and bool(order.lines),
                               fields=values, error=error, again=again, invalid=invalid or [],
                               order_url=self.ctx.order_url(order.id) if req.method.upper() == "POST" else None)
        return Response.html(html, status=status, title=_("Invoices"))
