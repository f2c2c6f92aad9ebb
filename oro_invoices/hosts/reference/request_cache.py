"""Host reads remembered for the duration of one Flask request.

A page asks the reference host for the same customer user, customer or website
names several times (identifying the user, the storefront's visibility, the
layout's scope). While a Flask request is being answered each answer is kept on
``flask.g`` under its kind and key, so it is read from the database once per
request; the next request reads afresh. Outside a request nothing is remembered.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import flask

T = TypeVar("T")


def remembered(kind: str, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, once per request for the same ``kind`` and ``key``."""
    if not flask.has_app_context() or not flask.has_request_context():
        return read()
    memo: dict[tuple[str, Hashable], Any] = flask.g.setdefault("oro_reference_reads", {})
    seen = (kind, key)
    if seen not in memo:
        memo[seen] = read()
    return memo[seen]  # type: ignore[no-any-return]


def remember(kind: str, key: Hashable, value: T) -> T:
    """Keep ``value`` as this request's answer for ``kind`` and ``key`` (read along with another)."""
    if flask.has_app_context() and flask.has_request_context():
        flask.g.setdefault("oro_reference_reads", {})[(kind, key)] = value
    return value
