"""Signing outgoing events, and checking a signature on the receiving side.

Every webhook request carries ``Oro-Invoices-Signature: t=<unix seconds>,v1=<hex>``: the
HMAC-SHA256, keyed with the endpoint's secret, of ``"<t>.<body>"`` (the timestamp, a dot and
the exact request body). A receiver recomputes it with ``verify_signature`` and refuses a
request that is not signed with its secret, was changed on the way, or is older than the
tolerance (a replay). See docs/events.md.
"""
from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Oro-Invoices-Signature"
EVENT_ID_HEADER = "Oro-Invoices-Event-Id"
EVENT_TYPE_HEADER = "Oro-Invoices-Event-Type"
#: How old (or how far in the future) a signature may be, in seconds, by default.
DEFAULT_TOLERANCE = 300


class InvalidSignature(ValueError):
    """The request is not a genuine, fresh event; the message says what is wrong."""


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def compute_signature(secret: str, timestamp: int, body: str | bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    message = f"{timestamp}.".encode("ascii") + _as_bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: str | bytes, timestamp: int | None = None) -> str:
    """The ``Oro-Invoices-Signature`` value for ``body``: ``t=<timestamp>,v1=<hex>``."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={stamp},v1={compute_signature(secret, stamp, body)}"


def verify_signature(secret: str, header: str | None, body: str | bytes, *,
                     tolerance: int = DEFAULT_TOLERANCE, now: float | None = None) -> int:
    """Check an ``Oro-Invoices-Signature`` header against the raw request body.

    :param secret: the endpoint's secret, as configured in ``oro_invoices.webhooks.endpoints``.
    :param header: the header's value (None when the request had none).
    :param body: the request body exactly as received (bytes, or the same text).
    :param tolerance: the most seconds the signing time may be from ``now``.
    :param now: the current Unix time (default: the clock).
    :return: the signing time (Unix seconds).
    :raises InvalidSignature: saying whether the header is missing or malformed, the request
        is too old (or from the future), or the signature does not match.
    """
    if not header:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header is missing.")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise InvalidSignature(f"The {SIGNATURE_HEADER} header is malformed: expected "
                                   "t=<unix seconds>,v1=<hex>.")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise InvalidSignature(f"The {SIGNATURE_HEADER} timestamp {value!r} is not a "
                                       "whole number of seconds.") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header needs both t= and v1=.")
    age = (time.time() if now is None else now) - timestamp
    if abs(age) > tolerance:
        raise InvalidSignature(f"The signature is {int(abs(age))} seconds "
                               f"{'old' if age > 0 else 'in the future'}; at most {tolerance} "
                               "are accepted (a replayed or delayed request?).")
    expected = compute_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected.encode("ascii"), candidate.encode("utf-8", "replace"))
               for candidate in signatures):
        raise InvalidSignature("The signature does not match: the body was changed, or it was "
                               "signed with another secret.")
    return timestamp
