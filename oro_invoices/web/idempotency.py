"""Idempotent writes of the JSON API: the ``Idempotency-Key`` request header.

A POST, PATCH or PUT sent with a key runs once per API client and key: the same key
with the same request (method, path, query and body) gets the first response again, marked
``Idempotent-Replayed: true``; with another request it is refused (422). As Stripe does,
an answer is kept only once the write started: successes and the errors of the write itself
(409: the invoice is posted, the external id is taken, ...). A request refused before any work
was done keeps no key (``REFUSED``: 400 unreadable, 403, 404, 413, 422 failed validation), so a
retry that mends it (its body, or only its Content-Type, which the fingerprint leaves out) runs
with the same key. After a 5xx the key is forgotten too, so the request can be retried.
Keys are kept for ``ttl`` (24 hours by default). The rows live in
``oro_invoices.persistence.idempotency``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from urllib.parse import urlencode

from oro_invoices.domain.errors import Conflict, InvoiceError, ValidationError
from oro_invoices.persistence import idempotency as keys
from oro_invoices.persistence.engine import Database
from oro_invoices.web.errors import BadRequest
from oro_invoices.web.http import Request, Response

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PATCH", "PUT"})
DEFAULT_TTL = dt.timedelta(hours=24)
DEFAULT_WAIT = 2.0   # seconds a second request waits for the first before 409
POLL_INTERVAL = 0.05
#: Statuses of a request refused before its write started, so nothing was done and its key is not
#: kept: unreadable (400 ``web.errors.BadRequest``, 413 ``PayloadTooLarge``), not allowed (403),
#: naming nothing that exists (404), failing validation (422 ``ValidationError``).
REFUSED = frozenset({400, 403, 404, 413, 422})


def parse_key(request: Request) -> str | None:
    """The request's idempotency key, None without the header, or ``BadRequest``."""
    raw = request.header(HEADER)
    if raw is None:
        return None
    if not 1 <= len(raw) <= keys.MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in raw):
        raise BadRequest(f"The {HEADER} header must be 1 to {keys.MAX_KEY_LENGTH} printable ASCII "
                         "characters (a UUID is a good choice).", field=HEADER)
    return raw


#: Starts a fingerprint that covers the query; a stored one without it (hex only) was written
#: before the query counted and is compared with method, path and body alone.
WITH_QUERY = "q:"


def request_hash(request: Request) -> str:
    """What makes two requests "the same": method, path, query (its parameters sorted) and body.

    It fits the key's column (64 characters): ``WITH_QUERY``, then 62 hex digits of the digest.
    """
    query = urlencode(sorted(_query_pairs(request))).encode()
    return WITH_QUERY + _digest(request, query)[:64 - len(WITH_QUERY)]


def same_request(stored: str, request: Request) -> bool:
    """Whether ``request`` is the one a key was first used with (its stored ``request_hash``)."""
    if stored.startswith(WITH_QUERY):
        return stored == request_hash(request)
    return stored == _digest(request)


def _query_pairs(request: Request) -> list[tuple[str, str]]:
    """Every ``(name, value)`` of the request's query."""
    lists = request.query_lists or {name: [value] for name, value in request.query.items()}
    return [(name, value) for name, values in lists.items() for value in values]


def _digest(request: Request, *more: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.upper().encode(), request.path.encode(), bytes(request.body), *more):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotentWrites:
    """Runs a write at most once per client and key, replaying its stored response."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime], *,
                 ttl: dt.timedelta = DEFAULT_TTL, wait: float = DEFAULT_WAIT):
        self.db = db
        self.clock = clock
        self.ttl = ttl
        self.wait = wait

    def run(self, who: keys.ClientKey, request: Request, work: Callable[[], Response],
            to_response: Callable[[InvoiceError], Response]) -> Response:
        """``work()``'s response, or the stored one for a key seen before."""
        fingerprint = request_hash(request)
        state = keys.claim(self.db, who, fingerprint, now=self.clock(), ttl=self.ttl)
        deadline = time.monotonic() + self.wait
        while not state.owned:
            if not same_request(state.request_hash, request):
                raise ValidationError([(HEADER, f"The {HEADER} {who.key[:255]!r} was already used for a "
                                                "different request (method, path, query or body); send a "
                                                "new key for a new request.")])
            if state.response is not None:
                return _replay(state.response)
            if time.monotonic() >= deadline:
                raise Conflict(f"A request with this {HEADER} ({who.key[:255]!r}) is still being "
                               "processed; retry in a moment.")
            time.sleep(POLL_INTERVAL)
            found = keys.find(self.db, who)
            state = found if found is not None else keys.claim(self.db, who, fingerprint,
                                                                now=self.clock(), ttl=self.ttl)
        return self._run_owned(state.id, work, to_response)

    def _run_owned(self, key_id: int, work: Callable[[], Response],
                   to_response: Callable[[InvoiceError], Response]) -> Response:
        try:
            try:
                response = work()
            except InvoiceError as exc:
                response = to_response(exc)
        except BaseException:
            keys.release(self.db, key_id)
            raise
        if response.status >= 500 or response.status in REFUSED:
            keys.release(self.db, key_id)
            return response
        body = response.body if isinstance(response.body, (bytes, bytearray)) else b"".join(response.body)
        response.body = bytes(body)
        keys.complete(self.db, key_id, keys.StoredResponse(response.status, response.content_type,
                                                           dict(response.headers), response.body))
        return response


def _replay(stored: keys.StoredResponse) -> Response:
    return Response(status=stored.status, body=stored.body, content_type=stored.content_type,
                    headers={**stored.headers, REPLAYED_HEADER: "true"})
