"""A refund whose answer from Stripe never comes back: it may have been made, so its amount stays
reserved, and asking again for it sends the same request, which Stripe carries out once."""
from __future__ import annotations

from decimal import Decimal

import pytest
from support.stripe_payments import back_from_stripe, confirm, intent_id, posted, start, stripe_service

from oro_invoices.domain.errors import Conflict
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import ProviderError


def paid_invoice(service, account):
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(account, page, "pm_card_visa")
    outcome = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    return doc, page, outcome.attempt.transaction_id


def losing_answers(service, times: int) -> list[str]:
    """Make the next ``times`` refunds reach Stripe but lose its answer (the connection drops
    after the request was sent); the ids of the refunds Stripe made meanwhile."""
    import stripe
    method = service.payment_methods.get("stripe")
    real, made = method.client_factory, []

    def factory(settings):
        client = real(settings)
        create = client.v1.refunds.create

        def create_and_lose(params, options=None):
            refund = create(params, options)
            if len(made) < times:
                made.append(refund.id)
                raise stripe.APIConnectionError("Read timed out.")
            return refund
        client.v1.refunds.create = create_and_lose
        return client
    method.client_factory = factory
    return made


def test_a_refund_whose_answer_is_lost_is_reserved_and_sent_again_never_made_twice(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc, page, charge = paid_invoice(service, stripe_account)
    made = losing_answers(service, times=3)
    with pytest.raises(ProviderError) as lost:
        service.refund_payment(charge, "50.00", actor="admin", request_key="refund-form-key-0001")
    assert str(lost.value) == (
        "Stripe did not answer whether it refunded 50.00 USD (Read timed out.). The refund may have been made: "
        "its amount stays reserved for 15 minutes, until Stripe reports it. Asking again for the same amount "
        "meanwhile sends this same request, which Stripe never carries out twice.")
    assert service.transaction_actions(doc.id)[charge].refundable == Decimal("181.86")   # 50.00 reserved
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    # the same form sent again, its answer lost again: still the one refund at Stripe
    with pytest.raises(ProviderError):
        service.refund_payment(charge, "50.00", actor="admin", request_key="refund-form-key-0001")
    with pytest.raises(ProviderError):
        service.refund_payment(charge, "50.00", actor="admin", request_key="refund-form-key-0001")
    assert made[0] == made[1] == made[2]
    # the third time the answer comes back: the refund Stripe made the first time, recorded once
    again = service.refund_payment(charge, "50.00", actor="admin")
    assert again.successful and again.amount == Decimal("50.00")
    refunds = stripe_account.client().v1.refunds.list({"payment_intent": intent_id(page)}).data
    assert [(r.id, r.amount) for r in refunds] == [(made[0], 5000)]
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert service.transaction_actions(doc.id)[charge].refundable == Decimal("181.86")
    summaries = [a.summary for a in service.activities(doc.id) if a.kind == "payment"]
    assert any(s.startswith("Stripe did not answer whether it refunded 50.00 USD") for s in summaries)
    assert "Refund of 50.00 USD asked again through Stripe (the same request)" in summaries
    # another amount is another refund, within what is not reserved
    other = service.refund_payment(charge, "10.00", actor="admin")
    assert other.successful and service.transaction_actions(doc.id)[charge].refundable == Decimal("171.86")


def test_all_that_remains_asked_again_while_it_is_reserved_sends_the_same_refund(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc, page, charge = paid_invoice(service, stripe_account)
    made = losing_answers(service, times=1)
    with pytest.raises(ProviderError):
        service.refund_payment(charge, None, actor="admin")
    assert service.transaction_actions(doc.id)[charge].refundable == 0
    with pytest.raises(Conflict, match="Nothing remains to refund"):       # nothing more than it holds
        service.refund_payment(charge, "1.00", actor="admin")
    again = service.refund_payment(charge, None, actor="admin")
    assert again.successful and again.amount == Decimal("231.86")
    refunds = stripe_account.client().v1.refunds.list({"payment_intent": intent_id(page)}).data
    assert [r.id for r in refunds] == made
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED
