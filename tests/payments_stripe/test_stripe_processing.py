"""A Stripe payment still processing (a SEPA Direct Debit): it holds its amount until Stripe's
webhook reports its outcome.

The local Stripe server cannot be made to hold a PaymentIntent in ``processing``: localstripe's
SEPA debits succeed at once, and one that fails is ``processing`` for only half a second. So the
PaymentIntent is made at the server by starting the payment, and what follows is driven by the
webhook events Stripe sends for a SEPA Direct Debit — ``payment_intent.processing``, then
``payment_intent.succeeded`` or ``payment_intent.payment_failed`` — built from that PaymentIntent
as Stripe shows it in those states, and signed with the endpoint's secret as Stripe signs them.
"""
from __future__ import annotations

from decimal import Decimal

from support.stripe_payments import (
    back_from_stripe,
    posted,
    sepa_event,
    sepa_failed,
    sepa_processing,
    sepa_succeeded,
    start,
    stripe_service,
    webhook,
)

from oro_invoices.domain.invoice import PaymentStatus


def test_a_processing_payment_is_not_offered_again_and_its_success_is_recorded_once(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    for _ in range(2):   # Stripe may deliver twice
        assert service.handle_payment_callback("stripe", webhook(sepa_processing(stripe_account, page))).reply == "ack"
    available = service.payment_availability(service.get(doc.id))
    assert not available and available.reason == "nothing_due" and available.processing == 23186
    [on_its_way] = service.processing_payments([doc.id])[doc.id]
    assert on_its_way.amount == Decimal("231.86") and on_its_way.processing_since is not None
    summaries = [a.summary for a in service.activities(doc.id)]
    assert summaries.count("Payment of 231.86 USD via Stripe is being processed") == 1
    # the customer's return while it is processing: the result page says it is being processed
    back = service.handle_payment_callback("stripe", back_from_stripe(page, "processing"))
    assert back.attempt.status == "started"
    # nor can it be started again
    assert service.get(doc.id).payment_status is PaymentStatus.PENDING
    for _ in range(2):
        service.handle_payment_callback("stripe", webhook(sepa_succeeded(stripe_account, page, 23186)))
    [paid] = service.transactions(doc.id)
    assert paid.successful and paid.amount == Decimal("231.86")
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert service.processing_payments([doc.id]) == {}


def test_a_processing_payment_that_fails_makes_the_invoice_payable_again(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    service.handle_payment_callback("stripe", webhook(sepa_processing(stripe_account, page)))
    assert not service.can_pay(service.get(doc.id))
    service.handle_payment_callback("stripe", webhook(sepa_failed(stripe_account, page)))
    after = service.get(doc.id)
    assert after.payment_status is PaymentStatus.DECLINED and service.can_pay(after)
    [tx] = service.transactions(doc.id)
    assert not tx.successful and tx.notes == "The customer's account has insufficient funds to cover this payment."
    assert service.processing_payments([doc.id]) == {}


def test_a_processing_payment_of_part_leaves_the_rest_payable(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, partial=True, minimum="10")
    doc = posted(service)
    page = start(service, doc.id, amount="100.00").page
    service.handle_payment_callback("stripe", webhook(sepa_processing(stripe_account, page)))
    available = service.payment_availability(service.get(doc.id))
    assert available.online and available.amount_due == 13186 and available.processing == 10000
    assert available.maximum == 13186


def test_a_processing_report_for_another_amount_holds_nothing(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    body = sepa_event(stripe_account, page, "payment_intent.processing", status="processing", amount=100)
    service.handle_payment_callback("stripe", webhook(body))
    assert service.processing_payments([doc.id]) == {} and service.can_pay(service.get(doc.id))


def test_the_customer_back_while_stripe_is_processing_is_told_so_and_the_payment_holds_its_amount(db, stripe_account):
    """Stripe.js sends the customer back with ``redirect_status=processing``; the server reads the
    PaymentIntent, which Stripe shows as ``processing`` (given here as Stripe would answer it)."""
    import stripe
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    method = service.payment_methods.get("stripe")
    real = method.client_factory

    def factory(settings):
        client = real(settings)
        retrieve = client.v1.payment_intents.retrieve

        def processing_intent(intent, params=None, options=None):
            found = retrieve(intent, params, options).to_dict(for_json=True)
            found.update(status="processing", payment_method_types=["sepa_debit"])
            return stripe.PaymentIntent.construct_from(found, "sk_test")
        client.v1.payment_intents.retrieve = processing_intent
        return client
    method.client_factory = factory
    back = service.handle_payment_callback("stripe", back_from_stripe(page, "processing"))
    assert back.attempt.status == "started" and back.attempt.processing
    assert not service.can_pay(service.get(doc.id))
    assert service.transactions(doc.id) == []
