"""Server-side login sessions of the reference host: a cookie alone never keeps a user logged in.

Each login gets a random token, kept in the signed session cookie; only its SHA-256 is stored,
with the user and an expiry. Every request checks that the stored session still exists, so
logging out (which deletes it) ends the session for every copy of the cookie, and a new login
always starts a new session.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, exists, insert, select
from sqlalchemy.engine import Engine

from oro_invoices.hosts.reference import models as m
from oro_invoices.persistence.engine import reading

#: How long a login lasts at most, whatever the browser keeps.
DEFAULT_LIFETIME = 12 * 3600


_t = m.login_sessions
#: "a live session of the user in the area", over the parameters ``live_params`` gives (built
#: once, so a query using it is not built again for every request).
LIVE = exists().where(_t.c.token_hash == bindparam("live_token_hash"),
                      _t.c.area == bindparam("live_area"),
                      _t.c.user_id == bindparam("live_user_id"),
                      _t.c.expires_at > bindparam("live_now"))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class LoginSessions:
    """Start, check and end login sessions stored in ``host_login_session``.

    :param lifetime: seconds a session lasts after its login.
    :param clock: returns the current Unix time (tests move it forward).
    """

    def __init__(self, engine: Engine, *, lifetime: int = DEFAULT_LIFETIME,
                 clock: Callable[[], float] = time.time):
        self.engine = engine
        self.lifetime = lifetime
        self.clock = clock

    def start(self, area: str, user_id: int) -> str:
        """A new session for the user in ``area``; returns the token for the session cookie."""
        token = secrets.token_urlsafe(32)
        now = int(self.clock())
        t = m.login_sessions
        with self.engine.begin() as c:
            c.execute(delete(t).where(t.c.expires_at <= now))  # forget expired sessions
            c.execute(insert(t).values(token_hash=_digest(token), area=area, user_id=user_id,
                                       expires_at=now + self.lifetime))
        return token

    def is_valid(self, area: str, user_id: object, token: object) -> bool:
        """Whether ``token`` is a live session of this user in ``area``."""
        live = self.live(area, user_id, token)
        if live is None:
            return False
        with reading(self.engine) as c:
            return bool(c.execute(select(live)).scalar_one())

    def live_params(self, area: str, user_id: object, token: object) -> dict[str, Any] | None:
        """The parameters of ``LIVE`` for this user's session in ``area`` (None when the
        cookie's values cannot be one): ``live_user_id`` is the user's id."""
        if not isinstance(token, str) or not token or isinstance(user_id, bool) \
                or not isinstance(user_id, int):
            return None
        return {"live_token_hash": _digest(token), "live_area": area, "live_user_id": user_id,
                "live_now": self.clock()}

    def live(self, area: str, user_id: object, token: object) -> ColumnElement[bool] | None:
        """The SQL condition "``token`` is a live session of this user in ``area``" (None when
        the cookie's values cannot be one), so the user's row is read in the same query."""
        if not isinstance(token, str) or not token or isinstance(user_id, bool) \
                or not isinstance(user_id, int):
            return None
        t = m.login_sessions
        return exists().where(t.c.token_hash == _digest(token), t.c.area == area,
                              t.c.user_id == user_id, t.c.expires_at > self.clock())

    def end(self, token: object) -> None:
        """End the session of ``token`` (nothing happens for an unknown one)."""
        if isinstance(token, str) and token:
            t = m.login_sessions
            with self.engine.begin() as c:
                c.execute(delete(t).where(t.c.token_hash == _digest(token)))

    def end_all(self, area: str, user_id: int) -> None:
        """End every session of the user in ``area`` (log out everywhere)."""
        t = m.login_sessions
        with self.engine.begin() as c:
            c.execute(delete(t).where(t.c.area == area, t.c.user_id == user_id))
