"""Idempotency keys of the JSON API ``oro_invoice_idempotency_key``: one row per API client and key.

The row is inserted in its own short transaction before the request's work starts
(``processing``); the unique constraint makes exactly one of two racing requests the
owner. When the work is done the response is stored (``done``) and replayed for the
same key until the row expires; expired rows of a client are purged when it claims a key.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import NEVER_REUSE_IDS, Base, BigId
from oro_invoices.persistence.types import UTCDateTime

PROCESSING, DONE = "processing", "done"
TABLE = "oro_invoice_idempotency_key"
MAX_KEY_LENGTH = 255
#: A key still ``processing`` after this long belongs to a request that died with its server:
#: the next request with the key takes it over.
ABANDONED_AFTER = dt.timedelta(minutes=10)


class IdempotencyKey(Base):
    """One key of one API client: the request it was first used with and, once done, its response."""

    __tablename__ = TABLE
    __table_args__ = (
        CheckConstraint("state IN ('processing', 'done')", name="state"),
        UniqueConstraint("organization_id", "client_name", "idempotency_key",
                         name="uq_oro_invoice_idempotency_key_client_key"),
        Index("ix_oro_invoice_idempotency_key_expires", "organization_id", "client_name", "expires_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    client_name: Mapped[str] = mapped_column(String(255))
    idempotency_key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_content_type: Mapped[str | None] = mapped_column(String(255))
    response_headers: Mapped[str | None] = mapped_column(Text)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class StoredResponse:
    """A response as first sent."""

    status: int
    content_type: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class KeyState:
    """The outcome of ``claim``: this request owns the key (``owned``), or what another request left."""

    id: int
    owned: bool
    request_hash: str
    response: StoredResponse | None  # None while the owner is still processing


@dataclass(frozen=True)
class ClientKey:
    """Whose key: keys are unique per API client (organization and client name)."""

    organization_id: int
    client_name: str
    key: str


def claim(db: Database, who: ClientKey, request_hash: str, *, now: dt.datetime,
          ttl: dt.timedelta) -> KeyState:
    """Insert the key in ``processing`` state, or read the row another request holds.

    Expired rows of this client go first (lazily, so nothing needs a scheduler), and so
    do abandoned ``processing`` rows (see ``ABANDONED_AFTER``).
    """
    for _ in range(3):  # the other holder may release or expire the key between the two steps
        try:
            with db.transaction() as s:
                s.execute(delete(IdempotencyKey).where(
                    IdempotencyKey.organization_id == who.organization_id,
                    IdempotencyKey.client_name == who.client_name,
                    (IdempotencyKey.expires_at <= now)
                    | ((IdempotencyKey.state == PROCESSING)
                       & (IdempotencyKey.created_at <= now - ABANDONED_AFTER))))
                row = IdempotencyKey(organization_id=who.organization_id, client_name=who.client_name,
                                     idempotency_key=who.key, request_hash=request_hash,
                                     state=PROCESSING, created_at=now, expires_at=now + ttl)
                s.add(row)
                s.flush()
                return KeyState(row.id, True, request_hash, None)
        except IntegrityError:
            pass
        held = find(db, who)
        if held is not None:
            return held
    raise RuntimeError(f"Could not claim the idempotency key {who.key!r}.")


def find(db: Database, who: ClientKey) -> KeyState | None:
    """The key's row as another request left it, or None."""
    with db.session() as s:
        row = s.scalars(select(IdempotencyKey).where(
            IdempotencyKey.organization_id == who.organization_id,
            IdempotencyKey.client_name == who.client_name,
            IdempotencyKey.idempotency_key == who.key)).one_or_none()
        if row is None:
            return None
        response = None
        if row.state == DONE and row.response_status is not None:
            response = StoredResponse(row.response_status, row.response_content_type or "",
                                      json.loads(row.response_headers or "{}"), row.response_body or b"")
        return KeyState(row.id, False, row.request_hash, response)


def complete(db: Database, key_id: int, response: StoredResponse) -> None:
    """Store the response of the request that owns the key."""
    with db.transaction() as s:
        s.execute(update(IdempotencyKey).where(IdempotencyKey.id == key_id).values(
            state=DONE, response_status=response.status, response_content_type=response.content_type,
            response_headers=json.dumps(response.headers), response_body=response.body))


def release(db: Database, key_id: int) -> None:
    """Forget a key whose request failed on the server side, so it can be retried."""
    with db.transaction() as s:
        s.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_id,
                                               IdempotencyKey.state == PROCESSING))
