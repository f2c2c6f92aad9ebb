"""Failed logins slow down further attempts: per account and per client address, with backoff.

After ``free_attempts`` failures for a key (an account of one area, or a client address), each
further failure makes that key wait: ``first_delay`` seconds, doubling with every failure up to
``max_delay``. While a key waits, attempts are refused without checking the password. A key's
failures are forgotten ``forget_after`` seconds after its last one; a successful login clears
the account's failures (the address keeps its own, so guessing across many accounts from one
address stays slow).

The counts live in the host's database (``host_login_failure``), so every process of a
multi-process server sees the same counts: N processes do not give an attacker N times the
attempts. A failure is counted by one atomic upsert, so concurrent failures are never lost.
"""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from oro_invoices.hosts.reference import models as m
from oro_invoices.persistence.engine import reading


class LoginThrottle:
    """Counts failed logins per key in the database and says how long a key must wait.

    :param clock: returns the current Unix time; it must agree across processes, so it is the
        wall clock (tests move it).
    """

    def __init__(self, engine: Engine, *, free_attempts: int = 5, first_delay: float = 30.0,
                 max_delay: float = 900.0, forget_after: float = 3600.0,
                 max_keys: int = 100_000, clock: Callable[[], float] = time.time):
        if forget_after < max_delay:
            raise ValueError("forget_after must be at least max_delay")
        self.engine = engine
        self.free_attempts = free_attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.max_keys = max_keys
        self.clock = clock

    def wait(self, keys: Iterable[str]) -> int:
        """Seconds (rounded up) before any of ``keys`` may try again; 0 when all may now."""
        now = self.clock()
        t = m.login_failures
        with reading(self.engine) as c:
            until = c.execute(select(func.max(t.c.blocked_until)).where(
                t.c.key.in_([_digest(k) for k in keys]),
                t.c.last > now - self.forget_after)).scalar_one()
        longest = (until or 0.0) - now
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, keys: Iterable[str]) -> None:
        """Count a failed attempt for each of ``keys``."""
        now = self.clock()
        with self.engine.begin() as c:
            for key in map(_digest, keys):
                count = self._count_failure(c, key, now)
                if count >= self.free_attempts:
                    delay = self.first_delay * 2 ** min(count - self.free_attempts, 32)
                    t = m.login_failures
                    c.execute(t.update().where(t.c.key == key).values(
                        blocked_until=now + min(delay, self.max_delay)))
            self._prune(c, now)

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` (an account that just logged in)."""
        t = m.login_failures
        with self.engine.begin() as c:
            c.execute(delete(t).where(t.c.key == _digest(key)))

    def _count_failure(self, c: Connection, key: str, now: float) -> int:
        """Add one failure to the key digest ``key`` (starting again when its last one is forgotten); the count."""
        t = m.login_failures
        insert = (postgresql.insert if c.dialect.name == "postgresql" else sqlite.insert)(t)
        forgotten = insert.excluded.last - t.c.last >= self.forget_after
        statement = insert.values(key=key, count=1, last=now, blocked_until=0.0) \
            .on_conflict_do_update(index_elements=[t.c.key], set_={
                "count": case((forgotten, 1), else_=t.c.count + 1),
                "blocked_until": case((forgotten, 0.0), else_=t.c.blocked_until),
                "last": insert.excluded.last,
            }).returning(t.c.count)
        return int(c.execute(statement).scalar_one())

    def _prune(self, c: Connection, now: float) -> None:
        """Drop forgotten keys; if still too many, the ones whose last failure is oldest."""
        t = m.login_failures
        c.execute(delete(t).where(t.c.last <= now - self.forget_after))
        excess = c.execute(select(func.count()).select_from(t)).scalar_one() - self.max_keys
        if excess > 0:
            oldest = select(t.c.key).order_by(t.c.last).limit(excess).scalar_subquery()
            c.execute(delete(t).where(t.c.key.in_(oldest)))


def _digest(key: str) -> str:
    """What is stored of a key: its SHA-256, so a login of any length fits the column."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def account_key(area: str, login: str) -> str:
    """The throttle key of an account: its area and its login, compared case-insensitively."""
    return f"account:{area}:{login.strip().lower()}"


def address_key(address: str | None) -> str:
    """The throttle key of a client address."""
    return f"address:{address or 'unknown'}"
