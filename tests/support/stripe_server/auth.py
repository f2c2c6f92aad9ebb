"""Who is calling: a secret key (server) or a publishable key (Stripe.js) with the object's client secret."""
from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from aiohttp import web

from support.stripe_server.errors import invalid_request

PUBLISHABLE_KEY_REFUSED = ("This API call cannot be made with a publishable API key. Please use a secret API key. "
                           "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.")


def header_key(request: web.Request) -> str | None:
    """The API key of ``Authorization: Bearer <key>`` or ``Basic base64(<key>:)``."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        return value.strip() or None
    if scheme == "Basic":
        try:
            return base64.b64decode(value).decode().partition(":")[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def is_secret_key(key: str | None) -> bool:
    return key is not None and key.startswith(("sk_", "rk_")) and len(key) > 3


def publishable_key(request: web.Request, data: dict[str, Any]) -> str | None:
    """The publishable key of the header, or of the ``key`` form field as Stripe.js sends it."""
    for key in (header_key(request), data.get("key")):
        if isinstance(key, str) and key.startswith("pk_") and len(key) > 3:
            return key
    return None


def require_secret_or_client_secret(request: web.Request, data: dict[str, Any], client_secret: str) -> None:
    """Allow a secret key; or a publishable key with the object's ``client_secret`` (as Stripe.js calls)."""
    if is_secret_key(header_key(request)):
        return
    if publishable_key(request, data) is None:
        raise invalid_request("Invalid API Key provided: you must authenticate with a secret key, or with a "
                              "publishable key and the client secret.", status=401)
    given = data.get("client_secret")
    if not isinstance(given, str):
        raise invalid_request(PUBLISHABLE_KEY_REFUSED, status=401)
    if not hmac.compare_digest(given, client_secret):
        raise invalid_request("The client_secret provided does not match the client_secret associated with "
                              "the PaymentIntent.", param="client_secret")
