"""A refund Stripe made though an admin confirmed it was not made (after Stripe's 24 hours of
idempotency, a refund asked again is a new one): Stripe's late webhook about it is recorded all the
same, since the money left the account, and the over-refund is said on the invoice."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import update
from support.stripe_payments import answers_lost, stripe_event, stripe_service, webhook
from test_stripe_method_several import paid_together, two

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import ProviderError
from oro_invoices.persistence.models import PaymentAttempt


def test_a_late_webhook_of_a_refund_confirmed_as_not_made_is_recorded_and_the_over_refund_said(db, stripe_account):
    stripe_account.local_only("Stripe's answer is made to be lost")
    service, _ = stripe_service(db, stripe_account)
    first, second = two(service)
    paid_together(service, stripe_account, first, second)     # one charge of 463.72: Stripe refunds up to that
    [share] = service.transactions(second.id)
    made = answers_lost(service, "refunds", "create", times=1)
    try:
        service.refund_payment(share.id, "231.86", actor="admin")
    except ProviderError:
        pass
    else:
        raise AssertionError("the refund's answer was not lost")
    with db.engine.begin() as conn:     # a day and more later: Stripe no longer keeps its idempotency key
        conn.execute(update(PaymentAttempt).where(PaymentAttempt.status == "started").values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)))
    [lost] = service.transaction_actions(second.id)[share.id].unanswered
    assert not lost.resendable
    service.confirm_unanswered_request(share.id, lost.attempt_id, made=False, actor="admin")   # wrongly
    again = service.refund_payment(share.id, "231.86", actor="admin")
    assert again.successful and service.get(second.id).payment_status is PaymentStatus.REFUNDED

    late = service.handle_payment_callback("stripe", webhook(stripe_event(stripe_account, "refund.created", made[0])))
    assert [o.outcome for o in late.outcomes] == ["applied"]
    refunds = [t for t in service.transactions(second.id) if t.action == "refund"]
    assert [(t.amount, t.over_refunded) for t in refunds] == [
        (Decimal("231.86"), None), (Decimal("231.86"), Decimal("231.86"))]
    doc = service.get(second.id)
    assert doc.payment_status is PaymentStatus.REFUNDED and doc.amount_due == doc.total_amount
    said = [a.summary for a in service.activities(second.id)]
    assert ("Over-refunded: Stripe reports a refund of 231.86 USD that it made, but only 0.00 USD remained to refund "
            "of what was paid for the invoice, so 231.86 USD more than was paid has been given back. It is recorded "
            "because the money left the account: check the payment at Stripe and settle the 231.86 USD with the customer.") in said
    assert not any("was refused" in s for s in said)
    assert service.transaction_actions(second.id)[share.id].refundable == 0
    assert service.get(first.id).payment_status is PaymentStatus.PAID_IN_FULL       # the other share untouched
    # delivered again, it is the same refund
    again = service.handle_payment_callback("stripe", webhook(stripe_event(stripe_account, "refund.created", made[0])))
    assert [o.outcome for o in again.outcomes] == ["duplicate"]
