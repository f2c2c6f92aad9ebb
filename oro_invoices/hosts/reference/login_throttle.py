"""Failed logins slow down further attempts: per account and per client address, with backoff.

After ``free_attempts`` failures for a key (an account of one area, or a client address), each
further failure makes that key wait: ``first_delay`` seconds, doubling with every failure up to
``max_delay``. While a key waits, attempts are refused without checking the password. A key's
failures are forgotten ``forget_after`` seconds after its last one; a successful login clears
the account's failures (the address keeps its own, so guessing across many accounts from one
address stays slow).

The counts live in the process's memory, as the reference host runs in one process. A host
served by several processes keeps them in a shared store instead (see ``docs/web.md``).
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    last: float
    blocked_until: float = 0.0


class LoginThrottle:
    """Counts failed logins per key and says how long a key must wait."""

    def __init__(self, *, free_attempts: int = 5, first_delay: float = 30.0,
                 max_delay: float = 900.0, forget_after: float = 3600.0,
                 max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        if forget_after < max_delay:
            raise ValueError("forget_after must be at least max_delay")
        self.free_attempts = free_attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.max_keys = max_keys
        self.clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[str]) -> int:
        """Seconds (rounded up) before any of ``keys`` may try again; 0 when all may now."""
        now = self.clock()
        with self._lock:
            waits = [entry.blocked_until - now for key in keys
                     if (entry := self._live(key, now)) is not None]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, keys: Iterable[str]) -> None:
        """Count a failed attempt for each of ``keys``."""
        now = self.clock()
        with self._lock:
            for key in keys:
                entry = self._live(key, now)
                if entry is None:
                    entry = self._failures[key] = _Failures(count=0, last=now)
                entry.count += 1
                entry.last = now
                if entry.count >= self.free_attempts:
                    delay = self.first_delay * 2 ** min(entry.count - self.free_attempts, 32)
                    entry.blocked_until = now + min(delay, self.max_delay)
            if len(self._failures) > self.max_keys:
                self._prune(now)

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` (an account that just logged in)."""
        with self._lock:
            self._failures.pop(key, None)

    def _live(self, key: str, now: float) -> _Failures | None:
        entry = self._failures.get(key)
        if entry is not None and now - entry.last >= self.forget_after:
            del self._failures[key]
            return None
        return entry

    def _prune(self, now: float) -> None:
        """Drop forgotten keys; if still too many, the ones whose last failure is oldest."""
        for key in [k for k, e in self._failures.items() if now - e.last >= self.forget_after]:
            del self._failures[key]
        excess = len(self._failures) - self.max_keys
        if excess > 0:
            oldest = sorted(self._failures, key=lambda k: self._failures[k].last)[:excess]
            for key in oldest:
                del self._failures[key]


def account_key(area: str, login: str) -> str:
    """The throttle key of an account: its area and its login, compared case-insensitively."""
    return f"account:{area}:{login.strip().lower()}"


def address_key(address: str | None) -> str:
    """The throttle key of a client address."""
    return f"address:{address or 'unknown'}"
