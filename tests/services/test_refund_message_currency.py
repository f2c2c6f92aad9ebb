"""What a refund, a cancellation or a confirmation of an unanswered request says about an amount:
always with the currency the money moved in, as the API reads it (English, currency code) and as
a page shows it (the reader's money format), for an invoice in yen (no decimals)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from support.fakepay import callback, charge, payment_service, posted_invoice, start

from oro_invoices import i18n
from oro_invoices.formatting import Formatter
from oro_invoices.integration.payment_methods import AmountLimits, OutcomeUnknown
from oro_invoices.services.payment_events import REFUSED, EventOutcome
from oro_invoices.services.refunds import NotRecorded


def on_page(message: str) -> str:
    """``message`` as an English page shows it."""
    with i18n.using("en_US", values=Formatter("en_US").value):
        return i18n._(message)


def yen_service(db, monkeypatch):
    """``(service, fake, invoice)``: FakePay takes yen; an invoice of ¥2,400."""
    service, _, fake = payment_service(db)
    monkeypatch.setattr(fake, "limits", lambda currency, config: AmountLimits(50, 100_000_000))
    doc = posted_invoice(service, currency="JPY", lines=[{"description": "Tea", "quantity": "1",
                                                          "unit_price": "2400"}])
    return service, fake, doc


def paid_in_yen(service, doc, action: str = "charge") -> int:
    attempt = start(service, doc.id).attempt.public_id
    event = {**charge(attempt, 2400, currency="JPY"), "action": action, "event_id": f"{action}-{attempt}"}
    service.handle_payment_callback("fakepay", callback(attempt, event))
    [tx] = service.transactions(doc.id)
    return tx.id


def test_a_refund_made_but_not_recorded_says_what_the_provider_reported_and_what_was_asked(db, monkeypatch):
    """The provider's report names another currency than the payment's: refused, and the admin
    reads the refund as the provider reported it, in its currency ($4.00: 400 cents), beside the
    refund asked in the payment's (¥400)."""
    service, fake, doc = yen_service(db, monkeypatch)
    tx = paid_in_yen(service, doc)
    real = fake.refund
    monkeypatch.setattr(fake, "refund", lambda request: replace(real(request), currency="USD"))
    with pytest.raises(NotRecorded) as refused:
        service.refund_payment(tx, "400", actor="Alex Admin")
    said = refused.value.message
    assert said.startswith("FakePay refunded 4.00 USD to the customer (400 JPY was asked), but it was not recorded: "
                           "The provider reports USD, but the payment is in JPY: not recorded. Check the refund at "
                           "FakePay")
    assert on_page(said).startswith("FakePay refunded $4.00 to the customer (¥400 was asked), but it was not recorded")
    [entry] = [a.summary for a in service.activities(doc.id) if "to the customer" in a.summary]
    assert on_page(entry).startswith("FakePay refunded $4.00 to the customer (¥400 was asked)")


def test_a_capture_made_but_not_recorded_says_what_the_provider_reported_and_what_was_asked(db, monkeypatch):
    """The provider reports capturing 5000 cents of dollars from an authorization of ¥2,400: refused
    for its currency, and said so, as reported ($50.00, not ¥5,000 read as the payment's currency
    and found to be more than the authorization holds), beside the capture asked (¥2,400)."""
    service, fake, doc = yen_service(db, monkeypatch)
    auth = paid_in_yen(service, doc, "authorize")
    real = fake.capture
    monkeypatch.setattr(fake, "capture", lambda request: replace(real(request), amount=5000, currency="USD"))
    with pytest.raises(NotRecorded) as refused:
        service.capture_authorization(auth, actor="Alex Admin")
    said = refused.value.message
    [request] = fake.captures
    assert said == ("FakePay captured 50.00 USD from the customer (2400 JPY was asked), but it was not recorded: The "
                    "provider reports USD, but the payment is in JPY: not recorded. Refund the 50.00 USD at FakePay "
                    f"(reference cap-{request.attempt_id}).")
    assert on_page(said).startswith("FakePay captured $50.00 from the customer (¥2,400 was asked), but it was not "
                                    "recorded")
    assert said in [a.summary for a in service.activities(doc.id)]


def test_a_refund_made_as_asked_but_not_recorded_says_its_amount_once(db, monkeypatch):
    """Refused for a reason of its own: the amount reported is the one asked, said once."""
    service, fake, doc = yen_service(db, monkeypatch)
    tx = paid_in_yen(service, doc)
    monkeypatch.setattr(service.refunds.events, "apply",
                        lambda method, events, **kw: [EventOutcome(events[0].event_id, REFUSED, "", None)])
    with pytest.raises(NotRecorded) as refused:
        service.refund_payment(tx, "400", actor="Alex Admin")
    assert refused.value.message.startswith("FakePay refunded 400 JPY to the customer, but it was not recorded: its "
                                            "report was refused. Check the refund at FakePay")


def test_a_cancellation_beyond_what_remains_says_both_amounts_in_yen(db, monkeypatch):
    service, fake, doc = yen_service(db, monkeypatch)
    auth = paid_in_yen(service, doc, "authorize")
    real = fake.cancel
    monkeypatch.setattr(fake, "cancel", lambda request: replace(real(request), amount=2500))
    outcome = service.cancel_authorization(auth, actor="Alex Admin")
    assert not outcome.successful and outcome.currency == "JPY"
    assert outcome.message == "Cancellation of 2500 JPY exceeds what remains of the payment (2400 JPY)."
    assert on_page(outcome.message) == "Cancellation of ¥2,500 exceeds what remains of the payment (¥2,400)."


def test_a_confirmation_that_a_refund_was_not_made_says_its_amount_in_yen(db, monkeypatch):
    service, fake, doc = yen_service(db, monkeypatch)
    tx = paid_in_yen(service, doc)
    monkeypatch.setattr(fake, "refund", lambda request: (_ for _ in ()).throw(OutcomeUnknown("timed out")))
    with pytest.raises(Exception, match="did not answer whether it"):
        service.refund_payment(tx, "400", actor="Alex Admin")
    [lost] = service.transaction_actions(doc.id)[tx].unanswered
    outcome = service.confirm_unanswered_request(tx, lost.attempt_id, made=False, actor="Alex Admin")
    assert outcome.message == "Confirmed that FakePay did not make the refund of 400 JPY; it is no longer reserved"
    assert on_page(outcome.message) == ("Confirmed that FakePay did not make the refund of ¥400; it is no longer "
                                        "reserved")


def test_refunds_in_the_activity_have_the_currencys_decimals_whatever_was_written(db, monkeypatch):
    """Amounts recorded as "2400.00" of yen or "10" of dollars read in the activity as the
    currency writes them: 2400 JPY, 10.00 USD (and ¥2,400 on a page)."""
    service, fake, doc = yen_service(db, monkeypatch)
    charge_ = service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge", "amount": "2400.00",
                                              "provider_reference": "BT-Y"})
    service.record_payment(doc.id, {"method": "bank_transfer", "action": "refund", "amount": "400.000",
                                    "parent_id": charge_.id, "provider_reference": "BT-Y-R"})
    service.payments.record(doc.id, {"method": "bank_transfer", "action": "refund", "amount": "2100.0",
                                     "parent_id": charge_.id, "provider_reference": "BT-Y-R2"}, given=True)
    said = [a.summary for a in service.activities(doc.id) if " via " in a.summary]
    assert said == ["Refund of 2100 JPY via Bank transfer: successful", "Refund of 400 JPY via Bank transfer: successful",
                    "Charge of 2400 JPY via Bank transfer: successful"]
    assert on_page(said[0]) == "Refund of ¥2,100 via Bank transfer: successful"
    dollars = posted_invoice(service)
    paid = service.record_payment(dollars.id, {"method": "bank_transfer", "action": "charge", "amount": "10",
                                               "provider_reference": "BT-D"})
    service.record_payment(dollars.id, {"method": "bank_transfer", "action": "refund", "amount": "2.5",
                                        "parent_id": paid.id, "provider_reference": "BT-D-R"})
    assert [a.summary for a in service.activities(dollars.id) if " via " in a.summary] == [
        "Refund of 2.50 USD via Bank transfer: successful", "Charge of 10.00 USD via Bank transfer: successful"]


def test_an_over_refund_in_yen_is_said_without_decimals(db, monkeypatch):
    service, fake, doc = yen_service(db, monkeypatch)
    tx = paid_in_yen(service, doc)
    real = fake.refund
    monkeypatch.setattr(fake, "refund", lambda request: replace(real(request), amount=request.amount + 100))
    assert service.refund_payment(tx, "2400", actor="Alex Admin").successful
    [entry] = [a.summary for a in service.activities(doc.id) if a.summary.startswith("Over-refunded")]
    assert entry.startswith("Over-refunded: FakePay reports a refund of 2500 JPY that it made, but only 2400 JPY "
                            "remained to refund of what was paid for the invoice, so 100 JPY more than was paid")
    assert "¥2,500" in on_page(entry) and "¥100 with the customer" in on_page(entry)
    [refund] = [t for t in service.transactions(doc.id) if t.action == "refund"]
    assert (str(refund.amount), str(refund.over_refunded)) == ("2500", "100")
