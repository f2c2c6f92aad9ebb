"""Payment method codes and transaction actions as people read them."""
from __future__ import annotations

from oro_invoices.domain.payment_labels import action_label, method_label
from oro_invoices.integration.payment_methods import PaymentMethods


def test_an_installed_method_is_named_by_its_label_others_in_words():
    assert method_label("bank_transfer") == "Bank transfer"
    assert method_label("sepa_instant") == "Sepa instant"
    assert method_label("oropay", {"oropay": "OroPay"}) == "OroPay"
    assert method_label("") == "" and method_label(None) == ""
    assert PaymentMethods().label("check") == "Check"


def test_actions_read_as_nouns():
    assert [action_label(a) for a in ("charge", "authorize", "capture", "refund", "cancel", "invoice")] == \
        ["Charge", "Authorization", "Capture", "Refund", "Cancellation", "Invoice"]
    assert action_label("partial_capture") == "Partial capture"
