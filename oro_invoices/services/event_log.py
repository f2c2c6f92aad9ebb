"""Seeing and resending outgoing events: the rows of the outbox ``oro_invoice_outgoing_event``
of one organization, newest first, and putting a delivered or failed one back to be sent again.

A resent event keeps its event id and its exact body, so a receiver that drops repeats by
``Oro-Invoices-Event-Id`` drops it too when it already has it; its attempts start again from 0
and it is due at once. Each resend is kept (``oro_invoice_outgoing_event_resend``): who asked,
when, and what the delivery had come to before it (its status, attempts, last HTTP status and
last error); the event's own ``redeliveries``, ``redelivered_*`` and ``previous_*`` columns are
the count and the newest of them, as a list shows them (``oro-invoices deliver-events`` or
``addon.events.deliver_pending()`` sends it; with background jobs the ``deliver_events`` job is
submitted). An event still waiting (pending, sending, retry) is not resent: it is on its way. An
event whose endpoint is no longer configured for its organization is not resent either: it would
only fail again (docs/events.md, "Seeing and resending events").
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import Conflict, DatabaseUnavailable, NotFound, ValidationError
from oro_invoices.domain.limits import is_int64
from oro_invoices.integration.webhook_endpoints import parse_endpoints
from oro_invoices.persistence.outgoing_events import DELIVERED, FAILED, PENDING, EventResend, OutgoingEvent
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.jobs import DELIVER_EVENTS, Job
from oro_invoices.services.status_events import ENDPOINTS_SETTING

log = logging.getLogger(__name__)

#: The statuses an event is resent from: it reached its end (delivered, or failed for good).
RESENDABLE = (DELIVERED, FAILED)
#: The most characters of an event's last error a list row carries (its detail has all, up to 2,000).
LIST_ERROR_MAX = 300


@dataclass(frozen=True)
class EventFilter:
    """Which events of ``organization_id`` to list; None: any."""

    organization_id: int
    status: str | None = None
    event_type: str | None = None
    invoice_id: int | None = None
    endpoint_url: str | None = None
    occurred_from: dt.datetime | None = None
    occurred_to: dt.datetime | None = None


@dataclass(frozen=True)
class Resend:
    """One resend of an event: when, who asked, and what its delivery had come to before it."""

    resent_at: dt.datetime
    resent_by: str
    previous_status: str
    previous_attempts: int
    previous_response_status: int | None
    previous_error: str

    @classmethod
    def of(cls, row: EventResend) -> Resend:
        return cls(resent_at=row.resent_at, resent_by=row.resent_by, previous_status=row.previous_status,
                   previous_attempts=row.previous_attempts, previous_response_status=row.previous_response_status,
                   previous_error=row.previous_error or "")


@dataclass(frozen=True)
class EventRow:
    """One event to one endpoint, and how its delivery went."""

    id: int
    event_id: str
    event_type: str
    invoice_id: int | None
    organization_id: int
    endpoint_url: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    response_status: int | None
    last_error: str
    occurred_at: dt.datetime
    updated_at: dt.datetime
    delivered_at: dt.datetime | None
    body: str
    redeliveries: int = 0
    redelivered_at: dt.datetime | None = None
    redelivered_by: str | None = None
    previous_attempts: int | None = None
    previous_response_status: int | None = None
    previous_error: str = ""
    #: Every resend kept, newest first (only ``get_event`` reads them; resends before revision
    #: 0042 but the last were not kept, so there may be fewer than ``redeliveries``).
    resends: tuple[Resend, ...] = ()

    @classmethod
    def of(cls, row: OutgoingEvent, resends: Sequence[EventResend] = ()) -> EventRow:
        return cls(id=row.id, event_id=row.event_id, event_type=row.event_type, invoice_id=row.invoice_id,
                   organization_id=row.organization_id, endpoint_url=row.endpoint_url, status=row.status,
                   attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                   response_status=row.response_status, last_error=row.last_error or "",
                   occurred_at=row.created_at, updated_at=row.updated_at, delivered_at=row.delivered_at,
                   body=row.body, redeliveries=row.redeliveries or 0, redelivered_at=row.redelivered_at,
                   redelivered_by=row.redelivered_by, previous_attempts=row.previous_attempts,
                   previous_response_status=row.previous_response_status, previous_error=row.previous_error or "",
                   resends=tuple(Resend.of(r) for r in resends))


@dataclass(frozen=True)
class EventPage:
    items: list[EventRow]
    next_cursor: str | None


@dataclass(frozen=True)
class Requeued:
    """What ``redeliver_failed`` did: how many events it put back, and the endpoints (URL →
    how many events) it left failed because they are no longer configured."""

    requeued: int
    unconfigured: dict[str, int]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["events", last_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor resumes after; ``ValidationError`` on ``cursor`` for anything forged."""
    try:
        kind, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if kind != "events" or not is_int64(last_id) or last_id < 1:
            raise ValueError
        return int(last_id)
    except (ValueError, TypeError, RecursionError):     # RecursionError: JSON nested too deep to read
        raise ValidationError([("cursor", "Invalid or expired cursor; start again from the first page.")]) from None


def _where(f: EventFilter) -> list[ColumnElement[bool]]:
    e = OutgoingEvent
    where = [e.organization_id == f.organization_id]
    if f.status is not None:
        where.append(e.status == f.status)
    if f.event_type is not None:
        where.append(e.event_type == f.event_type)
    if f.invoice_id is not None:
        where.append(e.invoice_id == f.invoice_id)
    if f.endpoint_url is not None:
        where.append(e.endpoint_url == f.endpoint_url)
    if f.occurred_from is not None:
        where.append(e.created_at >= f.occurred_from)
    if f.occurred_to is not None:
        where.append(e.created_at <= f.occurred_to)
    return where


def list_events(ctx: ServiceContext, f: EventFilter, *, limit: int, cursor: str | None = None) -> EventPage:
    """One page of the events ``f`` selects, newest first (the larger id first: ids only grow)."""
    after = decode_cursor(cursor) if cursor else None
    query = select(OutgoingEvent).where(*_where(f))
    if after is not None:
        query = query.where(OutgoingEvent.id < after)
    with ctx.db.session() as s:
        rows = [EventRow.of(r) for r in s.scalars(query.order_by(OutgoingEvent.id.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(rows, encode_cursor(rows[-1].id) if more else None)


def no_event(event_id: Any) -> NotFound:
    """Another organization's event is answered as one that does not exist."""
    return NotFound(f"Event {event_id} does not exist.")


def get_event(ctx: ServiceContext, organization_id: int, event_row_id: int) -> EventRow:
    """The event row ``event_row_id`` of ``organization_id`` with its resends, newest first;
    ``NotFound`` for any other."""
    with ctx.db.session() as s:
        row = s.get(OutgoingEvent, event_row_id)
        if row is None or row.organization_id != organization_id:
            raise no_event(event_row_id)
        resends = s.scalars(select(EventResend).where(EventResend.event_row_id == row.id)
                            .order_by(EventResend.id.desc())).all()
        return EventRow.of(row, resends)


def configured_urls(ctx: ServiceContext, organization_id: int) -> frozenset[str]:
    """The webhook endpoints the settings list for ``organization_id`` now."""
    value = ctx.setting(ENDPOINTS_SETTING, organization_id=organization_id)
    return frozenset(endpoint.url for endpoint in parse_endpoints(value))


#: Who resent the events ``deliver-events --redeliver-failed`` put back.
CLI = "cli"


def _requeue(s: Session, ids: Sequence[int], now: dt.datetime, by: str,
             statuses: Sequence[str] = RESENDABLE) -> int:
    """Put the events ``ids`` that are in ``statuses`` (delivered or failed) back, due ``now``, in ``s``'s
    transaction, keeping a resend each (``by``: who asked) of what their delivery came to;
    returns how many. The rows are locked first: of two resends at once, the second finds the
    event pending (PostgreSQL; SQLite has one writer at a time)."""
    e = OutgoingEvent
    before = s.execute(select(e.id, e.status, e.attempts, e.response_status, e.last_error)
                       .where(e.id.in_(ids), e.status.in_(statuses)).order_by(e.id).with_for_update()).all()
    if not before:
        return 0
    by = by[:255]
    s.execute(insert(EventResend), [
        {"event_row_id": row.id, "resent_at": now, "resent_by": by, "previous_status": row.status,
         "previous_attempts": row.attempts, "previous_response_status": row.response_status,
         "previous_error": row.last_error or ""} for row in before])
    # SET reads each row as it was before the update
    s.execute(update(e).where(e.id.in_([row.id for row in before]))
              .values(previous_attempts=e.attempts, previous_response_status=e.response_status,
                      previous_error=e.last_error, redeliveries=e.redeliveries + 1, redelivered_at=now,
                      redelivered_by=by, status=PENDING, attempts=0, next_attempt_at=now, response_status=None,
                      last_error="", lease_token=None, lease_until=None, delivered_at=None, updated_at=now)
              .execution_options(synchronize_session=False))
    return len(before)


@contextlib.contextmanager
def _unwritten(what: str, *, reason: bool = False) -> Iterator[None]:
    """A database error (but those the engine words itself: busy, not migrated) becomes
    ``DatabaseUnavailable`` saying ``what`` was not done; the transaction inside was rolled back.
    ``reason``: the message adds the database's own first line (for an operator, not a client)."""
    try:
        yield
    except DBAPIError as exc:
        log.warning("%s: the database refused the change", what, exc_info=exc)
        said = str(exc.orig).strip().splitlines()[0] if reason and str(exc.orig).strip() else ""
        raise DatabaseUnavailable(
            f"{what}: the database could not record it{f' ({said})' if said else ''}, and nothing was "
            "changed. Try again in a moment.") from exc


def redeliver(ctx: ServiceContext, organization_id: int, event_row_id: int, *, by: str) -> EventRow:
    """Put the delivered or failed event ``event_row_id`` back to be sent again at once, with
    its event id and body; its attempts start again from 0, and a resend is kept of what its
    delivery came to (status, attempts, last HTTP status and last error), ``by`` (who asked) and when.

    :raises NotFound: no such event of ``organization_id``.
    :raises Conflict: the event is still waiting (pending, sending, retry; already being resent,
        when a resend put it back), or its endpoint is no longer configured for the organization.
    :raises DatabaseUnavailable: the database refused the change; nothing was changed.
    """
    found = get_event(ctx, organization_id, event_row_id)
    if found.status not in RESENDABLE:
        raise _waiting(found)
    if found.endpoint_url not in configured_urls(ctx, organization_id):
        raise Conflict(f"The endpoint {found.endpoint_url} of event {found.id} is no longer configured for "
                       f"organization {organization_id}; it would fail again. Configure it again "
                       "(oro_invoices.webhooks.endpoints) to resend the event.")
    with _unwritten(f"Event {found.id} was not resent"), ctx.db.transaction() as s:
        resent = _requeue(s, [found.id], ctx.clock(), by)
    if resent != 1:             # another request resent it meanwhile
        raise _waiting(get_event(ctx, organization_id, event_row_id))
    ctx.submit_job(Job(DELIVER_EVENTS))    # with background jobs, the worker sends it now
    return get_event(ctx, organization_id, event_row_id)


def _waiting(event: EventRow) -> Conflict:
    """The 409 of an event on its way: one that a resend put back (``redeliveries``: only a
    resend takes an event from delivered or failed back to waiting) is already being resent."""
    if event.redeliveries and event.redelivered_at is not None:
        return Conflict(f"Event {event.id} is already being resent: {event.redelivered_by} resent it at "
                        f"{event.redelivered_at.isoformat(timespec='seconds')}, and it is waiting to be sent "
                        f"(status {event.status}). It is not resent again until it is delivered or fails.")
    return Conflict(f"Event {event.id} is still waiting to be sent (status {event.status}), so it is not "
                    "resent; only a delivered or failed event can be resent.")


def redeliver_failed(ctx: ServiceContext, *, organization_id: int | None = None, since: dt.datetime | None = None,
                     endpoint_url: str | None = None, by: str = CLI) -> Requeued:
    """Put every failed event (of ``organization_id``, None: of every organization; that occurred
    at ``since`` or later; to ``endpoint_url``) back to be sent again at once, as ``redeliver``
    does (``by``: who resent them), but those whose endpoint is no longer configured for their
    organization, which stay failed."""
    e = OutgoingEvent
    query = select(e.id, e.organization_id, e.endpoint_url).where(e.status == FAILED)
    if organization_id is not None:
        query = query.where(e.organization_id == organization_id)
    if since is not None:
        query = query.where(e.created_at >= since)
    if endpoint_url is not None:
        query = query.where(e.endpoint_url == endpoint_url)
    with ctx.db.session() as s:
        failed = list(s.execute(query.order_by(e.id)))
    urls: dict[int, frozenset[str]] = {}
    ids: list[int] = []
    unconfigured: dict[str, int] = {}
    for row_id, organization_id, url in failed:
        if organization_id not in urls:
            urls[organization_id] = configured_urls(ctx, organization_id)
        if url in urls[organization_id]:
            ids.append(row_id)
        else:
            unconfigured[url] = unconfigured.get(url, 0) + 1
    requeued = 0
    now = ctx.clock()
    with _unwritten("The failed events were not re-queued", reason=True), ctx.db.transaction() as s:
        for start in range(0, len(ids), 500):       # all of them, or none
            requeued += _requeue(s, ids[start:start + 500], now, by, (FAILED,))
    return Requeued(requeued, unconfigured)
