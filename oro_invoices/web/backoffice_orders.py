"""The order view page's Invoices tab: the order's invoices, and Create Invoice.

The tab is a fragment the host shows on its order page (``PageMount.fragment``). Its Create
Invoice form lists the order's lines, each with what was ordered, what the order's invoices
invoice of it already (``OrderInvoicing.invoiced_lines``) and the quantity to invoice (at first
what remains), and takes the invoice date, the due date, the buyer's e-invoice address and PO number (at first
the order's). It makes a draft of the quantities
chosen (``create_from_order``; a line at 0 or left empty is left out; a form without quantities,
as the tab sent before it had them, invoices the whole order) and opens it; it is offered to
admins with the ``oro_invoices.import`` permission, who create invoices. A refused form is
answered with the tab again, keeping what was typed and saying why: a quantity's problem beside
it, in the service's words; when the order is invoiced in full already, it names the invoices and
offers Create Another Invoice.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from oro_invoices.adapters.commerce import OrderSnapshot
from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.limits import parse_day, parse_id, quoted
from oro_invoices.domain.money import is_decimal_text
from oro_invoices.i18n import _
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.order_invoicing import AlreadyInvoiced, line_problem, nothing_chosen
from oro_invoices.services.schemas import BuyerSchema, InvoiceInputSchema
from oro_invoices.services.seller_terms import due_by_terms
from oro_invoices.web import guard
from oro_invoices.web.backoffice import ENDPOINT_VIEW, BackOffice
from oro_invoices.web.backoffice_actions import actor_of
from oro_invoices.web.http import Request, Response

#: Who may create an invoice of an order (as over the API and the Import page).
CREATE_PERMISSION = "oro_invoices.import"
TEMPLATE = "admin/order_tab.html"
#: The form field of the quantity to invoice of the order line at a position (from 1).
QUANTITY_FIELD = "qty_{position}"
#: The days the form's due date gives while the customer has no Days to Pay.
DEFAULT_DAYS = 30
#: The form's field of the buyer's electronic address (BT-49) the invoice states.
ADDRESS_FIELD = "buyer_electronic_address"
#: The form's field of the buyer's PO number (BT-13), at first the order's.
PO_FIELD = "purchase_order"


def _address_problem(address: str) -> str | None:
    """Why the e-invoice address typed is none an invoice can state (the API's ``buyer.electronic_address``
    rules), in the page's language; None when it is empty or can be stated."""
    if not address:
        return None
    found = BuyerSchema().validate({"electronic_address": address})
    return _(found["electronic_address"][0]) if found else None


def _purchase_order_problem(value: str) -> str | None:
    """Why the PO number typed cannot be stated (the API's ``purchase_order`` rules: length,
    control, text-direction and invisible characters), in the page's language; None when it can."""
    found = InvoiceInputSchema(partial=True).validate({"purchase_order": value})
    return _(found["purchase_order"][0]) if "purchase_order" in found else None


def _buyer(address: str) -> dict[str, str] | None:
    """What the invoice states of its buyer: the e-invoice address typed, if any (else the customer's)."""
    return {"electronic_address": address} if address else None


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
        """Create a draft invoice of the quantities chosen and open it; a refused form: the tab,
        keeping what was typed and saying why (nothing is written)."""
        self.pages.check(req, CREATE_PERMISSION)
        order = self._order(req)
        fields = {name: (req.form.get(name) or "").strip()
                  for name in ("invoice_date", "due_date", ADDRESS_FIELD, PO_FIELD)}
        again = req.form.get("invoice_again") == "1"
        typed = {position: req.form.get(QUANTITY_FIELD.format(position=position)) or ""
                 for position in range(1, len(order.lines) + 1)
                 if QUANTITY_FIELD.format(position=position) in req.form}
        invoice_date, due_date = parse_day(fields["invoice_date"]), parse_day(fields["due_date"])
        wrong = [name for name in ("invoice_date", "due_date") if fields[name] and parse_day(fields[name]) is None]
        problems: list[str] = []
        invalid: list[str] = []
        if wrong:
            problems.append(" ".join(_("%(value)s is not a date (YYYY-MM-DD).", value=quoted(fields[name]))
                                     for name in wrong))
            invalid = wrong
        elif invoice_date is None or due_date is None:
            problems.append(_("Give the invoice date and the due date: a posted invoice needs both."))
            invalid = [name for name in ("invoice_date", "due_date") if not fields[name]]
        lines, errors = self._lines(req, order, typed) if typed else (None, {})
        address = _address_problem(fields[ADDRESS_FIELD])      # said with the other fields' problems
        purchase_order = _purchase_order_problem(fields[PO_FIELD])
        if purchase_order and (errors or address):
            problems.append(_("No invoice was created. Correct the fields marked below."))
        elif errors:
            problems.append(_("No invoice was created. Correct the quantities and the e-invoice address marked "
                              "below.") if address else _("No invoice was created. Correct the quantities marked "
                                                          "below."))
        elif address:
            problems.append(_("No invoice was created. Correct the e-invoice address marked below."))
        elif purchase_order:
            problems.append(_("No invoice was created. Correct the PO number marked below."))
        if address:
            errors = {**errors, ADDRESS_FIELD: address}
        if purchase_order:
            errors = {**errors, PO_FIELD: purchase_order}
        if problems:
            return self._render(req, order, fields=fields, typed=typed, again=again, error=" ".join(problems),
                                status=422, invalid=invalid, errors=errors)
        try:
            doc = self.ctx.service.create_from_order(order.id, actor=actor_of(req),
                                                     organization_id=order.organization_id,
                                                     invoice_date=invoice_date, due_date=due_date, lines=lines,
                                                     invoice_again=again, buyer=_buyer(fields[ADDRESS_FIELD]),
                                                     # a form of before the field: the order's
                                                     purchase_order=fields[PO_FIELD] if PO_FIELD in req.form else None)
        except AlreadyInvoiced as exc:
            return self._render(req, order, fields=fields, typed=typed, again=True, error=_(exc.message),
                                status=409)
        except InvoiceError as exc:
            status, message = guard.friendly(exc)
            if status >= 500:
                raise
            invalid = [f for f, _m in exc.errors if f in fields] if isinstance(exc, ValidationError) else []
            refused = [m for f, m in exc.errors if f.startswith("buyer")] if isinstance(exc, ValidationError) else []
            beside = {ADDRESS_FIELD: _(refused[0])} if refused else {}
            if beside:
                message = _("No invoice was created. Correct the e-invoice address marked below.")
            return self._render(req, order, fields=fields, typed=typed, again=again, error=message,
                                status=status, invalid=invalid, errors=beside)
        flash = _("Draft invoice %(number)s was created from order %(order)s. Check it, then post it.",
                  number=doc.display_number, order=order.identifier)
        return Response.redirect(self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc.id), flashes=[("success", flash)])

    def _lines(self, req: Request, order: OrderSnapshot,
               typed: dict[int, str]) -> tuple[dict[int, Decimal], dict[str, str]]:
        """The quantities typed (in the page's number format) as ``create_from_order``'s
        ``lines``, those at 0 or left empty left out; and each refused one's problem, in the
        service's words, under its field (under ``lines`` when none is chosen)."""
        formatter = self.ctx.page_formatter(req)
        lines: dict[int, Decimal] = {}
        errors: dict[str, str] = {}
        for position, text in typed.items():
            plain = formatter.typed_number(text.strip()) if text.strip() else "0"
            if is_decimal_text(plain) and Decimal(plain) == 0:
                continue
            problem = line_problem(order, position, plain if is_decimal_text(plain) else text.strip(),
                                   zero_leaves_out=True)
            if problem is not None:
                errors[QUANTITY_FIELD.format(position=position)] = _(problem)
            else:
                lines[position] = Decimal(plain)
        if not lines and not errors:
            errors["lines"] = _(nothing_chosen(order))
        return lines, errors

    def field_labels(self, req: Request, fields: Sequence[str]) -> dict[str, str]:
        """What the form calls the quantities among ``fields``, as it labels them ("Quantity to
        invoice of line 2: SKU-7 Bolts"), of the order of the admin's organization: the names a
        refusal of the form gives them (``form_text.FieldLabels``)."""
        try:
            order = self._order(req)
        except NotFound:
            return {}
        labels = {}
        for position, line in enumerate(order.lines, start=1):
            name = QUANTITY_FIELD.format(position=position)
            if name in fields:
                labels[name] = _("Quantity to invoice of line %(position)s: %(item)s", position=position,
                                 item=f"{line.sku} {line.description}" if line.sku else line.description)
        return labels

    def _order(self, req: Request) -> OrderSnapshot:
        order_id = parse_id(req.path_params.get("order_id"))
        org = getattr(req.user, "organization_id", None)
        order = self.ctx.host.orders.get(order_id) if order_id is not None else None
        if order is None or (org is not None and order.organization_id != org):
            raise NotFound(_("That order does not exist."))
        return order

    def _render(self, req: Request, order: OrderSnapshot, *, fields: dict[str, str] | None = None,
                error: str = "", again: bool = False, status: int = 200, invalid: list[str] | None = None,
                typed: dict[int, str] | None = None, errors: dict[str, str] | None = None) -> Response:
        """The tab; ``fields`` and ``typed`` (the quantities, by position): what the form sent
        (a form sent without quantities asked for every line at what was ordered)."""
        flt = InvoiceFilter(order_id=order.id, organization_id=order.organization_id)
        page = self.ctx.service.list_invoices(flt, sort="-invoice_date", limit=100)
        names = self.pages.names()
        names.prefetch(page.items)
        scope = DocumentScope(order.organization_id, order.website_id, order.customer_id)
        today = self.ctx.service.books_today(scope)   # the day a new invoice of the order is dated by default
        due = due_by_terms(self.ctx.service.seller(scope), today) or today + dt.timedelta(days=DEFAULT_DAYS)
        values: dict[str, Any] = fields or {"invoice_date": today.isoformat(), "due_date": due.isoformat(),
                                            ADDRESS_FIELD: "", PO_FIELD: order.purchase_order}
        can_create = req.can(CREATE_PERMISSION) and bool(order.lines)
        lines = self.ctx.service.order_invoicing.invoiced_lines(order) if can_create else ()
        if can_create:
            formatter = self.ctx.page_formatter(req)
            sent = req.method.upper() == "POST"
            quantities = {QUANTITY_FIELD.format(position=line.position): (
                (typed or {}).get(line.position, "") if typed else
                formatter.field_number((line.ordered if sent else line.remaining).normalize()))
                for line in lines}
            values = {**values, **quantities}
        html = self.ctx.render(TEMPLATE, req, items=page.items, more=page.next_cursor is not None,
                               order_id=order.id, order=order, names=names, can_create=can_create,
                               lines=lines, quantity_field=QUANTITY_FIELD, page={"errors": errors or {}},
                               fields=values, error=error, again=again, invalid=invalid or [],
                               order_url=self.ctx.order_url(order.id) if req.method.upper() == "POST" else None)
        return Response.html(html, status=status, title=_("Invoices"))
