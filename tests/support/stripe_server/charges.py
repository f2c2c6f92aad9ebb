"""Charges: ``payment_method_details.card.capture_before`` on an uncaptured card charge.

Stripe (https://docs.stripe.com/api/charges/object#charge_object-payment_method_details-card-capture_before,
https://docs.stripe.com/payments/place-a-hold-on-a-payment-method): a card charge made with
``capture_method=manual`` says until when it can be captured, a Unix time; online card payments
are held for 7 days. localstripe's charges had no ``payment_method_details``.
"""
from __future__ import annotations

from typing import Any

from localstripe.resources import Charge, PaymentIntent

#: How long Stripe holds an online card authorization.
HOLD_SECONDS = 7 * 24 * 3600

_original_export = Charge._export


def _export_with_card_details(self: Charge, expand: Any = None) -> dict[str, Any]:
    exported: dict[str, Any] = _original_export(self, expand=expand)
    card: dict[str, Any] = {}
    intent = PaymentIntent._api_retrieve(self.payment_intent) if self.payment_intent else None
    if intent is not None and intent.capture_method == "manual":
        card["capture_before"] = self.created + HOLD_SECONDS
    exported["payment_method_details"] = {"type": "card", "card": card}
    return exported


def install() -> None:
    Charge._export = _export_with_card_details
