"""Events and webhook endpoints.

- ``GET /v1/events`` lists the newest first, as Stripe documents ("sorted by creation date, with the
  most recent appearing first"); localstripe listed the oldest first, so a page of recent events
  missed the ones just sent.
- ``DELETE /_config/webhooks/{id}`` removes an endpoint registered with
  ``POST /_config/webhooks/{id}`` (localstripe could only add them), so a test stops its deliveries.

Deliveries themselves are localstripe's: one POST about a second after the event, signed like
Stripe's (``Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "{t}.{payload}")``).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from localstripe import webhooks
from localstripe.resources import Event, List

_original_list_all = Event._api_list_all.__func__


def _list_newest_first(cls: type[Event], url: str, **filters: Any) -> List:
    listed: List = _original_list_all(cls, url, **filters)
    listed._list.reverse()  # the store keeps creation order; a stable sort then keeps it within a second
    listed._list.sort(key=lambda event: event.created, reverse=True)
    return listed


def install() -> None:
    Event._api_list_all = classmethod(_list_newest_first)


async def unregister_webhook(request: web.Request, handler: Any, id: str) -> web.StreamResponse:
    if webhooks._webhooks.pop(id, None) is None:
        return web.json_response({"error": {"type": "invalid_request_error",
                                            "message": f"No webhook endpoint {id!r} is registered."}}, status=404)
    return web.Response()
