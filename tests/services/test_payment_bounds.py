"""Every payment action is bounded by what remains for it; a refused one writes nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest
from support.payloads import invoice_payload

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import PaymentStatus as S

ONE_LINE = [{"description": "Coffee", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}]


@pytest.fixture
def invoice(service):
    """A posted invoice of 11.90 USD."""
    doc = service.post(service.create(invoice_payload(lines=ONE_LINE)).id)
    assert doc.total_amount == Decimal("11.90")
    return doc


def pay(service, invoice_id, action, amount, *, ok=True, ref=None):
    return service.record_payment(invoice_id, {
        "method": "card", "action": action, "amount": amount, "successful": ok,
        "provider_reference": ref}, actor="webhook")


def refused(service, invoice_id, action, amount, message, **kw):
    before = service.transactions(invoice_id)
    with pytest.raises(ValidationError) as err:
        pay(service, invoice_id, action, amount, **kw)
    assert dict(err.value.errors) == {"amount": message}
    assert service.transactions(invoice_id) == before


def test_a_capture_of_a_million_on_an_invoice_of_11_90_is_refused(service, invoice):
    refused(service, invoice.id, "capture", "1000000",
            "Exceeds what is authorized and not yet captured or canceled (0.00 USD).")
    pay(service, invoice.id, "authorize", "11.90")
    refused(service, invoice.id, "capture", "1000000",
            "Exceeds what is authorized and not yet captured or canceled (11.90 USD).")
    got = service.get(invoice.id)
    assert got.amount_paid == Decimal("0.00") and got.payment_status is S.AUTHORIZED


def test_charge_and_invoice_are_bounded_by_the_amount_due(service, invoice):
    pay(service, invoice.id, "charge", "5.00")
    refused(service, invoice.id, "charge", "6.91", "Exceeds the amount due (6.90 USD).")
    refused(service, invoice.id, "invoice", "6.91", "Exceeds the amount due (6.90 USD).")
    pay(service, invoice.id, "charge", "6.90")
    refused(service, invoice.id, "charge", "0.01", "Exceeds the amount due (0.00 USD).")
    assert service.get(invoice.id).payment_status is S.PAID_IN_FULL


def test_authorize_is_bounded_by_what_is_due_and_not_yet_authorized(service, invoice):
    pay(service, invoice.id, "authorize", "10.00")
    refused(service, invoice.id, "authorize", "1.91",
            "Exceeds the amount due that is not authorized yet (1.90 USD).")
    pay(service, invoice.id, "authorize", "1.90")


def test_capture_is_bounded_by_the_open_authorization(service, invoice):
    pay(service, invoice.id, "authorize", "10.00")
    pay(service, invoice.id, "capture", "4.00")
    refused(service, invoice.id, "capture", "6.01",
            "Exceeds what is authorized and not yet captured or canceled (6.00 USD).")
    pay(service, invoice.id, "cancel", "1.00")
    refused(service, invoice.id, "capture", "5.01",
            "Exceeds what is authorized and not yet captured or canceled (5.00 USD).")
    pay(service, invoice.id, "capture", "5.00")
    assert service.get(invoice.id).amount_paid == Decimal("9.00")


def test_cancel_is_bounded_by_the_open_authorization(service, invoice):
    refused(service, invoice.id, "cancel", "0.01",
            "Cannot cancel more than is authorized and not yet captured or canceled (0.00 USD).")
    pay(service, invoice.id, "authorize", "11.90")
    pay(service, invoice.id, "capture", "10.00")
    refused(service, invoice.id, "cancel", "1.91",
            "Cannot cancel more than is authorized and not yet captured or canceled (1.90 USD).")
    pay(service, invoice.id, "cancel", "1.90")


def test_refund_is_bounded_by_what_was_paid_and_not_refunded(service, invoice):
    refused(service, invoice.id, "refund", "0.01", "Cannot refund more than was paid (0.00 USD).")
    pay(service, invoice.id, "charge", "11.90")
    pay(service, invoice.id, "refund", "10.00")
    refused(service, invoice.id, "refund", "1.91", "Cannot refund more than was paid (1.90 USD).")
    pay(service, invoice.id, "refund", "1.90")
    assert service.get(invoice.id).payment_status is S.REFUNDED


def test_a_failed_attempt_is_bounded_by_the_invoice_total(service, invoice):
    pay(service, invoice.id, "charge", "11.90", ok=False)
    refused(service, invoice.id, "capture", "1000000",
            "A failed attempt cannot exceed the invoice total (11.90 USD).", ok=False)
    assert service.get(invoice.id).payment_status is S.DECLINED


def test_a_redelivery_is_answered_even_once_the_amount_is_no_longer_due(service, invoice):
    first = pay(service, invoice.id, "charge", "11.90", ref="ch_1")
    again = pay(service, invoice.id, "charge", "11.90", ref="ch_1")
    assert again.id == first.id and len(service.transactions(invoice.id)) == 1


def test_bounds_follow_the_currencys_minor_units(service):
    doc = service.post(service.create(invoice_payload(currency="JPY", lines=[
        {"description": "Tea", "quantity": "1", "unit_price": "1000", "tax_rate": "0.08"}])).id)
    refused(service, doc.id, "charge", "1081", "Exceeds the amount due (1080 JPY).")
    pay(service, doc.id, "charge", "1080")


def test_a_parent_must_be_a_transaction_of_this_invoice_that_the_action_acts_on(service, invoice):
    other = service.post(service.create(invoice_payload(lines=ONE_LINE, external_id="OTHER-1")).id)
    theirs = pay(service, other.id, "charge", "11.90")
    held = pay(service, invoice.id, "authorize", "11.90")
    for action, parent, said in [
        ("refund", theirs.id, f"A refund acts on a successful charge or capture of this invoice; transaction "
                              f"{theirs.id} is not one."),
        ("refund", 999999, "A refund acts on a successful charge or capture of this invoice; transaction 999999 "
                           "is not one."),
        ("refund", held.id, f"A refund acts on a successful charge or capture of this invoice; transaction "
                            f"{held.id} is not one."),
        ("capture", theirs.id, f"A capture acts on a successful authorize of this invoice; transaction {theirs.id} "
                               "is not one."),
        ("charge", held.id, "A transaction of action charge has no parent: leave parent_id out."),
    ]:
        before = service.transactions(invoice.id)
        with pytest.raises(ValidationError) as err:
            service.record_payment(invoice.id, {"method": "card", "action": action, "amount": "1.00",
                                                "parent_id": parent}, actor="erp")
        assert dict(err.value.errors) == {"parent_id": said}, action
        assert service.transactions(invoice.id) == before
    captured = service.record_payment(invoice.id, {"method": "card", "action": "capture", "amount": "11.90",
                                                   "parent_id": held.id}, actor="erp")
    assert captured.parent_id == held.id


def test_successful_is_true_or_false_only(service, invoice):
    with pytest.raises(ValidationError) as err:
        service.record_payment(invoice.id, {"method": "card", "action": "charge", "amount": "1.00",
                                            "successful": "yes"}, actor="erp")
    assert dict(err.value.errors) == {"successful": "Must be true or false."}
    assert service.transactions(invoice.id) == []
