"""The customer statement (statement of account): every posted invoice a customer can still pay,
with what it still owes and how late it is, and per currency the totals by aging bucket.

An open-item statement, as on the day ``as_of``: the invoices are those the receivables aging
counts (``services.aging``), so the statement's totals are the customer's line of the Aging
Report. On a past day (a month-end) it is what was open at the end of that day, for what each
invoice owed then (``persistence.aging_history``), as the Aging Report on that day. Amounts in
different currencies are never added up. A customer's statement also says the credit the
customer has with the seller (``services.customer_credit``) in each currency, as it was at the
end of its day (each change counted on the day of its money: ``persistence.aging_credit``); it
is not taken off what is owed until it is applied. Its PDF is made on demand
(``InvoiceService.statement_pdf``) and not kept: it changes whenever a payment arrives.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import select

from oro_invoices.domain.aging import BUCKET_KEYS, BUCKETS, bucket_of
from oro_invoices.domain.customer_credit import CreditBalance
from oro_invoices.domain.errors import InvoiceError, NotFound, PdfFailed
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import from_minor
from oro_invoices.formatting.spreadsheet import CsvWriter
from oro_invoices.persistence import customer_credit
from oro_invoices.persistence.aging import aging_rows
from oro_invoices.persistence.aging_credit import credit_rows
from oro_invoices.persistence.aging_history import aging_rows_on, open_items_on
from oro_invoices.persistence.models import Invoice
from oro_invoices.persistence.queries import InvoiceFilter, count_rows
from oro_invoices.persistence.statement import ITEMS_MAX, OpenItemRow, latest_open_item, open_items
from oro_invoices.services.aging import AgingLine, build_report, check_as_of, check_currency
from oro_invoices.services.context import DocumentScope, Renderer, ServiceContext, StatementRenderer
from oro_invoices.services.seller_terms import statement_seller

#: The statement CSV's columns: one row per open invoice, then one per currency the customer holds
#: credit in (``CSV_CREDIT``).
CSV_COLUMNS = ("currency", "invoice_number", "invoice_date", "due_date", "days_overdue", "bucket",
               "total", "paid", "credited", "due", "customer_name")
#: The ``bucket`` of a credit row: no invoice, ``due`` the credit as a negative amount.
CSV_CREDIT = "credit"


@dataclass(frozen=True)
class StatementItem:
    """One invoice of the statement: what it was, what it still owes, how late it is on ``as_of``."""

    invoice_id: int
    number: str
    invoice_date: dt.date
    due_date: dt.date
    currency: str
    customer_name: str
    total: Decimal
    paid: Decimal
    credited: Decimal
    #: Days past its due date on the statement's day (0: not yet due, or its payment authorized).
    days_overdue: int
    #: The aging bucket it falls in (``domain.aging.BUCKET_KEYS``), by its due date.
    bucket: str
    #: Held in full (``domain.overdue.held_until_captured``): its payment is authorized and the
    #: seller collects it by capturing, so it is owed but not overdue. Its line says "Payment
    #: authorized" where it would say how many days it is overdue.
    payment_authorized: bool = False
    #: What open authorizations hold of what it still owes (all of it when held in full): the
    #: seller collects it by capturing, so the customer has no more to pay of it.
    held: Decimal = Decimal(0)

    @property
    def due(self) -> Decimal:
        """What the invoice still owes."""
        return self.total - self.paid - self.credited


@dataclass(frozen=True)
class StatementSection:
    """The open invoices in one currency, the oldest due first, and what they owe by bucket."""

    currency: str
    items: list[StatementItem]
    #: The customer's aging in this currency (every open invoice, listed or not).
    aging: AgingLine

    @property
    def total(self) -> Decimal:
        """Everything still owed in this currency."""
        return self.aging.total

    @property
    def overdue(self) -> Decimal:
        """What of ``total`` is past its due date."""
        return self.aging.overdue

    @property
    def held(self) -> Decimal:
        """What open authorizations hold of what the open invoices owe, listed or not (the aging's;
        each listed one's is its ``StatementItem.held``)."""
        return self.aging.held

    @property
    def to_pay(self) -> Decimal:
        """What of ``total`` the customer still has to pay: what no authorization holds."""
        return self.total - self.held


@dataclass(frozen=True)
class Payable:
    """What a statement asks the customer to pay in one currency (``Statement.payable``): the
    statement's PDF says it in its payment line. The rule, the same figures as the statement's
    tables and the Aging Report: the total due, less what open authorizations hold (the seller
    collects it by capturing), less the customer's credit (taken off the overdue amounts first,
    as the oldest are paid first)."""

    #: What of ``to_pay`` is past its due date: the statement's overdue amount (held amounts left
    #: out) less the credit, never below 0.
    overdue: Decimal
    #: What the customer still has to pay: the total due less what is held, less the credit, never below 0.
    to_pay: Decimal
    #: What open authorizations hold of the total due.
    held: Decimal
    #: What of the credit ``to_pay`` takes off (the rest is left over).
    credit_used: Decimal


def zero_of(currency: str) -> Decimal:
    """0 in ``currency``'s minor unit (0.00, 0.000, 0)."""
    return from_minor(0, currency)


@dataclass(frozen=True)
class Statement:
    """A customer's statement on ``as_of``: a section per currency (in code order)."""

    as_of: dt.date
    organization_id: int | None
    customer_id: int | None
    customer_name: str
    sections: list[StatementSection]
    #: Open invoices not listed because the statement lists at most ``ITEMS_MAX`` (their amounts
    #: are in the totals).
    left_out: int = 0
    #: The latest open invoice (its bill-to address heads the PDF); None when nothing is open.
    latest_invoice_id: int | None = field(default=None, compare=False)
    #: The customer's credit with the seller at the end of ``as_of``, per currency it has any in.
    credits: tuple[CreditBalance, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing is owed."""
        return not self.sections

    @property
    def invoices(self) -> int:
        """How many open invoices there are (listed or not)."""
        return sum(section.aging.invoices for section in self.sections)

    def section(self, currency: str) -> StatementSection | None:
        """The section in ``currency``, if anything is owed in it."""
        return next((section for section in self.sections if section.currency == currency), None)

    def credit(self, currency: str) -> Decimal:
        """The customer's credit in ``currency`` (0 when it has none)."""
        return next((c.amount for c in self.credits if c.currency == currency), Decimal(0))

    def payable(self, currency: str) -> Payable:
        """What the customer has to pay in ``currency`` (``Payable``): what is owed less what
        authorizations hold, less the customer's credit, which goes to the overdue amounts first."""
        section = self.section(currency)
        if section is None:
            zero = zero_of(currency)
            return Payable(zero, zero, zero, zero)
        credit = self.credit(currency)
        to_pay = section.to_pay
        return Payable(overdue=max(section.overdue - credit, zero_of(currency)),
                       to_pay=max(to_pay - credit, zero_of(currency)), held=section.held,
                       credit_used=min(credit, max(to_pay, zero_of(currency))))

    @property
    def credit_only(self) -> tuple[CreditBalance, ...]:
        """The credit in currencies nothing is owed in."""
        owed = {section.currency for section in self.sections}
        return tuple(c for c in self.credits if c.currency not in owed)


def read_statement(ctx: ServiceContext, within: InvoiceFilter, *, today: dt.date | None = None,
                   customer_id: int | None = None, customer_name: str = "", limit: int = ITEMS_MAX,
                   with_credit: bool = False) -> Statement:
    """The statement of the open invoices ``within`` selects (a customer's, or those a storefront
    user sees), on ``today`` (unless given, the clock's date in the time
    zone of ``within``'s organization, whatever website it narrows to: ``ServiceContext.books_today``). It is addressed to
    ``customer_id`` (else ``within``'s customer), named ``customer_name`` (else the name on its
    latest open invoice). ``with_credit``: it says the customer's credit too (a statement of
    the whole customer's account)."""
    check_currency(within.currency)
    now = ctx.books_today(within)
    as_of = check_as_of(today, now, statement=True) or now
    with ctx.db.session() as s:
        if as_of < now:
            zone = ctx.books_zone(within)
            rows, count = open_items_on(s, day=as_of, within=within, limit=limit, zone=zone)
            report = build_report(aging_rows_on(s, day=as_of, within=within, zone=zone), as_of)
        else:
            rows, count = open_items(s, within=within, limit=limit)
            report = build_report(aging_rows(s, today=as_of, within=within), as_of)
        # a long statement lists the oldest due; its latest invoice (its address, its organization) may be past them
        latest = latest_open_item(s, within=within) if count > len(rows) else None
        found = build_statement(rows, report.totals, as_of=as_of, organization_id=within.organization_id,
                                customer_id=within.customer_id if customer_id is None else customer_id,
                                customer_name=customer_name, left_out=count - len(rows), latest=latest)
        if not with_credit or found.organization_id is None or found.customer_id is None:
            return found
        if as_of < now:
            amounts = sorted((row.currency, row.amount) for row in credit_rows(
                s, within=InvoiceFilter(organization_id=found.organization_id, customer_id=found.customer_id), on=as_of,
                zone=ctx.books_zone(within)))
        else:
            amounts = customer_credit.balances(s, found.organization_id, found.customer_id)
    return replace(found, credits=tuple(CreditBalance(currency, from_minor(amount, currency))
                                        for currency, amount in amounts if amount > 0))


def statement_of(ctx: ServiceContext, customer_id: int, *, organization_id: int | None = None,
                 currency: str | None = None, today: dt.date | None = None) -> Statement:
    """The statement of the host's customer ``customer_id`` (its open invoices of
    ``organization_id``; None: of any), named as the host names it.

    :raises NotFound: the host's customer belongs to another organization, or there is no such
        customer and no open invoice names it.
    """
    organization_id, name = customer_of(ctx, customer_id, organization_id)
    return read_statement(ctx, InvoiceFilter(organization_id=organization_id, customer_id=customer_id,
                                             currency=currency), today=today, customer_name=name, with_credit=True)


def customer_of(ctx: ServiceContext, customer_id: int, organization_id: int | None, *,
                infer: bool = False) -> tuple[int | None, str]:
    """The organization a statement of ``customer_id`` is of (``organization_id``, else the host's
    customer's, as a statement is one organization's; None: the host does not know it, unless
    ``infer`` takes its latest invoice's) and the customer's name: as the host gives it, else as
    its latest invoice names it.

    :raises NotFound: the host's customer belongs to another organization, or the host does not
        know it and no invoice of the organization names it.
    """
    ref = ctx.host.customers.get_customer(customer_id) if ctx.host is not None else None
    if ref is not None and organization_id is not None and ref.organization_id != organization_id:
        raise NotFound(Message("Customer %(id)s does not exist.", id=customer_id))
    if ref is None and not _has_invoices(ctx, organization_id, customer_id):
        raise NotFound(Message("Customer %(id)s does not exist.", id=customer_id))
    if ref is None:
        latest_organization, name = _latest_invoice(ctx, organization_id, customer_id)
        return organization_id if organization_id is not None or not infer else latest_organization, name
    return organization_id if organization_id is not None else ref.organization_id, ref.name


def _latest_invoice(ctx: ServiceContext, organization_id: int | None, customer_id: int) -> tuple[int | None, str]:
    """The organization and customer name of the latest invoice (of ``organization_id``) naming ``customer_id``."""
    stmt = select(Invoice.organization_id, Invoice.customer_name).where(Invoice.customer_id == customer_id)
    if organization_id is not None:
        stmt = stmt.where(Invoice.organization_id == organization_id)
    with ctx.db.session() as s:
        row = s.execute(stmt.order_by(Invoice.invoice_date.desc(), Invoice.id.desc()).limit(1)).first()
    return (row[0], row[1] or "") if row is not None else (None, "")


def _has_invoices(ctx: ServiceContext, organization_id: int | None, customer_id: int) -> bool:
    """Whether any invoice of ``organization_id`` (None: any) names ``customer_id``."""
    with ctx.db.session() as s:
        return count_rows(s, InvoiceFilter(organization_id=organization_id, customer_id=customer_id), cap=0) > 0


def build_statement(rows: list[OpenItemRow], totals: list[AgingLine], *, as_of: dt.date,
                    organization_id: int | None, customer_id: int | None, customer_name: str = "",
                    left_out: int = 0, latest: OpenItemRow | None = None) -> Statement:
    """The statement of the open items ``rows`` and the aging ``totals`` (a line per currency)
    for ``customer_id`` of ``organization_id`` (None: of the latest item's). ``latest``: the latest
    open invoice when ``rows`` may not hold it (some were left out); else the latest of ``rows``."""
    sections = [StatementSection(total.currency, [_item(row, as_of) for row in rows if row.currency == total.currency],
                                 total) for total in totals]
    latest = latest or max(rows, key=lambda row: (row.invoice_date, row.invoice_id), default=None)
    if organization_id is None and latest is not None:
        organization_id = latest.organization_id
    return Statement(as_of=as_of, organization_id=organization_id, customer_id=customer_id,
                     customer_name=customer_name or (latest.customer_name if latest else ""), sections=sections,
                     left_out=left_out, latest_invoice_id=latest.invoice_id if latest else None)


def statement_pdf(ctx: ServiceContext, statement: Statement, latest: InvoiceDocument | None,
                  renderer_for: Callable[[Renderer, InvoiceDocument | DocumentScope], Renderer]) -> bytes:
    """The statement as PDF, made now in its customer's language and headed by the seller as
    configured now. ``latest`` is its latest open invoice (``Statement.latest_invoice_id``): its
    website's settings apply and, when it is the statement's customer's, its bill-to address
    heads the page. ``renderer_for`` picks the renderer variant (``Documents.renderer_for``).

    :raises NotFound: no renderer here makes statements.
    """
    scope = DocumentScope(organization_of(statement), latest.website_id if latest else None, statement.customer_id)
    chosen = renderer_for(ctx.renderer, scope) if ctx.renderer is not None else None
    if not isinstance(chosen, StatementRenderer):
        raise NotFound(Message("Statements cannot be made here: no PDF renderer that makes them is configured."))
    bill_to = latest.bill_to if latest is not None and latest.customer_id == statement.customer_id else None
    try:
        return chosen.render_statement(statement, seller=statement_seller(ctx.seller(scope)), bill_to=bill_to)
    except Exception as exc:  # a template or font error: say whose statement and why
        detail = exc.message if isinstance(exc, InvoiceError) else f"{type(exc).__name__}: {exc}"
        raise PdfFailed(Message("The statement of %(customer)s could not be made: %(detail)s",
                                customer=statement.customer_name or f"#{statement.customer_id}", detail=detail)) from exc


def organization_of(statement: Statement) -> int:
    """The organization whose settings (seller, sender, language) a statement follows;
    ``NotFound`` for a statement of no one organization (nothing open, no customer known)."""
    if statement.organization_id is None:
        raise NotFound(Message("A statement is made for one organization; none was given."))
    return statement.organization_id


def _item(row: OpenItemRow, as_of: dt.date) -> StatementItem:
    late = max((as_of - row.due_date).days, 0)   # its bucket's, held or not: owed until captured
    return StatementItem(row.invoice_id, row.number, row.invoice_date, row.due_date, row.currency, row.customer_name,
                         from_minor(row.total, row.currency), from_minor(row.paid, row.currency),
                         from_minor(row.credited, row.currency), 0 if row.held else late, bucket_of(late).key,
                         payment_authorized=row.held, held=from_minor(row.holding, row.currency))


def statement_csv_text(statement: Statement) -> str:
    """The statement as CSV (``CSV_COLUMNS``): a row per listed open invoice, by currency; then,
    for a statement that says the customer's credit, a row per currency it holds credit in:
    no invoice, ``bucket`` ``CSV_CREDIT`` and ``due`` the credit, negative (it offsets what is due)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for section in statement.sections:
        for item in section.items:
            writer.writerow([item.currency, item.number, item.invoice_date.isoformat(), item.due_date.isoformat(),
                             item.days_overdue, item.bucket, *(format(amount, "f") for amount in (
                                 item.total, item.paid, item.credited, item.due)), item.customer_name])
    for credit in statement.credits:
        writer.writerow([credit.currency, "", "", "", "", CSV_CREDIT, "", "", "", format(-credit.amount, "f"),
                         statement.customer_name])
    return buffer.getvalue()


#: ``statement_text``'s column headings.
TEXT_HEADINGS = ("invoice", "date", "due date", "days late", "total", "paid/credited", "due")


def statement_text(statement: Statement) -> str:
    """The statement as plain text: per currency its invoices, then what they owe by bucket."""
    who = statement.customer_name or (f"customer #{statement.customer_id}" if statement.customer_id else "")
    head = f"Statement{' of ' + who if who else ''} on {statement.as_of.isoformat()}"
    credits = "".join(f"\nCredit not yet applied: {format(credit.amount, 'f')} {credit.currency}"
                      for credit in statement.credits)
    if statement.is_empty:
        return head + ": nothing is owed on a posted invoice." + credits + "\n"
    blocks = [head]
    for section in statement.sections:
        cells = [[item.number, item.invoice_date.isoformat(), item.due_date.isoformat(),
                  "authorized" if item.payment_authorized else str(item.days_overdue),
                  format(item.total, "f"), format(item.paid + item.credited, "f"), format(item.due, "f")]
                 for item in section.items]
        widths = [max(len(heading), *(len(row[i]) for row in cells)) for i, heading in enumerate(TEXT_HEADINGS)]
        heading = _text_row(TEXT_HEADINGS, widths)
        summary = "  ".join(f"{bucket.label}: {format(section.aging.amounts[bucket.key], 'f')}" for bucket in BUCKETS)
        blocks.append("\n".join([f"{section.currency}", heading, *(_text_row(row, widths) for row in cells), "-" * len(heading),
                                 f"Total due {format(section.total, 'f')} {section.currency}"
                                 f" ({section.aging.invoices} invoices; overdue {format(section.overdue, 'f')})",
                                 summary]))
    if statement.left_out:
        blocks.append(f"{statement.left_out} more open invoices are not listed; their amounts are in the totals.")
    return "\n\n".join(blocks) + credits + "\n"


def _text_row(cells: Sequence[str], widths: list[int]) -> str:
    """A row of ``statement_text``: the invoice and its dates left-aligned, the figures right."""
    return "  ".join(cell.ljust(width) if i < 3 else cell.rjust(width)
                     for i, (cell, width) in enumerate(zip(cells, widths, strict=True))).rstrip()


__all__ = ["BUCKET_KEYS", "CSV_COLUMNS", "CSV_CREDIT", "Payable", "Statement", "StatementItem", "StatementSection", "build_statement",
           "customer_of", "organization_of", "read_statement", "statement_of", "statement_csv_text", "statement_pdf", "statement_text"]
