"""The Aging Report sent by email to the seller's staff (an accountant, the finance team): a
message of the organization about no invoice and no customer (``oro_invoice_email`` naming
neither; revision 0031 indexes them), carrying the report as PDF and as CSV as they were when
it was queued.

The draft is the ``aging_report_template`` in the organization's language, to the addresses of
**Aging Report Recipients** (``oro_invoices.aging.recipients``); the seller and sender are those
configured now for the organization. An admin sends one from the Aging Report's **Email**; the
schedule (``services.aging_runs``) sends one every Monday or on the 1st of each month.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy import select

from oro_invoices.domain.errors import NotFound, StorageError
from oro_invoices.domain.messages import Message
from oro_invoices.integration.profile import AGING_TEMPLATE
from oro_invoices.integration.setting_formats import email_list
from oro_invoices.persistence import outbox
from oro_invoices.persistence.outbox import OutboxEmail, OutboxView
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.aging import AgingReport, aging_csv_text
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.mail import unattached
from oro_invoices.services.mail.compose import EmailDraft, check_message

if TYPE_CHECKING:
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger(__name__)
#: Who the report goes to, unless the sender says otherwise.
RECIPIENTS = "oro_invoices.aging.recipients"
#: The back-office page the message links to (on the report's day).
REPORT_ENDPOINT = "oro_invoices.admin.aging"


class AgingMail:
    """Drafting, sending and listing the Aging Report emails of an organization (``MailService.aging``)."""

    def __init__(self, mail: MailService):
        self.mail = mail

    def report(self, within: InvoiceFilter, *, today: dt.date | None = None, sort: str = "customer") -> AgingReport:
        """The report ``within`` (one organization's invoices) selects on ``today``, in ``sort``'s order.

        :raises NotFound: ``within`` names no organization.
        :raises ValidationError: a bad currency or day (``receivables_aging``).
        """
        if within.organization_id is None:
            raise NotFound(Message("An aging report is sent for one organization; none was given."))
        return self.mail.invoices.receivables_aging(within, today=today).sorted_by(sort)

    def prepare(self, report: AgingReport, organization_id: int) -> EmailDraft:
        """The draft of ``report``'s email (the organization's), rendered from
        ``aging_report_template`` in the organization's language, to Aging Report Recipients."""
        scope = DocumentScope(organization_id)
        to = tuple(a for a in email_list(str(self.mail.invoices.setting(
            RECIPIENTS, organization_id=organization_id) or "")).split(", ") if a)
        context: dict[str, Any] = {"report": report, "seller": self.mail.invoices.seller(scope),
                                   "report_url": self._report_url(report.as_of)}
        rendered = self.mail.renderer_for(scope, for_staff=True).render(self.mail.template_source(AGING_TEMPLATE),
                                                                        context)
        return EmailDraft(invoice_id=None, to=to, cc=(), bcc=(), subject=rendered.subject, html=rendered.html,
                          text=rendered.text, attachments=(), template=AGING_TEMPLATE)

    def send(self, report: AgingReport, organization_id: int, *, to: str | Iterable[str], subject: str,
             html: str | None = None, text: str | None = None, cc: str | Iterable[str] = (),
             bcc: str | Iterable[str] = (), actor: str, template: str | None = AGING_TEMPLATE,
             once: str | None = None) -> OutboxView:
        """Check the message, make ``report``'s PDF and CSV and store them, and queue the message
        with both attached; a message not queued leaves neither stored for it. ``once``: the form's (or the schedule's) one-time key; a second
        message from it is refused (``AlreadySent``).

        :raises ValidationError: with one ``(field, message)`` per problem.
        :raises StorageError: no PDF storage is configured.
        :raises AlreadySent: a message was already queued with ``once``.
        """
        from oro_invoices.services.mail.service import AlreadySent
        to_list, cc_list, bcc_list = check_message(to=to, cc=cc, bcc=bcc, subject=subject, html=html, text=text,
                                                   template=template, once=once)
        missing = Message("No PDF storage is configured; the Aging Report cannot be attached.")
        if getattr(self.mail.invoices, "storage", None) is None:
            raise StorageError.shown_as_is(missing)
        scope = DocumentScope(organization_id)
        if once and (earlier := self.sent_once(organization_id, once)) is not None:
            raise AlreadySent(earlier)
        day = report.as_of.isoformat()
        pdf = self.mail.invoices.aging_pdf(report, organization_id=organization_id)
        with unattached.storing(self.mail, missing) as files:    # not queued: the files are removed again
            files.store(f"aging-{day}.pdf", pdf, "application/pdf")
            files.store(f"aging-{day}.csv", aging_csv_text(report).encode("utf-8"), "text/csv")
            return unattached.queue(self.mail, scope, _about(organization_id), to=to_list, cc=cc_list,
                                    bcc=bcc_list, subject=subject, html=html, text=text, files=files,
                                    actor=actor, template=template, once=once)

    def sent_once(self, organization_id: int, once: str) -> OutboxView | None:
        """The organization's Aging Report message queued with the one-time key ``once``, if any."""
        return unattached.sent_once(self.mail, DocumentScope(organization_id), _about(organization_id), once)

    def emails(self, organization_id: int, *, limit: int = 50) -> list[OutboxView]:
        """The organization's Aging Report messages, newest first."""
        with self.mail.db.session() as s:
            rows = s.execute(select(OutboxEmail).where(
                OutboxEmail.organization_id == organization_id, OutboxEmail.customer_id.is_(None),
                OutboxEmail.invoice_id.is_(None)).order_by(OutboxEmail.id.desc()).limit(limit)).scalars()
            return [outbox.view(row) for row in rows]

    def _report_url(self, day: dt.date) -> str | None:
        """The absolute URL of the report's back-office page on ``day`` as the host writes it, or None."""
        urls = getattr(getattr(self.mail.invoices, "host", None), "urls", None)
        if urls is None:
            return None
        try:
            return f"{urls.url_for(REPORT_ENDPOINT, external=True)}?{urlencode({'as_of': day.isoformat()})}"
        except Exception:  # a host that cannot build it here (a worker without its web app, say)
            log.info("No back-office link to the Aging Report in its email.", exc_info=True)
            return None


def _about(organization_id: int) -> str:
    """What an Aging Report message is about, in its Message-ID: ``aging-<organization>``."""
    return f"aging-{organization_id}"
