"""The Aging Report by email in the back-office: **Email** on the report (an admin of one
organization with ``oro_invoices.send``) opens a dialog drafted from ``aging_report_template``
to Aging Report Recipients, and queues the report of the page's filters, order and day with its
PDF and CSV attached (``services.mail.aging_reports``); the report page lists the organization's
reports sent (by an admin or on the schedule), each with its page, attachments and, when
undelivered, Send again / Mark as sent.
"""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from oro_invoices.domain.errors import InvoiceError, NotFound
from oro_invoices.domain.limits import parse_id
from oro_invoices.i18n import _
from oro_invoices.persistence.outbox import OutboxView
from oro_invoices.services import follow_ups
from oro_invoices.services.aging import AgingReport
from oro_invoices.services.mail.service import AlreadySent, MailService
from oro_invoices.web import customer_emails, guard
from oro_invoices.web.backoffice_actions import actor_of, decide_email, text_to_html, warning_flashes
from oro_invoices.web.backoffice_emails import attachment_response, email_page
from oro_invoices.web.context import WebContext
from oro_invoices.web.echo import email_refusal
from oro_invoices.web.http import Request, Response

if TYPE_CHECKING:
    from oro_invoices.web.backoffice_aging import AgingPages

REPORT = "oro_invoices.admin.aging"
#: The report's query the dialog posts with, kept when going back to it.
QUERY = ("customer", "currency", "sort", "as_of")


def may_send(ctx: WebContext, req: Request) -> bool:
    """Whether the report offers **Email**: mail and a PDF storage here, and the permission."""
    return customer_emails.may_send(ctx, req)


def drafted(ctx: WebContext, report: AgingReport, organization_id: int) -> dict[str, Any]:
    """The dialog's fields, from ``aging_report_template``, with a new one-time key."""
    assert ctx.mail is not None
    draft = ctx.mail.aging.prepare(report, organization_id)
    return {"to": ", ".join(draft.to), "cc": "", "bcc": "", "subject": draft.subject, "body": draft.text or "",
            "form_token": secrets.token_urlsafe(16)}


def sent(ctx: WebContext, organization_id: int) -> list[OutboxView]:
    """The organization's Aging Reports sent by email, newest first."""
    assert ctx.mail is not None
    return ctx.mail.aging.emails(organization_id)


class AgingEmailPages:
    """**Email** of the Aging Report, and the pages of the reports sent."""

    def __init__(self, aging: AgingPages):
        self.aging = aging
        self.backoffice = aging.backoffice

    def send_email(self, req: Request) -> Response:
        """Queue the report of the page's query from the dialog, its PDF and CSV attached; on bad
        input show the dialog again with the message (422). Needs ``oro_invoices.send``."""
        bo = self.backoffice
        bo.check(req, "oro_invoices.send")
        organization_id = self._organization(req)
        report = self.aging.asked(req)
        kept = urlencode({key: req.query[key] for key in QUERY if req.query.get(key)})
        back = bo.ctx.url_for(REPORT) + (f"?{kept}" if kept else "") + "#emails"
        mail, form = self._mail(), req.form
        body = form.get("body", "")
        try:
            if bo.ctx.service.storage is None:
                raise InvoiceError(_("The Aging Report cannot be emailed here: email and a PDF storage must be "
                                     "configured."))
            with follow_ups.noted() as unsent:  # queued, but its delivery job was not: the mail sweep sends it
                queued = mail.aging.send(report, organization_id, to=form.get("to", ""), cc=form.get("cc", ""),
                                         bcc=form.get("bcc", ""), subject=form.get("subject", ""),
                                         html=text_to_html(body), text=body, actor=actor_of(req),
                                         once=form.get("form_token") or None)
        except AlreadySent as exc:  # the dialog was submitted again (Back, reload, double click)
            return Response.redirect(back, flashes=[("info", _(exc.message))])
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            status, message = guard.friendly(exc)
            return self.aging.report(req, email=customer_emails.typed(form), form_error=email_refusal(form, message), status=status)
        return Response.redirect(back, flashes=[("success", _("The Aging Report to %(to)s was queued for delivery.",
                                                              to=", ".join(queued.to))),
                                                *warning_flashes(unsent, follow_ups.QUEUED)])

    def email_view(self, req: Request) -> Response:
        """The page of one Aging Report email of the admin's organization."""
        email = self._email(req)
        _email, html, text = self._mail().email_bodies(email.id)
        ctx = self.backoffice.ctx
        return email_page(ctx, req, email, html, text, back_url=ctx.url_for(REPORT) + "#emails",
                          back_title=_("Aging Report"), back_label=_("Back to the Aging Report"),
                          attachment_url=lambda index: ctx.url_for("oro_invoices.admin.aging_email_attachment",
                                                                   email_id=email.id, index=index))

    def email_attachment(self, req: Request) -> Response:
        """An attachment of one Aging Report email (the report's PDF or CSV it carried)."""
        return attachment_response(self.backoffice.ctx, self._email(req), req.path_params.get("index"))

    def email_decision(self, req: Request) -> Response:
        """An admin's decision on an undelivered Aging Report email: send it again, or record it
        as delivered (``oro_invoices.send``); another organization's message is 404."""
        self.backoffice.check(req, "oro_invoices.send")
        email = self._email(req)
        message = decide_email(self._mail(), email, req.form.get("decision"), actor_of(req))
        return Response.redirect(self.backoffice.ctx.url_for(REPORT) + "#emails", flashes=[("success", message)])

    def _organization(self, req: Request) -> int:
        organization_id = self.backoffice.base_filter(req).organization_id
        if organization_id is None:
            raise NotFound(_("An Aging Report is emailed for one organization; you see them all."))
        return organization_id

    def _email(self, req: Request) -> OutboxView:
        """The admin's organization's Aging Report email ``email_id`` (404 for any other message)."""
        self.backoffice.check(req)
        organization_id = self._organization(req)
        email_id = parse_id(req.path_params.get("email_id"))
        try:
            email = self._mail().email(email_id) if email_id is not None else None
        except NotFound:
            email = None
        if email is None or (email.invoice_id, email.customer_id, email.organization_id) != (
                None, None, organization_id):
            raise NotFound(_("That email does not exist."))
        return email

    def _mail(self) -> MailService:
        mail = self.backoffice.ctx.mail
        if mail is None:
            raise NotFound(_("Email is not configured for invoices."))
        return mail
