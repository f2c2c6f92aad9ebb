"""Capturing an authorization from the back-office: all that remains, once, through its provider;
the capture is then refundable like a charge."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from support.days import today
from support.fakepay import FakePay, callback, charge, payment_service, posted_invoice, start

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.services.refunds import AlreadyRequested, NotRecorded


def authorized(service, **data: str):
    """A posted invoice of 231.86 USD whose payment FakePay authorized (its event's ``data``);
    (invoice, authorization id)."""
    doc = posted_invoice(service)
    a = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(a, {**charge(a, 23186), "action": "authorize",
                                                            "event_id": f"auth-{a}", "data": data}))
    [auth] = service.transactions(doc.id)
    return doc, auth.id


def test_capture_takes_the_whole_authorization_and_the_capture_can_be_refunded(db):
    service, _, fake = payment_service(db)
    doc, auth = authorized(service)
    actions = service.transaction_actions(doc.id)[auth]
    assert (actions.capturable, actions.cancelable, actions.refundable) == (Decimal("231.86"),) * 2 + (Decimal(0),)
    outcome = service.capture_authorization(auth, notes="goods shipped", actor="Alex Admin", request_key="k" * 20)
    assert outcome.successful and outcome.amount == Decimal("231.86")
    assert [(r.amount, r.transaction.provider_reference, r.notes) for r in fake.captures] == [
        (23186, fake.captures[0].transaction.provider_reference, "goods shipped")]
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    txs = sorted((t.action, t.amount, t.successful) for t in service.transactions(doc.id))
    assert txs == [("authorize", Decimal("231.86"), True), ("capture", Decimal("231.86"), True)]
    capture = outcome.transaction_id
    assert set(service.transaction_actions(doc.id)) == {capture}
    assert service.transaction_actions(doc.id)[capture].refundable == Decimal("231.86")
    with pytest.raises(Conflict, match="Nothing remains to capture of this payment"):
        service.capture_authorization(auth, actor="Alex Admin")
    with pytest.raises(Conflict, match="Nothing remains to cancel of this payment"):
        service.cancel_authorization(auth, actor="Alex Admin")
    with pytest.raises(AlreadyRequested, match="This capture of 231.86 USD was already requested"):
        service.capture_authorization(auth, actor="Alex Admin", request_key="k" * 20)
    refund = service.refund_payment(capture, "31.86", actor="Alex Admin")
    assert refund.successful and service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    summaries = [str(a.summary) for a in service.activities(doc.id)]
    assert "Capture of 231.86 USD requested from FakePay: goods shipped" in summaries
    assert len(fake.captures) == 1


def test_a_method_that_captures_whole_refuses_part(db):
    service, _, fake = payment_service(db)
    doc, auth = authorized(service)
    assert service.transaction_actions(doc.id)[auth].captures_part is False
    with pytest.raises(ValidationError, match=r"FakePay captures all an authorization holds \(231.86 USD\), not "
                                              "part of it."):
        service.capture_authorization(auth, "200.00", actor="Alex Admin")
    assert not fake.captures and service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    assert service.capture_authorization(auth, "231.86", actor="Alex Admin").successful


def test_a_method_that_captures_part_releases_the_rest(db):
    service, _, fake = payment_service(db)
    fake.captures_part = True
    doc, auth = authorized(service)
    assert service.transaction_actions(doc.id)[auth].captures_part is True
    for wrong, why in (("231.87", "Must be more than 0 and at most 231.86 USD"), ("0", "Must be more than 0"),
                       ("1.001", "USD amounts have at most 2 decimals."), ("lots", "amount")):
        with pytest.raises(ValidationError, match=why):
            service.capture_authorization(auth, wrong, actor="Alex Admin")
    assert not fake.captures
    outcome = service.capture_authorization(auth, "200.00", notes="two of three shipped", actor="Alex Admin")
    assert outcome.successful and outcome.amount == Decimal("200.00")
    assert [r.amount for r in fake.captures] == [20000]
    assert sorted((t.action, t.amount, t.notes) for t in service.transactions(doc.id)) == [
        ("authorize", Decimal("231.86"), "ok"), ("cancel", Decimal("31.86"), "released the rest"),
        ("capture", Decimal("200.00"), "two of three shipped")]
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.CANCELED_PARTIALLY, Decimal("31.86"))
    assert set(service.transaction_actions(doc.id)) == {outcome.transaction_id}
    with pytest.raises(Conflict, match="Nothing remains to capture of this payment"):
        service.capture_authorization(auth, "10.00", actor="Alex Admin")


def test_a_declined_capture_leaves_the_authorization_to_capture_or_cancel(db):
    service, _, fake = payment_service(db)
    fake.decline_captures = True
    doc, auth = authorized(service)
    outcome = service.capture_authorization(auth, actor="Alex Admin")
    assert not outcome.successful and outcome.message == "authorization expired"
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    actions = service.transaction_actions(doc.id)[auth]
    assert actions.capturable == actions.cancelable == Decimal("231.86")
    fake.decline_captures = False
    assert service.capture_authorization(auth, actor="Alex Admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_a_charge_is_not_captured(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    a = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(a, charge(a, 23186)))
    [paid] = service.transactions(doc.id)
    assert service.transaction_actions(doc.id)[paid.id].capturable == 0
    with pytest.raises(Conflict, match="Only a successful authorization can be captured"):
        service.capture_authorization(paid.id, actor="Alex Admin")


class FakePayWithoutCapture(FakePay):
    capture = None  # a method that has no capture: its authorizations are captured at the provider


def test_a_method_that_cannot_capture_offers_only_cancel(db):
    service, _, _ = payment_service(db, fake=FakePayWithoutCapture())
    doc, auth = authorized(service)
    actions = service.transaction_actions(doc.id)[auth]
    assert (actions.capturable, actions.cancelable) == (Decimal(0), Decimal("231.86"))
    with pytest.raises(Conflict, match="FakePay cannot capture an authorization from here"):
        service.capture_authorization(auth, actor="Alex Admin")
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED


def test_an_open_authorization_says_until_when_its_provider_holds_it(db):
    service, _, _ = payment_service(db)
    doc, auth = authorized(service, capture_before="2026-12-10T09:30:00+01:00")
    assert service.transaction_actions(doc.id)[auth].capture_before == dt.datetime(2026, 12, 10, 8, 30, tzinfo=dt.UTC)
    service.cancel_authorization(auth, actor="Alex Admin")
    assert service.transaction_actions(doc.id)[auth].capture_before is None   # nothing held any more


@pytest.mark.parametrize(("said", "read"), [
    ("2026-12-10T08:30:00", dt.datetime(2026, 12, 10, 8, 30, tzinfo=dt.UTC)),   # no offset: UTC
    ("next Tuesday", None), ("", None)])
def test_until_when_is_read_leniently(db, said, read):
    service, _, _ = payment_service(db)
    doc, auth = authorized(service, capture_before=said)
    assert service.transaction_actions(doc.id)[auth].capture_before == read


# ---- an invoice also paid by other means: the one capture rule --------------------------------

def paid_by_hand(service, invoice_id, amount: str, key: str):
    """``amount`` received by bank transfer today, recorded with Record Payment."""
    return service.record_received_payment(invoice_id, amount=amount, method="bank_transfer",
                                           received_on=today(), actor="Alex Admin", request_key=key * 20)


def authorized_rest(service, doc):
    """The customer authorizes what is due of ``doc`` through FakePay; the authorization's id."""
    a = start(service, doc.id).attempt.public_id
    due = int(service.get(doc.id).amount_due * 100)
    service.handle_payment_callback("fakepay", callback(a, {**charge(a, due), "action": "authorize",
                                                            "event_id": f"auth-{a}"}))
    return next(t.id for t in service.transactions(doc.id) if t.action == "authorize")


def test_an_invoice_partly_paid_by_hand_captures_what_its_customer_authorized(db):
    """probeA #1: 201.86 recorded by hand, the customer authorizes the 30.00 due, Capture: the
    dialog offers 30.00, the provider captures it and it is recorded; the invoice is paid in full."""
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    paid_by_hand(service, doc.id, "201.86", "a")
    auth = authorized_rest(service, doc)
    actions = service.transaction_actions(doc.id)[auth]
    assert (actions.capturable, actions.cancelable) == (Decimal("30.00"), Decimal("30.00"))
    outcome = service.capture_authorization(auth, actor="Alex Admin")
    assert outcome.successful and outcome.amount == Decimal("30.00") and [r.amount for r in fake.captures] == [3000]
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_paid, end.amount_due) == (
        PaymentStatus.PAID_IN_FULL, Decimal("231.86"), Decimal(0))
    assert sorted((t.action, t.amount) for t in service.transactions(doc.id)) == [
        ("authorize", Decimal("30.00")), ("capture", Decimal("30.00")), ("charge", Decimal("201.86"))]
    assert not any("refused" in a.summary for a in service.activities(doc.id))
    assert set(service.transaction_actions(doc.id)) == {outcome.transaction_id}   # nothing left to capture


def test_the_capture_of_the_rest_is_within_the_limit_a_recording_checks(db):
    """The same root, over the API: an ERP reporting the capture of the 30.00 authorized after 201.86
    paid by hand is recorded (it was refused: "Exceeds what is authorized ... (0.00 USD)")."""
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    paid_by_hand(service, doc.id, "201.86", "i")
    authorized_rest(service, doc)
    service.record_payment(doc.id, {"method": "erp", "action": "capture", "amount": "30.00", "successful": True,
                                    "provider_reference": "cap-erp-1"}, actor="erp")
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_a_partial_capture_after_payments_by_hand_records_the_release_of_the_rest(db):
    """probeA #3: 100.00 recorded by hand, 131.86 authorized, 50.00 captured: the provider's release
    of the other 81.86 is recorded, and the invoice reads Canceled partially with 81.86 due."""
    service, _, fake = payment_service(db)
    fake.captures_part = True
    doc = posted_invoice(service)
    paid_by_hand(service, doc.id, "100.00", "b")
    auth = authorized_rest(service, doc)
    captured = service.capture_authorization(auth, "50.00", actor="Alex Admin")
    assert captured.successful
    assert sorted((t.action, t.amount, t.successful) for t in service.transactions(doc.id)) == [
        ("authorize", Decimal("131.86"), True), ("cancel", Decimal("81.86"), True),
        ("capture", Decimal("50.00"), True), ("charge", Decimal("100.00"), True)]
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.CANCELED_PARTIALLY, Decimal("81.86"))
    assert not any("refused" in a.summary for a in service.activities(doc.id))
    assert set(service.transaction_actions(doc.id)) == {captured.transaction_id}   # nothing left held


def test_a_capture_is_bounded_by_what_is_due_before_the_provider_is_asked(db):
    """The rest was paid by bank transfer after the customer authorized it: Capture offers nothing,
    and asking says why in words; the provider is not asked, so nothing is taken."""
    service, _, fake = payment_service(db)
    fake.captures_part = True
    doc = posted_invoice(service)
    paid_by_hand(service, doc.id, "201.86", "c")
    auth = authorized_rest(service, doc)
    paid_by_hand(service, doc.id, "10.00", "d")                 # 20.00 left due, 30.00 held
    actions = service.transaction_actions(doc.id)[auth]
    assert (actions.capturable, actions.cancelable) == (Decimal("20.00"), Decimal("30.00"))
    with pytest.raises(ValidationError, match=r"Must be more than 0 and at most 20.00 USD"):
        service.capture_authorization(auth, "30.00", actor="Alex Admin")
    assert not fake.captures
    # all that may be captured: the provider releases the rest, and all of it is recorded
    assert service.capture_authorization(auth, actor="Alex Admin").amount == Decimal("20.00")
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.PAID_IN_FULL, Decimal(0))
    assert sorted((t.action, t.amount) for t in service.transactions(doc.id) if t.action != "charge") == [
        ("authorize", Decimal("30.00")), ("cancel", Decimal("10.00")), ("capture", Decimal("20.00"))]

    other = posted_invoice(service)
    paid_by_hand(service, other.id, "201.86", "e")
    auth = authorized_rest(service, other)
    paid_by_hand(service, other.id, "30.00", "f")                # paid in full by transfer meanwhile
    assert service.transaction_actions(other.id)[auth].capturable == 0
    with pytest.raises(Conflict) as refused:
        service.capture_authorization(auth, actor="Alex Admin")
    assert refused.value.message == (
        f"Nothing can be captured: invoice {other.invoice_number} has nothing due that this authorization's "
        "30.00 USD would pay (it was paid another way or credited). Cancel the authorization to release it.")
    assert len(fake.captures) == 1
    assert service.cancel_authorization(auth, actor="Alex Admin").successful


def test_a_method_that_captures_whole_is_not_asked_for_more_than_is_due(db):
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    paid_by_hand(service, doc.id, "201.86", "g")
    auth = authorized_rest(service, doc)
    paid_by_hand(service, doc.id, "10.00", "h")
    assert service.transaction_actions(doc.id)[auth].capturable == 0
    with pytest.raises(Conflict) as refused:
        service.capture_authorization(auth, actor="Alex Admin")
    assert refused.value.message == (
        f"FakePay captures all an authorization holds (30.00 USD), but only 20.00 USD of invoice "
        f"{doc.invoice_number} may be captured. Cancel the authorization, and have the customer pay what is due.")
    assert not fake.captures


class FakePayTakingMore(FakePay):
    """A provider that captures a cent more than it was asked (and than the authorization holds)."""

    def capture(self, request):
        event = super().capture(request)
        return dataclasses.replace(event, amount=event.amount + 1)


def test_money_a_provider_took_but_that_was_not_recorded_is_said_in_plain_words(db):
    """probeA #9: never "not captured: Not recorded: Invalid input: amount: …": the admin reads that
    the customer was charged, how much, why it was not recorded and what to do."""
    service, _, fake = payment_service(db, fake=FakePayTakingMore())
    doc, auth = authorized(service)
    with pytest.raises(NotRecorded) as taken:
        service.capture_authorization(auth, actor="Alex Admin")
    [request] = fake.captures
    message = taken.value.message
    assert message == (
        "FakePay captured 231.87 USD from the customer (231.86 USD was asked), but it was not recorded: that is "
        "more than the authorization holds (231.86 USD). Refund the 231.87 USD at FakePay (reference "
        f"cap-{request.attempt_id}).")
    assert ".." not in message and "Invalid input" not in message and "Not recorded" not in message
    summaries = [a.summary for a in service.activities(doc.id)]
    assert message in summaries
    assert not any("did not go through" in s for s in summaries)
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED


@pytest.mark.parametrize("paid_first", [None, "201.86"], ids=["authorized-in-full", "rest-held"])
def test_a_payment_recorded_by_hand_on_an_invoice_held_in_full_leaves_its_authorization_nothing_to_capture(
        db, paid_first):
    """Authorized in full, or paid in part with the rest held: both are owed, so a transfer
    received for them is recorded alike; it pays the invoice, and its authorization then captures
    nothing (it is canceled). Captured first, nothing is left to record: never collected twice."""
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    if paid_first:
        paid_by_hand(service, doc.id, paid_first, "i")
    auth = authorized_rest(service, doc)
    held = service.get(doc.id)
    assert held.payment_status is (PaymentStatus.PAID_PARTIALLY if paid_first else PaymentStatus.AUTHORIZED)
    paid_by_hand(service, doc.id, str(held.amount_due), "j")
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.PAID_IN_FULL, Decimal(0))
    assert service.transaction_actions(doc.id)[auth].capturable == 0
    with pytest.raises(Conflict, match="Nothing can be captured"):
        service.capture_authorization(auth, actor="Alex Admin")
    assert not fake.captures and service.cancel_authorization(auth, actor="Alex Admin").successful

    captured = posted_invoice(service)
    if paid_first:
        paid_by_hand(service, captured.id, paid_first, "k")
    auth = authorized_rest(service, captured)
    service.capture_authorization(auth, actor="Alex Admin")
    assert service.get(captured.id).payment_status is PaymentStatus.PAID_IN_FULL
    with pytest.raises(Conflict, match="has nothing to pay, so no payment can be recorded"):
        paid_by_hand(service, captured.id, "1.00", "l")
