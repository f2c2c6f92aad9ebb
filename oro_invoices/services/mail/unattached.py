"""Queueing a message about no one invoice — a customer's statement, the organization's Aging
Report — with its documents attached, at most once per form.

The documents are stored in the PDF storage (content-addressed) and referenced by the message,
so it carries them as they were when it was queued. A message that is then not queued (the
outbox refused it, the database was out of reach) leaves nothing behind: the documents stored
for it that were not there before are removed again (``storing``), unless a queued message
names the same bytes meanwhile.

Another run may queue a message with the same bytes while one removes them: it found them
stored (so did not store them itself) and commits its message between the remover's check and
its removal. Neither takes a lock; each looks again after its own step instead, with the bytes
still in hand: the remover, after removing, puts them back if a queued message names them now;
the sender, after committing, puts back any of its documents no longer stored, before handing
the message to delivery. Whichever of the two comes last sees the other's step, so the bytes
of a queued message are stored once both are done. (Delivery may meet them missing in between,
for a moment: it puts the message back for a later attempt, as for any unreadable attachment.)

What the message is about
(``statement-<organization>-<customer>``, ``aging-<organization>``) and the form's one-time key
make its Message-ID; the outbox's unique Message-ID refuses a second message from one form,
even from two requests at the same moment (``AlreadySent``).
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Text, cast, select
from sqlalchemy.exc import IntegrityError

from oro_invoices.documents.storage import RemovableStorage, sha256_hex
from oro_invoices.domain.errors import StorageError
from oro_invoices.domain.messages import Message
from oro_invoices.persistence import outbox
from oro_invoices.persistence.outbox import Attachment, OutboxEmail, OutboxView
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.mail.compose import message_key, new_message_id

if TYPE_CHECKING:
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger(__name__)


class MessageFiles:
    """The documents one message stores before it is queued, and which of them it stored anew."""

    def __init__(self, mail: MailService, missing: Message):
        self.mail = mail
        self.missing = missing
        #: The SHA-256 of each document this message stored that the storage did not have.
        self.new: list[str] = []
        #: The attachments stored so far, in order.
        self.attachments: list[Attachment] = []
        #: The bytes of each, by SHA-256: what is put back should another run remove them.
        self._data: dict[str, bytes] = {}

    def store(self, filename: str, data: bytes, content_type: str) -> Attachment:
        """``data`` kept in the PDF storage, as an attachment named ``filename``.

        :raises StorageError: no PDF storage is configured (``missing`` says what cannot be attached).
        """
        storage = getattr(self.mail.invoices, "storage", None)
        if storage is None:
            raise StorageError.shown_as_is(self.missing)
        there = storage.exists(sha256_hex(data))
        kept = storage.put(data)
        if not there and kept.sha256 not in self.new:
            self.new.append(kept.sha256)
        self._data[kept.sha256] = bytes(data)
        attachment = Attachment(filename=filename, sha256=kept.sha256, size=kept.size, content_type=content_type)
        self.attachments.append(attachment)
        return attachment

    def ensure_stored(self) -> None:
        """After the message was queued: put back each of its documents another run removed
        meanwhile (one it had stored for a message of its own that was then not queued)."""
        storage = getattr(self.mail.invoices, "storage", None)
        for sha256, data in self._data.items():
            if storage is not None and not storage.exists(sha256):
                storage.put(data)
                log.warning("The document %s of a queued message was removed by a run whose message was not "
                            "queued; it is stored again.", sha256)

    def discard(self) -> None:
        """Remove the documents this message stored anew, but those a queued message names (the
        same bytes stored for another message meanwhile), and put back any such message names
        once removed. A storage that cannot remove them, or fails to, keeps them: an object
        nothing names is harmless, and the log says so."""
        storage = getattr(self.mail.invoices, "storage", None)
        if not self.new or not isinstance(storage, RemovableStorage):
            return
        for sha256 in self.new:
            try:
                if _named_by_a_message(self.mail, sha256):
                    continue
                storage.remove(sha256)
                if _named_by_a_message(self.mail, sha256):    # queued between the look and the removal
                    storage.put(self._data[sha256])
            except Exception:    # the message's own failure is what the caller reports
                log.warning("Could not remove the document %s stored for a message that was not queued (or "
                            "put it back for one queued meanwhile).",
                            sha256, exc_info=True)


@contextlib.contextmanager
def storing(mail: MailService, missing: Message) -> Iterator[MessageFiles]:
    """The documents of one message, stored in the block; when the block fails (the message was
    not queued) those stored anew are removed again (``MessageFiles.discard``)."""
    files = MessageFiles(mail, missing)
    try:
        yield files
    except BaseException:
        files.discard()
        raise


def _named_by_a_message(mail: MailService, sha256: str) -> bool:
    """Whether a message in the outbox has the stored object ``sha256`` attached."""
    with mail.db.session() as s:
        return s.execute(select(OutboxEmail.id).where(
            cast(OutboxEmail.attachments, Text).contains(sha256)).limit(1)).first() is not None


def queue(mail: MailService, scope: DocumentScope, about: str, *, to: Sequence[str], cc: Sequence[str],
          bcc: Sequence[str], subject: str, html: str | None, text: str | None,
          files: MessageFiles, actor: str, template: str | None, once: str | None) -> OutboxView:
    """Queue a checked message of ``scope`` (its organization, and its customer if any) with the
    documents of ``files`` attached, make sure they are stored, and hand it to delivery.

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
                text=text, attachments=files.attachments, actor=actor, template=template)
    except IntegrityError:
        if once and (earlier := sent_once(mail, scope, about, once)) is not None:   # the same form, at once
            raise AlreadySent(earlier) from None
        raise
    try:
        files.ensure_stored()
    except Exception:    # queued all the same: delivery puts it back while a document cannot be read
        log.warning("Could not check the documents of queued message %s.", view.id, exc_info=True)
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
