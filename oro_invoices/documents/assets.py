"""Images embedded in the PDF as ``data:`` URIs: the seller's logo and the payment QR code."""
from __future__ import annotations

import base64
import functools
from urllib.parse import urlsplit

import segno

from oro_invoices.domain.errors import ConfigurationError, ValidationError
from oro_invoices.domain.messages import Message

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(data: bytes) -> str:
    """The MIME type of a PNG, JPEG, GIF, WebP or SVG image, or ConfigurationError."""
    for magic, mime in _SIGNATURES:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in head:
        return "image/svg+xml"
    raise ConfigurationError("The invoice logo must be a PNG, JPEG, GIF, WebP or SVG image.")


def logo_data_uri(data: bytes | None) -> str | None:
    """The logo as a ``data:`` URI (None without a logo)."""
    if not data:
        return None
    return f"data:{image_type(data)};base64,{base64.b64encode(data).decode('ascii')}"


def check_payment_url(url: str | None) -> str | None:
    """Return an http(s) URL unchanged; anything else (``javascript:``, ``file:``) is refused."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationError([("payment_url", Message("%(url)s is not an http(s) URL.", url=repr(url)))])
    return url


@functools.lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as a PNG ``data:`` URI, one pixel per module (made locally by segno).

    The template draws it with ``image-rendering: pixelated``, so it stays sharp at any size;
    a tiny PNG is cheaper for WeasyPrint than an SVG with hundreds of path segments.
    """
    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=2)
