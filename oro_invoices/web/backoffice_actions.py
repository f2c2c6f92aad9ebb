"""Back-office actions on one invoice: Add note, Delete, Send to Customer, Send email, Download.

Each answers a POST with a redirect carrying a flash message (success or
what went wrong), so reloading the page never repeats the action.
"""
from __future__ import annotations

import html as html_lib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from oro_invoices.domain.errors import (
    ConfirmationRequired,
    InvoiceError,
    InvoiceIsPosted,
    NotFound,
    PdfPending,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument, display_number
from oro_invoices.domain.limits import parse_id
from oro_invoices.domain.messages import Message
from oro_invoices.i18n import _
from oro_invoices.persistence.outbox import OutboxView
from oro_invoices.services import follow_ups
from oro_invoices.services.mail.compose import EmailDraft
from oro_invoices.services.mail.render import template_label
from oro_invoices.services.mail.service import AlreadySent, MailService
from oro_invoices.web import guard
from oro_invoices.web.backoffice import ENDPOINT_VIEW, BackOffice
from oro_invoices.web.context import WebContext
from oro_invoices.web.downloads import (
    document_name,
    is_head,
    not_modified,
    pdf_download,
    pdf_head,
    presigned_download,
    receipt_download,
    xml_download,
)
from oro_invoices.web.echo import email_refusal, email_typed
from oro_invoices.web.http import Request, Response

if TYPE_CHECKING:
    from oro_invoices.services.facade import InvoiceService

ENDPOINT_INDEX = "oro_invoices.admin.index"


def actor_of(req: Request) -> str:
    user = req.user
    return getattr(user, "name", "") or getattr(user, "email", "") or f"admin #{getattr(user, 'id', '?')}"


def warning_flashes(failed: Iterable[follow_ups.FollowUpFailed], done: str) -> list[tuple[str, str]]:
    """A warning flash, in the page's language, of what followed the write ``done`` and failed
    (``follow_ups``): the write is done all the same."""
    return [("warning", _(said)) for said in follow_ups.warnings(list(failed), done)]


def user_id_of(req: Request) -> int | None:
    """The logged-in admin's id (the author id of the notes they write)."""
    value = getattr(req.user, "id", None)
    return value if isinstance(value, int) else None


def email_form(ctx: WebContext, doc: InvoiceDocument, query: Mapping[str, str],
               emails: Sequence[OutboxView] | None = None) -> dict[str, Any]:
    """The email dialog's fields, pre-filled from the chosen template; the PDF listed from its
    record, not read (the storage is needed only to send it). ``doc`` and ``emails`` (its
    messages, newest first) as the page read them already: not read again."""
    if ctx.mail is None:
        raise InvoiceError(_("Email is not configured for invoices."))
    templates = ctx.mail.templates_for(doc)
    default = ctx.mail.template_for(doc)
    name = query.get("template") or default
    if name not in templates:
        name = default if default in templates else templates[0]
    draft = ctx.mail.prepare(doc.id, name, listed=True, invoice=doc)
    return {"templates": templates, "template": name, "to": ", ".join(draft.to),
            "subject": draft.subject, "body": draft.text or "", "attachments": draft.attachments,
            "to_customer": query.get("to_customer") == "1", "form_token": secrets.token_urlsafe(16),
            "sent_before": sent_before(ctx, doc, draft.to, draft.subject, emails)}


def check_template(mail: MailService, name: str, doc: InvoiceDocument | None = None, *,
                   labels: bool = False) -> None:
    """:raises ValidationError: on ``template``, when ``name`` is none of the email templates
    ``mail`` has, or (given ``doc``) one that does not fit ``doc`` (``MailService.templates_for``:
    a credit note's for an invoice, a receipt for an invoice without a payment …); what the API
    and the email dialog accept. ``labels``: the templates named as a page names them ("Credit
    note notification"), not by their settings' names (an API's)."""
    def named(names: Iterable[str]) -> tuple[Any, ...] | str:
        return tuple(Message(template_label(n)) for n in names) if labels else ", ".join(names)

    available = mail.templates_available()
    if name not in available:
        raise ValidationError([("template", Message("Unknown email template; use one of %(templates)s.",
                                                    templates=named(available)))])
    fitting = mail.templates_for(doc) if doc is not None else available
    if name not in fitting:
        raise ValidationError([("template", Message(
            "The email template %(template)s does not fit %(number)s; use one of %(templates)s.",
            template=Message(template_label(name)) if labels else name,
            number=doc.display_number if doc is not None else "", templates=named(fitting)))])


def sent_before(ctx: WebContext, doc: InvoiceDocument, to: Iterable[str], subject: str,
                emails: Sequence[OutboxView] | None = None) -> OutboxView | None:
    """The latest message of ``doc`` to the same recipients with the same subject (the dialog
    warns that sending again sends a second email); ``emails``: its messages, newest first, as
    read already (else read here)."""
    if ctx.mail is None:
        return None
    wanted = sorted(a.lower() for a in to)
    return next((e for e in (ctx.mail.emails(doc.id) if emails is None else emails)
                 if e.subject == subject.strip() and sorted(a.lower() for a in e.to) == wanted), None)


def decide_email(mail: MailService, email: OutboxView, decision: str | None, actor: str) -> str:
    """An admin's decision on an undelivered email (``requeue``: send it again; ``mark_sent``:
    record it as delivered), and what the page then says."""
    if decision == "requeue":
        mail.requeue(email.id, actor=actor)
        return _("The email to %(to)s will be sent again.", to=", ".join(email.to))
    if decision == "mark_sent":
        mail.mark_sent(email.id, actor=actor)
        return _("The email to %(to)s is recorded as delivered; it will not be sent again.", to=", ".join(email.to))
    raise InvoiceError(_("Choose Send again or Mark as delivered."))


def text_to_html(text: str) -> str:
    """A typed message as simple HTML: escaped, paragraphs and line breaks kept."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)


class BackOfficeActions:
    """The state-changing back-office handlers."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def _view_url(self, doc_id: int, **params: Any) -> str:
        return self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc_id, **params)

    def delete_confirm(self, req: Request) -> Response:
        """The delete confirmation (for a draft)."""
        self.pages.check(req, "oro_invoices.delete")
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        if doc.is_posted:
            raise InvoiceIsPosted(_("Invoice %(number)s is posted and cannot be deleted.", number=doc.display_number))
        html = self.ctx.render("admin/delete_confirm.html", req, invoice=doc)
        return Response.html(html, title=_("Delete %(number)s?", number=doc.display_number))

    def delete(self, req: Request) -> Response:
        """Delete the draft and go to the grid; a draft another request deleted meanwhile (Delete
        clicked twice, two admins) goes to the grid saying so, not to its page, now not found."""
        self.pages.check(req, "oro_invoices.delete")
        try:
            doc = self.pages.load(req, req.path_params.get("invoice_id"))
        except NotFound:
            deleted = self._deleted(req, req.path_params.get("invoice_id"))
            if deleted is None:
                raise
            return self._deleted_already(deleted)
        try:
            self.ctx.service.delete(doc.id, actor=actor_of(req))
        except NotFound:
            return self._deleted_already(doc.display_number)
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(self._view_url(doc.id),
                                     flashes=[("error", guard.friendly(exc)[1])])
        return Response.redirect(self.ctx.url_for(ENDPOINT_INDEX),
                                 flashes=[("success", _("Invoice %(number)s was deleted.", number=doc.display_number))])

    def _deleted(self, req: Request, invoice_id: Any) -> str | None:
        """How the draft ``invoice_id`` of the admin's organization that was deleted is named
        (its activity is kept), or None: no such draft was deleted (never one, or another
        organization's, which stays not found)."""
        number = parse_id(invoice_id)
        if number is None:
            return None
        org = getattr(req.user, "organization_id", None)
        for entry in self.ctx.service.activities(number):
            if entry.kind == "deleted" and "organization_id" in entry.data \
                    and (org is None or entry.data["organization_id"] == org):
                return display_number(entry.data.get("invoice_number"), number)
        return None

    def _deleted_already(self, number: str) -> Response:
        """To the grid saying the draft ``number`` was deleted already (Delete clicked twice, two
        admins): in place of the first click's "was deleted", never shown (its page was left)."""
        return Response.redirect(self.ctx.url_for(ENDPOINT_INDEX), flashes=[
            ("info", _("Invoice %(number)s was deleted already.", number=number))],
            supersedes=[("success", _("Invoice %(number)s was deleted.", number=number))])

    def send_to_customer(self, req: Request) -> Response:
        """Proceed: post the draft (kept even if no email follows), then open the email dialog
        (its PDF neither read nor made until the email is sent).

        Two confirmations at once (a double click, two admins): one posts the invoice, the other
        says it was posted already and opens the dialog all the same."""
        self.pages.check(req, "oro_invoices.send")
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        confirmed = req.form.get("confirm") == "1"
        flashes = []
        try:
            if not confirmed and not doc.is_posted:
                raise ConfirmationRequired(_("Confirm posting the invoice first."))
            if confirmed:
                with follow_ups.noted() as failed:  # committed, but what followed failed: posted all the same
                    posting = self.ctx.service.posting(doc.id, actor=actor_of(req))
                number = posting.invoice.display_number
                flashes.append(("success", _("Invoice %(number)s has been posted.", number=number))
                               if posting.posted_now else
                               ("info", _("Invoice %(number)s was already posted.", number=number)))
                flashes += warning_flashes(failed, follow_ups.POSTED)
            # no draft made here: the dialog lists the PDF from its record, read (or made) once sent
        except ConfirmationRequired:
            return Response.redirect(self._view_url(doc.id, dialog="send-to-customer"))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            if not self.ctx.service.get(doc.id).is_posted:
                return Response.redirect(self._view_url(doc.id),
                                         flashes=[("error", guard.friendly(exc)[1])])
            flashes.append(("error", guard.friendly(exc)[1]))
        posted = self.ctx.service.get(doc.id)
        if self.ctx.mail is None:
            return Response.redirect(self._view_url(doc.id), flashes=flashes)
        return Response.redirect(self._view_url(doc.id, dialog="email", template=self.ctx.mail.template_for(posted),
                                                to_customer="1"), flashes=flashes)

    def send_email(self, req: Request) -> Response:
        """Queue the email from the dialog; on bad input show the dialog again with the message."""
        self.pages.check(req, "oro_invoices.send")
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        if self.ctx.mail is None:
            raise InvoiceError(_("Email is not configured for invoices."))
        if not doc.is_posted:
            return Response.redirect(self._view_url(doc.id, dialog="send-to-customer"), flashes=[
                ("error", _("Invoice %(number)s is a draft: only a posted invoice is emailed. "
                            "Send to Customer posts it first.", number=doc.display_number))])
        form = req.form
        template = form.get("template") or None
        body = form.get("body", "")
        html_body = text_to_html(body)
        attach = form.get("attach_pdf") == "1" and self.ctx.service.pdf_attachable(doc)
        try:
            draft = None
            if template:                # none: an email written without one
                check_template(self.ctx.mail, template, doc, labels=True)
                draft = self._template_draft(doc, template, attach_pdf=attach)
                if draft is not None and _same(draft.text or "", body):
                    html_body = draft.html
            with follow_ups.noted() as unsent:  # queued, but its delivery job was not: the mail sweep sends it
                sent = self.ctx.mail.send(doc.id, to=form.get("to", ""), cc=form.get("cc", ""),
                                          bcc=form.get("bcc", ""), subject=form.get("subject", ""), html=html_body,
                                          text=body, attach_pdf=attach, actor=actor_of(req), template=template,
                                          once=form.get("form_token") or None,
                                          attachments=draft.attachments if draft is not None else None)
        except AlreadySent as exc:  # the dialog was submitted again (Back, reload, double click)
            return Response.redirect(self._view_url(doc.id) + "#emails", flashes=[("info", _(exc.message))])
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            status, message = guard.friendly(exc)
            # what is shown again is at most what each field holds: the page stays small
            fields = {"templates": self.ctx.mail.templates_for(doc), "template": template or "",
                      **email_typed(form)[0],
                      "attachments": (), "to_customer": form.get("to_customer") == "1",
                      "attach_pdf": attach, "form_token": form.get("form_token") or secrets.token_urlsafe(16),
                      "sent_before": None}
            page = self.pages.render_view(req, doc, dialog="email", email=fields,
                                          form_error=email_refusal(form, message))
            return Response.html(page, status=status, title=_("Invoice %(number)s", number=doc.display_number))
        to = ", ".join(sent.to)
        done = (_("The email to %(to)s was queued for delivery.", to=to) if sent.status == "queued"
                else _("The email to %(to)s was %(status)s.", to=to, status=sent.status))
        return Response.redirect(self._view_url(doc.id) + "#emails",
                                 flashes=[("success", done), *warning_flashes(unsent, follow_ups.QUEUED)])

    def _template_draft(self, doc: InvoiceDocument, template: str, *, attach_pdf: bool) -> EmailDraft | None:
        """``template`` made for ``doc`` as it is sent, with the PDF or without (``attach_pdf``):
        its HTML goes along when the typed body is its text unchanged, and its attachments are
        the ones sent (the PDF is read once, and not at all without it). None: the template
        cannot be made for it. The database or storage out of reach is raised: the email is not
        sent with a text-only body meanwhile."""
        assert self.ctx.mail is not None
        try:
            return self.ctx.mail.prepare(doc.id, template, attach_pdf=attach_pdf)
        except InvoiceError as exc:
            if guard.outage(exc):
                raise
            return None

    def email_decision(self, req: Request) -> Response:
        """An admin's decision on an undelivered email: send it again, or record it as delivered."""
        self.pages.check(req, "oro_invoices.send")
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        mail = self.ctx.mail
        if mail is None:
            raise InvoiceError(_("Email is not configured for invoices."))
        email_id = parse_id(req.path_params.get("email_id"))
        if email_id is None:
            raise NotFound(_("That email does not exist."))
        email = mail.email(email_id)
        if email.invoice_id != doc.id:      # as an id no email has (another organization's, maybe)
            raise NotFound(_("Email %(id)s does not exist.", id=email_id))
        message = decide_email(mail, email, req.form.get("decision"), actor_of(req))
        return Response.redirect(self._view_url(doc.id) + "#emails", flashes=[("success", message)])

    def download(self, req: Request) -> Response:
        """Stream the stored PDF; never render a new one."""
        self.pages.check(req)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        return pdf_response(self.ctx.service, req, doc)

    def download_xml(self, req: Request) -> Response:
        """The e-invoice XML: the one it was imported from, else the one its stored PDF carries (404
        when there is none)."""
        self.pages.check(req)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        return xml_response(self.ctx.service, doc)

    def receipt(self, req: Request) -> Response:
        """The receipt PDF of one of the invoice's payments or refunds (404 for anything else)."""
        self.pages.check(req)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        transaction_id = parse_id(req.path_params.get("transaction_id"))
        if transaction_id is None:
            raise NotFound(_("That payment does not belong to this invoice."))
        return receipt_download(self.ctx.service, doc.id, transaction_id)


def xml_response(service: InvoiceService, doc: InvoiceDocument) -> Response:
    """The e-invoice XML of a posted invoice (``InvoiceService.open_xml``) as a download."""
    doc, xml = service.open_xml(doc.id)
    return xml_download(xml, document_name(doc, "xml"))


def _same(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def pdf_response(service: InvoiceService, req: Request, doc: InvoiceDocument) -> Response:
    """The PDF as an attachment download (304 when unchanged). A posted invoice's PDF not made yet
    is made first, once, as the API's download does (``InvoiceService.pdf_for_download``); while a
    background job makes it, that job is queued again and the answer is 409 "being prepared". A
    draft is 404: it gets its PDF when posted."""
    pdf = doc.pdf
    if pdf is None:
        if not doc.is_posted:
            raise NotFound(_("Invoice %(number)s is a draft: it gets its PDF when it is posted.",
                             number=doc.display_number))
        try:
            pdf = service.pdf_for_download(doc.id)
        except PdfPending:
            raise PdfPending(_("The PDF of invoice %(number)s is being prepared. "
                               "Reload the invoice in a moment to download it.", number=doc.display_number)) from None
    cached = not_modified(req, pdf)
    if cached is not None:
        return cached
    redirect = presigned_download(service.storage, service.settings, pdf, document_name(doc))
    if redirect is not None:
        return redirect
    if is_head(req) and service.storage is not None:   # the headers are recorded: no byte is read
        return pdf_head(pdf, document_name(doc))
    info, stream = service.open_pdf(doc.id)
    return pdf_download(info, stream, document_name(doc), invoice_id=doc.id, storage=service.storage)
