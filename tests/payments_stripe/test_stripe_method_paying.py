"""Paying with Stripe through the service: one PaymentIntent per attempt, the card confirmed as
Stripe.js confirms it, the customer's return read from Stripe, on SQLite and PostgreSQL."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import stripe
from support.stripe_payments import (
    authenticate,
    back_from_stripe,
    confirm,
    intent_id,
    posted,
    start,
    stripe_service,
)

from oro_invoices.domain.invoice import PaymentStatus


def test_a_double_click_makes_one_payment_intent(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    first = start(service, doc.id, request_key="form-key-0000000000000001")
    again = start(service, doc.id, request_key="form-key-0000000000000001")
    assert again.attempt.public_id == first.attempt.public_id
    assert intent_id(again.page) == intent_id(first.page)
    assert again.page.fields["client_secret"] == first.page.fields["client_secret"]
    intent = stripe_account.client().v1.payment_intents.retrieve(intent_id(first.page))
    assert (intent.amount, intent.currency) == (23186, "usd")
    assert intent.metadata.to_dict() == {"attempt_id": first.attempt.public_id, "invoice_id": str(doc.id),
                                         "invoice_number": doc.invoice_number}
    customer = stripe_account.client().v1.customers.retrieve(intent.customer)
    assert customer.email == doc.customer_user_email
    assert customer.metadata["oro_customer_user_id"] == "100"
    # another form is another attempt: another PaymentIntent, the same Stripe customer
    other = start(service, doc.id, request_key="form-key-0000000000000002")
    assert other.attempt.public_id != first.attempt.public_id
    assert intent_id(other.page) != intent_id(first.page)
    assert stripe_account.client().v1.payment_intents.retrieve(intent_id(other.page)).customer == intent.customer


def test_the_payment_page_hands_over_to_stripe_js(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    assert page.kind == "client_form" and page.script_url == stripe_account.js_url
    assert page.local_script == "oro_invoices_stripe.js"
    assert page.fields["publishable_key"] == stripe_account.publishable_key
    assert page.fields["return_url"].startswith("https://shop.test/invoices/pay/notify/stripe?attempt=")
    assert page.provider_reference == intent_id(page)
    assert stripe_account.api_base in page.origins


def test_a_card_payment_pays_the_invoice_once(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    assert confirm(stripe_account, page, "pm_card_visa").status == "succeeded"
    outcome = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    assert outcome.reply == "redirect" and outcome.attempt.status == "succeeded"
    paid = service.get(doc.id)
    assert paid.payment_status is PaymentStatus.PAID_IN_FULL and paid.amount_due == 0
    assert not service.can_pay(paid)
    charge = stripe_account.client().v1.payment_intents.retrieve(intent_id(page)).latest_charge
    txs = service.transactions(doc.id)
    assert [(t.method, t.action, t.amount, t.successful, t.provider_reference) for t in txs] == [
        ("stripe", "charge", Decimal("231.86"), True, charge)]
    # reloading the return page changes nothing
    again = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    assert [o.outcome for o in again.outcomes] == ["duplicate"]
    assert len(service.transactions(doc.id)) == 1


def test_a_declined_card_leaves_the_invoice_payable(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    with pytest.raises(stripe.CardError) as declined:
        confirm(stripe_account, page, "pm_card_chargeDeclined")
    assert declined.value.code == "card_declined"
    outcome = service.handle_payment_callback("stripe", back_from_stripe(page, "failed"))
    assert outcome.attempt.status == "failed" and outcome.attempt.message == "Your card was declined."
    after = service.get(doc.id)
    assert after.payment_status is PaymentStatus.DECLINED and service.can_pay(after)
    [tx] = service.transactions(doc.id)
    assert (tx.action, tx.successful, tx.amount) == ("charge", False, Decimal("231.86"))
    # a second try with another card, as a new attempt, pays
    retry = start(service, doc.id).page
    confirm(stripe_account, retry, "pm_card_visa")
    assert service.handle_payment_callback("stripe", back_from_stripe(retry, "succeeded")).attempt.status == "succeeded"
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


@pytest.mark.parametrize("success", [True, False], ids=["completed", "failed"])
def test_three_d_secure(db, stripe_account, success):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    intent = confirm(stripe_account, page, "pm_card_authenticationRequired")
    assert intent.status == "requires_action"
    # before the challenge the payment is still open
    waiting = service.handle_payment_callback("stripe", back_from_stripe(page, "processing"))
    assert waiting.outcomes == () and waiting.attempt.status == "started"
    back = authenticate(stripe_account, intent, success)
    assert back.query["redirect_status"] == ("succeeded" if success else "failed")
    outcome = service.handle_payment_callback("stripe", back)
    after = service.get(doc.id)
    if success:
        assert outcome.attempt.status == "succeeded"
        assert after.payment_status is PaymentStatus.PAID_IN_FULL
    else:
        assert outcome.attempt.status == "failed"
        assert "authenticate" in outcome.attempt.message
        assert after.payment_status is PaymentStatus.DECLINED and service.can_pay(after)


def test_a_partial_payment(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, partial=True, minimum="10")
    doc = posted(service)
    page = start(service, doc.id, "100.00").page
    assert stripe_account.client().v1.payment_intents.retrieve(intent_id(page)).amount == 10000
    confirm(stripe_account, page, "pm_card_visa")
    service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    part = service.get(doc.id)
    assert part.payment_status is PaymentStatus.PAID_PARTIALLY
    assert (part.amount_paid, part.amount_due) == (Decimal("100.00"), Decimal("131.86"))
    assert service.can_pay(part)
    rest = start(service, doc.id, "131.86").page
    confirm(stripe_account, rest, "pm_card_visa")
    service.handle_payment_callback("stripe", back_from_stripe(rest, "succeeded"))
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_an_amount_other_than_the_attempts_is_refused_and_logged(db, stripe_account, caplog):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    stripe_account.client().v1.payment_intents.update(intent_id(page), {"amount": 100})
    confirm(stripe_account, page, "pm_card_visa")
    with caplog.at_level(logging.WARNING, logger="oro_invoices.payments"):
        outcome = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    assert [o.outcome for o in outcome.outcomes] == ["refused"]
    assert "reports 1.00 USD, but the payment was started for 231.86 USD" in outcome.outcomes[0].reason
    assert "differs from the 231.86 USD the payment was started with" in caplog.text
    assert outcome.attempt.status == "failed"
    assert service.transactions(doc.id) == []
    assert service.get(doc.id).payment_status is PaymentStatus.PENDING


def test_a_return_about_another_payment_intent_is_refused(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    mine = start(service, doc.id, request_key="form-key-0000000000000001").page
    other = start(service, doc.id, request_key="form-key-0000000000000002").page
    confirm(stripe_account, other, "pm_card_visa")
    forged = back_from_stripe(mine, "succeeded")
    forged = type(forged)(http_method="GET", query={**forged.query, "payment_intent": intent_id(other)})
    outcome = service.handle_payment_callback("stripe", forged)
    assert outcome.rejected.startswith(f"The return from Stripe is about PaymentIntent {intent_id(other)}")
    assert service.transactions(doc.id) == []
