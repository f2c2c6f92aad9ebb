"""CSRF tokens and flash messages kept in the host's session (any ``MutableMapping``).

Framework adapters hand the session to the pages as ``Request.session`` (Flask's
``flask.session``, Starlette's ``request.session``); these classes need nothing else.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any, Protocol

from oro_invoices.web.http import Request

#: Where the CSRF token is kept in the session.
CSRF_SESSION_KEY = "_oro_invoices_csrf"
#: Where flash messages wait for the next page (``SessionFlashes``).
FLASH_SESSION_KEY = "_oro_invoices_flashes"


class Flashes(Protocol):
    """Messages shown on the next page a user sees (after a redirect)."""

    def add(self, category: str, message: str) -> None:
        """Keep ``message`` (category ``success``, ``error`` or ``info``) for the next page."""

    def pop(self) -> list[tuple[str, str]]:
        """Every waiting ``(category, message)``, oldest first; they are then gone."""


def _session_of(request: Request | None) -> MutableMapping[str, Any]:
    session = request.session if request is not None else None
    if session is None:
        raise RuntimeError("oro-invoices' forms need the host's session: the framework adapter "
                           "must pass it as Request.session (Starlette: add SessionMiddleware; "
                           "Flask: set SECRET_KEY).")
    return session


class SessionCsrf:
    """One random token per session; forms send it as ``csrf_token`` (or the ``X-CSRF-Token`` header)."""

    def session(self, request: Request | None) -> MutableMapping[str, Any]:
        """The session holding the token (``request.session``)."""
        return _session_of(request)

    def token(self, request: Request | None = None) -> str:
        """This session's token, made on first use."""
        session = self.session(request)
        token = session.get(CSRF_SESSION_KEY)
        if not token:
            token = session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
        return str(token)

    def check(self, request: Request) -> bool:
        """Whether the submitted token is this session's (compared in constant time)."""
        expected = self.session(request).get(CSRF_SESSION_KEY)
        sent = request.form.get("csrf_token") or request.header("x-csrf-token") or ""
        return bool(expected) and hmac.compare_digest(str(expected), str(sent))


class SessionFlashes:
    """Flash messages in the session under ``FLASH_SESSION_KEY`` as ``[category, message]`` pairs."""

    def __init__(self, session: MutableMapping[str, Any]):
        self.session = session

    def add(self, category: str, message: str) -> None:
        waiting = list(self.session.get(FLASH_SESSION_KEY) or [])
        waiting.append([category, message])
        self.session[FLASH_SESSION_KEY] = waiting  # assigned, so sessions that track changes see it

    def pop(self) -> list[tuple[str, str]]:
        waiting = self.session.pop(FLASH_SESSION_KEY, None) or []
        return [(str(category), str(message)) for category, message in waiting]
