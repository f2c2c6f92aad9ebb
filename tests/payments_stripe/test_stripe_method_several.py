"""One Stripe PaymentIntent paying several invoices: each invoice's share recorded, refunded on its
own through Stripe, a refund made in the Stripe Dashboard spread over the shares."""
from __future__ import annotations

from decimal import Decimal

from support.stripe_payments import (
    back_from_stripe,
    confirm,
    intent_id,
    posted,
    stripe_event,
    stripe_events,
    stripe_service,
    webhook,
)

from oro_invoices.domain.invoice import PaymentStatus


def paid_together(service, account, *docs):
    started = service.start_several_payment([d.id for d in docs], actor="buyer@acme.test", origin="storefront",
                                            return_path="/invoices/pay/notify/stripe",
                                            cancel_path="/customer/invoices/payment")
    confirm(account, started.page, "pm_card_visa")
    outcome = service.handle_payment_callback("stripe", back_from_stripe(started.page, "succeeded"))
    return started.page, outcome


def two(service):
    email = posted(service).customer_user_email       # one customer user: one Stripe customer
    return posted(service, customer_user_email=email), posted(service, customer_user_email=email)


def test_one_payment_intent_pays_each_invoice_its_share(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    first, second = two(service)
    page, outcome = paid_together(service, stripe_account, first, second)
    assert outcome.attempt.status == "succeeded"
    intent = stripe_account.client().v1.payment_intents.retrieve(intent_id(page))
    assert (intent.amount, intent.status) == (46372, "succeeded")
    assert intent.metadata["invoice_ids"] == f"{first.id},{second.id}"
    assert intent.metadata["invoice_numbers"] == f"{first.invoice_number}, {second.invoice_number}"
    assert intent.description == f"Invoices {first.invoice_number}, {second.invoice_number}"
    for doc in (first, second):
        assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
        [share] = service.transactions(doc.id)
        assert (share.action, share.amount) == ("charge", Decimal("231.86"))
    # Stripe's own report of the same payment afterwards changes nothing
    event = stripe_event(stripe_account, "payment_intent.succeeded", intent.id)
    again = service.handle_payment_callback("stripe", webhook(event))
    assert [o.outcome for o in again.outcomes] == ["duplicate"]
    assert len(service.transactions(first.id)) == len(service.transactions(second.id)) == 1


def test_the_second_invoices_share_is_refunded_through_stripe_on_its_own(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    first, second = two(service)
    page, _ = paid_together(service, stripe_account, first, second)
    [share] = service.transactions(second.id)
    assert service.transaction_actions(second.id)[share.id].refundable == Decimal("231.86")
    done = service.refund_payment(share.id, "31.86", actor="admin", notes="one widget back")
    assert done.successful
    refunds = stripe_account.client().v1.refunds.list({"payment_intent": intent_id(page)}).data
    assert [r.amount for r in refunds] == [3186]
    assert service.get(second.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert service.get(first.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert service.transaction_actions(second.id)[share.id].refundable == Decimal("200.00")


def test_a_refund_of_everything_in_the_stripe_dashboard_refunds_each_invoice(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    first, second = two(service)
    page, _ = paid_together(service, stripe_account, first, second)
    refund = stripe_account.client().v1.refunds.create({"payment_intent": intent_id(page)})   # no metadata of ours
    [created] = stripe_events(stripe_account, {("refund.created", refund.id): 1})
    outcome = service.handle_payment_callback("stripe", webhook(created))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    for doc in (first, second):
        assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED
        assert [t.amount for t in service.transactions(doc.id) if t.action == "refund"] == [Decimal("231.86")]


def test_with_authorize_only_invoices_are_paid_one_at_a_time(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    first, second = two(service)
    available = service.several_payment_availability([first.id, second.id])
    assert not available and "Stripe takes one invoice at a time here" in available.message
    assert not service.pays_several(first.organization_id, first.website_id)


def test_the_stripe_customer_is_the_payers_never_a_colleagues(db, stripe_account):
    """A colleague pays two invoices of another customer user: Stripe gets no customer of that user
    (their history and receipts are not the payer's); the invoices' own user paying gets theirs."""
    service, _ = stripe_service(db, stripe_account)
    first, second = two(service)
    client = stripe_account.client()

    def intent_of(payer):
        started = service.start_several_payment([first.id, second.id], actor=payer, origin="storefront",
                                                return_path="/invoices/pay/notify/stripe", cancel_path="/pay",
                                                payer_email=payer)
        return client.v1.payment_intents.retrieve(intent_id(started.page))
    assert intent_of("colleague@acme.test").customer is None
    mine = intent_of(first.customer_user_email)
    assert mine.customer and client.v1.customers.retrieve(mine.customer).email == first.customer_user_email
