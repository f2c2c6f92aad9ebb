"""The sender: claims due outbox messages, delivers them, records the outcome.

Guarantee (see docs/email.md): a message is handed to the SMTP server at most
once by this code. Before sending, a message is claimed with a row update
(status ``sending``, a fresh lease token, ``lease_until``) in its own committed
transaction — on PostgreSQL the candidate row is selected ``FOR UPDATE SKIP
LOCKED``, on SQLite write transactions are serialised — so two senders never
take the same message. The outcome is written only if the lease token still
matches. If a sender dies after the server accepted the message but before
the outcome was written, the message stays ``sending`` until its lease
expires; it is then *not* re-sent blindly: an optional ``reconcile`` callback
may tell by Message-ID whether the server has it; otherwise it becomes
``unknown`` and waits for an admin (or, with ``expired_lease="resend"``, it is
queued again: at-least-once instead of at-most-once).

A message queued while its invoice's PDF was still being made in the background carries a
*pending* attachment: when claimed, the sender asks ``resolve_pdf`` for the stored PDF; while
there is none, the message goes back to ``queued`` (this attempt not counted) and is due
again after ``PDF_WAIT``. Once the PDF exists its SHA-256 is written into the message, which
is then sent as any other; a pending e-invoice XML is read out of the same bytes, the PDF read
once (``resolve_pdf`` answers both).
A pending payment receipt (a receipt email's PDF) is made by the sender (``resolve_receipt``,
the same bytes each time). A sender that makes no PDFs (``oro-invoices deliver-mail``) puts the
message back, like one waiting for its PDF, for a sender that does (a worker's delivery job or
its sweep); when the receipt cannot be made there, the attempt fails like a refused send and is
retried on the same schedule.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from email.message import EmailMessage
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update

from oro_invoices.domain import mail_problems as problems
from oro_invoices.domain.errors import InvoiceError, StorageError
from oro_invoices.domain.mail_problems import INTERRUPTED, WAITING_FOR_PDF, WAITING_FOR_RECEIPT
from oro_invoices.domain.messages import N_, Message
from oro_invoices.persistence import outbox
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.outbox import (
    DUE_STATUSES,
    FAILED,
    QUEUED,
    RETRY,
    SENDING,
    SENT,
    UNKNOWN,
    Attachment,
    OutboxEmail,
    OutboxView,
)
from oro_invoices.services.mail import history
from oro_invoices.services.mail.mime import build_message
from oro_invoices.services.mail.smtp import Transport, describe_error

RETRY_SCHEDULE: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
    dt.timedelta(hours=2), dt.timedelta(hours=12))
EXPIRED_LEASE_POLICIES = ("unknown", "resend")
ACTOR = "mailer"
#: How long a message waits before looking again for its invoice's PDF.
PDF_WAIT = dt.timedelta(seconds=15)
XML_TYPE = "application/xml"
#: ``resolve_pdf(invoice_id, with_xml)``: the stored PDF of an invoice as an attachment and, with
#: ``with_xml``, the e-invoice XML it carries (None: it carries none), read out of the same bytes;
#: None while the PDF is still being made.
PdfResolver = Callable[[int, bool], tuple[Attachment, Attachment | None] | None]
#: ``resolve_receipt(invoice_id, transaction_id) -> Attachment | None``: that payment's receipt
#: PDF, made and stored; None where no receipt can be made (no renderer or storage here).
ReceiptResolver = Callable[[int, int], Attachment | None]


@dataclass(frozen=True)
class DeliveryReport:
    """What one ``deliver_pending`` run did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    requeued: int = 0
    transport_configured: bool = True
    waiting: int = 0  # put back until their invoice's PDF exists

    @classmethod
    def of(cls, counts: Counter[str], *, transport_configured: bool = True) -> DeliveryReport:
        return cls(claimed=counts["claimed"], sent=counts["sent"], retrying=counts["retrying"],
                   failed=counts["failed"], unknown=counts["unknown"], requeued=counts["requeued"],
                   transport_configured=transport_configured, waiting=counts["waiting"])


@dataclass(frozen=True)
class _Claimed:
    """A message this sender holds the lease on: as claimed (``sending``, this attempt counted)."""

    email: OutboxView
    html: str | None
    text: str | None
    token: str


class Deliverer:
    """Delivers the outbox of one database through one transport."""

    def __init__(self, db: Database, transport: Transport | None, *,
                 read_attachment: Callable[[str], bytes], clock: Callable[[], dt.datetime],
                 lease: dt.timedelta = dt.timedelta(minutes=5),
                 retry_schedule: Sequence[dt.timedelta] = RETRY_SCHEDULE,
                 expired_lease: str = "unknown",
                 reconcile: Callable[[str], bool | None] | None = None,
                 resolve_pdf: PdfResolver | None = None,
                 resolve_receipt: ReceiptResolver | None = None) -> None:
        if expired_lease not in EXPIRED_LEASE_POLICIES:
            raise ValueError(f"expired_lease must be one of {EXPIRED_LEASE_POLICIES}")
        self.db = db
        self.transport = transport
        self.read_attachment = read_attachment
        self.clock = clock
        self.lease = lease
        self.retry_schedule = tuple(retry_schedule)
        self.expired_lease = expired_lease
        self.reconcile = reconcile
        self.resolve_pdf = resolve_pdf
        self.resolve_receipt = resolve_receipt

    @property
    def max_attempts(self) -> int:
        return len(self.retry_schedule) + 1

    def run(self, *, limit: int = 100, now: dt.datetime | None = None,
            email_id: int | None = None) -> DeliveryReport:
        """Recover expired leases, then claim and deliver up to ``limit`` due messages.

        ``email_id``: only that message, if it is due (what a delivery job does).
        """
        now = now or self.clock()
        counts = Counter(self._recover_expired(now))
        transport = self.transport
        if transport is None:
            return DeliveryReport.of(counts, transport_configured=False)
        try:
            for _ in range(limit):
                claimed = self._claim_one(now, email_id)
                if claimed is None:
                    break
                counts["claimed"] += 1
                counts[self._deliver(transport, claimed, now)] += 1
        finally:
            transport.close()
        return DeliveryReport.of(counts)

    # -- claiming ------------------------------------------------------------------

    def _claim_one(self, now: dt.datetime, email_id: int | None = None) -> _Claimed | None:
        only = [OutboxEmail.id == email_id] if email_id is not None else []
        while True:
            with self.db.transaction() as s:
                row = s.execute(
                    select(OutboxEmail)
                    .where(OutboxEmail.status.in_(DUE_STATUSES),
                           or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now),
                           *only)
                    .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
                    .limit(1).with_for_update(skip_locked=True)
                ).scalar_one_or_none()
                if row is None:
                    return None
                token = uuid.uuid4().hex
                result = s.execute(
                    update(OutboxEmail)
                    .where(OutboxEmail.id == row.id, OutboxEmail.status.in_(DUE_STATUSES))
                    .values(status=SENDING, lease_token=token, lease_until=now + self.lease,
                            attempts=OutboxEmail.attempts + 1, updated_at=self.clock())
                    .execution_options(synchronize_session=False))
                if cast("CursorResult[Any]", result).rowcount == 1:
                    email = replace(outbox.view(row), status=SENDING, attempts=row.attempts + 1)
                    return _Claimed(email=email, html=row.html, text=row.text, token=token)
            # someone else took it between our read and our update: look again

    # -- sending -------------------------------------------------------------------

    def build(self, claimed: _Claimed) -> EmailMessage:
        """The MIME message, with the stored attachments checked against their SHA-256."""
        files: list[tuple[Attachment, bytes]] = []
        for att in claimed.email.attachments:
            try:
                data = self.read_attachment(att.sha256)
            except (InvoiceError, OSError) as exc:  # said as such, not as the SMTP server out of reach
                reason = exc.message if isinstance(exc, InvoiceError) else str(exc.strerror or exc)
                raise StorageError(Message(problems.UNREADABLE_ATTACHMENT, file=att.filename, reason=reason)) from exc
            if hashlib.sha256(data).hexdigest() != att.sha256:
                raise StorageError.shown_as_is(Message(problems.CHANGED_ATTACHMENT, file=att.filename,
                                                       sha256=att.sha256))
            files.append((att, data))
        return build_message(claimed.email, html=claimed.html, text=claimed.text, files=files,
                             date=self.clock())

    def _deliver(self, transport: Transport, claimed: _Claimed, now: dt.datetime) -> str:
        if any(a.pending for a in claimed.email.attachments):
            try:
                resolved = self._resolve_pending(claimed)
            except Exception as exc:  # recorded on the message like a failed send
                return self._mark_failed(claimed, exc, now)
            if isinstance(resolved, str):
                self._put_back(claimed, now, resolved)
                return "waiting"
            claimed = resolved
        try:
            reply = transport.send(self.build(claimed))
        except Exception as exc:  # every failure is recorded on the message
            return self._mark_failed(claimed, exc, now)
        self._mark_sent(claimed, reply or "")
        return "sent"

    def _resolve_pending(self, claimed: _Claimed) -> _Claimed | str:
        """The claimed message with its pending files in place (written into the row): its
        invoice's stored PDF, and the receipt it carries made now; or why it waits: its invoice's
        PDF is still being made, or no receipt can be made here."""
        email = claimed.email
        pdf = xml = None
        if email.invoice_id is None:    # a customer's message carries only files stored when it was queued
            raise RuntimeError("A message about no invoice cannot wait for an invoice's files.")
        if any(a.awaits_pdf for a in email.attachments):
            if self.resolve_pdf is None:
                raise RuntimeError("The invoice PDF of this message cannot be looked up here.")
            resolved = self.resolve_pdf(email.invoice_id, any(a.awaits_pdf and a.content_type == XML_TYPE
                                                              for a in email.attachments))
            if resolved is None:
                return WAITING_FOR_PDF
            pdf, xml = resolved
        receipts: dict[int, Attachment] = {}
        for a in email.attachments:
            if a.pending and a.receipt_of is not None:
                made = self.resolve_receipt(a.receipt_invoice or email.invoice_id, a.receipt_of) \
                    if self.resolve_receipt else None
                if made is None:
                    return WAITING_FOR_RECEIPT
                receipts[a.receipt_of] = replace(made, filename=a.filename)
        attachments = tuple(r for r in (self._resolved(a, pdf, xml, receipts) for a in email.attachments)
                            if r is not None)
        with self.db.transaction() as s:
            s.execute(update(OutboxEmail)
                      .where(OutboxEmail.id == email.id, OutboxEmail.lease_token == claimed.token)
                      .values(attachments=[a.as_dict() for a in attachments], last_error="")
                      .execution_options(synchronize_session=False))
        return replace(claimed, email=replace(email, attachments=attachments))

    @staticmethod
    def _resolved(attachment: Attachment, pdf: Attachment | None, xml: Attachment | None,
                  receipts: dict[int, Attachment]) -> Attachment | None:
        """A pending attachment filled in: its receipt made now, the now stored invoice PDF, or the
        e-invoice XML that PDF carries (None when it carries none); any other one as it is."""
        if not attachment.pending:
            return attachment
        if attachment.receipt_of is not None:
            return receipts[attachment.receipt_of]
        assert pdf is not None
        if attachment.content_type == XML_TYPE:
            return xml
        return replace(pdf, filename=attachment.filename)

    def _put_back(self, claimed: _Claimed, now: dt.datetime, reason: str) -> None:
        """Release a message whose PDF (or receipt) cannot be attached yet, saying why (``reason``):
        queued again, this attempt not counted."""
        with self.db.transaction() as s:
            s.execute(update(OutboxEmail)
                      .where(OutboxEmail.id == claimed.email.id, OutboxEmail.lease_token == claimed.token,
                             OutboxEmail.status == SENDING)
                      .values(status=QUEUED, attempts=OutboxEmail.attempts - 1, lease_until=None,
                              next_attempt_at=now + PDF_WAIT, last_error=reason,
                              updated_at=self.clock())
                      .execution_options(synchronize_session=False))

    def _mark_sent(self, claimed: _Claimed, reply: str) -> None:
        sent_at = self.clock()
        email = claimed.email
        with self.db.transaction() as s:
            s.execute(update(OutboxEmail)
                      .where(OutboxEmail.id == email.id, OutboxEmail.lease_token == claimed.token,
                             OutboxEmail.status != SENT)
                      .values(status=SENT, sent_at=sent_at, smtp_response=reply[:2000],
                              last_error="", lease_until=None, next_attempt_at=None,
                              updated_at=sent_at)
                      .execution_options(synchronize_session=False))
            history.record(s, replace(email, status=SENT), ACTOR, Message("sent: %(subject)s", subject=email.subject),
                           smtp_response=reply[:500])

    def _mark_failed(self, claimed: _Claimed, exc: BaseException, now: dt.datetime) -> str:
        error, permanent = describe_error(exc)
        email = claimed.email
        give_up = permanent or email.attempts >= self.max_attempts
        status = FAILED if give_up else RETRY
        next_at = None if give_up else now + self.retry_schedule[email.attempts - 1]
        event: Message
        if next_at is None and permanent:
            event = Message("refused: %(error)s. Not retried.", error=error)
        elif next_at is None:
            event = Message("failed after %(attempts)s attempts: %(error)s. Given up.", attempts=email.attempts,
                            error=error)
        else:
            event = Message("failed (attempt %(attempt)s of %(attempts)s): %(error)s. Next attempt at %(when)s.",
                            attempt=email.attempts, attempts=self.max_attempts, error=error, when=next_at)
        with self.db.transaction() as s:
            s.execute(update(OutboxEmail)
                      .where(OutboxEmail.id == email.id, OutboxEmail.lease_token == claimed.token,
                             OutboxEmail.status.in_((SENDING, UNKNOWN)))
                      .values(status=status, last_error=error[:2000], next_attempt_at=next_at,
                              lease_until=None, updated_at=self.clock())
                      .execution_options(synchronize_session=False))
            history.record(s, replace(email, status=status), ACTOR, event,
                           error=error[:500], attempts=email.attempts)
        return "failed" if give_up else "retrying"

    # -- recovering after a crash ------------------------------------------------------

    def _recover_expired(self, now: dt.datetime) -> list[str]:
        """Messages left in ``sending`` past their lease: reconcile, mark unknown, or requeue."""
        with self.db.session() as s:
            stale = s.execute(select(OutboxEmail.id, OutboxEmail.message_id, OutboxEmail.lease_token)
                              .where(OutboxEmail.status == SENDING, OutboxEmail.lease_until < now)
                              .order_by(OutboxEmail.id)).all()
        outcomes = []
        for email_id, message_id, token in stale:
            accepted = self.reconcile(message_id) if self.reconcile else None
            values: dict[str, Any]
            if accepted is True:
                values, outcome = dict(status=SENT, sent_at=now,
                                       smtp_response="Accepted (confirmed by reconciliation)"), "sent"
                event = N_("confirmed delivered after an interrupted send")
            elif accepted is False or self.expired_lease == "resend":
                values, outcome = dict(status=RETRY, next_attempt_at=now), "requeued"
                event = (N_("queued again after an interrupted send (the server does not have it)")
                         if accepted is False else
                         N_("queued again after an interrupted send (configured to resend; the recipient may "
                            "get it twice)"))
            else:
                values, outcome = dict(status=UNKNOWN, last_error=INTERRUPTED), "unknown"
                event = N_("interrupted while sending, delivery unknown (it may or may not have arrived; "
                           "check, then mark it sent or send it again)")
            with self.db.transaction() as s:
                row = s.execute(select(OutboxEmail).where(
                    OutboxEmail.id == email_id, OutboxEmail.status == SENDING,
                    OutboxEmail.lease_token == token).with_for_update(skip_locked=True)
                ).scalar_one_or_none()
                if row is None:
                    continue
                for key, value in {**values, "lease_until": None, "updated_at": self.clock()}.items():
                    setattr(row, key, value)
                history.record(s, outbox.view(row), ACTOR,
                               Message("%(what)s: %(subject)s", what=Message(event), subject=row.subject))
            outcomes.append(outcome)
        return outcomes
