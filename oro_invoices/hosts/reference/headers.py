"""Security headers on every response of the reference host.

Pages cannot be framed (clickjacking), scripts come only from the shop's own files (the
add-on's and the host's pages have no inline scripts), MIME types are not sniffed, and no
URL (a guest payment link carries its token) is sent as the referrer to another site.
Inline ``style`` attributes stay allowed: they cannot run code.
"""
from __future__ import annotations

import functools

import flask

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def install_security_headers(app: flask.Flask) -> None:
    """Add ``SECURITY_HEADERS`` to every response of ``app`` (a header a view set is kept).

    ``app.config["ORO_REFERENCE_CSP"]`` replaces the Content-Security-Policy.
    """
    @app.after_request
    def _security_headers(response: flask.Response) -> flask.Response:
        headers = response.headers
        for name, value in _headers(app.config.get("ORO_REFERENCE_CSP") or CONTENT_SECURITY_POLICY):
            headers.setdefault(name, value)
        return response


@functools.lru_cache(maxsize=16)
def _headers(policy: str) -> tuple[tuple[str, str], ...]:
    """``SECURITY_HEADERS`` with ``policy`` as the Content-Security-Policy (once per policy)."""
    return tuple({**SECURITY_HEADERS, "Content-Security-Policy": policy}.items())
