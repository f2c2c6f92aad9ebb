"""Absolute links that leave the request: in PDFs, emails, QR codes and outgoing messages.

They are built from the configured ``oro_invoices.storefront_base_url`` (per website,
organization or globally), never from a request's ``Host`` header: the client chooses that
header, and a PDF made during a request is kept forever. Without a configured base URL no
such link is made.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from oro_invoices.domain.messages import Message

#: The setting every outgoing absolute link is built from.
STOREFRONT_BASE_URL = "oro_invoices.storefront_base_url"


def base_url_problem(value: str) -> str | None:
    """Why ``value`` cannot be a base URL, or None when it can (empty: not configured)."""
    if value == "":
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return Message("Must not contain spaces or control characters.")
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
