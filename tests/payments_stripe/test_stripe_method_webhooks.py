"""Stripe's webhooks through the service: verified, applied once, in any order, on SQLite and PostgreSQL."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
import stripe
from support.stripe_payments import (
    WEBHOOK_SECRET,
    back_from_stripe,
    confirm,
    intent_id,
    posted,
    sign,
    start,
    stripe_event,
    stripe_events,
    stripe_service,
    webhook,
)

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import CallbackRejected, ProviderCallback


def test_a_signed_webhook_pays_the_invoice(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    event = stripe_event(stripe_account, "payment_intent.succeeded", intent_id(page))
    outcome = service.handle_payment_callback("stripe", webhook(event))
    assert outcome.reply == "ack" and [o.outcome for o in outcome.outcomes] == ["applied"]
    paid = service.get(doc.id)
    assert paid.payment_status is PaymentStatus.PAID_IN_FULL and not service.can_pay(paid)
    # the customer's return afterwards finds it done
    back = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    assert back.attempt.status == "succeeded" and [o.outcome for o in back.outcomes] == ["duplicate"]
    assert len(service.transactions(doc.id)) == 1


def test_a_payment_failed_webhook_declines(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    with pytest.raises(stripe.CardError):
        confirm(stripe_account, page, "pm_card_chargeDeclinedInsufficientFunds")
    event = stripe_event(stripe_account, "payment_intent.payment_failed", intent_id(page))
    service.handle_payment_callback("stripe", webhook(event))
    assert service.get(doc.id).payment_status is PaymentStatus.DECLINED
    [tx] = service.transactions(doc.id)
    assert not tx.successful and tx.notes == "Your card has insufficient funds."
    assert service.payment_attempt(back_from_stripe(page, "failed").query["attempt"]).status == "failed"


@pytest.mark.parametrize("problem", ["wrong secret", "no signature", "tampered body"])
def test_a_webhook_that_is_not_signed_right_records_nothing(db, stripe_account, problem):
    service, _ = stripe_service(db, stripe_account)
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    event = stripe_event(stripe_account, "payment_intent.succeeded", intent_id(page))
    genuine = webhook(event)
    if problem == "wrong secret":
        delivery = webhook(event, secret="whsec_somebody_else")
    elif problem == "no signature":
        delivery = webhook(event, signature="")
    else:
        body = genuine.body.replace(b'"amount": 23186', b'"amount": 100')
        assert body != genuine.body
        delivery = ProviderCallback("POST", headers=genuine.headers, body=body)
    activities = len(service.activities(doc.id))
    with pytest.raises(CallbackRejected) as refused:
        service.handle_payment_callback("stripe", delivery)
    assert ("Stripe-Signature" in refused.value.message) if problem == "no signature" else \
        ("does not match the signing secret" in refused.value.message)
    assert service.transactions(doc.id) == []
    assert len(service.activities(doc.id)) == activities
    assert service.payment_attempt(back_from_stripe(page, "succeeded").query["attempt"]).status == "started"
    # the genuine delivery still counts
    service.handle_payment_callback("stripe", genuine)
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_without_a_signing_secret_no_webhook_is_trusted(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, webhook_secret="")
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    event = stripe_event(stripe_account, "payment_intent.succeeded", intent_id(page))
    with pytest.raises(CallbackRejected, match="No webhook signing secret is configured"):
        service.handle_payment_callback("stripe", webhook(event, secret=WEBHOOK_SECRET))
    assert service.transactions(doc.id) == []


def test_an_event_about_a_payment_started_elsewhere_is_acknowledged_and_ignored(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    intent = stripe_account.client().v1.payment_intents.create({
        "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "metadata": {"attempt_id": "started-by-another-shop-1"}})
    event = stripe_event(stripe_account, "payment_intent.succeeded", intent.id)
    outcome = service.handle_payment_callback("stripe", webhook(event))
    assert outcome.reply == "ack" and outcome.outcomes == () and outcome.attempt is None


def test_an_authorization_captured_in_the_dashboard(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    stripe_account.client().v1.payment_intents.capture(intent_id(page))
    event = stripe_event(stripe_account, "payment_intent.succeeded", intent_id(page))
    outcome = service.handle_payment_callback("stripe", webhook(event))
    assert [o.outcome for o in outcome.outcomes] == ["applied", "applied"]
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    txs = {t.action: t for t in service.transactions(doc.id)}
    assert set(txs) == {"authorize", "capture"}
    # the capture can be refunded from the back-office
    assert service.refund_payment(txs["capture"].id, "31.86", actor="admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY


def deliver_shuffled(service, events, seed: int, most: int) -> None:
    """Deliver each event 1 to ``most`` times, all in an order ``seed`` shuffles; none is refused."""
    rng = random.Random(seed)
    deliveries = [event for event in events for _ in range(rng.randint(1, most))]
    rng.shuffle(deliveries)
    for event in deliveries:
        outcome = service.handle_payment_callback("stripe", webhook(event))
        assert all(o.outcome != "refused" for o in outcome.outcomes), outcome


@pytest.mark.parametrize("seed", [1, 2])
def test_a_partial_capture_in_the_dashboard_releases_the_rest(db, stripe_account, seed):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    authorization = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded")).attempt.transaction_id
    client = stripe_account.client()
    client.v1.payment_intents.capture(intent_id(page), {"amount_to_capture": 20000})
    charge = str(client.v1.payment_intents.retrieve(intent_id(page)).latest_charge)
    (release,) = client.v1.refunds.list({"charge": charge}).data
    events = stripe_events(stripe_account, {("payment_intent.succeeded", intent_id(page)): 1,
                                            ("refund.created", release.id): 1, ("charge.refunded", charge): 1})
    deliver_shuffled(service, events, seed, most=3)
    assert sorted((t.action, t.amount) for t in service.transactions(doc.id)) == [
        ("authorize", Decimal("231.86")), ("cancel", Decimal("31.86")), ("capture", Decimal("200.00"))]
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.CANCELED_PARTIALLY, Decimal("31.86"))
    # nothing is left to capture or cancel; what was captured can be refunded
    capture = next(t.id for t in service.transactions(doc.id) if t.action == "capture")
    actions = service.transaction_actions(doc.id)
    assert authorization not in actions and actions[capture].refundable == Decimal("200.00")
    # a refund made later for the same amount as the release is a refund of the payment
    refund = client.v1.refunds.create({"charge": charge, "amount": 3186})
    outcome = service.handle_payment_callback("stripe", webhook(stripe_event(stripe_account, "refund.created",
                                                                             refund.id)))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.REFUNDED_PARTIALLY, Decimal("63.72"))


def _scenario(service, account):
    """Two partial payments (the first declined once, then paid on the same PaymentIntent) and three
    refunds made in Stripe; the events Stripe sent about them."""
    doc = posted(service)
    a = start(service, doc.id, "100.00").page
    b = start(service, doc.id, "131.86").page
    with pytest.raises(stripe.CardError):
        confirm(account, a, "pm_card_chargeDeclined")
    confirm(account, a, "pm_card_visa")
    confirm(account, b, "pm_card_visa")
    client = account.client()
    refunds = [client.v1.refunds.create({"payment_intent": intent_id(page), "amount": amount})
               for page, amount in ((a, 3000), (a, 7000), (b, 1000))]
    charge_a, charge_b = refunds[0].charge, refunds[2].charge
    wanted = {("payment_intent.payment_failed", intent_id(a)): 1, ("payment_intent.succeeded", intent_id(a)): 1,
              ("payment_intent.succeeded", intent_id(b)): 1, ("charge.refunded", charge_a): 2,
              ("charge.refunded", charge_b): 1, **{("refund.created", r.id): 1 for r in refunds}}
    return doc, stripe_events(account, wanted)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replayed_shuffled_webhooks_leave_the_right_end_state(db, stripe_account, seed):
    service, _ = stripe_service(db, stripe_account, partial=True, minimum="10")
    doc, events = _scenario(service, stripe_account)
    deliver_shuffled(service, events, seed, most=5)
    end = service.get(doc.id)
    assert end.payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert sorted((t.action, t.amount, t.successful) for t in service.transactions(doc.id)) == [
        ("charge", Decimal("100.00"), False), ("charge", Decimal("100.00"), True),
        ("charge", Decimal("131.86"), True), ("refund", Decimal("10.00"), True),
        ("refund", Decimal("30.00"), True), ("refund", Decimal("70.00"), True)]
    assert end.amount_due == Decimal("110.00")


def test_signatures_are_made_as_stripe_makes_them():
    payload = b'{"id": "evt_1", "object": "event", "type": "ping", "data": {"object": {"id": "x"}}}'
    event = stripe.Webhook.construct_event(payload, sign(payload), WEBHOOK_SECRET)
    assert event.id == "evt_1"
