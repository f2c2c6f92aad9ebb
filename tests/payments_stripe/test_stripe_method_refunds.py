"""Refunds and cancellations through Stripe: full, partial, never more than remains."""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from decimal import Decimal

import pytest
from support.days import today
from support.stripe_payments import (
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
from oro_invoices.integration.payment_methods import ProviderError, RefundRequest, TransactionRef
from oro_invoices.integration.stripe_method.method import StripeMethod


def paid_invoice(service, account, amount=None):
    doc = posted(service)
    page = start(service, doc.id, amount).page
    confirm(account, page, "pm_card_visa")
    outcome = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    return doc, page, outcome.attempt.transaction_id


def test_partial_then_full_refund_and_no_more(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc, page, charge = paid_invoice(service, stripe_account)
    assert service.transaction_actions(doc.id)[charge].refundable == Decimal("231.86")
    part = service.refund_payment(charge, "50.00", notes="damaged widget", actor="admin")
    assert part.successful and part.amount == Decimal("50.00")
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert service.transaction_actions(doc.id)[charge].refundable == Decimal("181.86")
    with pytest.raises(ValidationError) as too_much:
        service.refund_payment(charge, "200.00", actor="admin")
    assert too_much.value.errors == [("amount", "Must be more than 0 and at most 181.86 USD, what remains of "
                                                "the payment.")]
    rest = service.refund_payment(charge, None, actor="admin")
    assert rest.successful and rest.amount == Decimal("181.86")
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED
    with pytest.raises(Conflict, match="Nothing remains to refund"):
        service.refund_payment(charge, "1.00", actor="admin")
    refunds = stripe_account.client().v1.refunds.list({"payment_intent": intent_id(page)}).data
    assert sorted(r.amount for r in refunds) == [5000, 18186]
    assert {r.metadata["payment_attempt_id"] for r in refunds} == {back_from_stripe(page, "succeeded").query["attempt"]}
    txs = [(t.action, t.amount, t.successful) for t in service.transactions(doc.id)]
    assert sorted(txs) == [("charge", Decimal("231.86"), True), ("refund", Decimal("50.00"), True),
                           ("refund", Decimal("181.86"), True)]


def test_stripes_refund_webhooks_after_a_refund_change_nothing(db, stripe_account):
    service, _ = stripe_service(db, stripe_account)
    doc, page, charge = paid_invoice(service, stripe_account)
    service.refund_payment(charge, "20.00", actor="admin")
    refund = stripe_account.client().v1.refunds.list({"payment_intent": intent_id(page)}).data[0]
    for event in (stripe_event(stripe_account, "refund.created", refund.id),
                  stripe_event(stripe_account, "charge.refunded", refund.charge)):
        outcome = service.handle_payment_callback("stripe", webhook(event))
        assert [o.outcome for o in outcome.outcomes] == ["duplicate"]
    assert len(service.transactions(doc.id)) == 2


def test_stripe_itself_refuses_more_than_is_left(db, stripe_account):
    service, settings = stripe_service(db, stripe_account)
    doc, page, charge = paid_invoice(service, stripe_account)
    service.refund_payment(charge, "200.00", actor="admin")
    tx = next(t for t in service.transactions(doc.id) if t.id == charge)
    method = StripeMethod()
    request = RefundRequest(
        attempt_id=f"direct-refund-{uuid.uuid4().hex}",
        transaction=TransactionRef(transaction_id=charge, action="charge", amount=23186, currency="USD",
                                   provider_reference=tx.provider_reference, attempt_id="x" * 20),
        amount=5000, currency="USD", notes="", timestamp=service.clock(),
        config={key: settings.value(key) for key in method.setting_keys})
    with pytest.raises(ProviderError, match=r"greater than unrefunded amount on charge \(\$31.86\)"):
        method.refund(request)
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY


def test_stripe_out_of_reach_during_a_refund_is_said_in_a_sentence(db):
    """The admin reads what could not be done: "… while refunding the payment", not "while the refund"."""
    from support.ports import free_port
    from support.stripe_payments import local_account
    method = StripeMethod()
    _, settings = stripe_service(db, local_account(f"http://127.0.0.1:{free_port()}"))
    request = RefundRequest(
        attempt_id=f"direct-refund-{uuid.uuid4().hex}",
        transaction=TransactionRef(transaction_id=1, action="charge", amount=23186, currency="USD",
                                   provider_reference="ch_unreached", attempt_id="x" * 20),
        amount=5000, currency="USD", notes="", timestamp=dt.datetime.now(dt.UTC),
        config={key: settings.value(key) for key in method.setting_keys})
    with pytest.raises(ProviderError, match=r"^Stripe could not be reached while refunding the payment \(") as out:
        method.refund(request)
    # the operating system's words, not the SDK's advice to write to Stripe's support
    assert "(Connection refused)" in str(out.value) and "support@stripe.com" not in str(out.value)


def test_cancel_an_authorization(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    page = start(service, doc.id).page
    assert stripe_account.client().v1.payment_intents.retrieve(intent_id(page)).capture_method == "manual"
    assert confirm(stripe_account, page, "pm_card_visa").status == "requires_capture"
    outcome = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    authorization = outcome.attempt.transaction_id
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    actions = service.transaction_actions(doc.id)[authorization]
    assert (actions.cancelable, actions.refundable) == (Decimal("231.86"), Decimal("0.00"))
    canceled = service.cancel_authorization(authorization, notes="customer asked", actor="admin")
    assert canceled.successful
    assert stripe_account.client().v1.payment_intents.retrieve(intent_id(page)).status == "canceled"
    assert service.get(doc.id).payment_status is PaymentStatus.CANCELED
    assert sorted((t.action, t.successful) for t in service.transactions(doc.id)) == [
        ("authorize", True), ("cancel", True)]
    with pytest.raises(Conflict, match="Nothing remains to cancel"):
        service.cancel_authorization(authorization, actor="admin")


def test_capture_an_authorization_then_refund_part_of_it(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    page = start(service, doc.id).page
    assert confirm(stripe_account, page, "pm_card_visa").status == "requires_capture"
    authorization = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded")).attempt.transaction_id
    assert service.transaction_actions(doc.id)[authorization].capturable == Decimal("231.86")
    captured = service.capture_authorization(authorization, notes="shipped", actor="admin")
    assert captured.successful and captured.amount == Decimal("231.86")
    intent = stripe_account.client().v1.payment_intents.retrieve(intent_id(page))
    assert (intent.status, intent.amount_received) == ("succeeded", 23186)
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    # Stripe's webhook about the same capture changes nothing
    outcome = service.handle_payment_callback("stripe", webhook(stripe_event(stripe_account, "payment_intent.succeeded",
                                                                             intent.id)))
    assert {o.outcome for o in outcome.outcomes} == {"duplicate"}
    capture = captured.transaction_id
    refunded = service.refund_payment(capture, "31.86", actor="admin")
    assert refunded.successful and service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert sorted((t.action, t.amount) for t in service.transactions(doc.id)) == [
        ("authorize", Decimal("231.86")), ("capture", Decimal("231.86")), ("refund", Decimal("31.86"))]
    with pytest.raises(Conflict, match="Nothing remains to capture"):
        service.capture_authorization(authorization, actor="admin")


def held_until(account, page) -> dt.datetime:
    """What Stripe says of the PaymentIntent's charge: until when it can be captured."""
    charge = account.client().v1.payment_intents.retrieve(intent_id(page), {"expand": ["latest_charge"]}).latest_charge
    return dt.datetime.fromtimestamp(charge.payment_method_details.card.capture_before, dt.UTC)


def test_an_authorization_says_until_when_stripe_holds_it(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    authorization = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded")).attempt.transaction_id
    held = service.transaction_actions(doc.id)[authorization].capture_before
    assert held == held_until(stripe_account, page)
    assert dt.timedelta(days=6) < held - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)
    captured = service.capture_authorization(authorization, actor="admin")
    assert service.transaction_actions(doc.id)[captured.transaction_id].capture_before is None


def test_the_authorization_webhook_reads_until_when_stripe_holds_it(db, stripe_account):
    """The webhook names the charge only by id: the PaymentIntent is read again with its charge."""
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    intent = stripe_account.client().v1.payment_intents.retrieve(intent_id(page))
    assert isinstance(intent.latest_charge, str)
    body = json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event", "created": int(time.time()),
                       "type": "payment_intent.amount_capturable_updated", "api_version": "2025-01-27.acacia",
                       "data": {"object": intent.to_dict(for_json=True)}}).encode()
    outcome = service.handle_payment_callback("stripe", webhook(body))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    [authorization] = service.transactions(doc.id)
    assert service.transaction_actions(doc.id)[authorization.id].capture_before == held_until(stripe_account, page)


def test_with_receipts_on_the_stripe_payment_and_its_refund_each_email_the_customer(db, stripe_account):
    from oro_invoices.integration.profile import RECEIPT_TEMPLATE, REFUND_TEMPLATE
    from oro_invoices.services.mail.receipts import ENABLED_SETTING, PaymentReceipts
    from oro_invoices.services.mail.service import MailService
    service, settings = stripe_service(db, stripe_account, partial=True)
    settings.set(ENABLED_SETTING, True)
    mail = MailService(db, service, sender="billing@acme.test")
    PaymentReceipts(service, mail)
    doc, page, charge = paid_invoice(service, stripe_account, "100.00")
    service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))    # the return reloaded
    service.refund_payment(charge, "40.00", actor="admin")
    sent = [(e.template, e.to) for e in reversed(mail.emails(doc.id))]
    assert sent == [(RECEIPT_TEMPLATE, (doc.customer_user_email,)), (REFUND_TEMPLATE, (doc.customer_user_email,))]
    receipt, refund = (mail.email_bodies(e.id)[2] for e in reversed(mail.emails(doc.id)))
    # buyer@acme.test paid the invoice of its colleague (the invoice's customer user, a unique address)
    assert f"buyer@acme.test paid $100.00 for invoice {doc.invoice_number}" in receipt
    assert "Payment method: Stripe" in receipt
    assert "$131.86 remains due" in receipt
    assert "we have refunded $40.00 of your payment" in refund and "Paid: $60.00" in refund


def authorized_rest(service, account, doc):
    """The customer authorizes what is due of ``doc`` at Stripe; the authorization's id."""
    page = start(service, doc.id).page
    assert confirm(account, page, "pm_card_visa").status == "requires_capture"
    return page, service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded")).attempt.transaction_id


def paid_by_hand(service, doc, amount: str, key: str) -> None:
    service.record_received_payment(doc.id, amount=amount, method="bank_transfer", received_on=today(),
                                    actor="admin", request_key=key * 20)


def test_capture_on_an_invoice_partly_paid_by_hand_is_recorded(db, stripe_account):
    """probeA #1: what Stripe captures is recorded; the invoice is paid in full."""
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    paid_by_hand(service, doc, "201.86", "h")
    page, authorization = authorized_rest(service, stripe_account, doc)
    assert service.transaction_actions(doc.id)[authorization].capturable == Decimal("30.00")
    captured = service.capture_authorization(authorization, actor="admin")
    assert captured.successful and captured.amount == Decimal("30.00")
    intent = stripe_account.client().v1.payment_intents.retrieve(intent_id(page))
    assert (intent.status, intent.amount_received) == ("succeeded", 3000)
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.PAID_IN_FULL, 0)
    assert not any("refused" in a.summary for a in service.activities(doc.id))


def test_a_partial_capture_on_an_invoice_partly_paid_by_hand_records_stripes_release(db, stripe_account):
    """probeA #3: Stripe's release of what was not captured is recorded: Canceled partially, the rest due."""
    service, _ = stripe_service(db, stripe_account, action="authorize")
    doc = posted(service)
    paid_by_hand(service, doc, "100.00", "p")
    _, authorization = authorized_rest(service, stripe_account, doc)
    assert service.capture_authorization(authorization, "50.00", actor="admin").successful
    assert sorted((t.action, t.amount) for t in service.transactions(doc.id)) == [
        ("authorize", Decimal("131.86")), ("cancel", Decimal("81.86")), ("capture", Decimal("50.00")),
        ("charge", Decimal("100.00"))]
    end = service.get(doc.id)
    assert (end.payment_status, end.amount_due) == (PaymentStatus.CANCELED_PARTIALLY, Decimal("81.86"))
    assert not any("refused" in a.summary for a in service.activities(doc.id))
