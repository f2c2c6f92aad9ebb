"""The back-office page of one email of an invoice: its headers, bodies and attachments.

Opened from the Emails section of the view page. The HTML body is shown in a sandboxed
``iframe`` (no scripts, no same-origin access, no forms), the plain-text body as text;
an attachment is downloaded from the stored file the message references (checked
against the SHA-256 the message recorded).
"""
from __future__ import annotations

import hashlib
import re

from oro_invoices.domain.errors import InvoiceError, NotFound
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.limits import parse_id
from oro_invoices.domain.messages import Message
from oro_invoices.i18n import _
from oro_invoices.persistence.outbox import OutboxView
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.downloads import CACHE_CONTROL
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
        if email.invoice_id != doc.id:  # another invoice's (maybe another organization's) message
            raise NotFound("That email does not belong to this invoice.")
        return doc, email, html, text

    def email(self, req: Request) -> Response:
        """The email's From, Reply-To, To, Cc, Subject, date, bodies and attachments."""
        doc, email, html, text = self._email(req)
        page = self.ctx.render("admin/email.html", req, invoice=doc, email=email, html=html,
                               text=text, can_send=req.can("oro_invoices.send"))
        return Response.html(page, title=_("Email: %(subject)s", subject=email.subject))

    def attachment(self, req: Request) -> Response:
        """One attachment of the email, as it was (or will be) sent."""
        doc, email, _html, _text = self._email(req)
        index = parse_id(req.path_params.get("index"))
        if index is None or not 1 <= index <= len(email.attachments):
            raise NotFound("That attachment does not exist.")
        att = email.attachments[index - 1]
        storage = self.ctx.service.storage
        if att.pending or not att.sha256 or storage is None:
            raise InvoiceError(Message("%(file)s is not attached yet: the PDF is being prepared.",
                                       file=att.filename))
        with storage.open(att.sha256) as stream:
            data = stream.read()
        if hashlib.sha256(data).hexdigest() != att.sha256:
            raise InvoiceError(Message("The stored file %(file)s has changed since the email was "
                                       "queued; it cannot be downloaded.", file=att.filename))
        return Response(status=200, body=data, content_type=att.content_type, headers=_headers(att.filename))


def _headers(filename: str) -> dict[str, str]:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "attachment"
    return {"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff"}
