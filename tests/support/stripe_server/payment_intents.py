"""PaymentIntents: create, confirm and retrieve with Stripe's parameters and keys; ``latest_charge``.

Stripe (https://docs.stripe.com/api/payment_intents):
- create accepts ``description``, ``receipt_email``, ``automatic_payment_methods``,
  ``payment_method_data`` and, with ``confirm=true``, ``return_url``;
- confirm accepts ``payment_method``, ``payment_method_data`` and ``return_url``, from the server
  (secret key) or from Stripe.js (publishable key plus the PaymentIntent's ``client_secret``);
  localstripe refused every confirm parameter;
- a card needing 3-D Secure leaves the intent in ``requires_action``: ``next_action`` is
  ``use_stripe_sdk`` for Stripe.js, or ``redirect_to_url`` when the server confirmed with a
  ``return_url`` (see three_d_secure.py);
- ``latest_charge`` is a charge id, expandable (localstripe embedded the charge);
- ``amount_received`` is what was taken (localstripe had none);
- ``setup_future_usage`` and ``off_session``: see saved_cards.py;
- cancel sends ``payment_intent.canceled`` (localstripe sent no event).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from localstripe.resources import Event, PaymentIntent
from localstripe.server import get_post_data, json_response, unflatten_data
from localstripe.webhooks import schedule_webhook

from support.stripe_server import params, payment_methods, saved_cards, three_d_secure
from support.stripe_server.auth import header_key, is_secret_key, publishable_key, require_secret_or_client_secret
from support.stripe_server.charges import captured_amount
from support.stripe_server.errors import invalid_request, unknown_parameters

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
_CLIENT_FIELDS = ("key", "payment_user_agent", "referrer", "client_secret")
CONFIRM_PARAMS = {"payment_method", "payment_method_data", "return_url", "use_stripe_sdk", "receipt_email",
                  "off_session"}
CREATE_EXTRAS = {"confirm", "off_session", "description", "receipt_email", "return_url",
                 "automatic_payment_methods", "payment_method_data", "use_stripe_sdk", "setup_future_usage"}


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def confirm_intent(intent: PaymentIntent, data: dict[str, Any], server: str) -> None:
    """Confirm ``intent`` with ``data`` (``payment_method`` | ``payment_method_data``, ``return_url``,
    ``off_session`` …)."""
    if intent.status not in CONFIRMABLE:
        raise invalid_request(f"You cannot confirm this PaymentIntent because it has a status of {intent.status}.",
                              code="payment_intent_unexpected_state")
    if data.get("payment_method") is not None and data.get("payment_method_data") is not None:
        raise invalid_request("You cannot provide both payment_method and payment_method_data.",
                              param="payment_method_data")
    return_url = params.return_url(data.get("return_url"))
    use_stripe_sdk = params.boolean(data.get("use_stripe_sdk", False), "use_stripe_sdk")
    if data.get("payment_method_data") is not None:
        intent.payment_method = payment_methods.from_data(data["payment_method_data"]).id
    elif data.get("payment_method") is not None:
        intent.payment_method = payment_methods.resolve(data["payment_method"])
    if not intent.payment_method:
        raise invalid_request("You cannot confirm this PaymentIntent because it's missing a payment method. "
                              "Confirm it with a payment_method or payment_method_data.",
                              param="payment_method", code="payment_intent_unexpected_state")
    if data.get("receipt_email") is not None:
        intent.receipt_email = params.optional_text(data, "receipt_email")
    saved_cards.check_usable(intent.payment_method, intent.customer)
    if intent.latest_charge is not None and intent.latest_charge.status == "failed":
        intent.latest_charge = None  # a new attempt after a decline
    off_session = params.boolean(data.get("off_session", False), "off_session")
    if off_session:
        saved_cards.refuse_authentication_off_session(intent)
    intent.next_action = None
    intent._return_url = return_url
    try:
        if off_session:  # no challenge without the customer: charged, or refused just above
            intent._authentication_failed = False
            intent._create_charge(on_failure_now=intent._report_failure)
        else:
            intent._confirm(on_failure_now=intent._report_failure)
    finally:
        saved_cards.after_confirm(intent)
    if intent.next_action and return_url and not use_stripe_sdk:
        intent.next_action = {"type": "redirect_to_url",
                              "redirect_to_url": {"url": three_d_secure.challenge_url(intent, server),
                                                  "return_url": return_url}}


async def create(request: web.Request, handler: Any) -> web.StreamResponse:
    """``POST /v1/payment_intents`` with Stripe's create parameters (see the module docstring)."""
    if not is_secret_key(header_key(request)):
        return await handler(request)  # localstripe answers 401
    data = await get_post_data(request) or {}
    expand = data.pop("expand", None)
    extras = {name: data.pop(name) for name in CREATE_EXTRAS if name in data}
    confirm = params.boolean(extras.get("confirm", False), "confirm")
    if "off_session" in extras and not confirm:
        raise invalid_request("off_session can only be used with confirm=true.", param="off_session")
    if "return_url" in extras and not confirm:
        raise invalid_request("return_url can only be used with confirm=true.", param="return_url")
    automatic = extras.get("automatic_payment_methods")
    if automatic is not None:
        if not isinstance(automatic, dict) or set(automatic) - {"enabled", "allow_redirects"}:
            raise invalid_request("automatic_payment_methods takes enabled and allow_redirects.",
                                  param="automatic_payment_methods")
        enabled = params.boolean(automatic.get("enabled"), "automatic_payment_methods[enabled]")
        automatic = {**automatic, "enabled": enabled}
    if "payment_method_data" in extras and data.get("payment_method") is not None:
        raise invalid_request("You cannot provide both payment_method and payment_method_data.",
                              param="payment_method_data")
    if data.get("payment_method") is not None:
        data["payment_method"] = payment_methods.resolve(data["payment_method"])
    description = params.optional_text(extras, "description")
    receipt_email = params.optional_text(extras, "receipt_email")
    types = data.get("payment_method_types") or ["card"]
    intent = PaymentIntent(**data)
    intent.description, intent.receipt_email = description, receipt_email
    intent.automatic_payment_methods = automatic
    intent.payment_method_types = types
    intent.setup_future_usage = saved_cards.usage(extras.get("setup_future_usage"))
    if confirm:
        confirm_intent(intent, {k: extras.get(k) for k in ("payment_method_data", "return_url", "use_stripe_sdk",
                                                           "off_session") if k in extras}, base_url(request))
    elif "payment_method_data" in extras:
        intent.payment_method = payment_methods.from_data(extras["payment_method_data"]).id
    return json_response(intent._export(expand=expand))


async def confirm(request: web.Request, handler: Any, id: str) -> web.StreamResponse:
    """``POST /v1/payment_intents/{id}/confirm`` with a secret key, or a publishable key and client secret."""
    raw = await get_post_data(request, remove_auth=False) or {}
    if not is_secret_key(header_key(request)) and publishable_key(request, raw) is None:
        raise invalid_request("You did not provide an API key.", status=401)
    intent = PaymentIntent._api_retrieve(id)
    require_secret_or_client_secret(request, raw, intent.client_secret)
    data = {k: v for k, v in raw.items() if k not in _CLIENT_FIELDS}
    expand = data.pop("expand", None)
    if set(data) - CONFIRM_PARAMS:
        raise unknown_parameters(set(data) - CONFIRM_PARAMS)
    confirm_intent(intent, data, base_url(request))
    return json_response(intent._export(expand=expand))


async def retrieve(request: web.Request, handler: Any, id: str) -> web.StreamResponse:
    """``GET /v1/payment_intents/{id}``; with a publishable key, the ``client_secret`` must be given."""
    query = unflatten_data(request.query)
    if is_secret_key(header_key(request)) or publishable_key(request, query) is None:
        return await handler(request)
    intent = PaymentIntent._api_retrieve(id)
    require_secret_or_client_secret(request, query, intent.client_secret)
    return json_response(intent._export())


_original_export = PaymentIntent._export


def _export_latest_charge_id(self: PaymentIntent, expand: Any = None) -> dict[str, Any]:
    exported: dict[str, Any] = _original_export(self, expand=expand)
    charge = exported.get("latest_charge")
    expanded = any(isinstance(path, str) and path.split(".")[0] == "latest_charge" for path in expand or [])
    if isinstance(charge, dict) and not expanded:
        exported["latest_charge"] = charge["id"]
    # what was taken: what the charge's capture took (less than the amount after a partial capture)
    taken = self.latest_charge if exported.get("status") == "succeeded" else None
    exported["amount_received"] = captured_amount(taken) if taken is not None else 0
    return exported


async def cancel(request: web.Request, handler: Any, id: str) -> web.StreamResponse:
    """``POST /v1/payment_intents/{id}/cancel``: localstripe's cancel, then ``payment_intent.canceled``
    as Stripe sends it."""
    response: web.StreamResponse = await handler(request)
    if response.status == 200:
        schedule_webhook(Event("payment_intent.canceled", PaymentIntent._api_retrieve(id)))
    return response


def install() -> None:
    PaymentIntent._export = _export_latest_charge_id
    # fields Stripe's PaymentIntent has and localstripe's lacks (exported like its other attributes)
    PaymentIntent.description = None
    PaymentIntent.receipt_email = None
    PaymentIntent.automatic_payment_methods = None
    PaymentIntent.payment_method_types = ("card",)
