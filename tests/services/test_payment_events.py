"""Provider events: applied once, in any order; amounts checked against the attempt; refunds bounded."""
from __future__ import annotations

import logging
import random
import threading
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fakepay import (
    callback,
    charge,
    payment_service,
    posted_invoice,
    refund_event,
    start,
)

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import CallbackRejected, ProviderCallback


def status(service, doc):
    return service.get(doc.id).payment_status


def test_a_successful_charge_is_applied_once_however_often_it_arrives(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    delivery = callback(attempt, charge(attempt, 23186))
    first = service.handle_payment_callback("fakepay", delivery)
    assert [o.outcome for o in first.outcomes] == ["applied"]
    assert first.attempt.status == "succeeded" and first.reply == "redirect"
    for _ in range(3):
        again = service.handle_payment_callback("fakepay", delivery)
        assert [o.outcome for o in again.outcomes] == ["duplicate"]
    txs = service.transactions(doc.id)
    assert [(t.action, t.amount, t.successful, t.method) for t in txs] == [("charge", Decimal("231.86"), True, "fakepay")]
    paid = service.get(doc.id)
    assert paid.payment_status is PaymentStatus.PAID_IN_FULL and paid.amount_due == 0
    assert not service.can_pay(paid)


def test_a_declined_charge_leaves_the_invoice_payable(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    outcome = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186, ok=False)))
    assert outcome.attempt.status == "failed" and outcome.attempt.message == "declined"
    assert status(service, doc) is PaymentStatus.DECLINED
    assert service.can_pay(service.get(doc.id))


def test_an_amount_other_than_the_attempts_is_refused_and_logged(db, caplog):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    with caplog.at_level(logging.WARNING, logger="oro_invoices.payments"):
        outcome = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 100)))
    assert [o.outcome for o in outcome.outcomes] == ["refused"]
    assert "reports 1.00 USD, but the payment was started for 231.86 USD" in outcome.outcomes[0].reason
    assert "differs from the 231.86 USD the payment was started with" in caplog.text
    assert service.transactions(doc.id) == []
    assert status(service, doc) is PaymentStatus.PENDING
    assert outcome.attempt.status == "failed"
    assert any("was refused" in a.summary for a in service.activities(doc.id))


def test_a_refused_event_does_not_block_the_genuine_delivery_of_its_id(db):
    """A copy of the provider's answer with another amount is refused; the genuine answer under
    the same event id that follows is recorded, and the refused copy sent again changes nothing."""
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    tampered = callback(attempt, charge(attempt, 23187))
    refused = service.handle_payment_callback("fakepay", tampered)
    assert [o.outcome for o in refused.outcomes] == ["refused"] and refused.attempt.status == "failed"
    assert [o.outcome for o in service.handle_payment_callback("fakepay", tampered).outcomes] == ["duplicate"]
    genuine = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186)))
    assert [o.outcome for o in genuine.outcomes] == ["applied"] and genuine.attempt.status == "succeeded"
    for again in (tampered, callback(attempt, charge(attempt, 23186))):
        assert [o.outcome for o in service.handle_payment_callback("fakepay", again).outcomes] == ["duplicate"]
    assert [(t.action, t.amount) for t in service.transactions(doc.id)] == [("charge", Decimal("231.86"))]
    assert status(service, doc) is PaymentStatus.PAID_IN_FULL


def test_an_unverifiable_callback_records_nothing(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    forged = callback(attempt, charge(attempt, 23186), signature="forged")
    outcome = service.handle_payment_callback("fakepay", forged)
    assert outcome.rejected == "bad signature" and outcome.attempt.status == "failed"
    assert service.transactions(doc.id) == []
    # the genuine answer still counts afterwards
    genuine = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186)))
    assert genuine.attempt.status == "succeeded" and status(service, doc) is PaymentStatus.PAID_IN_FULL
    with pytest.raises(CallbackRejected):
        service.handle_payment_callback("fakepay", callback("no-such-attempt-000", signature="forged"))


def test_an_event_for_an_unknown_attempt_is_refused(db):
    service, _, _ = payment_service(db)
    outcome = service.handle_payment_callback(
        "fakepay", callback("unknown-attempt-0000", charge("unknown-attempt-0000", 100)))
    assert [o.outcome for o in outcome.outcomes] == ["refused"] and outcome.attempt is None


def test_an_unknown_method_and_a_garbled_callback(db):
    service, _, _ = payment_service(db)
    with pytest.raises(Exception, match="no payment method 'nope'"):
        service.handle_payment_callback("nope", ProviderCallback("POST"))
    with pytest.raises(CallbackRejected, match="could not be read"):
        service.handle_payment_callback("fakepay", ProviderCallback("POST", form={"attempt": "a" * 20,
                                                                                  "signature": "fake-signature",
                                                                                  "events": "{not json"}))


# -- replay and order ----------------------------------------------------------------------

def _scenario(service):
    """Two partial payments with a declined try, then three refunds; the events and the expected end."""
    doc = posted_invoice(service)
    a = start(service, doc.id, "100.00").attempt.public_id
    b = start(service, doc.id, "131.86").attempt.public_id
    events = [(a, charge(a, 10000, ok=False)), (a, charge(a, 10000)), (b, charge(b, 13186)),
              (a, refund_event(f"ch-{a}", 3000, 1)), (a, refund_event(f"ch-{a}", 7000, 2)),
              (b, refund_event(f"ch-{b}", 1000, 1))]
    return doc, a, b, events


def _check_end(service, doc, a, b):
    end = service.get(doc.id)
    assert end.payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert end.amount_paid == Decimal("121.86")
    txs = service.transactions(doc.id)
    assert sorted((t.action, t.amount, t.successful) for t in txs) == sorted([
        ("charge", Decimal("100.00"), False), ("charge", Decimal("100.00"), True),
        ("charge", Decimal("131.86"), True), ("refund", Decimal("30.00"), True),
        ("refund", Decimal("70.00"), True), ("refund", Decimal("10.00"), True)])
    assert service.payment_attempt(a).status == service.payment_attempt(b).status == "succeeded"


def _deliver(service, deliveries):
    for attempt, event in deliveries:
        service.handle_payment_callback("fakepay", callback(attempt, event))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_events_delivered_repeatedly_late_and_shuffled_end_the_same(sqlite_db, data):
    service, _, _ = payment_service(sqlite_db, partial=True)
    doc, a, b, events = _scenario(service)
    copies = [e for e in events for _ in range(data.draw(st.integers(1, 5)))]
    _deliver(service, data.draw(st.permutations(copies)))
    _check_end(service, doc, a, b)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_redeliveries_on_both_databases(db, seed):
    service, _, _ = payment_service(db, partial=True)
    doc, a, b, events = _scenario(service)
    rng = random.Random(seed)
    copies = [e for e in events for _ in range(rng.randint(1, 5))]
    rng.shuffle(copies)
    _deliver(service, copies)
    _check_end(service, doc, a, b)


def test_a_refund_arriving_before_its_charge_waits_for_it(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    a = start(service, doc.id).attempt.public_id
    early = service.handle_payment_callback("fakepay", callback(a, refund_event(f"ch-{a}", 5000, 1)))
    assert [o.outcome for o in early.outcomes] == ["deferred"]
    assert service.transactions(doc.id) == []
    service.handle_payment_callback("fakepay", callback(a, charge(a, 23186)))
    assert status(service, doc) is PaymentStatus.REFUNDED_PARTIALLY
    assert service.get(doc.id).amount_paid == Decimal("181.86")


def test_concurrent_deliveries_of_one_event_record_it_once(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    a = start(service, doc.id).attempt.public_id
    delivery = callback(a, charge(a, 23186))
    barrier, errors = threading.Barrier(4), []

    def deliver():
        barrier.wait()
        try:
            service.handle_payment_callback("fakepay", delivery)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(service.transactions(doc.id)) == 1
    assert status(service, doc) is PaymentStatus.PAID_IN_FULL


# -- refunds and cancellations ---------------------------------------------------------------

def _paid(service, amount="231.86"):
    doc = posted_invoice(service)
    a = start(service, doc.id, amount).attempt.public_id
    service.handle_payment_callback("fakepay", callback(a, charge(a, int(Decimal(amount) * 100))))
    [tx] = [t for t in service.transactions(doc.id) if t.action == "charge"]
    return doc, tx


def test_refunds_never_exceed_what_remains(db):
    service, _, fake = payment_service(db)
    doc, tx = _paid(service)
    assert service.transaction_actions(doc.id)[tx.id].refundable == Decimal("231.86")
    first = service.refund_payment(tx.id, "31.86", notes="Damaged box", actor="Alex Admin")
    assert first.successful and first.amount == Decimal("31.86")
    assert fake.refunds[-1].amount == 3186 and fake.refunds[-1].transaction.provider_reference == tx.provider_reference
    assert status(service, doc) is PaymentStatus.REFUNDED_PARTIALLY
    assert service.transaction_actions(doc.id)[tx.id].refundable == Decimal("200.00")
    with pytest.raises(ValidationError) as err:
        service.refund_payment(tx.id, "200.01", actor="Alex Admin")
    assert err.value.errors == [("amount", "Must be more than 0 and at most 200.00 USD, what remains of the payment.")]
    with pytest.raises(ValidationError):
        service.refund_payment(tx.id, "0", actor="Alex Admin")
    assert service.refund_payment(tx.id, actor="Alex Admin").amount == Decimal("200.00")   # the rest
    assert status(service, doc) is PaymentStatus.REFUNDED
    with pytest.raises(Conflict, match="Nothing remains to refund"):
        service.refund_payment(tx.id, "1", actor="Alex Admin")
    refunds = [t for t in service.transactions(doc.id) if t.action == "refund"]
    assert sorted(t.amount for t in refunds) == [Decimal("31.86"), Decimal("200.00")]
    assert {t.parent_id for t in refunds} == {tx.id}
    assert "Damaged box" in {t.notes for t in refunds}
    assert any("Refund of 31.86 USD requested from FakePay: Damaged box" in a.summary
               for a in service.activities(doc.id))
    assert len(fake.refunds) == 2


def test_a_declined_refund_changes_no_amount(db):
    service, _, fake = payment_service(db)
    doc, tx = _paid(service)
    fake.decline_refunds = True
    outcome = service.refund_payment(tx.id, "10", actor="Alex Admin")
    assert not outcome.successful and outcome.message == "declined"
    assert status(service, doc) is PaymentStatus.PAID_IN_FULL
    assert service.transaction_actions(doc.id)[tx.id].refundable == Decimal("231.86")


def test_a_refund_the_provider_made_beyond_what_remains_is_recorded_and_flagged(db, monkeypatch):
    """The provider reports giving back more than remains of the payment: the money left the
    account, so it is recorded, and the activity says by how much it was over."""
    from dataclasses import replace
    service, _, fake = payment_service(db)
    doc, tx = _paid(service)
    real = fake.refund
    monkeypatch.setattr(fake, "refund", lambda request: replace(real(request), amount=request.amount + 100))
    done = service.refund_payment(tx.id, "231.86", actor="Alex Admin")
    assert done.successful
    [refund] = [t for t in service.transactions(doc.id) if t.action == "refund"]
    assert (refund.amount, refund.over_refunded) == (Decimal("232.86"), Decimal("1.00"))
    assert any(str(a.summary).startswith("Over-refunded: FakePay reports a refund of 232.86 USD that it made, but "
                                         "only 231.86 USD remained to refund of what was paid for the invoice, "
                                         "so 1.00 USD more")
               for a in service.activities(doc.id))
    assert status(service, doc) is PaymentStatus.REFUNDED


def test_a_refund_the_provider_made_but_that_cannot_be_recorded_says_it_was_made(db, monkeypatch):
    """The provider reports giving back money in another currency than the payment's: its report is
    refused, and the admin reads that the money went back, as reported, and where to check it,
    never that no refund was made."""
    from dataclasses import replace

    from oro_invoices.services.refunds import NotRecorded
    service, _, fake = payment_service(db)
    doc, tx = _paid(service)
    real = fake.refund
    monkeypatch.setattr(fake, "refund", lambda request: replace(real(request), currency="EUR"))
    with pytest.raises(NotRecorded) as caught:
        service.refund_payment(tx.id, "231.86", actor="Alex Admin")
    said = str(caught.value.message)
    assert said.startswith("FakePay refunded 231.86 EUR to the customer (231.86 USD was asked), but it was not "
                           "recorded: The provider reports EUR")
    assert "Check the refund at FakePay (reference re-" in said
    assert any("refunded 231.86 EUR to the customer (231.86 USD was asked), but it was not recorded" in str(a.summary)
               for a in service.activities(doc.id))
    assert status(service, doc) is PaymentStatus.PAID_IN_FULL


def test_only_provider_charges_are_refunded_here(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    bank = service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge", "amount": "10"})
    assert service.transaction_actions(doc.id) == {}
    with pytest.raises(Conflict, match="was not taken through a payment method of the add-on"):
        service.refund_payment(bank.id, actor="Alex Admin")


def test_cancelling_an_authorization(db):
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    a = start(service, doc.id).attempt.public_id
    authorize = {**charge(a, 23186), "action": "authorize", "event_id": f"auth-{a}"}
    service.handle_payment_callback("fakepay", callback(a, authorize))
    assert status(service, doc) is PaymentStatus.AUTHORIZED
    [auth] = service.transactions(doc.id)
    assert service.transaction_actions(doc.id)[auth.id].cancelable == Decimal("231.86")
    with pytest.raises(Conflict, match="Only a successful charge can be refunded"):
        service.refund_payment(auth.id, actor="Alex Admin")
    outcome = service.cancel_authorization(auth.id, notes="Order cancelled", actor="Alex Admin")
    assert outcome.successful
    assert status(service, doc) is PaymentStatus.CANCELED
    with pytest.raises(Conflict, match="Nothing remains to cancel"):
        service.cancel_authorization(auth.id, actor="Alex Admin")


def test_an_invoice_paid_twice_records_both_charges_and_keeps_the_second_as_the_customers_credit(db):
    """Two tabs: both payments succeed at the provider. The money of the second was taken, so it is
    recorded; what it brought over the amount due is the customer's credit, and refunding it
    through the provider gives that credit back while the invoice stays paid in full."""
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    first, second = (start(service, doc.id).attempt.public_id for _ in range(2))
    service.handle_payment_callback("fakepay", callback(first, charge(first, 23186)))
    outcome = service.handle_payment_callback("fakepay", callback(second, charge(second, 23186)))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    paid = service.get(doc.id)
    assert paid.payment_status is PaymentStatus.PAID_IN_FULL
    assert (paid.amount_paid, paid.amount_due) == (Decimal("231.86"), 0)
    assert [t.amount for t in service.transactions(doc.id)] == [Decimal("231.86"), Decimal("231.86")]
    assert service.available_credit(paid) == Decimal("231.86")
    assert any(a.summary == "231.86 USD over the amount due kept as the customer's credit"
               for a in service.activities(doc.id))
    service.handle_payment_callback("fakepay", callback(second, refund_event(f"ch-{second}", 23186, 1)))
    after = service.get(doc.id)
    assert after.payment_status is PaymentStatus.PAID_IN_FULL and after.amount_paid == Decimal("231.86")
    assert service.available_credit(after) == 0
    assert [e.kind for e in service.customer_credit_of(doc.customer_id, organization_id=1).entries] == [
        "surplus_reversed", "surplus"]


def test_two_approved_answers_for_one_payment_are_both_refundable_from_here(db):
    """The customer completed the provider's page twice for one payment: both charges were taken
    and recorded, and the first stays refundable from here though the payment names the second."""
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186)))
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186, ref="ch-again",
                                                                        event_id="evt-again")))
    first, second = service.transactions(doc.id)
    actions = service.transaction_actions(doc.id)
    assert actions[first.id].refundable == actions[second.id].refundable == Decimal("231.86")
    assert service.refund_payment(first.id, "231.86", actor="admin", notes="paid twice").successful
    assert fake.refunds[-1].transaction.provider_reference == f"ch-{attempt}"


def test_a_refund_the_provider_made_beyond_its_payment_but_within_the_invoice_is_no_over_refund(db):
    """Paid 31.86 by hand and 200.00 through FakePay; FakePay reports a refund of 210.00 of its
    payment: 10.00 beyond that payment, but not beyond the 231.86 paid for the invoice, so nothing
    was over. A refund of 25.00 more is 3.14 over what was paid for the invoice."""
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge", "amount": "31.86",
                                    "provider_reference": "BT-PART"})
    a = start(service, doc.id, "200.00").attempt.public_id
    service.handle_payment_callback("fakepay", callback(a, charge(a, 20000)))
    service.handle_payment_callback("fakepay", callback(None, refund_event(f"ch-{a}", 21000, 1)))
    [refund] = [t for t in service.transactions(doc.id) if t.action == "refund"]
    assert (refund.amount, refund.over_refunded) == (Decimal("210.00"), None)
    assert not any(str(e.summary).startswith("Over-refunded") for e in service.activities(doc.id))
    assert status(service, doc) is PaymentStatus.REFUNDED_PARTIALLY
    service.handle_payment_callback("fakepay", callback(None, refund_event(f"ch-{a}", 2500, 2)))
    over = [t for t in service.transactions(doc.id) if t.action == "refund"][-1]
    assert (over.amount, over.over_refunded) == (Decimal("25.00"), Decimal("3.14"))
    assert any(str(e.summary).startswith("Over-refunded: FakePay reports a refund of 25.00 USD that it made, but only "
                                         "21.86 USD remained to refund of what was paid for the invoice, so 3.14 USD")
               for e in service.activities(doc.id))
