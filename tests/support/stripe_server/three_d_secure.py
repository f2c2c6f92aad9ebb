"""3-D Secure: the challenge's outcome, its event, and the redirect flow's challenge page.

Stripe (https://docs.stripe.com/payments/3d-secure, https://docs.stripe.com/api/payment_intents/object):
- completing the challenge lets the payment proceed; failing it returns the intent to
  ``requires_payment_method`` with ``last_payment_error.code = payment_intent_authentication_failure``
  and sends ``payment_intent.payment_failed`` (localstripe sent nothing);
- after a ``redirect_to_url`` challenge, the customer comes back to
  ``return_url?payment_intent=…&payment_intent_client_secret=…&redirect_status=…``.
The challenge is localstripe's ``POST /v1/payment_intents/{id}/_authenticate?success=true|false``;
``/_3ds/{id}`` is the page a ``redirect_to_url`` sends the customer to.
"""
from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import Event, PaymentIntent
from localstripe.server import get_post_data, json_response, unflatten_data
from localstripe.webhooks import schedule_webhook

from support.stripe_server import params, saved_cards
from support.stripe_server.auth import require_secret_or_client_secret
from support.stripe_server.errors import invalid_request


def challenge_url(intent: PaymentIntent, server: str) -> str:
    """The challenge page of ``intent`` on ``server``, for ``next_action.redirect_to_url.url``."""
    return f"{server}/_3ds/{intent.id}?{urlencode({'client_secret': intent.client_secret})}"


def finish_authentication(intent: PaymentIntent, success: bool) -> None:
    """The customer completed (``success``) or failed the 3-D Secure challenge."""
    if intent.status != "requires_action":
        raise invalid_request(f"This PaymentIntent is not waiting for authentication (its status is "
                              f"{intent.status}).", code="payment_intent_unexpected_state")
    payment_method = intent.payment_method
    PaymentIntent._api_authenticate(intent.id, client_secret=intent.client_secret, success=success)
    saved_cards.after_confirm(intent)
    if not success:
        intent._failed_payment_method = payment_method
        schedule_webhook(Event("payment_intent.payment_failed", intent))


async def authenticate(request: web.Request, handler: Any, id: str) -> web.StreamResponse:
    """``POST /v1/payment_intents/{id}/_authenticate?success=true|false`` (localstripe's 3-D Secure step)."""
    data = await get_post_data(request, remove_auth=False) or {}
    data.update(unflatten_data(request.query))
    intent = PaymentIntent._api_retrieve(id)
    if not isinstance(data.get("client_secret"), str):
        raise invalid_request("client_secret is required.", param="client_secret")
    require_secret_or_client_secret(request, data, intent.client_secret)
    finish_authentication(intent, params.boolean(data.get("success", False), "success"))
    return json_response(intent._export())


def redirect_status(intent: PaymentIntent) -> str:
    if intent.status in ("succeeded", "requires_capture"):
        return "succeeded"
    return "processing" if intent.status == "processing" else "failed"


def return_location(intent: PaymentIntent, return_url: str) -> str:
    """``return_url`` with ``payment_intent``, ``payment_intent_client_secret`` and ``redirect_status`` added."""
    parts = urlsplit(return_url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        ("payment_intent", intent.id), ("payment_intent_client_secret", intent.client_secret),
        ("redirect_status", redirect_status(intent))]
    return urlunsplit(parts._replace(query=urlencode(query)))


_CHALLENGE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3D Secure authentication</title></head>
<body><main role="dialog" aria-label="3D Secure authentication">
<h1>3D Secure authentication</h1>
<p>Test payment of {amount} {currency}. Complete or fail the authentication.</p>
<form method="post"><input type="hidden" name="client_secret" value="{secret}">
<button name="success" value="true">Complete authentication</button>
<button name="success" value="false">Fail authentication</button>
</form></main></body></html>
"""


def _checked_redirect_intent(id: str, client_secret: Any) -> PaymentIntent:
    intent = PaymentIntent._api_retrieve(id)
    if client_secret != intent.client_secret:
        raise invalid_request("The client_secret provided does not match the client_secret associated with the "
                              "PaymentIntent.", param="client_secret")
    return intent


async def challenge_page(request: web.Request, handler: Any, id: str) -> web.StreamResponse:
    """``GET /_3ds/{id}``: the page ``next_action.redirect_to_url.url`` sends the customer to."""
    intent = _checked_redirect_intent(id, request.query.get("client_secret"))
    return web.Response(text=_CHALLENGE_PAGE.format(
        amount=intent.amount, currency=html.escape(intent.currency.upper()),
        secret=html.escape(intent.client_secret)), content_type="text/html")


async def challenge_result(request: web.Request, handler: Any, id: str) -> web.StreamResponse:
    """``POST /_3ds/{id}``: finish the challenge and send the customer back to the ``return_url``."""
    form = await request.post()
    intent = _checked_redirect_intent(id, form.get("client_secret"))
    return_url = getattr(intent, "_return_url", None)
    if not return_url:
        raise invalid_request("This PaymentIntent was not confirmed with a return_url.", param="return_url")
    try:
        finish_authentication(intent, params.boolean(form.get("success", "false"), "success"))
    except UserError as e:
        if e.code != 402:  # a decline after authentication comes back as redirect_status=failed
            raise
    raise web.HTTPSeeOther(return_location(intent, return_url))
