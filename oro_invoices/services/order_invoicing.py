"""Invoicing a host's order: its lines, parties and addresses as a draft invoice.

``order_payload`` maps an ``OrderSnapshot`` to the create payload (pure: a host may change
the payload before creating it); ``OrderInvoicing.create`` reads the order through the host,
refuses what cannot be invoiced and creates the draft through ``Lifecycle.create``, so the
payload passes the same validation and tenancy checks as any other invoice.
``OrderInvoicing.invoiced_lines`` says how much of each order line the order's posted invoices
invoice already and how much its drafts would, for a form that invoices the rest.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from marshmallow import ValidationError as MmValidationError
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from oro_invoices.adapters.commerce import OrderLine, OrderSnapshot
from oro_invoices.domain.errors import Conflict, NotFound, ValidationError
from oro_invoices.domain.invoice import DocumentRef, InternalStatus, InvoiceDocument, compute_lines
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import is_decimal_text, not_a_decimal
from oro_invoices.domain.posting import date_problems
from oro_invoices.persistence.models import Invoice, InvoiceLineRow
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.context import ServiceContext, current_batch
from oro_invoices.services.lifecycle import Lifecycle
from oro_invoices.services.posting import year_range
from oro_invoices.services.reads import Reads
from oro_invoices.services.schemas import DecimalString, decimal_places, validation_error

#: Line position (1 = the order's first line) → the quantity to invoice of it.
LineQuantities = Mapping[int, Decimal | str]
#: At most this many decimals in a quantity to invoice, as in any invoice line's quantity.
QUANTITY_PLACES = 6


def order_payload(order: OrderSnapshot, *, invoice_date: dt.date, due_date: dt.date | None = None,
                  lines: LineQuantities | None = None) -> dict[str, Any]:
    """The create payload (``InvoiceService.create``) of a draft invoicing ``order``.

    It carries the order's organization, currency, customer, customer user, website, the order
    link (id and number), the buyer's PO number when the order has one, the bill-to and ship-to addresses and one invoice line per order line
    (description, SKU, unit, quantity, unit price, tax rate and category; amounts as decimal
    strings). ``lines`` invoices only the lines it names (by position, from 1), each at the
    quantity given. The customer's name and the customer user's email are left to the create
    path, which takes them from the host.

    :raises ValidationError: as ``check_lines``.
    """
    check_lines(order, lines)
    chosen = _chosen_lines(order, lines)
    payload: dict[str, Any] = {
        "organization_id": order.organization_id,
        "currency": order.currency,
        "invoice_date": invoice_date.isoformat(),
        "order_id": order.id,
        "order_identifier": order.identifier,
        "lines": [_line(line, quantity) for line, quantity in chosen],
    }
    if due_date is not None:
        payload["due_date"] = due_date.isoformat()
    if order.purchase_order.strip():
        payload["purchase_order"] = order.purchase_order
    for key in ("customer_id", "customer_user_id", "website_id"):
        if getattr(order, key) is not None:
            payload[key] = getattr(order, key)
    for key in ("bill_to", "ship_to"):
        address = getattr(order, key)
        if address is not None:
            payload[key] = address.as_dict()
    return payload


def check_lines(order: OrderSnapshot, lines: LineQuantities | None) -> None:
    """:raises ValidationError: on ``lines``, for a position the order does not have, a quantity
    that is no decimal number, not above zero, with more than ``QUANTITY_PLACES`` decimals or
    above what was ordered (``line_problem``), or no line at all (``nothing_chosen``)."""
    if lines is None:
        return
    problems: list[tuple[str, str]] = []
    if not lines:
        problems.append(("lines", nothing_chosen(order)))
    for position, quantity in sorted(lines.items()):
        if not 1 <= position <= len(order.lines):
            problems.append(("lines", Message("Order %(order)s has no line %(line)s: its lines are 1 to %(count)s.",
                                              order=order.identifier, line=position, count=len(order.lines))))
            continue
        problem = line_problem(order, position, quantity)
        if problem is not None:
            problems.append(("lines", problem))
    if problems:
        raise ValidationError(problems)


def line_problem(order: OrderSnapshot, position: int, quantity: Decimal | str, *,
                 zero_leaves_out: bool = False) -> Message | None:
    """What is wrong with invoicing ``quantity`` of the line at ``position`` (from 1, one the
    order has) of ``order``: no decimal number, not above zero, more decimals than
    ``QUANTITY_PLACES`` or more than was ordered; None when nothing is. ``create_from_order``
    and the order page's Create Invoice form say each problem in these words (the API's request
    schema refuses text that is no number, or too many decimals, before). ``zero_leaves_out``:
    where 0 leaves a line out (the form), a negative quantity is told so."""
    value = _decimal(quantity)
    ordered = order.lines[position - 1].quantity
    if value is None:
        return Message("Line %(line)s of order %(order)s: %(problem)s", line=position, order=order.identifier,
                       problem=not_a_decimal(quantity))
    if value < 0 and zero_leaves_out:
        return Message("Line %(line)s of order %(order)s: give a quantity of 0 or more (0 leaves the line out).",
                       line=position, order=order.identifier)
    if value <= 0:
        return Message("Line %(line)s of order %(order)s: give a quantity above 0.",
                       line=position, order=order.identifier)
    if decimal_places(value) > QUANTITY_PLACES:
        return Message("Line %(line)s of order %(order)s: give a quantity with at most %(places)s decimals.",
                       line=position, order=order.identifier, places=QUANTITY_PLACES)
    if value > ordered:
        return Message("Line %(line)s of order %(order)s: at most %(ordered)s can be invoiced, as many as were "
                       "ordered.", line=position, order=order.identifier, ordered=ordered)
    return None


def nothing_chosen(order: OrderSnapshot) -> Message:
    """What invoicing none of ``order``'s lines is told."""
    return Message("Choose at least one line of order %(order)s to invoice.", order=order.identifier)


def order_total(order: OrderSnapshot) -> Decimal:
    """What all of ``order``'s lines come to with tax, computed as an invoice computes it."""
    return compute_lines(order.lines, order.currency)[1].total_amount


class AlreadyInvoiced(Conflict):
    """The order's invoices (not credit notes, net of what credit notes took back) already come
    to its total; ``invoices`` are those invoices."""

    def __init__(self, order: OrderSnapshot, invoices: tuple[DocumentRef, ...], covered: Decimal, total: Decimal):
        super().__init__(Message(
            "Order %(order)s is invoiced in full already (%(covered)s of its %(total)s) by %(invoices)s. Create "
            "another invoice of it only if that is intended.", order=order.identifier,
            covered=Amount(covered, order.currency), total=Amount(total, order.currency),
            invoices=tuple(i.display_number for i in invoices)))
        self.order = order
        self.invoices = invoices


@dataclass(frozen=True)
class Coverage:
    """How much of an order its invoices invoice: the invoices that count and their net sum."""

    invoices: tuple[DocumentRef, ...]
    covered: Decimal


@dataclass(frozen=True)
class InvoicedLine:
    """One line of an order (``position`` from 1), the quantity of it its posted invoices invoice
    and the quantity its draft invoices would invoice (``OrderInvoicing.invoiced_lines``)."""

    position: int
    line: OrderLine
    invoiced: Decimal
    in_drafts: Decimal = Decimal(0)

    @property
    def ordered(self) -> Decimal:
        return self.line.quantity

    @property
    def remaining(self) -> Decimal:
        """What no invoice, posted or draft, invoices yet of the line (never below 0)."""
        return max(self.line.quantity - self.invoiced - self.in_drafts, Decimal(0))


class OrderInvoicing:
    """``InvoiceService.create_from_order`` and what it checks."""

    def __init__(self, ctx: ServiceContext, reads: Reads, lifecycle: Lifecycle):
        self.ctx = ctx
        self.reads = reads
        self.lifecycle = lifecycle

    def order(self, order_id: int, organization_id: int | None = None) -> OrderSnapshot:
        """The host's order ``order_id`` (of ``organization_id`` when given).

        :raises NotFound: there is none, or it is another organization's (said alike); the
            service has no host, so it knows no orders.
        """
        host = self.ctx.host
        if host is None:
            raise NotFound(Message("Order %(order)s is not known here: invoices are made from the orders of "
                                   "the shop the add-on is installed in, and it runs without one.", order=order_id))
        order = host.orders.get(order_id)
        if order is None or (organization_id is not None and order.organization_id != organization_id):
            if organization_id is None:
                raise NotFound(Message("Order %(order)s does not exist.", order=order_id))
            raise NotFound(Message("Order %(order)s does not exist in organization %(organization)s.",
                                   order=order_id, organization=organization_id))
        return order

    def coverage(self, order: OrderSnapshot) -> Coverage:
        """The order's invoices in its currency that still invoice something (drafts too; not
        voided or credited in full), and what they come to net of their credit notes."""
        found: list[DocumentRef] = []
        covered = Decimal(0)
        for row in self._counted(order):
            found.append(DocumentRef(row.id, row.invoice_number, row.invoice_date, row.document_type,
                                     row.external_id))
            covered += row.total_amount - row.amount_credited
        return Coverage(tuple(found), covered)

    def invoiced_lines(self, order: OrderSnapshot) -> tuple[InvoicedLine, ...]:
        """Each of ``order``'s lines with the quantity of it its posted invoices invoice, net of
        what their posted credit notes took back of it (``invoiced``), and the quantity its draft
        invoices would invoice (``in_drafts``): those that count for ``coverage``.

        An invoice line counts for the order line it was made from: the one with its SKU,
        description, unit, unit price and tax rate (a line changed on its draft, or added to
        it, counts for none). Order lines alike in all of these share what their invoices
        invoice, the first ones up to what was ordered of them. An amount a credit note took
        back per tax rate, rather than a quantity of a line, takes back no quantity.
        """
        counted = list(self._counted(order))
        drafts = {row.id for row in counted if row.status is InternalStatus.DRAFT}
        posted: dict[tuple[Any, ...], Decimal] = {}
        drafted: dict[tuple[Any, ...], Decimal] = {}
        if counted:
            with self.ctx.db.session() as s:
                rows: list[Any] = []
                credited: dict[int, Decimal] = {}
                for chunk in _chunks([row.id for row in counted]):
                    rows += s.execute(select(InvoiceLineRow.id, InvoiceLineRow.invoice_id, InvoiceLineRow.sku,
                                             InvoiceLineRow.description, InvoiceLineRow.unit,
                                             InvoiceLineRow.unit_price, InvoiceLineRow.tax_rate,
                                             InvoiceLineRow.quantity)
                                      .where(InvoiceLineRow.invoice_id.in_(chunk))).all()
                    taken = s.execute(select(InvoiceLineRow.credited_line_id, InvoiceLineRow.quantity)
                                      .join(Invoice, Invoice.id == InvoiceLineRow.invoice_id)
                                      .where(Invoice.credited_invoice_id.in_(chunk), Invoice.status == "posted",
                                             InvoiceLineRow.credited_line_id.is_not(None))).all()
                    for line_id, quantity in taken:
                        if line_id is not None:
                            credited[line_id] = credited.get(line_id, Decimal(0)) + quantity
            for line_id, invoice_id, sku, description, unit, unit_price, tax_rate, quantity in rows:
                key = _line_key(sku, description, unit, unit_price, tax_rate)
                net = drafted if invoice_id in drafts else posted
                net[key] = net.get(key, Decimal(0)) + max(quantity - credited.get(line_id, Decimal(0)), Decimal(0))
        invoiced, in_drafts = _shares(order, posted), _shares(order, drafted)
        return tuple(InvoicedLine(position, line, invoiced[position], in_drafts[position])
                     for position, line in enumerate(order.lines, start=1))

    def create(self, order_id: int, *, actor: str, organization_id: int | None = None,
               invoice_date: dt.date | None = None, due_date: dt.date | None = None,
               lines: LineQuantities | None = None, invoice_again: bool = False,
               buyer: Mapping[str, str] | None = None, purchase_order: str | None = None) -> InvoiceDocument:
        """A draft invoice of the order (see ``InvoiceService.create_from_order``)."""
        order = self.order(order_id, organization_id)
        if not order.lines:
            raise ValidationError([("order_id", Message("Order %(order)s has no lines: there is nothing to "
                                                        "invoice.", order=order.identifier))])
        if order.customer_id is None:
            raise ValidationError([("order_id", Message("Order %(order)s names no customer: an invoice is "
                                                        "addressed to the customer who ordered.",
                                                        order=order.identifier))])
        day = invoice_date or self.ctx.books_today(order)   # the books' day, whatever its website's
        # dates it could never be posted with are refused now, before they count as invoicing the order
        years = year_range(lambda key: self.ctx.setting(key, organization_id=order.organization_id,
                                                        website_id=order.website_id))
        problems = date_problems(day, due_date, years)
        if problems:
            raise ValidationError(problems)
        payload = order_payload(order, invoice_date=day, due_date=due_date, lines=lines)
        if buyer:
            payload["buyer"] = dict(buyer)
        if purchase_order is not None:
            payload["purchase_order"] = purchase_order
        outer = current_batch()
        with contextlib.nullcontext(outer) if outer is not None else self.ctx.batch() as batch:
            # the order's invoices are read and the draft created by one request at a time
            # (a double click, two admins): the second finds the first's draft
            _one_at_a_time(batch.session, order)
            if not invoice_again:
                coverage = self.coverage(order)
                total = order_total(order)
                if coverage.invoices and coverage.covered >= total:
                    raise AlreadyInvoiced(order, coverage.invoices, coverage.covered, total)
            return self.lifecycle.create(payload, actor=actor)

    def _counted(self, order: OrderSnapshot) -> Iterator[Any]:
        """The rows of the order's invoices that count as invoicing it (``coverage``)."""
        for row in self._invoices_of(order):
            if row.currency == order.currency and row.total_amount - row.amount_credited > 0:
                yield row

    def _invoices_of(self, order: OrderSnapshot) -> Iterator[Any]:
        flt = InvoiceFilter(order_id=order.id, organization_id=order.organization_id, document_type="invoice")
        cursor: str | None = None
        while True:
            page = self.reads.list_invoices(flt, sort="invoice_date", limit=100, cursor=cursor)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor


def _line_key(sku: str, description: str, unit: str, unit_price: Decimal, tax_rate: Decimal) -> tuple[Any, ...]:
    """What an invoice line made from an order line keeps of it (``_line``): which line it is."""
    return (sku or "", description, unit or "", Decimal(unit_price), Decimal(tax_rate))


def _shares(order: OrderSnapshot, quantities: Mapping[tuple[Any, ...], Decimal]) -> dict[int, Decimal]:
    """Each order line's share (by position) of the ``quantities`` invoiced per ``_line_key``:
    lines alike share them in order, each of the first up to what was ordered of it."""
    alike: dict[tuple[Any, ...], list[int]] = {}
    for position, line in enumerate(order.lines, start=1):
        alike.setdefault(_line_key(line.sku, line.description, line.unit, line.unit_price, line.tax_rate),
                         []).append(position)
    shares: dict[int, Decimal] = {}
    for key, positions in alike.items():
        left = quantities.get(key, Decimal(0))
        for position in positions:
            share = left if position == positions[-1] else min(left, order.lines[position - 1].quantity)
            shares[position], left = share, left - share
    return shares


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _one_at_a_time(session: Session, order: OrderSnapshot) -> None:
    """Hold the invoicing of ``order`` for the rest of ``session``'s transaction: an advisory lock
    on PostgreSQL (other orders go on); on SQLite the write transaction itself, which begins
    here (``BEGIN IMMEDIATE``), lets one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"oro_invoices.order:{order.organization_id}:{order.id}".encode()
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)})
    else:
        session.execute(text("SELECT 1"))


class _JsonBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: ``"yes"`` or ``1`` are refused, as by the API's other switches."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class _LineRequest(Schema):
    class Meta:
        unknown = RAISE

    line = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    quantity = DecimalString(required=True, places=6)


class OrderInvoiceRequest(Schema):
    """What a request to invoice an order may say (the API's body): all of it optional."""

    class Meta:
        unknown = RAISE

    invoice_date = fields.Date(metadata={"description": "The invoice date; today (in the time zone set for the order's organization and website) when left out."})
    due_date = fields.Date(allow_none=True, metadata={
        "description": "The due date; when left out, the invoice date plus the customer's Days to Pay "
                       "(`oro_invoices.seller.payment_days`), else none."})
    lines = fields.List(fields.Nested(_LineRequest), validate=validate.Length(min=1, max=10_000, error="Give between {min} and {max} lines."), metadata={
        "description": "Only these lines of the order (`line`: its position, from 1), each at `quantity` "
                       "(at most what was ordered); every line at its ordered quantity when left out."})
    invoice_again = _JsonBoolean(load_default=False, metadata={
        "description": "Create the invoice even though the order's invoices already come to its total."})
    purchase_order = fields.String(allow_none=True, metadata={
        "description": "The buyer's PO number (BT-13) the invoice states instead of the order's; empty: none; "
                       "left out or null: the order's."})


_REQUEST = OrderInvoiceRequest()


def load_request(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (an ``OrderInvoiceRequest``) as ``create_from_order``'s keyword arguments.

    :raises ValidationError: a field is malformed, or a line is named twice.
    """
    try:
        loaded: dict[str, Any] = _REQUEST.load(data)
    except MmValidationError as exc:
        raise validation_error(exc) from None
    if "lines" in loaded:
        quantities: dict[int, Decimal] = {}
        for i, item in enumerate(loaded["lines"]):
            if item["line"] in quantities:
                raise ValidationError([(f"lines[{i}].line", Message("Line %(line)s is named twice.",
                                                                    line=item["line"]))])
            quantities[item["line"]] = item["quantity"]
        loaded["lines"] = quantities
    return loaded


def _chosen_lines(order: OrderSnapshot, lines: LineQuantities | None) -> list[tuple[OrderLine, Decimal]]:
    if lines is None:
        return [(line, line.quantity) for line in order.lines]
    return [(order.lines[position - 1], Decimal(quantity)) for position, quantity in sorted(lines.items())]


def _line(line: OrderLine, quantity: Decimal) -> dict[str, str]:
    item = {"description": line.description, "sku": line.sku, "unit": line.unit,
            "quantity": format(quantity, "f"), "unit_price": format(line.unit_price, "f"),
            "tax_rate": format(line.tax_rate, "f")}
    if line.tax_category:
        item["tax_category"] = line.tax_category
    if line.tax_exemption_reason:
        item["tax_exemption_reason"] = line.tax_exemption_reason
    return item


def _decimal(value: Decimal | str) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and is_decimal_text(value):
        return Decimal(value)
    return None
