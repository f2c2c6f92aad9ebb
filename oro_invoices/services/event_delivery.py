"""The webhook sender: claims due outgoing events, POSTs them signed, records the outcome.

Guarantee (docs/events.md): at least once. A row is claimed with an update in its own
committed transaction (status ``sending``, a fresh lease token, ``lease_until``; on
PostgreSQL the candidate is selected ``FOR UPDATE SKIP LOCKED``, on SQLite writers are
serialised), so two senders never post the same row at once. The outcome is written only
while the lease token still matches. A sender that dies mid-request leaves the row
``sending``; once its lease has expired the row is due again and is posted again with the same
event id, which receivers use to drop repeats.

Outcomes: 2xx delivered; 4xx other than 408 and 429 failed for good (the endpoint refuses it);
anything else (a network error, a timeout, 3xx, 408, 429, 5xx) is retried with exponential
backoff until ``max_attempts`` are used up.

Endpoints are served side by side (at most ``concurrency`` at once, each on its own thread for
the request only: claiming and recording stay on the caller's thread), one event at a time per
endpoint, in the order they were claimed. An endpoint that gives no answer (a timeout, a refused
or dropped connection) is not tried again in that run: its other due events wait until the
failed event's next attempt, so a dead endpoint costs one timeout per back-off step, not one per
event, and never holds up the other endpoints.
"""
from __future__ import annotations

import datetime as dt
import http.client
import urllib.error
import urllib.request
import uuid
from collections import Counter, deque
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update

from oro_invoices import __version__
from oro_invoices.domain.errors import UsageError
from oro_invoices.integration.events import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from oro_invoices.integration.webhook_endpoints import parse_endpoints
from oro_invoices.persistence.outgoing_events import (
    DELIVERED,
    DUE_STATUSES,
    FAILED,
    RETRY,
    SENDING,
    OutgoingEvent,
)
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.status_events import ENDPOINTS_SETTING

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ATTEMPTS = 12
#: Endpoints served at once in one run.
DEFAULT_CONCURRENCY = 4
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY_DELAY = dt.timedelta(hours=6)
LEASE = dt.timedelta(minutes=5)
#: 4xx answers that mean "later", not "never".
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})
_ERROR_EXCERPT = 300


@dataclass(frozen=True)
class EventDeliveryReport:
    """What one ``deliver_pending`` run did."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    #: Events held back until the next attempt of an endpoint that gave no answer in this run.
    postponed: int = 0

    def summary(self) -> str:
        text = (f"claimed {self.claimed}: {self.delivered} delivered, {self.retrying} to retry, "
                f"{self.failed} failed")
        if self.postponed:
            text += (f"; {self.postponed} more held back: their endpoint gave no answer, they "
                     "wait for its next attempt")
        return text


@dataclass(frozen=True)
class HttpAnswer:
    """An endpoint's answer: the status code and the start of the body."""

    status: int
    excerpt: str = ""


class Poster(Protocol):
    """Sends one POST; returns the answer, or raises ``OSError`` (or ``HTTPException``) when none came."""

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str],
                 timeout: float) -> HttpAnswer: ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A signed POST is never followed elsewhere: a redirect is an answer like any other."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _excerpt(data: bytes) -> str:
    return data[:_ERROR_EXCERPT].decode("utf-8", "replace")


def _read_excerpt(response: Any) -> str:
    """The start of an answer's body, or "" when it stalls or breaks off: the status has come,
    and it decides (a 2xx whose body times out was received, and is not sent again)."""
    try:
        return _excerpt(response.read(_ERROR_EXCERPT))
    except (OSError, http.client.HTTPException) as exc:
        partial = getattr(exc, "partial", b"")
        return _excerpt(partial) if isinstance(partial, bytes) else ""


def urllib_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> HttpAnswer:
    """POST with ``urllib.request`` (no redirects followed; ``timeout`` per connect and read)."""
    opener = urllib.request.build_opener(_NoRedirects())
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            return HttpAnswer(int(response.status), _read_excerpt(response))
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpAnswer(int(exc.code), _read_excerpt(exc))


def outcome(status: int) -> str:
    """``"delivered"``, ``"failed"`` (for good) or ``"retry"`` for an HTTP status code."""
    if 200 <= status < 300:
        return "delivered"
    if 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
        return "failed"
    return "retry"


@dataclass(frozen=True)
class _Claimed:
    id: int
    event_id: str
    event_type: str
    organization_id: int
    endpoint_url: str
    body: str
    attempts: int
    token: str


class EventDelivery:
    """Delivers the outgoing events of one database to the endpoints configured for them.

    :param ctx: the services' context: the database, the settings (endpoints and their
        secrets, looked up by URL when a request is signed) and the clock.
    :param timeout: seconds to wait for an endpoint (to connect, and for each read).
    :param max_attempts: attempts before an event is given up on for an endpoint.
    :param first_retry: the wait after the first failed attempt; it doubles after each
        further one, up to ``max_retry_delay``.
    :param lease: how long a claimed event is held before another sender may take it; by
        default five minutes, or three timeouts when that is longer.
    :param post: sends one request (``urllib_post`` by default); called from worker threads.
    :param concurrency: how many endpoints are served at once.
    """

    def __init__(self, ctx: ServiceContext, *, timeout: float = DEFAULT_TIMEOUT,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, first_retry: dt.timedelta = FIRST_RETRY,
                 max_retry_delay: dt.timedelta = MAX_RETRY_DELAY, lease: dt.timedelta | None = None,
                 post: Poster = urllib_post, concurrency: int = DEFAULT_CONCURRENCY):
        if not timeout > 0:
            raise UsageError(f"The webhook timeout must be more than 0 seconds, not {timeout}.")
        if lease is None:
            lease = max(LEASE, dt.timedelta(seconds=3 * timeout))
        if lease.total_seconds() <= timeout:
            raise UsageError(f"The lease ({lease.total_seconds():g} s) must be longer than the "
                             f"webhook timeout ({timeout:g} s).")
        if max_attempts < 1:
            raise UsageError(f"max_attempts must be at least 1, not {max_attempts}.")
        if concurrency < 1:
            raise UsageError(f"concurrency must be at least 1, not {concurrency}.")
        self.ctx = ctx
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.first_retry = first_retry
        self.max_retry_delay = max_retry_delay
        self.lease = lease
        self.post = post
        self.concurrency = concurrency

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt: doubling, capped."""
        return min(self.first_retry * (1 << min(attempts - 1, 32)), self.max_retry_delay)

    def deliver_pending(self, *, limit: int = 100, now: dt.datetime | None = None) -> EventDeliveryReport:
        """Claim and deliver up to ``limit`` due events, endpoints side by side (module docstring).

        :param now: the time to run at (tests); by default the clock, read again for each event
            so leases and retry times stay right during a long run.
        """
        if limit < 1:
            raise UsageError(f"The limit must be at least 1, not {limit}.")
        counts: Counter[str] = Counter()
        waiting = deque(self._due_endpoints(now or self.ctx.clock()))
        in_flight: dict[Future[HttpAnswer | str], tuple[_Claimed, dt.datetime]] = {}

        def send_next(url: str, pool: ThreadPoolExecutor) -> None:
            """Claim the endpoint's next due event and start sending it (nothing when none is due)."""
            while counts["claimed"] < limit:
                at = now or self.ctx.clock()
                claimed = self._claim_one(at, url)
                if claimed is None:
                    return
                counts["claimed"] += 1
                request = self._request(claimed)
                if isinstance(request, str):
                    counts[self._record(claimed, at, FAILED, None, request)] += 1
                    continue
                in_flight[pool.submit(self._send, claimed.endpoint_url, *request)] = (claimed, at)
                return

        with ThreadPoolExecutor(max_workers=self.concurrency,
                                thread_name_prefix="oro-invoices-webhook") as pool:
            while True:
                while waiting and len(in_flight) < self.concurrency and counts["claimed"] < limit:
                    send_next(waiting.popleft(), pool)
                if not in_flight:
                    break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    claimed, at = in_flight.pop(future)
                    answer = future.result()
                    counts[self._outcome(claimed, at, answer)] += 1
                    if isinstance(answer, str):  # no answer: leave the endpoint for this run
                        counts["postponed"] += self._postpone(claimed, at)
                    else:
                        send_next(claimed.endpoint_url, pool)
        return EventDeliveryReport(claimed=counts["claimed"], delivered=counts["delivered"],
                                   retrying=counts["retrying"], failed=counts["failed"],
                                   postponed=counts["postponed"])

    def endpoints_anywhere(self) -> bool:
        """Whether any scope of the host's settings lists a webhook endpoint."""
        return any(parse_endpoints(value) for value in self.ctx.setting_values(ENDPOINTS_SETTING))

    def due_count(self, now: dt.datetime | None = None) -> int:
        """How many events are due for delivery now."""
        with self.ctx.db.session() as s:
            return int(s.execute(select(func.count()).select_from(OutgoingEvent)
                                 .where(self._due(now or self.ctx.clock()))).scalar_one())

    def next_retry_at(self) -> dt.datetime | None:
        """When the earliest event waiting for a retry is due (None when none waits)."""
        e = OutgoingEvent
        with self.ctx.db.session() as s:
            return s.execute(select(func.min(e.next_attempt_at))
                             .where(e.status == RETRY)).scalar_one()

    # -- claiming ------------------------------------------------------------------

    @staticmethod
    def _due(now: dt.datetime) -> ColumnElement[bool]:
        e = OutgoingEvent
        return or_(and_(e.status.in_(DUE_STATUSES),
                        or_(e.next_attempt_at.is_(None), e.next_attempt_at <= now)),
                   and_(e.status == SENDING, e.lease_until < now))

    def _due_endpoints(self, now: dt.datetime) -> list[str]:
        """The endpoints with due events, the one whose event is due first first."""
        e = OutgoingEvent
        with self.ctx.db.session() as s:
            return list(s.scalars(select(e.endpoint_url).where(self._due(now))
                                  .group_by(e.endpoint_url)
                                  .order_by(func.min(e.next_attempt_at), func.min(e.id))))

    def _claim_one(self, now: dt.datetime, endpoint_url: str) -> _Claimed | None:
        while True:
            with self.ctx.db.transaction() as s:
                row = s.execute(
                    select(OutgoingEvent)
                    .where(self._due(now), OutgoingEvent.endpoint_url == endpoint_url)
                    .order_by(OutgoingEvent.next_attempt_at, OutgoingEvent.id)
                    .limit(1).with_for_update(skip_locked=True)).scalar_one_or_none()
                if row is None:
                    return None
                token = uuid.uuid4().hex
                result = s.execute(
                    update(OutgoingEvent)
                    .where(OutgoingEvent.id == row.id, self._due(now))
                    .values(status=SENDING, lease_token=token, lease_until=now + self.lease,
                            attempts=OutgoingEvent.attempts + 1, updated_at=self.ctx.clock())
                    .execution_options(synchronize_session=False))
                if cast("CursorResult[Any]", result).rowcount == 1:
                    return _Claimed(id=row.id, event_id=row.event_id, event_type=row.event_type,
                                    organization_id=row.organization_id,
                                    endpoint_url=row.endpoint_url, body=row.body,
                                    attempts=row.attempts + 1, token=token)
            # another sender took it between our read and our update: look again

    # -- sending -------------------------------------------------------------------

    def _secret(self, claimed: _Claimed) -> str | None:
        value = self.ctx.setting(ENDPOINTS_SETTING, organization_id=claimed.organization_id)
        return next((e.secret for e in parse_endpoints(value) if e.url == claimed.endpoint_url), None)

    def _request(self, claimed: _Claimed) -> tuple[bytes, dict[str, str]] | str:
        """The signed body and headers, or why the event cannot be sent."""
        secret = self._secret(claimed)
        if secret is None:
            return (f"The endpoint is no longer configured for organization "
                    f"{claimed.organization_id}; the event was not sent.")
        body = claimed.body.encode("utf-8")
        return body, {
            "Content-Type": "application/json",
            "User-Agent": f"oro-invoices/{__version__}",
            SIGNATURE_HEADER: signature_header(secret, body),  # the real time: receivers check it
            EVENT_ID_HEADER: claimed.event_id,
            EVENT_TYPE_HEADER: claimed.event_type,
        }

    def _send(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer | str:
        """The endpoint's answer, or why none came (run on a worker thread: no database)."""
        try:
            return self.post(url, body, headers, self.timeout)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return _describe(exc)

    def _outcome(self, claimed: _Claimed, now: dt.datetime, answer: HttpAnswer | str) -> str:
        if isinstance(answer, str):
            return self._record(claimed, now, RETRY, None, answer)
        verdict = outcome(answer.status)
        if verdict == "delivered":
            return self._record(claimed, now, DELIVERED, answer.status, "")
        error = f"HTTP {answer.status}" + (f": {answer.excerpt}" if answer.excerpt else "")
        return self._record(claimed, now, FAILED if verdict == "failed" else RETRY,
                            answer.status, error)

    def _postpone(self, claimed: _Claimed, now: dt.datetime) -> int:
        """Hold the endpoint's other due events until the unanswered event's next attempt (or
        the back-off it would have had, when it was the last one); returns how many."""
        e = OutgoingEvent
        until = now + self.retry_delay(claimed.attempts)
        with self.ctx.db.transaction() as s:
            result = s.execute(
                update(e).where(e.endpoint_url == claimed.endpoint_url, e.id != claimed.id,
                                e.status.in_(DUE_STATUSES),
                                or_(e.next_attempt_at.is_(None), e.next_attempt_at < until))
                .values(next_attempt_at=until, updated_at=self.ctx.clock())
                .execution_options(synchronize_session=False))
        return int(cast("CursorResult[Any]", result).rowcount)

    def _record(self, claimed: _Claimed, now: dt.datetime, status: str, response_status: int | None,
                error: str) -> str:
        """Write the outcome (if the lease is still ours); returns the report's counter name."""
        next_at = None
        if status == RETRY:
            if claimed.attempts >= self.max_attempts:
                status = FAILED
                error = f"Gave up after {claimed.attempts} attempts. Last error: {error}"
            else:
                next_at = now + self.retry_delay(claimed.attempts)
        at = self.ctx.clock()
        with self.ctx.db.transaction() as s:
            s.execute(update(OutgoingEvent)
                      .where(OutgoingEvent.id == claimed.id, OutgoingEvent.lease_token == claimed.token,
                             OutgoingEvent.status == SENDING)
                      .values(status=status, response_status=response_status,
                              last_error=error[:2000], next_attempt_at=next_at, lease_until=None,
                              updated_at=at, delivered_at=at if status == DELIVERED else None)
                      .execution_options(synchronize_session=False))
        return {DELIVERED: "delivered", RETRY: "retrying"}.get(status, "failed")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    text = str(exc) or type(exc).__name__
    return f"No answer: {text}"
