"""**Aging Report** of the back-office: what each customer of the admin's organization still owes
on posted invoices, by days past the due date (``services.aging``), one table per currency, and
its CSV, its detail (every invoice it counts) and its PDF. The admin needs what the grid needs
(``oro_invoices.view``).

The page shows ``PAGE_SIZE`` customer lines at a time, counted across the currencies in the
report's order; each currency's total is always that of all its customers. The CSV has them all.
``?as_of=YYYY-MM-DD`` asks for the aging at the end of another day (a month-end: what was owed
then, by how late it was then).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from oro_invoices.domain.aging import BUCKETS
from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.limits import parse_day, quoted
from oro_invoices.domain.messages import Message
from oro_invoices.i18n import _, ngettext
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services import aging
from oro_invoices.services.aging import SORTS, AgingLine, AgingReport, aging_csv_text, check_as_of, check_currency
from oro_invoices.services.aging_detail import aging_detail_csv
from oro_invoices.web import aging_emails, guard, listing
from oro_invoices.web.backoffice import CUSTOMER_NAMES_LIMIT, BackOffice, currency_options, name_suggestions
from oro_invoices.web.downloads import CSV, aging_download
from oro_invoices.web.http import Request, Response

#: The report's customer filter, read as the grid reads it: a customer's id, or the start of names.
CUSTOMER_FILTER = ("customer",)
#: How many customer lines a page of the report shows.
PAGE_SIZE = 100


@dataclass(frozen=True)
class ReportPage:
    """One page of the report's customer lines: by currency, the lines shown (in the report's
    order), and where the page stands among them all."""

    lines: dict[str, list[AgingLine]]
    number: int
    count: int
    first: int
    last: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PAGE_SIZE))


def page_of(report: AgingReport, number: int) -> ReportPage:
    """Page ``number`` (1 is the first; past the last: the last) of ``report``'s customer lines."""
    flat = [line for total in report.totals for line in report.lines_in(total.currency)]
    pages = max(1, -(-len(flat) // PAGE_SIZE))
    number = min(max(number, 1), pages)
    shown = flat[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    by_currency: dict[str, list[AgingLine]] = {}
    for line in shown:
        by_currency.setdefault(line.currency, []).append(line)
    first = (number - 1) * PAGE_SIZE + 1 if shown else 0
    return ReportPage(by_currency, number, len(flat), first, first + len(shown) - 1 if shown else 0)


class AgingPages:
    """The report page and its downloads: **Export CSV**, **Export Detail (CSV)**, **Download PDF**."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def report(self, req: Request, *, email: dict[str, Any] | None = None, form_error: str = "",
               status: int = 200) -> Response:
        """The report; ``?sort=`` orders each currency's customers (``SORTS``: by name, or by an
        amount, the largest first); ``?customer=`` keeps one customer (an id) or those whose names
        start with it; ``?as_of=`` is the day it is judged on (today unless given). An unknown
        ``?currency=`` or ``?sort=``, or a bad ``?customer=`` or ``?as_of=``, is said beside its
        field (422) over the report without that filter. ``?dialog=email`` opens **Email** with
        the report's draft (``aging_report_template``), or ``email`` as typed with ``form_error``;
        the page lists the organization's Aging Reports sent by email."""
        bo = self.backoffice
        bo.check(req)
        organization_id = bo.base_filter(req).organization_id
        chosen, sort = req.query.get("currency") or None, req.query.get("sort") or "customer"
        customer_args, echo, problems = listing.read_filters(req.query, CUSTOMER_FILTER)
        errors: dict[str, str] = dict(problems)
        customer = echo.get("customer", "")
        today = bo.ctx.service.books_today(bo.base_filter(req))
        as_of_text = req.query.get("as_of", "").strip()
        as_of = parse_day(as_of_text)
        if as_of_text and as_of is None:
            errors["as_of"] = _("%(value)s is not a day: use YYYY-MM-DD, such as 2026-10-31.", value=quoted(as_of_text))
            as_of_text = ""
        try:
            check_as_of(as_of, today)
        except ValidationError as exc:
            errors["as_of"], as_of, as_of_text = guard.field_errors(exc)["as_of"], None, ""
        try:
            check_currency(chosen)
        except ValidationError:
            errors["currency"], chosen = _("Choose one of the currencies listed."), None
        if sort not in SORTS:
            errors["sort"], sort = _("Choose one of the orders listed."), "customer"
        number = _page_number(req.query.get("page", ""), errors)
        report = bo.ctx.service.receivables_aging(
            replace(bo.base_filter(req), currency=chosen, **customer_args), today=as_of).sorted_by(sort)
        page = page_of(report, number)
        if number > page.number:  # a link kept from when more customers owed, or typed
            errors["page"] = ngettext("There is no page %(number)s: the report has %(num)d page; here it is.",
                                      "There is no page %(number)s: the report has %(num)d pages; here is the last.",
                                      page.pages, number=number)
        here = _query(chosen, sort, customer, as_of_text)
        can_email = organization_id is not None and aging_emails.may_send(bo.ctx, req)
        if email is None and can_email and req.query.get("dialog") == "email" and organization_id is not None:
            email = aging_emails.drafted(bo.ctx, report, organization_id)
        sent = (aging_emails.sent(bo.ctx, organization_id) if organization_id is not None and bo.ctx.mail is not None
                else None)
        # filtered by the start of a name: the names it keeps, suggested in the page without scripts
        suggestions = shown_names(report) if customer_args.get("customer_name_prefix") else []
        html = bo.ctx.render("admin/aging.html", req, report=report, page=page, buckets=BUCKETS, chosen=chosen,
                             sort=sort, customer=customer, suggestions=suggestions, currency_options=currency_options(chosen), errors=errors,
                             as_of=as_of_text, past=report.as_of < today,
                             sort_link=lambda key: _query(chosen, key, customer, as_of_text) or "?",
                             page_link=lambda n: (here + ("&" if here else "?") + f"page={n}") if n > 1 else here or "?",
                             csv_query=here, can_pdf=organization_id is not None, can_email=can_email, email=email,
                             pdf_lines_max=aging.PDF_LINES_MAX,
                             form_error=form_error, emails=sent,
                             page_url=bo.ctx.url_for("oro_invoices.admin.aging") + (here or ""))
        return Response.html(html, status=422 if errors else status, title=_("Aging Report"))

    def customer_names(self, req: Request) -> Response:
        """The report's Customer suggestions (as the grid's, ``name_suggestions``): up to
        ``CUSTOMER_NAMES_LIMIT`` names of the customers the report of ``?currency=`` on ``?as_of=``
        may list, as it shows and filters them (the host's names), that start with ``?q=`` (any
        case), in name order; read as names, without making the report (asked for while typing).
        A currency or day the report would refuse is left out, as the report leaves it out."""
        bo = self.backoffice
        bo.check(req)
        within = bo.base_filter(req)
        currency, as_of = _kept_filters(req, bo.ctx.service.books_today(within))
        return name_suggestions(req, lambda prefix: bo.ctx.service.aging_customer_names(
            replace(within, currency=currency), prefix, today=as_of, limit=CUSTOMER_NAMES_LIMIT))

    def report_csv(self, req: Request) -> Response:
        """The report as CSV (``aging-YYYY-MM-DD.csv``, the day it is judged on), in the page's
        order; an unknown ``?currency=`` or ``?sort=``, or a bad ``?as_of=``: 422."""
        report = self.asked(req)
        name = f"aging-{report.as_of.isoformat()}.csv"
        return Response(status=200, body=aging_csv_text(report).encode("utf-8"), content_type=CSV, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})

    def report_pdf(self, req: Request) -> Response:
        """The report as PDF (``aging-YYYY-MM-DD.pdf``) headed by the admin's organization, in the
        page's order, to file or hand to an accountant; an admin of no organization: 404."""
        report = self.asked(req)
        organization_id = self.backoffice.base_filter(req).organization_id
        if organization_id is None:
            raise NotFound(_("An aging report as PDF is made for one organization; you see them all."))
        return aging_download(self.backoffice.ctx.service, report, organization_id)

    def report_detail_csv(self, req: Request) -> Response:
        """**Export Detail (CSV)**: every invoice the report counts, with its customer, days overdue,
        bucket and amounts (``services.aging_detail``), by currency, customer and due date
        (``aging-detail-YYYY-MM-DD.csv``, streamed); a bad ``?currency=`` or ``?as_of=``: 422."""
        within, as_of, _sort = self._query_of(req)
        day, rows = self.backoffice.ctx.service.aging_detail(within, today=as_of)
        pieces = (piece.encode("utf-8") for piece in aging_detail_csv(day, rows))
        return Response(status=200, body=pieces, content_type=CSV, headers={
            "Content-Disposition": f'attachment; filename="aging-detail-{day.isoformat()}.csv"',
            "Cache-Control": "private, no-store"})

    def asked(self, req: Request) -> AgingReport:
        """The report the download's query asks for (as the page's); a bad value: ``ValidationError``."""
        within, as_of, sort = self._query_of(req)
        return self.backoffice.ctx.service.receivables_aging(within, today=as_of).sorted_by(sort)

    def _query_of(self, req: Request) -> tuple[InvoiceFilter, dt.date | None, str]:
        """The invoices, day and order a download's query asks for (as the page's); a bad value:
        ``ValidationError``."""
        bo = self.backoffice
        bo.check(req)
        sort = req.query.get("sort") or "customer"
        if sort not in SORTS:
            raise ValidationError([("sort", Message("Must be one of %(sorts)s.", sorts=", ".join(SORTS)))])
        as_of = parse_day(req.query.get("as_of", "").strip())
        if req.query.get("as_of", "").strip() and as_of is None:
            raise ValidationError([("as_of", Message("Must be a day written YYYY-MM-DD."))])
        customer_args, _echo = listing.parse_filters(req.query, CUSTOMER_FILTER)
        return replace(bo.base_filter(req), currency=req.query.get("currency") or None, **customer_args), as_of, sort


def shown_names(report: AgingReport) -> list[str]:
    """The customer names ``report``'s lines show, each once, in name order (up to
    ``CUSTOMER_NAMES_LIMIT``): a Customer field's suggestions."""
    names = {line.customer_name for line in report.lines if line.customer_name}
    return sorted(names, key=lambda name: (name.casefold(), name))[:CUSTOMER_NAMES_LIMIT]


def _kept_filters(req: Request, today: dt.date) -> tuple[str | None, dt.date | None]:
    """The ``?currency=`` and ``?as_of=`` the report would read from ``req``; one it would refuse
    (an unknown currency, no day, a day after ``today``): None."""
    currency = req.query.get("currency") or None
    try:
        check_currency(currency)
    except ValidationError:
        currency = None
    as_of = parse_day(req.query.get("as_of", "").strip())
    try:
        check_as_of(as_of, today)
    except ValidationError:
        as_of = None
    return currency, as_of


def _page_number(raw: str, errors: dict[str, str]) -> int:
    """The page ``?page=`` asks for (1 when absent); a value that is no page number is said (422)."""
    raw = raw.strip()
    if not raw:
        return 1
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) > 0:
        return int(raw)
    errors["page"] = listing.not_a_page_number(raw)
    return 1


def _query(currency: str | None, sort: str, customer: str = "", as_of: str = "") -> str:
    """The query string of the report in ``currency`` (None: every one) sorted by ``sort``, of the
    customers ``customer`` selects (an id, or the start of their names), on ``as_of`` (""
    today); "" for the default."""
    params = {**({"customer": customer} if customer else {}), **({"currency": currency} if currency else {}),
              **({"sort": sort} if sort != "customer" else {}), **({"as_of": as_of} if as_of else {})}
    return "?" + urlencode(params) if params else ""
