"""PaymentMethods: Stripe's test ids and tokens, ``payment_method_data``, declines, Stripe.js creation.

- Stripe turns each test id (``pm_card_visa``, ``pm_card_chargeDeclined``,
  ``pm_card_authenticationRequired`` …, https://docs.stripe.com/testing) into a new PaymentMethod
  of that test card; localstripe knows three of them and answers 404 for the others.
- ``payment_method_data`` creates the PaymentMethod a confirm uses, from a card or a test token.
- The decline cards fail when charged (localstripe only failed them when attached to a customer).
- Stripe.js creates PaymentMethods with the publishable key.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from localstripe.resources import PaymentMethod, Token
from localstripe.server import get_post_data, json_response

from support.stripe_server.auth import header_key, is_secret_key, publishable_key
from support.stripe_server.cards import DECLINES, TEST_PAYMENT_METHODS, TEST_TOKENS, brand_of
from support.stripe_server.errors import invalid_request

_TEST_CARD_EXPIRY = {"exp_month": "12", "exp_year": "2034", "cvc": "123"}


def test_card(number: str) -> PaymentMethod:
    return PaymentMethod(type="card", card={"number": number, **_TEST_CARD_EXPIRY})


def resolve(payment_method: Any) -> str:
    """The id of a stored PaymentMethod (creating one for a Stripe test id); 404 if there is none."""
    if not isinstance(payment_method, str) or not payment_method:
        raise invalid_request("Invalid string: payment_method must be a PaymentMethod id.", param="payment_method")
    return str(PaymentMethod._api_retrieve(payment_method).id)


def _card_from_token(token: Any) -> str:
    if not isinstance(token, str):
        raise invalid_request("card[token] must be a token id.", param="payment_method_data[card][token]")
    if token in TEST_TOKENS:
        return TEST_TOKENS[token]
    return str(Token._api_retrieve(token).card._card_number)


def from_data(data: Any) -> PaymentMethod:
    """A new PaymentMethod from ``payment_method_data`` (``type=card`` with a card or ``card[token]``)."""
    if not isinstance(data, dict) or data.get("type") != "card":
        raise invalid_request("payment_method_data[type] must be card (the only type the local Stripe stand-in "
                              "supports).", param="payment_method_data[type]")
    unknown = set(data) - {"type", "card", "billing_details", "metadata"}
    if unknown:
        raise invalid_request(f"Received unknown parameter: payment_method_data[{sorted(unknown)[0]}]",
                              param=f"payment_method_data[{sorted(unknown)[0]}]", code="parameter_unknown")
    card = data.get("card")
    if isinstance(card, dict) and set(card) == {"token"}:
        card = {"number": _card_from_token(card["token"]), **_TEST_CARD_EXPIRY}
    return PaymentMethod(type="card", card=card, billing_details=data.get("billing_details"),
                         metadata=data.get("metadata"))


def _canonical_test_payment_method(cls: type[PaymentMethod], id: str) -> PaymentMethod | None:
    number = TEST_PAYMENT_METHODS.get(id)
    return test_card(number) if number else None


def _charging_is_declined(self: Any) -> bool:
    if getattr(self, "type", None) == "card":
        return self._card_number in DECLINES
    return bool(_original_charging_is_declined(self))


_original_charging_is_declined = PaymentMethod._charging_is_declined
_original_init = PaymentMethod.__init__


def _init_with_brand(self: PaymentMethod, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    if self.type == "card":
        self.card["brand"] = brand_of(self._card_number)


def install() -> None:
    PaymentMethod._try_get_canonical_test_article = classmethod(_canonical_test_payment_method)
    PaymentMethod._charging_is_declined = _charging_is_declined
    PaymentMethod.__init__ = _init_with_brand


async def create_with_publishable_key(request: web.Request, handler: Any) -> web.StreamResponse:
    """``POST /v1/payment_methods``: Stripe.js creates PaymentMethods with the publishable key."""
    if is_secret_key(header_key(request)):
        return await handler(request)
    data = await get_post_data(request, remove_auth=False) or {}
    if publishable_key(request, data) is None:
        return await handler(request)  # localstripe answers 401
    data = await get_post_data(request) or {}
    data.pop("expand", None)
    return json_response(PaymentMethod._api_create(**data)._export())
