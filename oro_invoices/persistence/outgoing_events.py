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

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(BigInteger)
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
