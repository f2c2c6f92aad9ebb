"""Resolved settings remembered for the duration of one request.

A page checks the same toggles and settings many times (the feature check, the
payment policy, each menu entry of the layout); each check would otherwise read
the host's config store again. While ``remember_settings()`` is active,
``Settings.resolve`` answers a key it resolved before for the same store, schema,
payment methods and scope from memory. Every write through ``Settings`` (``set``,
``unset``, ``apply``) forgets everything remembered, so a request that changes a
setting reads the new value afterwards. The memo lives in a context variable: each
request (thread or task) has its own, and it ends with the request.

The web layer's mounting code binds it around each page and API request. A write
to the host's store that bypasses ``Settings`` during such a request is not seen
until the request ends.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_MEMO: ContextVar[dict[Hashable, Any] | None] = ContextVar("oro_invoices_settings_memo",
                                                          default=None)


@contextmanager
def remember_settings() -> Iterator[None]:
    """Remember resolved settings until the block ends (an outer block's memo is reused)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def active() -> dict[Hashable, Any] | None:
    """The memo of the current request, or None when nothing is being remembered."""
    return _MEMO.get()


def forget() -> None:
    """Drop every remembered value (after a write)."""
    memo = _MEMO.get()
    if memo is not None:
        memo.clear()
