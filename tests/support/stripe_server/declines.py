"""Declined charges fail like Stripe's: a ``card_error`` with ``code``, ``decline_code`` and, for a
PaymentIntent, the ``payment_intent`` itself, plus a ``payment_intent.payment_failed`` event.

Stripe (https://docs.stripe.com/api/errors, https://docs.stripe.com/declines/codes): card errors are
HTTP 402 with ``type=card_error``; a declined PaymentIntent confirmation's error carries
``payment_intent``, ``payment_method``, ``charge`` and ``decline_code``, and the PaymentIntent's
``last_payment_error`` holds the same. localstripe answered ``invalid_request_error`` without them.
"""
from __future__ import annotations

from typing import Any

from localstripe.resources import Charge, Event, Invoice, PaymentIntent, PaymentMethod
from localstripe.webhooks import schedule_webhook

from support.stripe_server.cards import DECLINES, Decline
from support.stripe_server.errors import StripeError

AUTHENTICATION_FAILED = ("We are unable to authenticate your payment method. Please choose a different payment "
                         "method and try again.")
_GENERIC = DECLINES["4000000000000002"]


def decline_of(charge: Charge) -> Decline:
    card = PaymentMethod._api_retrieve(charge.payment_method)
    return DECLINES.get(getattr(card, "_card_number", ""), _GENERIC)


def _exported_payment_method(id: str | None) -> dict[str, Any] | None:
    return PaymentMethod._api_retrieve(id)._export() if id else None


def _set_auth_failure(self: Charge) -> None:
    decline = decline_of(self)
    self.status = "failed"
    self.failure_code = decline.code
    self.failure_message = decline.message


def _raise_charge_failure(self: Charge) -> None:
    decline = decline_of(self)
    raise StripeError(402, "card_error", decline.message, code=decline.code, decline_code=decline.decline_code,
                      charge=self.id)


def _report_intent_failure(self: PaymentIntent) -> None:
    schedule_webhook(Event("payment_intent.payment_failed", self))
    if self.invoice:
        Invoice._api_retrieve(self.invoice)._on_payment_failure_now()
    charge = self.latest_charge
    decline = decline_of(charge)
    raise StripeError(402, "card_error", decline.message, code=decline.code, decline_code=decline.decline_code,
                      charge=charge.id, payment_intent=self._export(),
                      payment_method=_exported_payment_method(charge.payment_method))


def _last_payment_error(self: PaymentIntent) -> dict[str, Any] | None:
    if self._authentication_failed:
        return {"type": "invalid_request_error", "code": "payment_intent_authentication_failure",
                "message": AUTHENTICATION_FAILED,
                "payment_method": _exported_payment_method(getattr(self, "_failed_payment_method", None))}
    charge = self.latest_charge
    if charge is not None and charge.status == "failed":
        decline = decline_of(charge)
        return {"type": "card_error", "code": decline.code, "decline_code": decline.decline_code,
                "message": decline.message, "charge": charge.id,
                "payment_method": _exported_payment_method(charge.payment_method)}
    return None


def install() -> None:
    Charge._set_auth_failure = _set_auth_failure
    Charge._raise_failure = _raise_charge_failure
    PaymentIntent._report_failure = _report_intent_failure
    PaymentIntent.last_payment_error = property(_last_payment_error)
