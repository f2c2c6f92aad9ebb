"""A refund or capture whose answer from Stripe never comes back: it may have been made, so its
amount stays reserved (not recorded as failed), and asking again for it sends the same request,
which Stripe carries out once; Stripe's webhook about it settles it too."""
from __future__ import annotations

from decimal import Decimal

import pytest
from support.stripe_payments import (
    answers_lost,
    back_from_stripe,
    confirm,
    intent_id,
    posted,
    start,
    stripe_event,
    stripe_service,
    webhook,
)

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import ProviderError


def paid_invoice(service, account):
    """A posted invoice paid by card, or authorized when the service's Stripe action is authorize."""
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(account, page, "pm_card_visa")
    outcome = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    return doc, page, outcome.attempt.transaction_id


def test_a_refund_whose_answer_is_lost_is_reserved_and_sent_again_never_made_twice(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc, page, charge = paid_invoice(service, stripe_account)
    made = answers_lost(service, "refunds", "create", times=3)
    with pytest.raises(ProviderError) as lost:
        service.refund_payment(charge, "50.00", actor="admin", request_key="refund-form-key-0001")
    assert str(lost.value) == (
        "Stripe did not answer whether it refunded 50.00 USD (Read timed out.). The refund may have been made: "
        "its amount stays reserved until Stripe reports it. Asking again for the same amount sends this same "
        "request, which Stripe never carries out twice.")
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
    made = answers_lost(service, "refunds", "create", times=1)
    with pytest.raises(ProviderError):
        service.refund_payment(charge, None, actor="admin")
    assert service.transaction_actions(doc.id)[charge].refundable == 0
    with pytest.raises(Conflict) as reserved:       # nothing more than it holds: the lost refund holds it all
        service.refund_payment(charge, "1.00", actor="admin")
    assert str(reserved.value).startswith("Stripe did not answer whether it carried out the refund of 231.86 USD "
                                          "(asked ")
    assert str(reserved.value).endswith("), so its amount stays reserved until Stripe reports it. Ask for the refund "
                                        "again: the same request is sent, which Stripe never carries out twice.")
    again = service.refund_payment(charge, None, actor="admin")
    assert again.successful and again.amount == Decimal("231.86")
    refunds = stripe_account.client().v1.refunds.list({"payment_intent": intent_id(page)}).data
    assert [r.id for r in refunds] == made
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED


def test_a_capture_whose_answer_is_lost_is_not_recorded_as_failed_and_is_sent_again(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc, page, authorization = paid_invoice(service, stripe_account)
    made = answers_lost(service, "payment_intents", "capture", kept=lambda c: c.amount_received, times=2)
    for _ in range(2):      # the dialog sent, its answer lost; sent again, lost again
        with pytest.raises(ProviderError) as lost:
            service.capture_authorization(authorization, actor="admin")
    assert str(lost.value) == (
        "Stripe did not answer whether it captured 231.86 USD (Read timed out.). The capture may have been made: "
        "the authorization stays reserved for it until Stripe reports it. Capturing again sends this same "
        "request, which Stripe never carries out twice.")
    summaries = [a.summary for a in service.activities(doc.id) if a.kind == "payment"]
    assert not any("did not go through" in s for s in summaries)
    assert "Capture of 231.86 USD asked again through Stripe (the same request)" in summaries
    actions = service.transaction_actions(doc.id)[authorization]
    assert actions.capturable == 0 and actions.cancelable == 0          # reserved for the capture
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    # the third time the answer comes back: Stripe's one capture, recorded once
    done = service.capture_authorization(authorization, actor="admin")
    assert done.successful and done.amount == Decimal("231.86")
    assert made == [23186, 23186]
    intent = stripe_account.client().v1.payment_intents.retrieve(intent_id(page))
    assert intent.status == "succeeded" and intent.amount_received == 23186
    assert [t.action for t in service.transactions(doc.id)] == ["authorize", "capture"]
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


@pytest.mark.parametrize("asked", ["refund", "capture"])
def test_more_than_is_free_beside_a_lost_request_is_refused_saying_what_reserves_the_rest(db, stripe_account, asked):
    if asked == "refund":
        service, _ = stripe_service(db, stripe_account)
        lose, kept, ask, first = ("refunds", "create"), {}, service.refund_payment, "charge"
    else:
        service, _ = stripe_service(db, stripe_account, action="authorize")
        lose, kept, ask, first = (("payment_intents", "capture"), {"kept": lambda c: c.amount_received},
                                  service.capture_authorization, "authorize")
    doc, page, transaction = paid_invoice(service, stripe_account)
    answers_lost(service, *lose, times=1, **kept)
    with pytest.raises(ProviderError):
        ask(transaction, "50.00", actor="admin")
    with pytest.raises(ValidationError) as refused:
        ask(transaction, "200.00", actor="admin")
    [(field, message)] = refused.value.errors
    assert field == "amount"
    assert message.startswith("Must be more than 0 and at most 181.86 USD, what remains of the payment besides what "
                              "a request whose answer was lost reserves. Stripe did not answer whether it carried "
                              f"out the {asked} of 50.00 USD (asked ")
    assert message.endswith(f"Ask for the {asked} again: the same request is sent, which Stripe never carries out "
                            "twice.")
    assert [t.action for t in service.transactions(doc.id)] == [first]


def test_stripes_webhook_settles_a_capture_whose_answer_was_lost(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc, page, authorization = paid_invoice(service, stripe_account)
    answers_lost(service, "payment_intents", "capture", kept=lambda c: c.amount_received, times=1)
    with pytest.raises(ProviderError):
        service.capture_authorization(authorization, actor="admin")
    event = stripe_event(stripe_account, "payment_intent.succeeded", intent_id(page))
    service.handle_payment_callback("stripe", webhook(event))
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    with pytest.raises(Conflict, match="Nothing remains to capture"):
        service.capture_authorization(authorization, actor="admin")
    [capture] = [t for t in service.transactions(doc.id) if t.action == "capture"]
    started = [a for a in service.activities(doc.id) if a.summary.startswith("Capture of 231.86 USD requested")]
    attempt = service.payment_attempt(started[0].data["attempt"])
    assert attempt.status == "succeeded" and attempt.transaction_id == capture.id
