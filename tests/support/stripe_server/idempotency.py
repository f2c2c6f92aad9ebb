"""Idempotency keys, as Stripe's API v1 handles them (localstripe ignores the header).

Stripe (https://docs.stripe.com/api/idempotent_requests): the status and body of the first request
with a key are saved once the endpoint started executing, and a retry with the same key returns
them, marked ``Idempotent-Replayed: true``; a request that failed validation saves nothing; reusing
a key with another endpoint or other parameters is an ``idempotency_error``; keys are at most 255
characters; GET and DELETE ignore them. Keys are kept per API key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from support.stripe_server.auth import header_key
from support.stripe_server.errors import json_error

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class SavedResponse:
    request: tuple[str, str, str]
    status: int
    body: bytes
    content_type: str


_saved: dict[tuple[str, str], SavedResponse] = {}


def _request_fingerprint(request: web.Request, body: bytes) -> tuple[str, str, str]:
    if request.content_type == "application/x-www-form-urlencoded":
        params = repr(sorted(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)))
    else:
        params = body.decode("utf-8", "replace")
    return request.path, request.query_string, params


def _caller(request: web.Request, body: bytes) -> str:
    key = header_key(request)
    if key:
        return key
    if request.content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode("utf-8", "replace"))).get("key", "")
    return ""


def _is_saved(status: int) -> bool:
    """Stripe saves a result once the endpoint ran: successes, card errors and server errors,
    not requests refused before (bad parameters 400, authentication 401, unknown object 404)."""
    return status < 400 or status == 402 or status >= 500


@web.middleware
async def idempotency_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or key is None:
        return await handler(request)
    if len(key) > MAX_KEY_LENGTH:
        return json_error(400, "invalid_request_error",
                          f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters long (got {len(key)}).")
    body = await request.read()
    slot = (_caller(request, body), key)
    fingerprint = _request_fingerprint(request, body)
    saved = _saved.get(slot)
    if saved is not None:
        if saved.request != fingerprint:
            return json_error(400, "idempotency_error",
                              f"Keys for idempotent requests can only be used with the same parameters they were "
                              f"first used with. Try using a key other than '{key}' if you meant to execute a "
                              f"different request.")
        replay = web.Response(body=saved.body, status=saved.status, content_type=saved.content_type)
        replay.headers["Idempotency-Key"] = key
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    response = await handler(request)
    if isinstance(response, web.Response) and isinstance(response.body, bytes) and _is_saved(response.status):
        _saved[slot] = SavedResponse(fingerprint, response.status, response.body, response.content_type)
    response.headers["Idempotency-Key"] = key
    return response
