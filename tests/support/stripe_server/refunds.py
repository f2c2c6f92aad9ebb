"""Refunds: no more than what is left on the charge, a ``reason``, and the refund events.

Stripe (https://docs.stripe.com/api/refunds/create, https://docs.stripe.com/api/events/types):
- a refund may not exceed the charge's unrefunded amount (400 on ``amount``), and a fully
  refunded charge cannot be refunded again (``charge_already_refunded``); localstripe accepted any
  amount;
- ``reason`` is ``duplicate``, ``fraudulent`` or ``requested_by_customer``;
- creating a refund sends ``refund.created`` and ``charge.refunded`` ("occurs whenever a charge is
  refunded, including partial refunds"); updating one (only ``metadata`` may change) sends
  ``refund.updated``. localstripe sent none of them.
- refunds are listed "with the most recent refunds appearing first"; localstripe sorted them by
  the second they were made in, listing the oldest first within one second.
"""
from __future__ import annotations

from typing import Any

from localstripe.resources import Charge, Event, List, PaymentIntent, Refund, StripeObject, try_convert_to_int
from localstripe.webhooks import schedule_webhook

from support.stripe_server.errors import invalid_request, unknown_parameters

REASONS = ("duplicate", "fraudulent", "requested_by_customer")
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
                 "xaf", "xof", "xpf"}


def format_amount(amount: int, currency: str) -> str:
    """``$150.00`` as Stripe writes amounts in its refund messages."""
    value = str(amount) if currency in _ZERO_DECIMAL else f"{amount / 100:.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


def _refunded_charge(charge: Any, payment_intent: Any) -> Charge | None:
    if isinstance(payment_intent, str) and charge is None:
        intent = PaymentIntent._api_retrieve(payment_intent)
        if intent.latest_charge is None:
            raise invalid_request(f"This PaymentIntent ({intent.id}) does not have a successful charge to refund.",
                                  param="payment_intent")
        return intent.latest_charge
    return Charge._api_retrieve(charge) if isinstance(charge, str) and payment_intent is None else None


def _create(cls: type[Refund], charge: Any = None, payment_intent: Any = None, amount: Any = None,
            reason: Any = None, metadata: Any = None, **unknown: Any) -> Refund:
    if unknown:
        raise unknown_parameters(unknown)
    if reason is not None and reason not in REASONS:
        raise invalid_request(f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason")
    charged = _refunded_charge(charge, payment_intent)
    amount = try_convert_to_int(amount)
    if charged is not None and charged.status == "succeeded":
        left = charged.amount - charged.amount_refunded
        if left <= 0:
            raise invalid_request(f"Charge {charged.id} has already been refunded.", code="charge_already_refunded")
        if isinstance(amount, int) and amount > left:
            raise invalid_request(f"Refund amount ({format_amount(amount, charged.currency)}) is greater than "
                                  f"unrefunded amount on charge ({format_amount(left, charged.currency)})",
                                  param="amount")
    refund = cls(charge=charge, payment_intent=payment_intent, amount=amount, metadata=metadata)
    refund.reason = reason
    charge_obj = Charge._api_retrieve(refund.charge)
    refund.payment_intent = refund.payment_intent or charge_obj.payment_intent
    schedule_webhook(Event("refund.created", refund))
    schedule_webhook(Event("charge.refunded", charge_obj))
    return refund


def _update(cls: type[Refund], id: str, **data: Any) -> Refund:
    if set(data) - {"metadata"}:
        raise unknown_parameters(set(data) - {"metadata"})
    refund: Refund = StripeObject._api_update.__func__(cls, id, **data)
    schedule_webhook(Event("refund.updated", refund))
    return refund


_original_list_all = Refund._api_list_all.__func__


def _list_newest_first(cls: type[Refund], url: str, **filters: Any) -> List:
    listed: List = _original_list_all(cls, url, **filters)
    listed._list.reverse()  # oldest first within a second; reversed, a stable sort keeps the newest first
    listed._list.sort(key=lambda refund: refund.created, reverse=True)
    return listed


def install() -> None:
    Refund._api_list_all = classmethod(_list_newest_first)
    Refund._api_create = classmethod(_create)
    Refund._api_update = classmethod(_update)
    Refund.reason = None
