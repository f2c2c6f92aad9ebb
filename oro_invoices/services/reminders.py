"""Payment reminders: email each unpaid posted invoice on the steps of its reminder schedule.

    from oro_invoices.services.reminders import send_todays_reminders
    for report in send_todays_reminders(addon.invoices, addon.mail):   # a daily job, or the CLI
        print(report.summary())                     # one line per day the invoices were judged on

What is sent (see docs/reminders.md):

- only posted invoices that can still be paid (``statuses.is_payable``: an amount due, not
  paid in full, authorized, refunded, canceled, voided or credited), with a due date, whose
  organization and website have invoices and ``oro_invoices.reminders.enabled`` on, as resolved
  for the invoice's customer: an admin switches it off for one customer (or customer group) to
  stop their reminders (an opt-out: the run counts those customers, ``ReminderReport.opted_out``);
- on a day, only the **latest** step of ``oro_invoices.reminders.schedule`` whose date has
  arrived, and only if neither it nor a later step was sent (``domain.reminders``);
- the ``invoice_reminder_template`` email, to the invoice's customer user, through the email
  outbox (``deliver-mail`` delivers it).

Each reminder is queued in one transaction that inserts its row in ``oro_invoice_reminder``
(unique per invoice and step), its message in the outbox and its activity entry, after
locking and re-checking the invoice's payment state. Two runs at once, or a run after a
crash, can therefore never queue a step twice: the second insert is refused and its message
is rolled back with it.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import InvoiceError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Message
from oro_invoices.domain.overdue import local_today
from oro_invoices.domain.reminders import (
    ReminderNotice,
    ScheduleError,
    describe_step,
    latest_due_step,
    parse_schedule,
    step_to_send,
)
from oro_invoices.domain.statuses import is_payable
from oro_invoices.integration.config import Settings
from oro_invoices.integration.profile import REMINDER_TEMPLATE
from oro_invoices.persistence import activity, reminders
from oro_invoices.persistence.models import PaymentState
from oro_invoices.persistence.reminders import ReminderRow, ReminderView
from oro_invoices.services.mail.compose import EmailDraft
from oro_invoices.services.run_days import organization_today

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger("oro_invoices.reminders")

ENABLED_SETTING = "oro_invoices.reminders.enabled"
SCHEDULE_SETTING = "oro_invoices.reminders.schedule"
ACTIVITY_KIND = "reminder"
DEFAULT_ACTOR = "reminders"
BATCH_SIZE = 1000
NO_RECIPIENT = "The invoice has no customer user email address to send the reminder to."


@dataclass(frozen=True)
class Reminder:
    """One reminder a run queued (or, in a dry run, would queue)."""

    invoice_id: int
    invoice_number: str
    step: int
    to: tuple[str, ...]
    subject: str
    email_id: int | None = None

    @property
    def label(self) -> str:
        """"Payment reminder (7 days overdue)"."""
        return Message("Payment reminder (%(step)s)", step=describe_step(self.step))


@dataclass(frozen=True)
class Problem:
    """An invoice owed a reminder that could not be sent; the next run tries again."""

    invoice_id: int
    invoice_number: str
    step: int
    message: str


@dataclass(frozen=True)
class Reach:
    """The invoices a run reads: those due on or before ``due_by`` (today less the earliest
    step of any schedule) that were not yet sent ``last_step`` (the latest step of any
    schedule) or a later one: such an invoice is owed nothing more."""

    due_by: dt.date
    last_step: int


@dataclass
class ReminderReport:
    """What one run did: the day it judged on, what it queued, what it could not send."""

    today: dt.date
    dry_run: bool = False
    #: The (organization, website) pairs whose invoices were judged on ``today`` (website None:
    #: invoices of no website).
    judged: set[tuple[int, int | None]] = field(default_factory=set)
    queued: list[Reminder] = field(default_factory=list)
    #: Steps another run queued first (between this run's read and its write).
    already_sent: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: The customers whose reminders are off for them (their own setting, or their customer
    #: group's) though on for their invoices' website, and who were owed a step: (organization,
    #: customer) pairs. A run of one report per day (``run_todays``) counts such a customer once,
    #: in the report of the earliest day any of its skipped invoices was judged on (its invoices
    #: on websites in different time zones may be judged on two days).
    opted_out: set[tuple[int, int]] = field(default_factory=set)
    #: The steps not sent because their customer opted out (one per invoice), in the report
    #: their customer is counted in.
    opted_out_invoices: int = 0
    #: Invoices whose step is due but whose PDF is not made yet and is not made here (posted
    #: with PDFs deferred, no renderer in this process): (id, number); a later run sends them.
    waiting_for_pdf: list[tuple[int, str]] = field(default_factory=list)
    #: Why the run read no invoice: the settings that are off in every scope; "" when it did.
    off: str = ""

    def summary(self) -> str:
        verb = "would queue" if self.dry_run else "queued"
        text = f"{self.today.isoformat()}: {verb} {len(self.queued)} payment reminder(s)"
        if self.already_sent:
            text += f", {self.already_sent} already sent by another run"
        if self.opted_out:
            text += (f", skipped {len(self.opted_out)} customer(s) with reminders off for them"
                     f" ({self.opted_out_invoices} invoice(s))")
        if self.waiting_for_pdf:
            text += f", {len(self.waiting_for_pdf)} invoice(s) wait for their PDF"
        if self.problems:
            text += f", {len(self.problems)} could not be sent"
        if self.off:
            text += f" ({self.off})"
        return text


class PaymentReminders:
    """Sends the reminders that are due; reads which were sent.

    :param invoices: the ``InvoiceService`` (invoices, settings, clock, database).
    :param mail: the ``MailService`` whose outbox the reminders go to.
    """

    def __init__(self, invoices: InvoiceService, mail: MailService, *, batch_size: int = BATCH_SIZE):
        self.invoices = invoices
        self.mail = mail
        self.db = invoices.db
        self.batch_size = batch_size

    # ---- reading ------------------------------------------------------------------------

    def sent(self, invoice_id: int) -> list[ReminderView]:
        """The reminders queued for an invoice, earliest step first."""
        with self.db.session() as s:
            return reminders.for_invoice(s, invoice_id)

    def schedule(self, organization_id: int, website_id: int | None) -> tuple[int, ...]:
        """The steps that apply to an organization and website: none while reminders (or
        invoices) are off there."""
        if not self.enabled(organization_id, website_id):
            return ()
        return self._steps(organization_id, website_id)

    def enabled(self, organization_id: int, website_id: int | None, customer_id: int | None = None) -> bool:
        """Whether reminders are on for an organization and website, and, given ``customer_id``,
        for that customer: its own setting first, then its customer group's (``customer_reminders``)."""
        ctx = self.invoices.context
        group = ctx.customer_group_of(customer_id) if customer_id is not None else None
        return bool(self.invoices.setting("oro_invoices.enabled", organization_id=organization_id, website_id=website_id)
                    and ctx.setting(ENABLED_SETTING, organization_id=organization_id, website_id=website_id,
                                    customer_id=customer_id, customer_group_id=group))

    def _steps(self, organization_id: int, website_id: int | None) -> tuple[int, ...]:
        """The schedule of an organization and website, on or off."""
        return parse_schedule(str(self.invoices.setting(SCHEDULE_SETTING, organization_id=organization_id,
                                                        website_id=website_id) or ""))

    # ---- sending ------------------------------------------------------------------------

    def run(self, *, today: dt.date | None = None, dry_run: bool = False,
            actor: str = DEFAULT_ACTOR, organization_id: int | None = None) -> ReminderReport:
        """Queue every reminder due on ``today`` and report what happened, in one report. Without
        ``today``, each invoice's reminders are judged on today in its time zone
        (``InvoiceService.today``: the ``oro_invoices.timezone`` of its organization and website).
        That is the website's day on purpose, where the books judge overdue on the organization's
        (``ServiceContext.books_today``): a reminder is an email to the customer of that website,
        whose "due today" or "7 days overdue" speaks of the customer's calendar, in the zone the
        email's times are written in (docs/reminders.md#overdue). The report then names the day
        the invoices were judged on when that was one day, else today in the time zone of
        ``organization_id`` (of every organization: the global ``oro_invoices.timezone``;
        ``run_todays`` makes one report per day judged on).

        :param dry_run: only list what would be queued; nothing is written.
        :param organization_id: only this organization's invoices.
        """
        report = ReminderReport(today=today or organization_today(self.invoices, organization_id), dry_run=dry_run)
        judged_on: set[dt.date] = set()

        def report_of(day: dt.date) -> ReminderReport:
            judged_on.add(day)
            return report

        report.off = self._run(today, dry_run, actor, organization_id, report_of)
        if today is None and len(judged_on) == 1:
            report.today = judged_on.pop()
        return report

    def run_todays(self, *, dry_run: bool = False, actor: str = DEFAULT_ACTOR,
                   organization_id: int | None = None) -> list[ReminderReport]:
        """``run`` on each invoice's today, one report per day judged on: the invoices of each
        organization and website read (``organization_id``'s only, when given) are judged on today in
        their time zone (the ``oro_invoices.timezone`` of their organization and website) and are in
        the report of that day (``ReminderReport.judged`` names them): at 23:30 UTC on November 30th
        the reminders of a Tokyo organization, or of its website in Tokyo, are in the report of
        December 1st, those of a UTC one in the report of November 30th. Reports in day order; when
        no invoice was read, one report of today in ``organization_id``'s zone (the global one for
        every organization)."""
        days: dict[dt.date, ReminderReport] = {}

        def report_of(day: dt.date) -> ReminderReport:
            return days.setdefault(day, ReminderReport(today=day, dry_run=dry_run))

        off = self._run(None, dry_run, actor, organization_id, report_of)
        if not days:
            return [ReminderReport(today=organization_today(self.invoices, organization_id), dry_run=dry_run, off=off)]
        return [days[day] for day in sorted(days)]

    def _run(self, given: dt.date | None, dry_run: bool, actor: str, organization_id: int | None,
             report_of: Callable[[dt.date], ReminderReport]) -> str:
        """Queue what is due on ``given`` (None: each invoice's today), the reminders, opt-outs and
        problems of the invoices judged on a day in ``report_of(day)``. Returns why no invoice
        was read (a setting off in every scope), else ""."""
        # no time zone is more than a day ahead of UTC: the invoices due by UTC's tomorrow are read
        reach = self.reach(given or local_today(self.invoices.clock(), zone=dt.UTC) + dt.timedelta(days=1))
        if reach is None:
            return self.off_reason() or ""
        days: dict[tuple[int, int | None], dt.date] = {}
        #: each opted-out customer's skipped invoices, by the day each was judged on
        skipped: dict[tuple[int, int], list[dt.date]] = {}
        schedules: dict[tuple[int, int | None], tuple[int, ...]] = {}
        on: dict[tuple[int, int | None, int | None], bool] = {}

        def enabled(key: tuple[int, int | None, int | None]) -> bool:
            if key not in on:
                on[key] = self.enabled(*key)
            return on[key]

        for batch in self._candidates(reach, organization_id):
            arrived: list[tuple[reminders.Candidate, tuple[int, ...], bool]] = []
            for candidate in batch:
                scope = (candidate.organization_id, candidate.website_id)
                if scope not in schedules:
                    schedules[scope] = self._steps(*scope) if self.invoices.setting(
                        "oro_invoices.enabled", organization_id=scope[0], website_id=scope[1]) else ()
                    # the website's day, not the books': the customer's calendar (``run``)
                    days[scope] = given or self.invoices.today(ScopeContext(organization_id=scope[0],
                                                                            website_id=scope[1]))
                    report_of(days[scope]).judged.add(scope)    # a day judged on has its report
                if latest_due_step(schedules[scope], candidate.due_date, days[scope]) is None:
                    continue
                website_on = enabled((*scope, None))
                customer_on = website_on if candidate.customer_id is None else enabled((*scope, candidate.customer_id))
                if customer_on or website_on:   # on for the customer; or off for them alone: an opt-out to count
                    arrived.append((candidate, schedules[scope], customer_on))
            if not arrived:  # nothing owed in this batch: what was sent need not be read
                continue
            with self.db.session() as s:
                sent = reminders.sent_steps(s, [candidate.invoice_id for candidate, _, _ in arrived])
            for candidate, schedule, customer_on in arrived:
                day = days[candidate.organization_id, candidate.website_id]
                step = step_to_send(schedule, candidate.due_date, day, sent.get(candidate.invoice_id, ()))
                if step is None:
                    continue
                if not customer_on:
                    assert candidate.customer_id is not None
                    skipped.setdefault((candidate.organization_id, candidate.customer_id), []).append(day)
                    continue
                self._send(candidate.invoice_id, step, day, actor, dry_run, report_of(day))
        for customer, judged in skipped.items():    # once per customer, however many days its invoices are of
            report = report_of(min(judged))
            report.opted_out.add(customer)
            report.opted_out_invoices += len(judged)
        return ""

    def reach(self, today: dt.date) -> Reach | None:
        """Which invoices a run on ``today`` reads, from the schedules that apply in some scope;
        None when reminders (or invoices) are off in every scope, or no schedule has a step:
        a run then reads no invoice at all."""
        if self.off_reason() is not None:
            return None
        steps = [schedule for schedule in map(_parsed, self.invoices.setting_values(SCHEDULE_SETTING)) if schedule]
        return Reach(due_by=today - dt.timedelta(days=min(s[0] for s in steps)),
                     last_step=max(s[-1] for s in steps))

    def off_reason(self) -> str | None:
        """Why no reminder can be due in any scope (a setting off, or no schedule with a step), or None."""
        if not any(self.invoices.setting_values("oro_invoices.enabled")):
            return "invoices are off in every scope: oro_invoices.enabled"
        if not any(self.invoices.setting_values(ENABLED_SETTING)):
            return f"payment reminders are off in every scope: {ENABLED_SETTING}"
        if not any(map(_parsed, self.invoices.setting_values(SCHEDULE_SETTING))):
            return f"no reminder schedule has a step: {SCHEDULE_SETTING}"
        return None

    def _candidates(self, reach: Reach, organization_id: int | None) -> Iterator[list[reminders.Candidate]]:
        """Payable posted invoices in ``reach``, in batches (``reminders.candidates``)."""
        last: reminders.Candidate | None = None
        while True:
            with self.db.session() as s:
                batch = reminders.candidates(
                    s, reach.due_by, after_id=last.invoice_id if last else 0,
                    after_due_date=last.due_date if last and organization_id is not None else None,
                    limit=self.batch_size, organization_id=organization_id, finished_from=reach.last_step)
            if not batch:
                return
            yield batch
            last = batch[-1]

    def _send(self, invoice_id: int, step: int, today: dt.date, actor: str, dry_run: bool,
              report: ReminderReport) -> None:
        """Queue (or in a dry run, list) one reminder; what goes wrong becomes a ``Problem``."""
        number = str(invoice_id)
        try:
            invoice = self.invoices.get(invoice_id)
            number = invoice.display_number
            if invoice.due_date is None or not _remindable(invoice):
                return
            # the PDF rides along where a storage is configured: one made in the background is
            # waited for by the queued message; one nobody is making leaves the step to a later run
            attach_pdf = getattr(self.invoices, "storage", None) is not None
            if attach_pdf and self._pdf_not_made_here(invoice):
                report.waiting_for_pdf.append((invoice.id, number))
                return
            draft = self.mail.prepare(invoice_id, REMINDER_TEMPLATE, extra_context={
                "reminder": ReminderNotice.on(step, invoice.due_date, today)}, attach_pdf=attach_pdf)
            if not draft.to:
                report.problems.append(Problem(invoice_id, number, step, NO_RECIPIENT))
                return
            reminder = Reminder(invoice_id=invoice.id, invoice_number=number, step=step,
                                to=draft.to, subject=draft.subject)
            if not dry_run:
                email_id = self._queue(invoice.id, invoice.due_date, reminder, draft, today, actor)
                if email_id is None:
                    return
                self.mail.submit_delivery(email_id)
                reminder = replace(reminder, email_id=email_id)
        except InvoiceError as exc:
            log.warning("payment reminder for invoice %s not sent: %s", number, exc.message)
            report.problems.append(Problem(invoice_id, number, step, exc.message))
            return
        except IntegrityError as exc:
            if not reminders.is_duplicate(exc):
                raise
            report.already_sent += 1
            return
        report.queued.append(reminder)

    def _pdf_not_made_here(self, invoice: InvoiceDocument) -> bool:
        """Whether ``invoice``'s PDF is expected but not stored yet, and neither a background job
        (whose message would wait for it) nor this process's renderer makes it."""
        return (self.invoices.pdf_awaited(invoice) and not self.invoices.pdf_pending(invoice)
                and self.invoices.renderer is None)

    def _queue(self, invoice_id: int, due_date: dt.date, reminder: Reminder, draft: EmailDraft,
               today: dt.date, actor: str) -> int | None:
        """One transaction: lock and re-check the payment state, queue the message, record the
        reminder and its activity. Returns the message's id; None when the invoice stopped
        being payable meanwhile."""
        ctx = self.invoices.context
        with self.db.transaction() as s:
            s.execute(select(PaymentState.invoice_id).where(PaymentState.invoice_id == invoice_id)
                      .with_for_update())
            current = ctx.document(s, ctx.load(s, invoice_id))
            if not _remindable(current):
                return None
            email = self.mail.queue(s, current, to=draft.to, subject=draft.subject, html=draft.html,
                                    text=draft.text, attachments=draft.attachments, actor=actor,
                                    template=REMINDER_TEMPLATE)
            s.add(ReminderRow(invoice_id=invoice_id, step=reminder.step, due_date=due_date,
                              sent_on=today, email_id=email.id, actor=actor,
                              created_at=self.invoices.clock()))
            s.flush()  # the unique (invoice, step) refuses a second reminder here
            activity.record(s, invoice_id, ACTIVITY_KIND, actor,
                            Message("%(reminder)s queued", reminder=reminder.label),
                            {"step": reminder.step, "email_id": email.id,
                             "message_id": email.message_id, "to": list(email.to),
                             "subject": email.subject})
            return email.id


@dataclass(frozen=True)
class CustomerReminders:
    """Whether the reminder runs send one customer reminders (``oro_invoices.reminders.enabled``
    resolved for the customer, on the organization's websites as a whole) and where that comes
    from: ``scope`` is "customer" when an admin set it for the customer (its own opt-out, or
    opt-in), "customer_group" for its group, else the organization's or the global setting's."""

    on: bool
    scope: str

    @property
    def opted_out(self) -> bool:
        """Off for this customer (or its group) alone: an opt-out."""
        return not self.on and self.scope in ("customer", "customer_group")


def customer_reminders(settings: Settings, organization_id: int | None, customer_id: int,
                       customer_group_id: int | None = None, website_id: int | None = None) -> CustomerReminders:
    """Whether reminders go to ``customer_id`` of ``organization_id`` (on ``website_id``, for an
    invoice of it) (``CustomerReminders``)."""
    found = settings.resolve(ENABLED_SETTING, ScopeContext(organization_id=organization_id, website_id=website_id,
                                                           customer_id=customer_id, customer_group_id=customer_group_id))
    return CustomerReminders(bool(found.value), found.scope)


def set_customer_reminders(settings: Settings, customer_id: int, *, on: bool) -> None:
    """Stop the reminders to ``customer_id`` (``on`` False: its own setting off, an opt-out), or
    let them go again (its own setting forgotten: the customer group's, website's or
    organization's applies)."""
    if on:
        settings.unset(ENABLED_SETTING, "customer", customer_id)
    else:
        settings.set(ENABLED_SETTING, False, "customer", customer_id)


def _remindable(invoice: InvoiceDocument) -> bool:
    """Posted and still payable (the one rule: ``statuses.is_payable``) beyond what an open
    authorization holds: the customer is not asked to pay what the seller collects by capturing."""
    return invoice.is_posted and is_payable(invoice.payment_status, invoice.amount_due - invoice.amount_held)


def _parsed(text: object) -> tuple[int, ...]:
    """A schedule setting's steps; none for one that cannot be used (it never applies)."""
    try:
        return parse_schedule(str(text or ""))
    except ScheduleError:
        return ()


def send_due_reminders(invoices: InvoiceService, mail: MailService, *, today: dt.date | None = None,
                       dry_run: bool = False, actor: str = DEFAULT_ACTOR,
                       organization_id: int | None = None) -> ReminderReport:
    """Queue every payment reminder due on ``today`` (default: each invoice's today, in its time
    zone: ``PaymentReminders.run``); safe to run as often as wanted and concurrently: each step goes out once.

    :param invoices: the ``InvoiceService`` (``addon.invoices``).
    :param mail: the ``MailService`` (``addon.mail``); ``deliver-mail`` delivers the messages.
    :param dry_run: list what would be queued, write nothing.
    :param actor: the name recorded in the invoices' activity.
    :param organization_id: only this organization's invoices.
    """
    return PaymentReminders(invoices, mail).run(today=today, dry_run=dry_run, actor=actor,
                                                organization_id=organization_id)


def send_todays_reminders(invoices: InvoiceService, mail: MailService, *, dry_run: bool = False,
                          actor: str = DEFAULT_ACTOR, organization_id: int | None = None) -> list[ReminderReport]:
    """Queue every payment reminder due on each invoice's today, reported by day: the invoices of
    each organization and website in the report of the day they were judged on, today in their
    time zone (``PaymentReminders.run_todays``): one report per day, days in order.

    :param organization_id: only this organization's invoices (one report per day judged on:
        two when one of its websites is in a zone on another date).
    """
    return PaymentReminders(invoices, mail).run_todays(dry_run=dry_run, actor=actor, organization_id=organization_id)
