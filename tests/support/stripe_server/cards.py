"""Stripe's documented test cards: which ones decline and why, and the test PaymentMethod ids.

Source: https://docs.stripe.com/testing (sections "Declined payments", "Authentication and setup",
"Payment methods") and https://docs.stripe.com/declines/codes.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    """How Stripe fails a charge on a test card: the error ``code``, ``decline_code`` and message."""

    code: str
    decline_code: str
    message: str


_DECLINED = "Your card was declined."

#: Card number -> the decline Stripe documents for it (raised when a payment is confirmed).
DECLINES: dict[str, Decline] = {
    "4000000000000002": Decline("card_declined", "generic_decline", _DECLINED),
    "4000000000009995": Decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": Decline("card_declined", "lost_card", _DECLINED),
    "4000000000009979": Decline("card_declined", "stolen_card", _DECLINED),
    "4000000000000069": Decline("expired_card", "expired_card", "Your card has expired."),
    "4000000000000127": Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    "4000000000000119": Decline("processing_error", "processing_error",
                                "An error occurred while processing your card. Try again in a little bit."),
    "4000000000006975": Decline("card_declined", "card_velocity_exceeded", _DECLINED),
    # attaching to a customer succeeds, charging fails
    "4000000000000341": Decline("card_declined", "generic_decline", _DECLINED),
    # 3-D Secure is required, then the charge is declined
    "4000008260003178": Decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000008400001629": Decline("card_declined", "generic_decline", _DECLINED),
}

#: Cards whose payments need 3-D Secure (localstripe's own list, which matches Stripe's docs).
AUTHENTICATION_REQUIRED = frozenset({
    "4000002500003155", "4000002760003184", "4000008260003178",
    "4000000000003220", "4000000000003063", "4000008400001629",
})

#: Stripe's test PaymentMethod ids -> card number.
TEST_PAYMENT_METHODS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_visa_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_threeDSecureRequired": "4000000000003063",
}

#: Stripe's test tokens, usable as ``card[token]`` in ``payment_method_data`` -> card number.
TEST_TOKENS: dict[str, str] = {
    "tok_visa": "4242424242424242",
    "tok_visa_debit": "4000056655665556",
    "tok_mastercard": "5555555555554444",
    "tok_chargeDeclined": "4000000000000002",
    "tok_chargeDeclinedInsufficientFunds": "4000000000009995",
    "tok_chargeDeclinedExpiredCard": "4000000000000069",
    "tok_chargeDeclinedIncorrectCvc": "4000000000000127",
    "tok_chargeDeclinedProcessingError": "4000000000000119",
    "tok_chargeCustomerFail": "4000000000000341",
}

#: Brand by first digit, for the PaymentMethod's ``card.brand`` (Stripe derives it from the number).
_BRANDS = {"4": "visa", "5": "mastercard", "3": "amex", "6": "discover"}


def brand_of(number: str) -> str:
    return _BRANDS.get(number[:1], "unknown")
