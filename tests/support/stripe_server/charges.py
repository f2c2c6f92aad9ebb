"""Charges: until when an uncaptured card charge is held, and what a capture took.

Stripe:
- (https://docs.stripe.com/api/charges/object#charge_object-payment_method_details-card-capture_before,
  https://docs.stripe.com/payments/place-a-hold-on-a-payment-method) a card charge made with
  ``capture_method=manual`` says until when it can be captured, a Unix time; online card payments
  are held for 7 days. localstripe's charges had no ``payment_method_details``.
- (https://docs.stripe.com/api/charges/object#charge_object-amount_captured) ``amount_captured``
  is what was captured, less than ``amount`` after a partial capture; localstripe's charges lacked it.
- (https://docs.stripe.com/api/charges/capture, https://docs.stripe.com/api/events/types) on a
  capture of less than the charge "any additional amount will be automatically refunded", and a
  refund sends ``refund.created`` and ``charge.refunded``. localstripe made that refund but sent
  neither event.
"""
from __future__ import annotations

from typing import Any

from localstripe.resources import Charge, Event, PaymentIntent, try_convert_to_int
from localstripe.webhooks import schedule_webhook

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
    exported["amount_captured"] = captured_amount(self)
    return exported


def captured_amount(charge: Charge) -> int:
    """What a capture of ``charge`` took (all of it when it was captured at once; 0 before)."""
    if not charge.captured:
        return 0
    taken = getattr(charge, "_taken", None)
    return charge.amount if taken is None else int(taken)


_original_capture = Charge._capture


def _capture_telling_the_release(self: Charge, amount: Any, on_success: Any = None) -> None:
    taken = self.amount if amount is None else try_convert_to_int(amount)
    before = {refund.id for refund in self.refunds._list}

    def captured() -> None:
        self._taken = taken
        for release in [refund for refund in self.refunds._list if refund.id not in before]:
            # the refund localstripe has just made of the rest
            schedule_webhook(Event("refund.created", release))
            schedule_webhook(Event("charge.refunded", self))
        if on_success is not None:
            on_success()

    _original_capture(self, amount, on_success=captured)


def install() -> None:
    Charge._export = _export_with_card_details
    Charge._capture = _capture_telling_the_release
