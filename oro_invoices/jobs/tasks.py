"""What each background job does, over one built add-on; the Celery tasks call these.

Every job is idempotent and safe to retry: it only completes what is not done yet, through
the services' own guards (one PDF record per invoice, the outbox's claims and leases), so a
job run twice, or run again after its worker died midway, leaves one result.
"""
from __future__ import annotations

import datetime as dt
import logging

from oro_invoices.composition import Addon
from oro_invoices.domain.errors import InvoiceError, NotFound
from oro_invoices.persistence.outbox import RETRY
from oro_invoices.services.event_delivery import EventDeliveryReport
from oro_invoices.services.mail.delivery import DeliveryReport
from oro_invoices.services.pdf_backlog import pending_pdfs

log = logging.getLogger("oro_invoices.jobs")

#: The name the jobs record in the invoices' activity.
ACTOR = "jobs"
#: Messages, events or PDFs one sweep works off at most (the next sweep does the rest).
SWEEP_LIMIT = 100


def render_pdf(addon: Addon, invoice_id: int) -> bool:
    """Make and store a posted invoice's PDF unless it has one; whether it has one now."""
    try:
        doc = addon.invoices.ensure_pdf(invoice_id, actor=ACTOR)
    except NotFound:
        log.warning("render_pdf: invoice %s no longer exists", invoice_id)
        return False
    return doc.pdf is not None


def deliver_email(addon: Addon, email_id: int) -> DeliveryReport:
    """Deliver one outbox message; first make its invoice's PDF when the message waits for it."""
    try:
        email = addon.mail.email(email_id)
    except NotFound:
        log.warning("deliver_email: email %s no longer exists", email_id)
        return DeliveryReport()
    if email.invoice_id is not None and any(a.awaits_pdf for a in email.attachments):
        render_pdf(addon, email.invoice_id)
    return addon.mail.deliver_one(email_id)


def email_retry_in(addon: Addon, email_id: int) -> float | None:
    """Seconds until a message waiting for a retry (or for its PDF) is due; None when it waits
    for nothing. The worker schedules its job again for then, so a retry does not wait for the
    next sweep."""
    try:
        email = addon.mail.email(email_id)
    except NotFound:
        return None
    if email.status != RETRY or email.next_attempt_at is None:
        return None
    return _seconds_until(email.next_attempt_at, addon.mail.clock())


def events_retry_in(addon: Addon) -> float | None:
    """Seconds until the earliest event waiting for a retry is due; None when none waits."""
    due = addon.events.next_retry_at()
    return None if due is None else _seconds_until(due, addon.invoices.clock())


def _seconds_until(due: dt.datetime, now: dt.datetime) -> float:
    if (due.tzinfo is None) != (now.tzinfo is None):  # SQLite returns naive UTC times
        due, now = due.replace(tzinfo=None), now.replace(tzinfo=None)
    return max((due - now).total_seconds(), 0.0)


def deliver_events(addon: Addon) -> EventDeliveryReport:
    """Deliver the due outgoing events (webhooks)."""
    return addon.events.deliver_pending(limit=SWEEP_LIMIT)


def sweep_mail(addon: Addon) -> DeliveryReport:
    """The periodic outbox sweep: retries that are due, messages whose job was lost, expired leases."""
    return addon.mail.deliver_pending(limit=SWEEP_LIMIT)


def sweep_events(addon: Addon) -> EventDeliveryReport:
    """The periodic events sweep: retries that are due and events whose job was lost."""
    return addon.events.deliver_pending(limit=SWEEP_LIMIT)


def complete_pdfs(addon: Addon) -> int:
    """The periodic PDF sweep: make the pending PDFs whose job was lost; how many were made."""
    made = 0
    for invoice_id in pending_pdfs(addon.invoices, limit=SWEEP_LIMIT):
        try:
            made += render_pdf(addon, invoice_id)
        except InvoiceError as exc:  # one invoice's failure does not stop the others
            log.error("complete_pdfs: invoice id %s: %s", invoice_id, exc.message)
    return made


def payment_reminders(addon: Addon) -> int:
    """The periodic slot of the payment reminders (``services.reminders.send_todays_reminders``,
    which queues each due step once, each invoice on its today in its time zone): how many were queued.
    The outbox sweep delivers them."""
    from oro_invoices.services.reminders import send_todays_reminders
    reports = send_todays_reminders(addon.invoices, addon.mail, actor="reminders")
    for report in reports:
        for problem in report.problems:
            log.error("payment_reminders: invoice %s: %s", problem.invoice_number, problem.message)
        if report.opted_out:     # customers whose reminders an admin stopped: say how many were skipped
            log.info("payment_reminders: %s", report.summary())
    return sum(len(report.queued) for report in reports)


def renew_authorizations(addon: Addon) -> int:
    """The hourly renewal of authorizations in their last day (``services.renewals``), then the
    staff's alerts about those about to be released (``services.authorization_alerts``): how many
    were renewed. Declines are logged and stay in the invoices' activity."""
    from oro_invoices.services.authorization_alerts import alert_expiring_authorizations
    from oro_invoices.services.renewals import renew_expiring_authorizations
    report = renew_expiring_authorizations(addon.invoices)
    for renewal, reason in report.problems:
        log.error("renew_authorizations: invoice %s: %s", renewal.invoice_number, reason)
    alerts = alert_expiring_authorizations(addon.invoices, addon.mail, declined=report.declined())
    for alert, reason in alerts.problems:
        log.error("renew_authorizations: alert about invoice %s: %s", alert.invoice_number, reason)
    return len(report.renewed)


def aging_reports(addon: Addon) -> int:
    """The hourly look for Aging Reports due by each organization's schedule
    (``services.aging_runs``, which queues each report day once): how many were queued. The
    outbox sweep delivers them."""
    from oro_invoices.services.aging_runs import send_aging_reports
    report = send_aging_reports(addon.invoices, addon.mail)
    for organization_id, reason in report.problems:
        log.error("aging_reports: organization %s: %s", organization_id, reason)
    return len(report.queued)


def scheduled_statements(addon: Addon) -> int:
    """The hourly look for the statements each organization's Email Statements To Customers
    has due (``services.statement_runs.send_scheduled_statements``, each customer once a
    month): how many were queued. The outbox sweep delivers them."""
    from oro_invoices.services.statement_runs import send_scheduled_statements
    queued = 0
    for report in send_scheduled_statements(addon.invoices, addon.mail):
        queued += len(report.queued)
        for organization_id, customer_id, _name, reason in report.problems:
            log.error("scheduled_statements: organization %s, customer %s: %s", organization_id, customer_id, reason)
    return queued
