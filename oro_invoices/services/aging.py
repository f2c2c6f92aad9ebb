"""The receivables aging report: what each customer still owes, by how late it is.

One row per customer and currency with its open invoices' amounts due in the buckets of
``domain.aging`` (not yet due, 1–30, 31–60, 61–90 and over 90 days overdue), the customer's
unapplied credit in that currency (``persistence.aging_credit``; a customer holding credit and
owing nothing has a row too) and what is owed net of it, and a total row per currency: amounts
in different currencies are never added up. Judged on the service clock's
UTC date, as the Overdue filter is, and read in one statement (``persistence.aging``). On a past
day it is what was owed at the end of that day, by how late it was then
(``persistence.aging_history``), and the credit held at its end (the credit ledger's entries
written up to then); on a day to come, what is owed now, by how late it will be.

What an open authorization holds is owed until the seller captures it, so the buckets count it
by its due date; but the customer is not late with it, so a line's ``overdue`` (the storefront
balance's, the statement's) leaves it out, as the Overdue filter does (``domain.overdue``).
"""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from oro_invoices.adapters.commerce import customers_of
from oro_invoices.domain.aging import BUCKET_KEYS, BUCKETS
from oro_invoices.domain.errors import InvoiceError, NotFound, PdfFailed, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import KNOWN_CURRENCIES, from_minor
from oro_invoices.formatting.spreadsheet import CsvWriter
from oro_invoices.persistence.aging import AgingRow, aging_customers, aging_rows
from oro_invoices.persistence.aging_credit import CreditRow, credit_rows
from oro_invoices.persistence.aging_history import aging_customers_on, aging_rows_on
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.statement import ITEMS_MAX
from oro_invoices.services.context import AgingRenderer, DocumentScope, Renderer, ServiceContext
from oro_invoices.services.seller_terms import statement_seller

#: The CSV's columns: who, then the buckets, the total, the credit (negative: it offsets the
#: total) and the net (the total less the credit).
CSV_COLUMNS = ("customer_id", "customer_name", "currency", "invoices", *BUCKET_KEYS, "total_due", "credit", "net")
#: The orders of a report's lines within a currency: by customer name, or by one of the amounts
#: (a bucket's, the total due, the credit held, or the net), the largest first.
SORTS = ("customer", *BUCKET_KEYS, "total", "credit", "net")


@dataclass(frozen=True)
class AgingLine:
    """What one customer of one organization (or, ``is_total``, everyone) owes in one currency."""

    organization_id: int | None
    customer_id: int | None
    customer_name: str
    currency: str
    invoices: int
    #: The amounts due by bucket key, in ``BUCKETS`` order.
    amounts: dict[str, Decimal]
    is_total: bool = False
    #: The unapplied credit the customer (or, ``is_total``, every customer) holds: 0 or more.
    credit: Decimal = Decimal(0)
    #: What open authorizations hold of the amounts past due (the buckets count it: it is owed
    #: until the seller captures it); on a past day, what they held at its end.
    held_overdue: Decimal = Decimal(0)
    #: What they hold of the amounts not yet due (``held``: of all that is owed).
    held_current: Decimal = Decimal(0)

    @property
    def held(self) -> Decimal:
        """What open authorizations hold of ``total`` (the seller collects it by capturing)."""
        return self.held_overdue + self.held_current

    @property
    def total(self) -> Decimal:
        """Everything this line's invoices still owe."""
        return sum(self.amounts.values(), from_minor(0, self.currency))

    @property
    def offset(self) -> Decimal:
        """The credit as the report shows it: what it takes off ``total`` (negative; 0 without credit)."""
        return -self.credit if self.credit else from_minor(0, self.currency)

    @property
    def net(self) -> Decimal:
        """What is owed once the credit is taken off: ``total`` less ``credit`` (negative when
        the credit is more)."""
        return self.total - self.credit

    @property
    def overdue(self) -> Decimal:
        """What of ``total`` is past its due date, less what open authorizations hold of it
        (``held_overdue``: owed until the seller captures it, but the customer is not late with
        it): what the customer is late with, as the Overdue filter lists it."""
        return self.total - self.amounts[BUCKETS[0].key] - self.held_overdue


@dataclass(frozen=True)
class AgingReport:
    """The aging on ``as_of``: customers' lines (by currency, then name) and a total per currency."""

    as_of: dt.date
    lines: list[AgingLine]
    totals: list[AgingLine]
    #: The lines not listed, per currency, of a report ``capped`` to a PDF's length (their amounts
    #: are in ``totals``).
    left_out: tuple[tuple[str, int], ...] = ()
    #: ``customers`` of the whole report, kept by ``capped``.
    counted_customers: int | None = field(default=None, compare=False)
    #: The ``limit`` of a ``capped`` report that left lines out (0: none left out).
    lines_max: int = field(default=0, compare=False)

    @property
    def customers(self) -> int:
        """How many customers the report has a line of: one owing (or holding credit) in several
        currencies once; lines without a customer, one per name (as they are grouped)."""
        if self.counted_customers is not None:
            return self.counted_customers
        return len({(line.organization_id, line.customer_id, "" if line.customer_id is not None
                     else line.customer_name) for line in self.lines})

    def capped(self, limit: int | None = None) -> AgingReport:
        """The report listing its first ``limit`` lines (default ``PDF_LINES_MAX``) in its order,
        saying per currency how many more it has (``left_out_in``); its totals and customer
        count stay the whole report's."""
        limit = PDF_LINES_MAX if limit is None else limit
        if len(self.lines) <= limit:
            return self
        dropped = Counter(line.currency for line in self.lines[limit:])
        return replace(self, lines=self.lines[:limit], left_out=tuple(sorted(dropped.items())),
                       counted_customers=self.customers, lines_max=limit)

    def left_out_in(self, currency: str) -> int:
        """How many lines in ``currency`` a ``capped`` report does not list."""
        return dict(self.left_out).get(currency, 0)

    def lines_in(self, currency: str) -> list[AgingLine]:
        """The customers' lines in ``currency``."""
        return [line for line in self.lines if line.currency == currency]

    def sorted_by(self, key: str) -> AgingReport:
        """The report with its lines in the order ``key`` (one of ``SORTS``) gives within each
        currency: by customer name, or by that amount, the largest first (then by name)."""
        if key not in SORTS:
            raise ValueError(f"unknown aging sort {key!r}; use one of {', '.join(SORTS)}")
        by_name = sorted(self.lines, key=_by_name)
        if key == "customer":
            return replace(self, lines=by_name)

        def amount(line: AgingLine) -> Decimal:
            derived = {"total": line.total, "credit": line.credit, "net": line.net}
            return derived[key] if key in derived else line.amounts[key]

        # stable: lines of equal amounts keep their order by name
        return replace(self, lines=sorted(by_name, key=lambda line: (line.currency, -amount(line))))


#: The most customer lines an Aging Report PDF lists, as the statement PDF lists at most
#: ``persistence.statement.ITEMS_MAX`` open invoices: a longer report lists its first lines in
#: its order and says per currency how many more there are (``AgingReport.capped``); the totals
#: count every line, and the CSV and the text list them all.
PDF_LINES_MAX = ITEMS_MAX

#: How many days back the aging may be judged (what happened since is read) and ahead.
DAYS_BACK_MAX, DAYS_AHEAD_MAX = 3 * 366, 366


def check_as_of(day: dt.date | None, today: dt.date, *, statement: bool = False) -> dt.date | None:
    """``day`` when the aging (``statement``: a statement) may be judged on it: at most
    ``DAYS_BACK_MAX`` days before ``today`` (a past day reads everything recorded since) and
    ``DAYS_AHEAD_MAX`` after; else ``ValidationError`` on ``as_of``."""
    first, last = today - dt.timedelta(days=DAYS_BACK_MAX), today + dt.timedelta(days=DAYS_AHEAD_MAX)
    if day is not None and day < first:
        raise ValidationError([("as_of", Message(
            "Choose a day from %(first)s to %(last)s: the statement looks back at most three years.",
            first=first, last=last) if statement else Message(
            "Choose a day from %(first)s to %(last)s: the aging looks back at most three years.",
            first=first, last=last))])
    if day is not None and day > last:
        raise ValidationError([("as_of", Message(
            "Choose a day from %(first)s to %(last)s: the statement looks ahead at most a year.",
            first=first, last=last) if statement else Message(
            "Choose a day from %(first)s to %(last)s: the aging looks ahead at most a year.",
            first=first, last=last))])
    return day


def check_currency(currency: str | None) -> str | None:
    """``currency`` when it is a currency code (or None); else ``ValidationError`` on ``currency``."""
    if currency is not None and currency not in KNOWN_CURRENCIES:
        raise ValidationError([("currency", Message("Must be an ISO 4217 currency code such as EUR (upper case)."))])
    return currency


def read_report(ctx: ServiceContext, within: InvoiceFilter, *, today: dt.date | None = None,
                credit: bool = True, names: bool = True) -> AgingReport:
    """The aging of the invoices ``within`` selects on ``today`` (unless given, the clock's date
    in the time zone of ``within``'s organization, ``ServiceContext.books_today``): of those open now (``persistence.aging.aging_rows``), or, on a day before the
    clock's, of those open at its end (``persistence.aging_history.aging_rows_on``); with the
    credit the customers hold now, or held at the end of that day (without ``credit``: none,
    and only customers who owe something). ``names``: the lines carry the host's names of the
    customers (one call of the customers adapter); without: the names their invoices carry (for
    a caller reading the totals only). With ``names``, ``within.customer_name_prefix`` keeps the
    customers whose name as the report shows it (the host's, else their invoices') starts with it."""
    check_currency(within.currency)
    now, zone = ctx.books_today(within), ctx.books_zone(within)
    as_of = check_as_of(today, now) or now
    prefix = within.customer_name_prefix if names and ctx.host is not None else None
    if prefix:  # the invoices' names may not be the host's: every customer is read, then named
        within = replace(within, customer_name_prefix=None)
    with ctx.db.session() as s:
        if as_of < now:
            credits = credit_rows(s, within=within, on=as_of, zone=zone) if credit else []
            rows = aging_rows_on(s, day=as_of, within=within, zone=zone)
        else:
            credits = credit_rows(s, within=within, zone=zone) if credit else []
            rows = aging_rows(s, today=as_of, within=within)
    host_names = _host_names(ctx, rows, credits) if names else None
    if prefix and host_names is not None:
        rows = [row for row in rows if name_starts(_shown(row, host_names), prefix)]
        credits = [c for c in credits if name_starts(_shown(c, host_names), prefix)]
    return build_report(rows, as_of, credits, names=host_names)


def customer_names(ctx: ServiceContext, within: InvoiceFilter, prefix: str, *, today: dt.date | None = None,
                   limit: int = 20) -> list[str]:
    """Up to ``limit`` names, in name order, of the customers the aging of ``within`` on ``today``
    (as ``read_report`` takes them) may list that start with ``prefix`` (any case), named as the
    report names them (the host's name, else their invoices'): who owes something then (on a
    past day, at its end, in ``within``'s currency), or holds credit. Today's buckets are not
    summed: the suggestions of a Customer field, asked for while typing. ``ValidationError`` as
    ``read_report``'s."""
    check_currency(within.currency)
    now, zone = ctx.books_today(within), ctx.books_zone(within)
    as_of = check_as_of(today, now) or now
    within = replace(within, customer_name_prefix=None)
    with ctx.db.session() as s:
        if as_of < now:     # who owed something, or held credit, at the end of that day
            customers = aging_customers_on(s, day=as_of, within=within, zone=zone)
            credits = credit_rows(s, within=within, on=as_of, zone=zone)
        else:
            customers = aging_customers(s, within=within)
            credits = credit_rows(s, within=within, zone=zone)
    ids = {customer_id for customer_id, _name in customers if customer_id is not None} | {
        c.customer_id for c in credits}
    host = ({i: ref.name for i, ref in customers_of(ctx.host.customers, ids).items() if ref.name}
            if ctx.host is not None and ids else {})
    shown = {host.get(customer_id, name) if customer_id is not None else name for customer_id, name in customers}
    shown |= {host.get(c.customer_id, c.customer_name) for c in credits}
    found = sorted((name for name in shown if name and name_starts(name, prefix)),
                   key=lambda name: (name.casefold(), name))
    return found[:limit]


def name_starts(name: str, prefix: str) -> bool:
    """Whether ``name`` starts with ``prefix``, in any case (as the grid's Customer filter reads it)."""
    return name.casefold().startswith(prefix.casefold())


def _shown(row: AgingRow | CreditRow, host_names: Mapping[int, str]) -> str:
    """The name the report gives ``row``'s customer: the host's, else the one its invoices carry."""
    if row.customer_id is None:
        return row.customer_name
    return host_names.get(row.customer_id, row.customer_name)


def _host_names(ctx: ServiceContext, rows: Sequence[AgingRow], credits: Sequence[CreditRow]) -> dict[int, str]:
    """The host's names of the report's customers (one call for all of them): a line is the
    customer's, whatever text its invoices carry as ``customer_name``."""
    if ctx.host is None:
        return {}
    ids = {row.customer_id for row in rows if row.customer_id is not None} | {c.customer_id for c in credits}
    return {i: ref.name for i, ref in customers_of(ctx.host.customers, ids).items() if ref.name}


def aging_pdf(ctx: ServiceContext, report: AgingReport, organization_id: int,
              renderer_for: Callable[[Renderer, InvoiceDocument | DocumentScope], Renderer]) -> bytes:
    """The report of ``organization_id`` as PDF, made now in its organization's document language
    and headed by its seller as configured now (``renderer_for`` picks the renderer variant),
    listing at most ``PDF_LINES_MAX`` lines (``AgingReport.capped``).

    :raises NotFound: no renderer here makes aging reports.
    :raises PdfFailed: the template or a font failed.
    """
    scope = DocumentScope(organization_id)
    chosen = renderer_for(ctx.renderer, scope) if ctx.renderer is not None else None
    if not isinstance(chosen, AgingRenderer):
        raise NotFound(Message("Aging reports cannot be made as PDF here: no PDF renderer that makes them is "
                               "configured."))
    try:
        return chosen.render_aging(report.capped(), seller=statement_seller(ctx.seller(scope)), past=report.as_of < ctx.books_today(scope))
    except Exception as exc:  # a template or font error: say why
        detail = exc.message if isinstance(exc, InvoiceError) else f"{type(exc).__name__}: {exc}"
        raise PdfFailed(Message("The aging report could not be made: %(detail)s", detail=detail)) from exc


def build_report(rows: list[AgingRow], as_of: dt.date, credits: Sequence[CreditRow] = (), *,
                 names: Mapping[int, str] | None = None) -> AgingReport:
    """The report of ``rows`` (``persistence.aging``) and the customers' ``credits``
    (``persistence.aging_credit``): lines in amounts, sorted, and the totals. A customer's credit
    goes on its line of the currency; one holding credit and owing nothing has a line of its own.
    ``names``: the customers' names by id (the host's), over the names their invoices carry."""
    if names:
        rows = [replace(row, customer_name=names.get(row.customer_id, row.customer_name))
                if row.customer_id is not None else row for row in rows]
        credits = [replace(c, customer_name=names.get(c.customer_id, c.customer_name)) for c in credits]
    held: dict[tuple[int | None, int | None, str], CreditRow] = {
        (c.organization_id, c.customer_id, c.currency): c for c in credits}
    owing = [(row, held.pop((row.organization_id, row.customer_id, row.currency), None)
              if row.customer_id is not None else None) for row in rows]
    zeros = (0,) * len(BUCKETS)
    owing += [(AgingRow(c.organization_id, c.customer_id, c.customer_name, c.currency, 0, zeros), c)
              for c in held.values()]
    lines = sorted((_line(row, credit=c.amount if c else 0) for row, c in owing), key=_by_name)
    totals: dict[str, list[tuple[AgingRow, CreditRow | None]]] = {}
    for row, c in owing:
        totals.setdefault(row.currency, []).append((row, c))
    return AgingReport(as_of=as_of, lines=lines, totals=[
        _line(AgingRow(None, None, "", currency, sum(r.invoices for r, _c in group),
                       tuple(sum(column) for column in zip(*(r.amounts for r, _c in group), strict=True)),
                       sum(r.held for r, _c in group), sum(r.held_current for r, _c in group)),
              is_total=True, credit=sum(c.amount for _r, c in group if c))
        for currency, group in sorted(totals.items())])


def _by_name(line: AgingLine) -> tuple[str, str, int, int]:
    """The report's own order: by currency, then customer name (any case)."""
    return line.currency, line.customer_name.casefold(), line.customer_id or 0, line.organization_id or 0


def _line(row: AgingRow, *, is_total: bool = False, credit: int = 0) -> AgingLine:
    return AgingLine(row.organization_id, row.customer_id, row.customer_name, row.currency, row.invoices,
                     {key: from_minor(amount, row.currency) for key, amount in zip(BUCKET_KEYS, row.amounts, strict=True)},
                     is_total=is_total, credit=from_minor(credit, row.currency),
                     held_overdue=from_minor(row.held, row.currency),
                     held_current=from_minor(row.held_current, row.currency))


def aging_csv_text(report: AgingReport) -> str:
    """The report as CSV (``CSV_COLUMNS``): a row per customer and currency, then a row per
    currency for its total (no customer id, the name ``Total``); the credit negative."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in (*report.lines, *report.totals):
        writer.writerow(["" if line.customer_id is None else line.customer_id,
                         "Total" if line.is_total else line.customer_name, line.currency, line.invoices,
                         *(format(line.amounts[key], "f") for key in BUCKET_KEYS), format(line.total, "f"),
                         format(line.offset, "f"), format(line.net, "f")])
    return buffer.getvalue()


#: ``aging_text``'s column headings after the customer's.
TEXT_HEADINGS = ("invoices", "not yet due", "1-30 days", "31-60 days", "61-90 days", "over 90", "total due", "credit",
                 "net")


def aging_text(report: AgingReport) -> str:
    """The report as plain text, for a terminal or a mail: a table per currency, its customers
    (in the report's order) and its total, amounts right-aligned (the credit negative)."""
    blocks = [f"Receivables aging on {report.as_of.isoformat()}"]
    if not report.totals:
        return blocks[0] + ": no customer owes anything on a posted invoice.\n"
    for total in report.totals:
        lines = [*report.lines_in(total.currency), total]
        cells = [[str(line.invoices), *(format(line.amounts[key], "f") for key in BUCKET_KEYS), format(line.total, "f"),
                  format(line.offset, "f"), format(line.net, "f")] for line in lines]
        names = ["Total" if line.is_total else line.customer_name or f"#{line.customer_id}" for line in lines]
        first = f"customer ({total.currency})"
        name_width = max(len(first), *(len(name) for name in names))
        widths = [max(len(heading), *(len(row[i]) for row in cells)) for i, heading in enumerate(TEXT_HEADINGS)]
        heading = "  ".join([f"{first:<{name_width}}",
                             *(f"{text:>{width}}" for text, width in zip(TEXT_HEADINGS, widths, strict=True))])
        rows = ["  ".join([f"{name:<{name_width}}", *(f"{cell:>{width}}" for cell, width in zip(row, widths, strict=True))])
                for name, row in zip(names, cells, strict=True)]
        blocks.append("\n".join([heading, *rows[:-1], "-" * len(heading), rows[-1]]))
    return "\n\n".join(blocks) + "\n"
