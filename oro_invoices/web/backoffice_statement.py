"""A customer's **Statement** in the back-office: their open invoices with what each still owes
and how late it is, per currency with its aging (``services.statement``), as a page, a PDF, a
CSV, and an email to the customer with the PDF attached (``services.mail.statements``). Opened
from the Aging Report; the admin needs what the grid needs (``oro_invoices.view``; sending,
``oro_invoices.send``) and sees only customers of their organization. ``?as_of=YYYY-MM-DD``
gives the statement at the end of a past day (what was open then, for what it owed then), kept
by its PDF, CSV and email.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.aging import BUCKETS
from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.limits import parse_day, parse_id
from oro_invoices.domain.messages import Message
from oro_invoices.i18n import _
from oro_invoices.persistence.outbox import OutboxView
from oro_invoices.services import follow_ups
from oro_invoices.services.mail.service import AlreadySent, MailService
from oro_invoices.services.reminders import CustomerReminders, customer_reminders, set_customer_reminders
from oro_invoices.services.statement import Statement, statement_csv_text
from oro_invoices.web import customer_emails, guard
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.backoffice_actions import actor_of, decide_email, warning_flashes
from oro_invoices.web.backoffice_emails import attachment_response, email_page
from oro_invoices.web.backoffice_selection import remittance_form_url
from oro_invoices.web.downloads import CSV, statement_download, statement_file_name
from oro_invoices.web.echo import email_refusal
from oro_invoices.web.http import Request, Response

#: Switching a customer's payment reminders is changing a setting (at the customer's scope).
CONFIGURE = "oro_invoices.configure"


class StatementPages:
    """The statement page, its PDF, its CSV and its email, for ``?customer=<id>``."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def statement(self, req: Request) -> Statement:
        """The statement of the customer ``?customer=`` names on ``?as_of=`` (today unless given),
        for an admin who may see it; ``NotFound`` for a customer that is not theirs (or unknown,
        with no open invoice), ``ValidationError`` for an ``as_of`` that is no day."""
        bo = self.backoffice
        bo.check(req)
        customer_id = parse_id(req.query.get("customer"))
        if customer_id is None:
            raise NotFound(_("That customer does not exist."))
        as_of = parse_day(req.query.get("as_of", "").strip())
        if req.query.get("as_of", "").strip() and as_of is None:
            raise ValidationError([("as_of", Message("Must be a day written YYYY-MM-DD."))])
        try:
            return bo.ctx.service.statement_of(customer_id, organization_id=bo.base_filter(req).organization_id,
                                               today=as_of)
        except NotFound:
            raise NotFound(_("That customer does not exist.")) from None

    def page(self, req: Request) -> Response:
        """The statement as a page, with **Download PDF**, **Export CSV**, **Send to Customer**
        (``?dialog=email``: the email dialog, pre-filled from ``customer_statement_template``)
        and the statements sent to the customer by email."""
        found = self.statement(req)
        dialog = req.query.get("dialog") == "email" and customer_emails.may_send(self.backoffice.ctx, req)
        return self._render(req, found, email=customer_emails.drafted(self.backoffice.ctx, found) if dialog else None)

    def send_email(self, req: Request) -> Response:
        """Queue the statement's email from the dialog, its PDF attached; on bad input show the
        dialog again with the message (422). Needs ``oro_invoices.send``."""
        self.backoffice.check(req, "oro_invoices.send")
        found = self.statement(req)
        back = self._url(found) + "#emails"
        try:
            with follow_ups.noted() as unsent:  # queued, but its delivery job was not: the mail sweep sends it
                sent = customer_emails.queue(self.backoffice.ctx, req, found)
        except AlreadySent as exc:  # the dialog was submitted again (Back, reload, double click)
            return Response.redirect(back, flashes=[("info", _(exc.message))])
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            status, message = guard.friendly(exc)
            return self._render(req, found, email=customer_emails.typed(req.form), form_error=email_refusal(req.form, message), status=status)
        to = ", ".join(sent.to)
        return Response.redirect(back, flashes=[("success", _("The statement to %(to)s was queued for delivery.",
                                                              to=to)), *warning_flashes(unsent, follow_ups.QUEUED)])

    def email_view(self, req: Request) -> Response:
        """The page of one statement email of this customer (headers, bodies, attachments)."""
        found, email = self._customer_email(req, self.backoffice.check)
        _email, html, text = self._mail().email_bodies(email.id)
        ctx = self.backoffice.ctx
        return email_page(ctx, req, email, html, text, back_url=self._url(found) + "#emails",
                          back_title=_("Statement of %(customer)s", customer=found.customer_name or
                                       f"#{found.customer_id}"),
                          back_label=_("Back to the statement"), attachment_url=lambda index: ctx.url_for(
                              "oro_invoices.admin.statement_email_attachment", email_id=email.id, index=index)
                          + f"?customer={found.customer_id}")

    def email_attachment(self, req: Request) -> Response:
        """An attachment of one statement email of this customer (the statement PDF it carried)."""
        _found, email = self._customer_email(req, self.backoffice.check)
        return attachment_response(self.backoffice.ctx, email, req.path_params.get("index"))

    def _mail(self) -> MailService:
        mail = self.backoffice.ctx.mail
        if mail is None:
            raise NotFound(_("Email is not configured for invoices."))
        return mail

    def _customer_email(self, req: Request, check: Callable[..., None]) -> tuple[Statement, OutboxView]:
        """The statement of ``?customer=`` and its email ``email_id`` (404 for any other message)."""
        check(req)
        found = self.statement(req)
        email_id = parse_id(req.path_params.get("email_id"))
        try:
            email = self._mail().email(email_id) if email_id is not None else None
        except NotFound:
            email = None
        if email is None or email.invoice_id is not None or (email.organization_id, email.customer_id) != (
                found.organization_id, found.customer_id):
            raise NotFound(_("That email does not exist."))
        return found, email

    def email_decision(self, req: Request) -> Response:
        """An admin's decision on an undelivered statement email of this customer: send it again,
        or record it as delivered (``oro_invoices.send``); another's message is 404."""
        found, email = self._customer_email(req, lambda r: self.backoffice.check(r, "oro_invoices.send"))
        message = decide_email(self._mail(), email, req.form.get("decision"), actor_of(req))
        return Response.redirect(self._url(found) + "#emails", flashes=[("success", message)])

    def reminders(self, req: Request) -> Response:
        """**Stop Payment Reminders** / **Resume Payment Reminders** for the statement's customer:
        its own ``oro_invoices.reminders.enabled`` off (an opt-out the reminder runs honour), or
        forgotten again. Needs ``oro_invoices.configure``; any other choice is 422."""
        self.backoffice.check(req, CONFIGURE)
        found = self.statement(req)
        choice = req.form.get("reminders", "")
        if choice not in ("off", "on") or found.customer_id is None:
            raise ValidationError([("reminders", Message('Must be "on" or "off".'))])
        set_customer_reminders(self.backoffice.ctx.settings, found.customer_id, on=choice == "on")
        said = (_("Payment reminders to %(customer)s are stopped.", customer=self._who(found)) if choice == "off"
                else _("Payment reminders to %(customer)s follow the reminder settings again.", customer=self._who(found)))
        return Response.redirect(self._url(found) + "#oi-statement-reminders", flashes=[("success", said)])

    def _reminders(self, req: Request, found: Statement) -> tuple[CustomerReminders | None, bool]:
        """Whether the reminder runs send the customer reminders (None for no known customer),
        and whether the admin may switch them (``oro_invoices.configure``)."""
        if found.customer_id is None:
            return None, False
        ctx = self.backoffice.ctx
        group = ctx.service.context.customer_group_of(found.customer_id)
        return (customer_reminders(ctx.settings, found.organization_id, found.customer_id, group),
                req.can(CONFIGURE))

    @staticmethod
    def _who(found: Statement) -> str:
        return found.customer_name or f"#{found.customer_id}"

    def _url(self, found: Statement) -> str:
        return self.backoffice.ctx.url_for('oro_invoices.admin.statement') + self._query(found)

    def _past(self, found: Statement) -> bool:
        """Whether ``found`` is the statement of a past day rather than today's."""
        return found.as_of < self.backoffice.ctx.service.books_today(ScopeContext(organization_id=found.organization_id))

    def _query(self, found: Statement) -> str:
        """The query naming ``found``: its customer, and its day when it is not today."""
        return f"?customer={found.customer_id}" + (f"&as_of={found.as_of.isoformat()}" if self._past(found) else "")

    def _render(self, req: Request, found: Statement, *, email: dict[str, Any] | None = None,
                form_error: str = "", status: int = 200) -> Response:
        ctx = self.backoffice.ctx
        who = found.customer_name or f"#{found.customer_id}"
        sent = ([] if ctx.mail is None or found.organization_id is None or found.customer_id is None
                else ctx.mail.statements.emails(found.organization_id, found.customer_id))
        past = self._past(found)
        reminders, can_switch_reminders = self._reminders(req, found)
        html = ctx.render("admin/statement.html", req, statement=found, buckets=BUCKETS, customer=who,
                          reminders=reminders, can_switch_reminders=can_switch_reminders,
                          query=self._query(found), page_url=self._url(found), emails=sent, past=past,
                          activity_query=f"?customer={found.customer_id}" + (
                              f"&to={found.as_of.isoformat()}" if past else ""),
                          can_send=customer_emails.may_send(self.backoffice.ctx, req), email=email, form_error=form_error,
                          record_payment={} if past else self._record_payment_links(req, found))
        return Response.html(html, status=status, title=_("Statement of %(customer)s", customer=who))

    def _record_payment_links(self, req: Request, found: Statement) -> dict[str, str]:
        """Per currency, **Record Payment** for the customer's open invoices in it (the first
        ``MAX_SELECTED``, as listed: oldest due first), where the admin may record payments."""
        if not req.can("oro_invoices.manage_payments"):
            return {}
        return {section.currency: remittance_form_url(self.backoffice.ctx, found.customer_id,
                                                      [item.invoice_id for item in section.items])
                for section in found.sections if section.items}

    def pdf(self, req: Request) -> Response:
        """The statement as PDF (``statement-<customer id>-<date>.pdf``), made now."""
        return statement_download(self.backoffice.ctx.service, self.statement(req))

    def csv(self, req: Request) -> Response:
        """The statement as CSV: a row per open invoice (``statement-<customer id>-<date>.csv``)."""
        found = self.statement(req)
        return Response(status=200, body=statement_csv_text(found).encode("utf-8"), content_type=CSV, headers={
            "Content-Disposition": f'attachment; filename="{statement_file_name(found, "csv")}"',
            "Cache-Control": "private, no-store"})
