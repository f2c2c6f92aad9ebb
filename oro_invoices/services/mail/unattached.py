"""Queueing a message about no one invoice — a customer's statement, the organization's Aging
Report — with its documents attached, at most once per form.

The documents are stored in the PDF storage (content-addressed) and referenced by the message,
so it carries them as they were when it was queued. What the message is about
(``statement-<organization>-<customer>``, ``aging-<organization>``) and the form's one-time key
make its Message-ID; the outbox's unique Message-ID refuses a second message from one form,
even from two requests at the same moment (``AlreadySent``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from oro_invoices.domain.errors import StorageError
from oro_invoices.domain.messages import Message
from oro_invoices.persistence import outbox
from oro_invoices.persistence.outbox import Attachment, OutboxEmail, OutboxView
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.mail.compose import message_key, new_message_id

if TYPE_CHECKING:
    from oro_invoices.services.mail.service import MailService


def stored(mail: MailService, filename: str, data: bytes, content_type: str, missing: Message) -> Attachment:
    """``data`` kept in the PDF storage, as an attachment named ``filename``.

    :raises StorageError: no PDF storage is configured (``missing`` says what cannot be attached).
    """
    storage = getattr(mail.invoices, "storage", None)
    if storage is None:
        raise StorageError(missing)
    kept = storage.put(data)
    return Attachment(filename=filename, sha256=kept.sha256, size=kept.size, content_type=content_type)


def queue(mail: MailService, scope: DocumentScope, about: str, *, to: Sequence[str], cc: Sequence[str],
          bcc: Sequence[str], subject: str, html: str | None, text: str | None,
          attachments: Sequence[Attachment], actor: str, template: str | None, once: str | None) -> OutboxView:
    """Queue a checked message of ``scope`` (its organization, and its customer if any) and hand
    it to delivery.

    :raises AlreadySent: a message was already queued from the form ``once``.
    """
    from oro_invoices.services.mail.service import AlreadySent
    sender, sender_name = mail.sender_of(scope)
    try:
        with mail.db.transaction() as s:
            view = mail.add_to_outbox(
                s, organization_id=scope.organization_id, customer_id=scope.customer_id,
                message_id=new_message_id(None, sender, once, about=about), sender=sender, sender_name=sender_name,
                reply_to=mail.reply_to_of(scope, sender), to=to, cc=cc, bcc=bcc, subject=subject, html=html,
                text=text, attachments=attachments, actor=actor, template=template)
    except IntegrityError:
        if once and (earlier := sent_once(mail, scope, about, once)) is not None:   # the same form, at once
            raise AlreadySent(earlier) from None
        raise
    mail.submit_delivery(view.id)
    return view


def sent_once(mail: MailService, scope: DocumentScope, about: str, once: str) -> OutboxView | None:
    """The message about ``about`` of ``scope`` queued with the one-time key ``once``, if any."""
    prefix = f"<{message_key(about, once)}.{about}@"
    with mail.db.session() as s:
        row = s.execute(select(OutboxEmail).where(
            OutboxEmail.organization_id == scope.organization_id, OutboxEmail.customer_id == scope.customer_id,
            OutboxEmail.message_id.startswith(prefix, autoescape=True)).limit(1)).scalar_one_or_none()
        return outbox.view(row) if row is not None else None
