"""The outgoing event outbox ``oro_invoice_outgoing_event``: one row per event and endpoint.

A row is written in the same transaction as the change it reports, so an event exists
exactly when its change was committed. The deliverer
(``oro_invoices.services.event_delivery``) POSTs it later and records the outcome; the secret
is never stored here but looked up by the endpoint's URL when the request is signed.

Statuses::

    pending ──claim──▶ sending ──2xx──▶ delivered
       ▲                  │  └──network, 408, 429, 3xx, 5xx──▶ retry ──(due)──▶ sending …
       │                  │  └──other 4xx, endpoint gone, attempts used up──▶ failed
       └──────────────────┴── lease expired (a crashed sender): due again (at least once)
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column

from oro_invoices.persistence.models import NEVER_REUSE_IDS, Base, BigId, utcnow
from oro_invoices.persistence.types import UTCDateTime

PENDING, SENDING, RETRY, DELIVERED, FAILED = "pending", "sending", "retry", "delivered", "failed"
STATUSES = (PENDING, SENDING, RETRY, DELIVERED, FAILED)
DUE_STATUSES = (PENDING, RETRY)

TABLE = "oro_invoice_outgoing_event"


class OutgoingEvent(Base):
    """One event to deliver to one endpoint: the exact body, and how delivery went."""

    __tablename__ = TABLE
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'retry', 'delivered', 'failed')",
                        name="status"),
        UniqueConstraint("event_id", "endpoint_url", name="uq_oro_invoice_outgoing_event_endpoint"),
        Index("ix_oro_invoice_outgoing_event_due", "status", "next_attempt_at"),
        Index("ix_oro_invoice_outgoing_event_invoice", "invoice_id", "id"),
        Index("ix_oro_invoice_outgoing_event_organization", "organization_id", "id"),   # revision 0040
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    #: The invoice the event is about; None for an event about none (credit given back).
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    endpoint_url: Mapped[str] = mapped_column(String(2048))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # revision 0041: the newest resend (services.event_log), as every row of a list shows it; each
    # resend is kept in ``oro_invoice_outgoing_event_resend`` (revision 0042)
    #: How many times it was put back to be sent again; when last, and by whom ("api:NAME", "cli").
    redeliveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    redelivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    redelivered_by: Mapped[str | None] = mapped_column(String(255))
    #: The attempts, last HTTP status and last error it had when last resent.
    previous_attempts: Mapped[int | None] = mapped_column(Integer)
    previous_response_status: Mapped[int | None] = mapped_column(Integer)
    previous_error: Mapped[str] = mapped_column(Text, default="", server_default="")


RESEND_TABLE = "oro_invoice_outgoing_event_resend"


class EventResend(Base):
    """One resend of an outgoing event (revision 0042): who asked, when, and what its delivery had
    come to before it, which the resend cleared from the event."""

    __tablename__ = RESEND_TABLE
    __table_args__ = (
        CheckConstraint("previous_status IN ('delivered', 'failed')", name="previous_status"),
        Index("ix_oro_invoice_outgoing_event_resend_event", "event_row_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_row_id: Mapped[int] = mapped_column(
        BigId, ForeignKey(f"{TABLE}.id", ondelete="CASCADE", name="fk_oro_invoice_outgoing_event_resend_event"))
    resent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: Who asked: "api:" and the API client's name, or "cli".
    resent_by: Mapped[str] = mapped_column(String(255))
    #: What the event was then (delivered or failed), its attempts, last HTTP status and last error.
    previous_status: Mapped[str] = mapped_column(String(16))
    previous_attempts: Mapped[int] = mapped_column(Integer)
    previous_response_status: Mapped[int | None] = mapped_column(Integer)
    previous_error: Mapped[str] = mapped_column(Text, default="", server_default="")


def queue(s: Session, *, event_id: str, event_type: str, body: str, organization_id: int,
          invoice_id: int | None, endpoint_urls: Sequence[str], at: dt.datetime) -> int:
    """Write one pending row of the event per endpoint, due at once, in the session's
    transaction; returns how many."""
    for url in endpoint_urls:
        s.add(OutgoingEvent(
            event_id=event_id, event_type=event_type, invoice_id=invoice_id,
            organization_id=organization_id, endpoint_url=url, body=body, status=PENDING,
            attempts=0, next_attempt_at=at, last_error="", created_at=at, updated_at=at))
    s.flush()
    return len(endpoint_urls)
