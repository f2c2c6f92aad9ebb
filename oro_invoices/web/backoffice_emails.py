"""The back-office page of one email of an invoice (or of a customer: a statement): its headers,
bodies and attachments.

Opened from the Emails section of the view page (or Statements Sent of the statement page). The HTML body is shown in a sandboxed
``iframe`` (no scripts, no same-origin access, no forms), the plain-text body as text;
an attachment is downloaded from the stored file the message references (checked
against the SHA-256 the message recorded).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from oro_invoices.domain.errors import InvoiceError, NotFound
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.limits import parse_id
from oro_invoices.domain.messages import Message
from oro_invoices.i18n import _
from oro_invoices.persistence.outbox import OutboxView
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.context import WebContext
from oro_invoices.web.downloads import CACHE_CONTROL, served_type
from oro_invoices.web.http import Request, Response


class EmailPages:
    """View email and download one of its attachments."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def _email(self, req: Request) -> tuple[InvoiceDocument, OutboxView, str | None, str | None]:
        self.pages.check(req)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        if self.ctx.mail is None:
            raise NotFound("Email is not configured for invoices.")
        email_id = parse_id(req.path_params.get("email_id"))
        if email_id is None:
            raise NotFound("That email does not exist.")
        email, html, text = self.ctx.mail.email_bodies(email_id)
        if email.invoice_id != doc.id:  # as an id no email has: another organization's ids are not told apart
            raise NotFound(Message("Email %(id)s does not exist.", id=email_id))
        return doc, email, html, text

    def email(self, req: Request) -> Response:
        """The email's From, Reply-To, To, Cc, Subject, date, bodies and attachments."""
        doc, email, html, text = self._email(req)
        view_url = self.ctx.url_for("oro_invoices.admin.view", invoice_id=doc.id)
        title = (_("Credit note %(number)s", number=doc.display_number) if doc.is_credit_note
                 else _("Invoice %(number)s", number=doc.display_number))
        return email_page(self.ctx, req, email, html, text, back_url=view_url + "#emails", back_title=title,
                          back_label=_("Back to the invoice"), attachment_url=lambda index: self.ctx.url_for(
                              "oro_invoices.admin.email_attachment", invoice_id=doc.id, email_id=email.id, index=index))

    def attachment(self, req: Request) -> Response:
        """One attachment of the email, as it was (or will be) sent."""
        _doc, email, _html, _text = self._email(req)
        return attachment_response(self.ctx, email, req.path_params.get("index"))


def email_page(ctx: WebContext, req: Request, email: OutboxView, html: str | None, text: str | None, *,
               back_url: str, back_title: str, back_label: str, attachment_url: Callable[[int], str]) -> Response:
    """The page of one outbox message (an invoice's or a customer's): ``back_url`` is where it was
    listed, ``attachment_url(index)`` downloads its attachment ``index`` (from 1)."""
    page = ctx.render("admin/email.html", req, email=email, html=html, text=text, back_url=back_url,
                      back_title=back_title, back_label=back_label, attachment_url=attachment_url)
    return Response.html(page, title=_("Email: %(subject)s", subject=email.subject))


def attachment_response(ctx: WebContext, email: OutboxView, raw_index: object) -> Response:
    """Attachment ``raw_index`` (from 1) of ``email``, as it was (or will be) sent: the stored
    file, checked against the SHA-256 the message recorded (a UTF-8 text file says its charset,
    as the sent one does)."""
    index = parse_id(raw_index)
    if index is None or not 1 <= index <= len(email.attachments):
        raise NotFound(_("That attachment does not exist."))
    att = email.attachments[index - 1]
    storage = ctx.service.storage
    if att.pending or not att.sha256 or storage is None:
        raise InvoiceError(Message("%(file)s is not attached yet: the PDF is being prepared.",
                                   file=att.filename))
    with storage.open(att.sha256) as stream:
        data = stream.read()
    if hashlib.sha256(data).hexdigest() != att.sha256:
        raise InvoiceError(Message("The stored file %(file)s has changed since the email was "
                                   "queued; it cannot be downloaded.", file=att.filename))
    return Response(status=200, body=data, content_type=served_type(att.content_type, data),
                    headers=_headers(att.filename))


def _headers(filename: str) -> dict[str, str]:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "attachment"
    return {"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff"}
