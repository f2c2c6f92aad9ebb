"""Stripe-shaped errors, and the middleware that turns every failure into one.

Stripe answers every error with ``{"error": {"type", "message", "code", "param", …}}``; the SDK picks
its exception class from the HTTP status and ``type`` (402 -> ``CardError``, ``idempotency_error`` ->
``IdempotencyError``, 5xx -> ``APIError``). localstripe's ``UserError`` always says
``invalid_request_error`` and an unexpected exception in its code becomes aiohttp's HTML 500, which
the SDK cannot read.
"""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from localstripe.errors import UserError

log = logging.getLogger(__name__)


class StripeError(UserError):
    """A ``UserError`` whose ``type`` and fields are Stripe's (localstripe renders it unchanged)."""

    def __init__(self, status: int, type_: str, message: str, **fields: Any) -> None:
        super().__init__(status, message, {k: v for k, v in fields.items() if v is not None})
        self.body["error"]["type"] = type_


def invalid_request(message: str, param: str | None = None, code: str | None = None,
                    status: int = 400) -> StripeError:
    return StripeError(status, "invalid_request_error", message, param=param, code=code)


def unknown_parameters(names: Any) -> StripeError:
    names = sorted(names)
    return invalid_request(f"Received unknown parameter: {names[0]} (the local Stripe stand-in does not "
                           f"support it)", param=names[0], code="parameter_unknown")


def json_error(status: int, type_: str, message: str, **fields: Any) -> web.Response:
    error = {"type": type_, "message": message, **{k: v for k, v in fields.items() if v is not None}}
    return web.json_response({"error": error}, status=status)


@web.middleware
async def stripe_errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """``UserError`` -> its JSON; unknown URL -> Stripe's "Unrecognized request URL"; a crash -> ``api_error``."""
    try:
        return await handler(request)
    except UserError as e:
        return e.to_response()
    except web.HTTPException as e:
        if e.status in (404, 405) and request.path.startswith("/v1/"):
            return json_error(404, "invalid_request_error",
                              f"Unrecognized request URL ({request.method}: {request.path}).")
        raise
    except Exception as e:  # the stand-in failed: say so the way Stripe reports its own failures
        log.exception("local Stripe stand-in failed on %s %s", request.method, request.path)
        return json_error(500, "api_error", f"The local Stripe stand-in failed: {type(e).__name__}: {e}")
