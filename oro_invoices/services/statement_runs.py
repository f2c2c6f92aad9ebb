"""Month-end statements: a customer's statement of account emailed to every customer who still
owes something on a posted invoice (``oro-invoices send-statements``); or, with ``--activity``,
their account activity of the period (``send_activity_statements``) to every customer with an
entry in it or a balance.

Each customer of the receivables aging gets one message (``services.mail.statements``), in their
language, with the statement's PDF attached, addressed to a customer user who may see the
whole account (``StatementMail.addressee``). A run is safe to repeat: each customer's statement of a day is queued once,
whatever the number of runs (the day is the message's one-time key), and a customer whose
address is unknown is reported, not skipped silently; a customer an earlier run sent to is
found from the outbox before their statement is made again.

**Email Statements To Customers** (``oro_invoices.statements.schedule``) runs one of them every
month for an organization (``send_scheduled_statements``): the background worker looks every
hour, ``oro-invoices send-statements --scheduled`` does the same from cron.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from oro_invoices.domain.errors import InvoiceError
from oro_invoices.persistence.aging import organizations_with_invoices
from oro_invoices.persistence.ledger import customers_with_invoices
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.activity_statement import check_period
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.service import AlreadySent, MailService
from oro_invoices.services.run_days import organization_today, organizations_by_today

#: The setting that sends them every month, and its choices (besides "" for never).
SCHEDULE = "oro_invoices.statements.schedule"
OPEN_ITEMS, ACTIVITY = "open_items", "activity"
#: The problem of a customer none of whose customer users may be sent the statement
#: (``StatementMail.addressee``).
NO_RECIPIENT = ("no recipient: no customer user with an email address sees the whole account "
                "(a department or corporate role, or the only user of the customer's invoices)")


@dataclass(frozen=True)
class StatementSent:
    """One customer's statement queued (or, in a dry run, to be queued)."""

    organization_id: int
    customer_id: int
    customer_name: str
    to: tuple[str, ...]
    invoices: int


@dataclass
class StatementRunReport:
    """What one run did: the day it judged on, the statements it queued, those sent before, the
    customers it could not send to."""

    today: dt.date
    dry_run: bool = False
    queued: list[StatementSent] = field(default_factory=list)
    #: An account activity run's first day (its last is ``today``); None for open items.
    start: dt.date | None = None
    #: Customers whose statement of this day an earlier run had queued.
    already_sent: list[StatementSent] = field(default_factory=list)
    #: (organization id, customer id, customer name, why)
    problems: list[tuple[int, int, str, str]] = field(default_factory=list)

    def take(self, other: StatementRunReport) -> None:
        """Add what ``other`` (one organization's run of the same day) queued, found sent and
        could not send."""
        self.queued += other.queued
        self.already_sent += other.already_sent
        self.problems += other.problems

    def summary(self) -> str:
        return run_summary(self.today, self.dry_run, f"{len(self.queued)} statement(s)",
                           f"{len(self.already_sent)} already sent on this day" if self.already_sent else "",
                           len(self.problems))


def scheduled_organizations(invoices: InvoiceService, setting: str,
                            organization_id: int | None = None) -> Iterator[tuple[int, str]]:
    """``(organization, value)`` of each organization with a posted invoice (``organization_id``
    only, when given) where invoices are on and the schedule ``setting`` is set."""
    with invoices.db.session() as s:
        organizations = organizations_with_invoices(s)
    for org in organizations:
        if organization_id is not None and org != organization_id:
            continue
        if not invoices.setting("oro_invoices.enabled", organization_id=org):
            continue
        value = str(invoices.setting(setting, organization_id=org) or "")
        if value:
            yield org, value


def run_summary(day: dt.date, dry_run: bool, queued: str, already: str, problems: int) -> str:
    """A run's last line: "2026-12-09: queued 3 statement(s), 1 already sent …, 1 could not be sent"."""
    text = f"{day.isoformat()}: {'would queue' if dry_run else 'queued'} {queued}"
    if already:
        text += f", {already}"
    if problems:
        text += f", {problems} could not be sent"
    return text


def send_statements(invoices: InvoiceService, mail: MailService, *, today: dt.date | None = None,
                    organization_id: int | None = None, overdue_only: bool = False, dry_run: bool = False,
                    actor: str = "statements") -> StatementRunReport:
    """Queue the statement of every customer (of ``organization_id``; None: every organization)
    who owes something on ``today`` (with ``overdue_only``, something overdue); ``dry_run``
    lists them and writes nothing. Without ``today``: today in the time zone of
    ``organization_id`` (``organization_today``; of every organization: the global one; for each
    organization's own today see ``send_todays_statements``)."""
    today = today or organization_today(invoices, organization_id)
    report = StatementRunReport(today=today, dry_run=dry_run)
    # who owes something: a customer holding credit only gets no statement
    aging = invoices.receivables_aging(InvoiceFilter(organization_id=organization_id), today=today, credit=False)
    owing: dict[tuple[int, int], bool] = {}
    for line in aging.lines:
        if line.customer_id is None or line.organization_id is None:
            continue                                # invoices naming no customer: no statement to address
        key = (line.organization_id, line.customer_id)
        owing[key] = owing.get(key, False) or line.overdue > 0
    once = f"statement-run:{today.isoformat()}"
    sent = mail.statements.sent_with(once, since=_day_start(today), organization_id=organization_id)
    names = {(line.organization_id, line.customer_id): line.customer_name for line in aging.lines}
    for (org, customer), overdue in sorted(owing.items()):
        if overdue_only and not overdue:
            continue
        if (org, customer) in sent:                 # an earlier run's: no statement is made again
            report.already_sent.append(StatementSent(org, customer, names.get((org, customer)) or str(customer), (), 0))
            continue
        _send_one(invoices, mail, report, org, customer, once=once, dry_run=dry_run, actor=actor)
    return report


def send_todays_statements(invoices: InvoiceService, mail: MailService, *, organization_id: int | None = None,
                           overdue_only: bool = False, dry_run: bool = False,
                           actor: str = "statements") -> list[StatementRunReport]:
    """``send_statements`` of each organization with a posted invoice (``organization_id`` only,
    when given) on its own today, in its time zone (``organization_today``): at 23:30 UTC on
    November 30th a Tokyo organization's customers get their statement of December 1st, a UTC
    one's of November 30th. One report per day, its organizations together, days in order; with
    no such organization, one empty report of today in ``organization_id``'s zone."""
    reports = []
    for day, orgs in organizations_by_today(invoices, organization_id).items():
        report = StatementRunReport(today=day, dry_run=dry_run)
        for org in orgs:
            report.take(send_statements(invoices, mail, today=day, organization_id=org, overdue_only=overdue_only,
                                        dry_run=dry_run, actor=actor))
        reports.append(report)
    return reports or [StatementRunReport(today=organization_today(invoices, organization_id), dry_run=dry_run)]


def send_activity_statements(invoices: InvoiceService, mail: MailService, *, start: dt.date, end: dt.date,
                             organization_id: int | None = None, dry_run: bool = False,
                             actor: str = "statements") -> StatementRunReport:
    """Queue the account activity from ``start`` to ``end`` of every customer (of
    ``organization_id``; None: every organization) with a posted invoice, payment or balance in
    it, once per customer and period however often it runs; ``dry_run`` lists them and writes
    nothing. The report's day is ``end``; each ``StatementSent.invoices`` counts the entries.

    :raises ValidationError: a bad period.
    """
    check_period(start, end)
    report = StatementRunReport(today=end, dry_run=dry_run, start=start)
    with invoices.db.session() as s:
        customers = customers_with_invoices(s, organization_id=organization_id, until=end)
    once = f"activity-run:{start.isoformat()}:{end.isoformat()}"
    done = mail.statements.sent_with(once, since=_day_start(end), organization_id=organization_id)
    for org, customer in customers:
        name = str(customer)
        if (org, customer) in done:                 # an earlier run's: no activity is made again
            report.already_sent.append(StatementSent(org, customer, name, (), 0))
            continue
        try:
            activity = invoices.activity_statement(customer, start=start, end=end, organization_id=org)
            name = activity.customer_name or name
            if activity.is_empty:
                continue                             # nothing in the period and nothing owed before it
            draft = mail.statements.prepare(activity)
            if not draft.to:
                report.problems.append((org, customer, name, NO_RECIPIENT))
                continue
            sent = StatementSent(org, customer, name, draft.to, sum(len(s.lines) for s in activity.sections))
            if not dry_run:
                mail.statements.send(activity, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
                                     actor=actor, template=draft.template, once=once)
            report.queued.append(sent)
        except AlreadySent:
            report.already_sent.append(StatementSent(org, customer, name, (), 0))
        except InvoiceError as exc:    # a template, storage or rendering problem: this customer only
            report.problems.append((org, customer, name, str(exc.message)))
    return report


def send_last_months_activity(invoices: InvoiceService, mail: MailService, *, start: dt.date | None = None,
                              organization_id: int | None = None, dry_run: bool = False,
                              actor: str = "statements") -> list[StatementRunReport]:
    """``send_activity_statements`` of the month over in each organization's time zone: to the
    last day of the month before its today (``organization_today``), from ``start`` (by default
    that month's first day); of ``organization_id`` only, when given. One report per period, its
    organizations together; every period is checked before anything is queued.

    :raises ValidationError: a bad period.
    """
    periods: dict[tuple[dt.date, dt.date], list[int]] = {}
    for day, orgs in organizations_by_today(invoices, organization_id).items():
        end = day.replace(day=1) - dt.timedelta(days=1)
        periods.setdefault((start or end.replace(day=1), end), []).extend(orgs)
    for first, last in periods:
        check_period(first, last)
    reports = []
    for (first, last), orgs in sorted(periods.items()):
        report = StatementRunReport(today=last, dry_run=dry_run, start=first)
        for org in orgs:
            report.take(send_activity_statements(invoices, mail, start=first, end=last, organization_id=org,
                                                 dry_run=dry_run, actor=actor))
        reports.append(report)
    return reports


def _send_one(invoices: InvoiceService, mail: MailService, report: StatementRunReport, org: int, customer: int,
              *, once: str, dry_run: bool, actor: str) -> None:
    name = str(customer)
    try:
        statement = invoices.statement_of(customer, organization_id=org, today=report.today)
        name = statement.customer_name or name
        draft = mail.statements.prepare(statement)
        if not draft.to:
            report.problems.append((org, customer, name, NO_RECIPIENT))
            return
        sent = StatementSent(org, customer, name, draft.to, statement.invoices)
        if dry_run:
            report.queued.append(sent)
            return
        mail.statements.send(statement, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
                             actor=actor, template=draft.template, once=once)
        report.queued.append(sent)
    except AlreadySent:
        report.already_sent.append(StatementSent(org, customer, name, (), 0))
    except InvoiceError as exc:        # a template, storage or rendering problem: this customer only
        report.problems.append((org, customer, name, str(exc.message)))


def _day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in any time zone (none is more than a day ahead of UTC): a
    run's messages for that day are queued after it."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - dt.timedelta(days=1)


def send_scheduled_statements(invoices: InvoiceService, mail: MailService, *, today: dt.date | None = None,
                              organization_id: int | None = None, dry_run: bool = False,
                              actor: str = "statements") -> list[StatementRunReport]:
    """The statements each organization's **Email Statements To Customers** has due on ``today``
    (unless given, each organization's own today, in its time zone: ``organization_today``; of
    ``organization_id`` only, when given): in the month after a month, its open items at its end
    (``send_statements``) or its account activity (``send_activity_statements``), once per
    customer and month however often it runs."""
    reports: list[StatementRunReport] = []
    for org, kind in scheduled_organizations(invoices, SCHEDULE, organization_id):
        month_end = (today or organization_today(invoices, org)).replace(day=1) - dt.timedelta(days=1)
        if kind == OPEN_ITEMS:
            reports.append(send_statements(invoices, mail, today=month_end, organization_id=org, dry_run=dry_run,
                                           actor=actor))
        elif kind == ACTIVITY:
            reports.append(send_activity_statements(invoices, mail, start=month_end.replace(day=1), end=month_end,
                                                    organization_id=org, dry_run=dry_run, actor=actor))
    return reports
