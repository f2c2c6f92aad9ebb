"""Absolute links that leave the request: in PDFs, emails, QR codes and outgoing messages.

They are built from the configured ``oro_invoices.storefront_base_url`` (per website,
organization or globally), never from a request's ``Host`` header: the client chooses that
header, and a PDF made during a request is kept forever. Without a configured base URL no
such link is made.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from oro_invoices.domain.messages import Message

#: The setting every outgoing absolute link is built from.
STOREFRONT_BASE_URL = "oro_invoices.storefront_base_url"
#: The printable ASCII characters a URL never holds as they are, only percent-encoded (RFC 3986):
#: written into a page or an email they could end the attribute or the link they are in.
UNENCODED = frozenset('"<>\\^`{|}')
#: How many days an invoice's guest payment link stays valid after it is posted.
PAYMENT_LINK_TTL = "oro_invoices.payment_link_ttl_days"


def link_expired(posted_at: dt.datetime | None, days: object, now: dt.datetime) -> bool:
    """Whether the guest payment link of an invoice posted at ``posted_at`` has expired at ``now``,
    valid for ``days`` days (``PAYMENT_LINK_TTL``; none set: it never expires)."""
    return bool(days and posted_at is not None and now > posted_at + dt.timedelta(days=int(str(days))))


def unencoded_problem(value: str) -> Message | None:
    """Why ``value`` cannot be a URL because of characters it holds only percent-encoded
    (``UNENCODED``: quotes, angle brackets…), naming each with its encoding; None when it has none."""
    found = list(dict.fromkeys(ch for ch in value if ch in UNENCODED))
    if not found:
        return None
    return Message("Must not contain %(characters)s: a URL holds them only percent-encoded (%(encoded)s).",
                   characters=" ".join(found), encoded=", ".join(f"{ch} {_percent(ch)}" for ch in found))


def _percent(ch: str) -> str:
    return f"%{ord(ch):02X}"


def base_url_problem(value: str) -> str | None:
    """Why ``value`` cannot be a base URL, or None when it can (empty: not configured)."""
    if value == "":
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return Message("Must not contain spaces or control characters.")
    unencoded = unencoded_problem(value)
    if unencoded is not None:
        return unencoded
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return Message("Not a valid URL (%(reason)s).", reason=str(exc))
    if parts.scheme.lower() not in ("http", "https"):
        return Message("Must be an absolute URL starting with http:// or https://.")
    if not parts.hostname:
        return Message("Must name a host, such as https://shop.example.")
    if parts.username is not None or parts.password is not None:
        return Message("Must not contain a user name or password.")
    if "?" in value or "#" in value:
        return Message("Must not have a query (?) or a fragment (#).")
    return None


def absolute_link(base_url: str, relative: str) -> str:
    """The site-relative URL ``relative`` (path and query) under ``base_url``.

    Only the path and query of ``relative`` are used, so a scheme or host in it never
    reaches the link.
    """
    parts = urlsplit(relative)
    path = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return f"{base_url.rstrip('/')}/{path}"
