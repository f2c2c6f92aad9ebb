"""Capturing an authorization from the back-office: all that remains, once, through its provider;
the capture is then refundable like a charge."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support.fakepay import FakePay, callback, charge, payment_service, posted_invoice, start

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.services.refunds import AlreadyRequested


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
