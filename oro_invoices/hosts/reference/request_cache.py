"""Host reads remembered for the duration of one Flask request.

A page asks the reference host for the same customer user, customer or website
names several times (identifying the user, the storefront's visibility, the
layout's scope). While a Flask request is being answered each answer is kept on
``flask.g`` under its kind and key, so it is read from the database once per
request; the next request reads afresh. Outside a request nothing is remembered.

``install_request_scope`` puts each of the host's own requests in the web layer's request
scope, as the add-on's pages already are: settings resolved once, one reading connection
per engine.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import flask

from oro_invoices.web.mounting import request_scope

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


def install_request_scope(app: flask.Flask) -> None:
    """Answer every request of ``app`` (the host's views, its error pages, the add-on's pages,
    which nest) within ``web.mounting.request_scope``: settings are resolved once and each
    engine is read on one connection, checked out at its first read and given back when the
    request is torn down."""
    @app.before_request
    def _enter() -> None:
        scope = contextlib.ExitStack()
        scope.enter_context(request_scope())
        flask.g.oro_reference_scope = scope

    @app.teardown_request
    def _leave(_exc: BaseException | None) -> None:
        scope: contextlib.ExitStack | None = flask.g.pop("oro_reference_scope", None)
        if scope is not None:
            scope.close()
