"""The email dialog of a message to a customer (their statement, their account activity): who may
send one, the dialog's fields drafted from the document's template, and queueing what was typed
(``services.mail.statements``)."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from oro_invoices.domain.errors import InvoiceError
from oro_invoices.i18n import _
from oro_invoices.persistence.outbox import OutboxView
from oro_invoices.services.mail.statements import CustomerDocument
from oro_invoices.web.backoffice_actions import actor_of, text_to_html
from oro_invoices.web.context import WebContext
from oro_invoices.web.echo import email_typed
from oro_invoices.web.http import Request

#: The dialog's fields, kept as typed when it is shown again.
FIELDS = ("to", "cc", "bcc", "subject", "body")


def may_send(ctx: WebContext, req: Request) -> bool:
    """Whether a page offers Send to Customer: mail and a PDF storage here, and the permission."""
    return ctx.mail is not None and ctx.service.storage is not None and req.can("oro_invoices.send")


def drafted(ctx: WebContext, found: CustomerDocument) -> dict[str, Any]:
    """The dialog's fields, from the document's template, with a new one-time key."""
    assert ctx.mail is not None
    draft = ctx.mail.statements.prepare(found)
    return {"to": ", ".join(draft.to), "cc": "", "bcc": "", "subject": draft.subject, "body": draft.text or "",
            "form_token": secrets.token_urlsafe(16)}


def typed(form: Mapping[str, str]) -> dict[str, Any]:
    """The dialog's fields as sent, each cut to what it holds (``echo.email_typed``), to show it
    again (its one-time key kept)."""
    return {**email_typed(form)[0], "form_token": form.get("form_token") or secrets.token_urlsafe(16)}


def queue(ctx: WebContext, req: Request, found: CustomerDocument) -> OutboxView:
    """Queue the dialog's message with the document's PDF attached.

    :raises AlreadySent: the same form was sent before.
    :raises InvoiceError: email or a PDF storage is missing here, or what was typed cannot be sent.
    """
    if ctx.mail is None or ctx.service.storage is None:
        raise InvoiceError(_("Statements cannot be emailed here: email and a PDF storage must be configured."))
    form = req.form
    body = form.get("body", "")
    return ctx.mail.statements.send(found, to=form.get("to", ""), cc=form.get("cc", ""), bcc=form.get("bcc", ""),
                                    subject=form.get("subject", ""), html=text_to_html(body), text=body,
                                    actor=actor_of(req), once=form.get("form_token") or None)
