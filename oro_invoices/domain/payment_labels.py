"""What people read for a payment method code and a transaction action ("bank_transfer" → "Bank transfer").

An installed payment method's own label wins (the registry's ``label``); a method recorded from
outside (an ERP's "bank_transfer", "check") gets a known label, else its code in words.
"""
from __future__ import annotations

from collections.abc import Mapping

from oro_invoices.domain.messages import N_

#: Labels of methods commonly recorded by other systems (no installed method of that name).
KNOWN_METHOD_LABELS = {
    "bank_transfer": N_("Bank transfer"), "wire_transfer": N_("Wire transfer"), "check": N_("Check"),
    "cheque": N_("Cheque"), "cash": N_("Cash"), "credit_card": N_("Credit card"), "debit_card": N_("Debit card"),
    "direct_debit": N_("Direct debit"), "sepa_direct_debit": N_("SEPA direct debit"),
    "payment_term": N_("Payment term"), "paypal": N_("PayPal"), "stripe": N_("Stripe"), "money_order": N_("Money order"),
    "other": N_("Other"), "customer_credit": N_("Customer credit"),
}

#: The transaction actions (``PaymentInputSchema.action``) as the Payments section names them.
ACTION_LABELS = {
    "charge": N_("Charge"), "authorize": N_("Authorization"), "capture": N_("Capture"), "refund": N_("Refund"),
    "cancel": N_("Cancellation"), "invoice": N_("Invoice"),
}


def method_label(code: str | None, installed: Mapping[str, str] | None = None) -> str:
    """The label of the payment method ``code``: the installed method's, a known one, or the
    code in words ("sepa_instant" → "Sepa instant"); "" for no method."""
    if not code:
        return ""
    if installed and installed.get(code):
        return installed[code]
    return KNOWN_METHOD_LABELS.get(code) or _words(code)


def action_label(code: str) -> str:
    """"authorize" → "Authorization"; an unknown action in words."""
    return ACTION_LABELS.get(code) or _words(code)


def _words(code: str) -> str:
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else code
