"""localstripe's aiohttp ``app`` with the extensions installed: class overrides plus three middlewares.

No file of localstripe is edited: its resource classes get methods replaced, and its app gets, in
front of its own middlewares, idempotency keys, Stripe-shaped errors and the overridden routes.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from localstripe import server
from localstripe.resources import Store

from support.stripe_server import (
    charges,
    declines,
    events,
    payment_intents,
    payment_methods,
    refunds,
    saved_cards,
    stripe_js,
    three_d_secure,
)
from support.stripe_server.errors import stripe_errors_middleware
from support.stripe_server.idempotency import idempotency_middleware

Route = Callable[..., Awaitable[web.StreamResponse]]

_ID = r"(?P<id>[A-Za-z0-9_]+)"
ROUTES: list[tuple[str, str, Route]] = [
    ("GET", r"/js\.stripe\.com/v3/?", stripe_js.serve),
    ("POST", r"/v1/payment_intents", payment_intents.create),
    ("GET", rf"/v1/payment_intents/{_ID}", payment_intents.retrieve),
    ("POST", rf"/v1/payment_intents/{_ID}/confirm", payment_intents.confirm),
    ("POST", rf"/v1/payment_intents/{_ID}/cancel", payment_intents.cancel),
    ("POST", rf"/v1/payment_intents/{_ID}/_authenticate", three_d_secure.authenticate),
    ("POST", r"/v1/payment_methods", payment_methods.create_with_publishable_key),
    ("GET", rf"/_3ds/{_ID}", three_d_secure.challenge_page),
    ("POST", rf"/_3ds/{_ID}", three_d_secure.challenge_result),
    ("DELETE", r"/_config/webhooks/(?P<id>[^/]+)", events.unregister_webhook),
]
_COMPILED = [(method, re.compile(pattern), route) for method, pattern, route in ROUTES]


@web.middleware
async def overrides_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Send the overridden routes to their handler (which may still call localstripe's ``handler``)."""
    for method, pattern, route in _COMPILED:
        match = pattern.fullmatch(request.path)
        if match and request.method == method:
            return await route(request, handler, **match.groupdict())
    return await handler(request)


def _no_pickle(self: Store) -> None:
    """localstripe pickles its store to /tmp/localstripe.pickle on every write and reloads it at start."""


_installed = False


def install() -> web.Application:
    """Install the extensions (once per process) and return localstripe's app."""
    global _installed
    if not _installed:
        if server.app.frozen:
            raise RuntimeError("localstripe's app already ran without the extensions; install them before starting it")
        Store.dump_to_disk = _no_pickle
        Store.try_load_from_disk = _no_pickle
        for module in (declines, payment_methods, payment_intents, charges, refunds, events, saved_cards):
            module.install()
        for position, middleware in enumerate((idempotency_middleware, stripe_errors_middleware,
                                               overrides_middleware)):
            server.app.middlewares.insert(position, middleware)
        _installed = True
    return server.app
