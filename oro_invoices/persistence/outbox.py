"""The email outbox table ``oro_invoice_email`` and its read-only view.

A message is written here in the same transaction as the invoice's activity
record; the sender (``oro_invoices.services.mail.delivery``) delivers it later. The
attachment is referenced by the SHA-256 of the stored PDF, never copied.

Statuses::

    queued ──claim──▶ sending ──250──▶ sent
      ▲                 │  └──4xx / network──▶ retry ──(due)──▶ sending …
      │                 │  └──5xx, or retries used up──▶ failed
      │                 └──lease expired (crash?)──▶ unknown   (admin decides)
      └──────── requeue (admin) ◀── failed / unknown
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from oro_invoices.domain.mail_problems import problem
from oro_invoices.domain.messages import N_
from oro_invoices.persistence.models import Base, BigId, utcnow, where_set
from oro_invoices.persistence.types import UTCDateTime

QUEUED, SENDING, RETRY, SENT, FAILED, UNKNOWN = "queued", "sending", "retry", "sent", "failed", "unknown"
STATUSES = (QUEUED, SENDING, RETRY, SENT, FAILED, UNKNOWN)
DUE_STATUSES = (QUEUED, RETRY)
#: What the pages call each status.
STATUS_LABELS = {QUEUED: N_("Queued"), SENDING: N_("Sending"), RETRY: N_("To retry"), SENT: N_("Sent"),
                 FAILED: N_("Failed"), UNKNOWN: N_("Interrupted")}

TABLE = "oro_invoice_email"
_NEITHER = "invoice_id IS NULL AND customer_id IS NULL"


class OutboxEmail(Base):
    """One message to send (or sent): envelope, rendered bodies and delivery state."""

    __tablename__ = TABLE
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'retry', 'sent', 'failed', 'unknown')",
                        name="status"),
        Index("ix_oro_invoice_email_invoice", "invoice_id", "id"),
        Index("ix_oro_invoice_email_due", "status", "next_attempt_at"),
        # a customer's messages (a statement sent by email; revision 0029)
        Index("ix_oro_invoice_email_customer", "organization_id", "customer_id", "id", **where_set("customer_id")),
        # an organization's messages of no invoice and no customer (its Aging Report; revision 0031)
        Index("ix_oro_invoice_email_organization", "organization_id", "id",
              sqlite_where=text(_NEITHER), postgresql_where=text(_NEITHER)),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: The invoice the message is about; None for a customer's message (``customer_id``).
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    organization_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The customer a message that is about no one invoice is for (a statement of account).
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    template: Mapped[str | None] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(255), default="")
    sender: Mapped[str] = mapped_column(String(320))
    sender_name: Mapped[str] = mapped_column(String(255), default="")
    reply_to: Mapped[str] = mapped_column(String(320), default="", server_default="")
    to_addrs: Mapped[list[str]] = mapped_column(JSON)
    cc_addrs: Mapped[list[str]] = mapped_column(JSON)
    bcc_addrs: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    smtp_response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message, referenced by the SHA-256 of the stored bytes.

    ``pending``: a file made only when the message is sent (no SHA-256 yet): the invoice's PDF,
    still being made in the background when the message was queued, which the sender waits for;
    or (``receipt_of``) the receipt PDF of that payment transaction, which the sender makes;
    ``receipt_invoice`` is that payment's invoice when it is not the message's (one receipt email
    for a payment shared among several invoices).
    """

    filename: str
    sha256: str
    size: int
    content_type: str = "application/pdf"
    pending: bool = False
    receipt_of: int | None = None
    receipt_invoice: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"filename": self.filename, "sha256": self.sha256, "size": self.size,
                                "content_type": self.content_type}
        if self.pending:
            data["pending"] = True
        if self.receipt_of is not None:
            data["receipt_of"] = self.receipt_of
        if self.receipt_invoice is not None:
            data["receipt_invoice"] = self.receipt_invoice
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        return cls(filename=data["filename"], sha256=data["sha256"], size=int(data["size"]),
                   content_type=data.get("content_type") or "application/pdf",
                   pending=bool(data.get("pending")),
                   receipt_of=int(data["receipt_of"]) if data.get("receipt_of") is not None else None,
                   receipt_invoice=int(data["receipt_invoice"]) if data.get("receipt_invoice") is not None else None)

    @classmethod
    def pending_pdf(cls, filename: str) -> Attachment:
        """The invoice PDF still being made: attached once it exists."""
        return cls(filename=filename, sha256="", size=0, pending=True)

    @classmethod
    def pending_xml(cls, filename: str = "factur-x.xml") -> Attachment:
        """The e-invoice XML of the invoice PDF still being made, named ``filename`` as it will
        be attached (for its profile): read out of it once it exists (and left out when it
        carries none)."""
        return cls(filename=filename, sha256="", size=0, content_type="application/xml", pending=True)

    @classmethod
    def pending_receipt(cls, filename: str, transaction_id: int, invoice_id: int | None = None) -> Attachment:
        """The receipt PDF of the payment transaction ``transaction_id`` (of ``invoice_id``, when
        not the message's invoice): made by the sender."""
        return cls(filename=filename, sha256="", size=0, pending=True, receipt_of=transaction_id,
                   receipt_invoice=invoice_id)

    @property
    def awaits_pdf(self) -> bool:
        """Whether this waits for the invoice's own PDF (or the e-invoice XML it carries)."""
        return self.pending and self.receipt_of is None


@dataclass(frozen=True)
class OutboxView:
    """A message as the invoice view page lists it."""

    id: int
    #: None for a customer's message (``customer_id``), such as a statement.
    invoice_id: int | None
    message_id: str
    template: str | None
    actor: str
    sender: str
    sender_name: str
    reply_to: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str
    attachments: tuple[Attachment, ...]
    status: str
    attempts: int
    #: why it is not delivered yet (a message when the add-on worded it: ``mail_problems``)
    last_error: str
    smtp_response: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    #: A customer's message (``invoice_id`` None): whose, in which organization.
    customer_id: int | None = None
    organization_id: int | None = None

    @property
    def needs_attention(self) -> bool:
        """Failed for good, or in doubt after a crash: an admin should look at it."""
        return self.status in (FAILED, UNKNOWN)


def view(row: OutboxEmail) -> OutboxView:
    """The view of one outbox row."""
    return OutboxView(
        id=row.id, invoice_id=row.invoice_id, customer_id=row.customer_id, organization_id=row.organization_id,
        message_id=row.message_id,
        template=row.template,
        actor=row.actor, sender=row.sender, sender_name=row.sender_name or "",
        reply_to=row.reply_to or "", to=tuple(row.to_addrs or ()),
        cc=tuple(row.cc_addrs or ()), bcc=tuple(row.bcc_addrs or ()), subject=row.subject,
        attachments=tuple(Attachment.from_dict(a) for a in row.attachments or ()),
        status=row.status, attempts=row.attempts, last_error=problem(row.last_error or ""),
        smtp_response=row.smtp_response or "", created_at=row.created_at,
        next_attempt_at=row.next_attempt_at, sent_at=row.sent_at)
