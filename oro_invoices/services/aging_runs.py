"""The Aging Report emailed on a schedule (**Email The Aging Report**,
``oro_invoices.aging.schedule``): every Monday the report at the end of the Sunday before, or on
the 1st of each month the report at the end of the month before, to **Aging Report Recipients**
(``services.mail.aging_reports``). Run once a day by the background worker, or by
``oro-invoices send-aging-reports`` from cron.

A run is safe to repeat: each organization's report of a day is queued once, whatever the
number of runs (the report's day is the message's one-time key); a run that comes late sends the
latest report due, never every one it missed. An organization whose schedule is on but that
names no recipient is reported, not skipped silently.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from oro_invoices.domain.errors import InvoiceError
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.service import AlreadySent, MailService
from oro_invoices.services.run_days import organization_today
from oro_invoices.services.statement_runs import run_summary, scheduled_organizations

SCHEDULE = "oro_invoices.aging.schedule"
WEEKLY, MONTHLY = "weekly", "monthly"
#: The problem of an organization whose schedule is on without a recipient.
NO_RECIPIENT = "no recipient: Aging Report Recipients is empty"


def report_day(schedule: str, today: dt.date) -> dt.date | None:
    """The day of the latest report ``schedule`` has due on ``today``: for ``weekly`` the Sunday
    before it (a Monday's: the day before), for ``monthly`` the last day of the month before; None
    for no schedule."""
    if schedule == WEEKLY:
        return today - dt.timedelta(days=today.weekday() + 1)
    if schedule == MONTHLY:
        return today.replace(day=1) - dt.timedelta(days=1)
    return None


@dataclass(frozen=True)
class AgingReportSent:
    """One organization's report queued (or, in a dry run, to be queued)."""

    organization_id: int
    as_of: dt.date
    to: tuple[str, ...]


@dataclass
class AgingRunReport:
    """What one run did: the reports it queued, those queued before, the organizations it could not send for."""

    today: dt.date
    dry_run: bool = False
    queued: list[AgingReportSent] = field(default_factory=list)
    already_sent: list[AgingReportSent] = field(default_factory=list)
    #: (organization id, why)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return run_summary(self.today, self.dry_run, f"{len(self.queued)} aging report(s)",
                           f"{len(self.already_sent)} already sent" if self.already_sent else "", len(self.problems))


def send_aging_reports(invoices: InvoiceService, mail: MailService, *, today: dt.date | None = None,
                       organization_id: int | None = None, dry_run: bool = False,
                       actor: str = "aging-reports") -> AgingRunReport:
    """Queue the report each organization's schedule has due on ``today`` (unless given, each
    organization's own today, in its time zone: ``organization_today``), of ``organization_id``
    only when given; ``dry_run`` lists them and writes nothing. The run's day is ``today``, else
    today in the time zone of ``organization_id`` (of every organization: the global one)."""
    run = AgingRunReport(today=today or organization_today(invoices, organization_id), dry_run=dry_run)
    for org, schedule in scheduled_organizations(invoices, SCHEDULE, organization_id):
        day = report_day(schedule, today or organization_today(invoices, org))
        if day is None:
            continue
        once = f"aging-run:{day.isoformat()}"
        if mail.aging.sent_once(org, once) is not None:
            run.already_sent.append(AgingReportSent(org, day, ()))
            continue
        try:
            report = mail.aging.report(InvoiceFilter(organization_id=org), today=day)
            draft = mail.aging.prepare(report, org)
            if not draft.to:
                run.problems.append((org, NO_RECIPIENT))
                continue
            sent = AgingReportSent(org, day, draft.to)
            if not dry_run:
                mail.aging.send(report, org, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
                                actor=actor, once=once)
            run.queued.append(sent)
        except AlreadySent:                # another run queued it meanwhile
            run.already_sent.append(AgingReportSent(org, day, ()))
        except InvoiceError as exc:    # a template, storage or rendering problem: this organization only
            run.problems.append((org, str(exc.message)))
    return run
