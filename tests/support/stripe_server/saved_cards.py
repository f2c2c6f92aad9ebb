"""Cards kept for later payments: ``setup_future_usage``, reuse of a PaymentMethod, ``off_session``.

Stripe (https://docs.stripe.com/api/payment_intents/create#create_payment_intent-setup_future_usage,
https://docs.stripe.com/payments/save-during-payment, https://docs.stripe.com/declines/codes):
- with ``setup_future_usage`` and a ``customer``, a successful confirmation attaches the
  PaymentMethod to that customer; the PaymentIntent shows ``setup_future_usage``;
- a PaymentMethod used once without being attached to a customer cannot be used again;
  one attached to a customer is used only with that customer;
- a payment made ``off_session`` cannot ask the customer to authenticate: a card that needs it
  is declined with ``authentication_required`` (https://docs.stripe.com/testing#authentication-and-setup:
  4000002500003155 needs it for one-time payments only, once set up off-session payments pass;
  4000002760003184 always needs it).
localstripe accepted none of these (``setup_future_usage`` was an unexpected parameter).
"""
from __future__ import annotations

from typing import Any

from localstripe.resources import PaymentIntent, PaymentMethod

from support.stripe_server.errors import StripeError, invalid_request

USAGES = ("on_session", "off_session")
REUSED = ("The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, "
          "shared with a connected account without Customer attachment, or was detached from a Customer. It may "
          "not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.")
AUTHENTICATION_REQUIRED = "Your card was declined. This transaction requires authentication."
#: Test cards that need 3-D Secure for one-time payments but not off-session once set up.
SET_UP_PASSES_OFF_SESSION = frozenset({"4000002500003155"})


def usage(value: Any) -> str | None:
    if value is None:
        return None
    if value not in USAGES:
        raise invalid_request(f"Invalid setup_future_usage: must be one of {', '.join(USAGES)}",
                              param="setup_future_usage")
    return str(value)


def check_usable(payment_method: str, customer: str | None) -> None:
    """Refuse a PaymentMethod that Stripe would not charge again, or not for this customer."""
    card = PaymentMethod._api_retrieve(payment_method)
    owner = getattr(card, "customer", None)
    if owner is not None and owner != customer:
        raise invalid_request("The provided PaymentMethod belongs to a different Customer than the one given.",
                              param="payment_method")
    if owner is None and getattr(card, "_used", False):
        raise invalid_request(REUSED, param="payment_method")


def refuse_authentication_off_session(intent: PaymentIntent) -> None:
    """An ``off_session`` confirmation of a card that needs 3-D Secure is declined, not challenged."""
    card = PaymentMethod._api_retrieve(intent.payment_method)
    set_up = getattr(card, "customer", None) is not None and card._card_number in SET_UP_PASSES_OFF_SESSION
    if card._requires_authentication() and not set_up:
        raise StripeError(402, "card_error", AUTHENTICATION_REQUIRED, code="authentication_required",
                          decline_code="authentication_required", payment_intent=intent._export(),
                          payment_method=card._export())


def after_confirm(intent: PaymentIntent) -> None:
    """Attach the card to the customer when the payment asked to keep it; else it is used up."""
    if intent.latest_charge is None or intent.latest_charge.status == "failed":
        return
    card = PaymentMethod._api_retrieve(intent.payment_method)
    if intent.setup_future_usage and intent.customer:
        card.customer = intent.customer
    elif getattr(card, "customer", None) is None:
        card._used = True


def install() -> None:
    PaymentIntent.setup_future_usage = None
