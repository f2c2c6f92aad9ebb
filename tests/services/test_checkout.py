"""Paying invoices online: the one payability rule, starting payments, partial amounts."""
from __future__ import annotations

from decimal import Decimal

import pytest
from support.fakepay import BASE_URL, callback, charge, configure, payment_service, posted_invoice, start
from support.payloads import invoice_payload

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.services import checkout


def reason(service, doc):
    return service.payment_availability(service.get(doc.id)).reason


def test_a_posted_unpaid_invoice_can_be_paid_through_the_configured_method(db):
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    available = service.payment_availability(doc)
    assert available and available.online and available.method is fake
    assert (available.amount_due, available.minimum, available.maximum) == (23186, 23186, 23186)
    assert not available.partial
    assert service.can_pay(doc)


def test_what_cannot_be_paid(db):
    service, settings, _ = payment_service(db)
    draft = service.create(invoice_payload(), actor="import")
    assert reason(service, draft) == checkout.NOT_POSTED
    paid = posted_invoice(service)
    service.record_payment(paid.id, {"method": "bank_transfer", "action": "charge", "amount": "231.86"})
    assert reason(service, paid) == checkout.NOTHING_DUE
    authorized = posted_invoice(service)
    service.record_payment(authorized.id, {"method": "bank", "action": "authorize", "amount": "231.86"})
    assert reason(service, authorized) == checkout.NOTHING_DUE
    refunded = posted_invoice(service)
    service.record_payment(refunded.id, {"method": "bank", "action": "charge", "amount": "231.86"})
    service.record_payment(refunded.id, {"method": "bank", "action": "refund", "amount": "231.86"})
    assert reason(service, refunded) == checkout.NOTHING_DUE
    assert service.get(refunded.id).amount_due == Decimal("231.86")   # due again, but refunded
    tiny = posted_invoice(service, lines=[{"description": "Sticker", "quantity": "1",
                                           "unit_price": "0.40"}])
    assert reason(service, tiny) == checkout.NO_METHOD                   # below the method's minimum
    yen = posted_invoice(service, currency="JPY", lines=[{"description": "Tea", "quantity": "1",
                                                           "unit_price": "2400"}])
    assert reason(service, yen) == checkout.NO_METHOD                    # a currency it does not take
    external = posted_invoice(service, external_payment_url="https://erp.test/pay/1")
    assert reason(service, external) == checkout.EXTERNAL
    for doc in (draft, paid, authorized, refunded, tiny, yen):
        assert not service.can_pay(service.get(doc.id))
    settings.set("oro_invoices.storefront_base_url", "")
    assert reason(service, posted_invoice(service)) == checkout.NO_METHOD  # the provider could not come back
    settings.set("oro_invoices.payments_enabled", False)
    assert reason(service, posted_invoice(service)) == checkout.PAYMENTS_OFF
    assert not service.can_pay(service.get(external.id))                   # payments off: no Pay at all


def test_payments_follow_their_scope(db):
    service, settings, _ = payment_service(db, configured=False)
    configure(settings, scope="organization", scope_id=2)
    mine, theirs = posted_invoice(service, organization_id=2), posted_invoice(service, organization_id=1)
    assert reason(service, mine) == checkout.PAYABLE
    assert reason(service, theirs) == checkout.PAYMENTS_OFF
    settings.set("oro_invoices.payments_enabled", False, "website", 7)
    assert reason(service, posted_invoice(service, organization_id=2, website_id=7)) == checkout.PAYMENTS_OFF
    found = service.payment_availabilities([mine, theirs])
    assert {k: v.reason for k, v in found.items()} == {mine.id: checkout.PAYABLE, theirs.id: checkout.PAYMENTS_OFF}


def test_starting_takes_the_amount_due_from_the_record(db):
    service, _, fake = payment_service(db)
    doc = posted_invoice(service)
    started = start(service, doc.id)
    assert started.page.kind == "redirect" and started.page.url.endswith(started.attempt.public_id)
    assert started.attempt.amount == Decimal("231.86") and started.attempt.status == "started"
    request = fake.started[-1]
    assert (request.amount, request.currency, request.attempt_id) == (23186, "USD", started.attempt.public_id)
    assert request.return_url == f"{BASE_URL}/invoices/pay/notify/fakepay"
    assert request.cancel_url == f"{BASE_URL}/customer/invoices/{doc.id}/payment"
    assert request.description == f"Invoice {doc.invoice_number}"
    assert any("Payment of 231.86 USD started via FakePay" in a.summary for a in service.activities(doc.id))


def test_a_chosen_amount_needs_partial_payments(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    with pytest.raises(ValidationError) as err:
        start(service, doc.id, "100.00")
    assert err.value.errors == [("amount", "Must be 231.86 USD: partial payments are not accepted for this invoice.")]
    assert start(service, doc.id, "231.86").attempt.amount == Decimal("231.86")


@pytest.mark.parametrize("amount,message", [
    ("9.99", "Must be between 10.00 USD and 231.86 USD."),
    ("231.87", "Must be between 10.00 USD and 231.86 USD."),
    ("-5", "Must be between 10.00 USD and 231.86 USD."),
    ("12.345", "USD amounts have at most 2 decimals."),
    ("ten", "'ten' is not a decimal number"),
    ("NaN", "'NaN' is not a decimal number"),
])
def test_partial_amounts_are_checked_on_the_server(db, amount, message):
    service, _, _ = payment_service(db, partial=True, minimum="10")
    doc = posted_invoice(service)
    available = service.payment_availability(doc)
    assert available.partial and (available.minimum, available.maximum) == (1000, 23186)
    with pytest.raises(ValidationError) as err:
        start(service, doc.id, amount)
    [(field, text)] = err.value.errors
    assert field == "amount" and text.startswith(message)


def test_partial_amount_within_bounds(db):
    service, _, fake = payment_service(db, partial=True, minimum="10")
    doc = posted_invoice(service)
    assert start(service, doc.id, "10.00").attempt.amount == Decimal("10.00")
    assert start(service, doc.id, " 231.86 ").attempt.amount == Decimal("231.86")
    assert [r.amount for r in fake.started] == [1000, 23186]


def test_less_due_than_the_partial_minimum_pays_exactly_what_is_due(db):
    service, _, _ = payment_service(db, partial=True, minimum="500")
    doc = posted_invoice(service)
    available = service.payment_availability(doc)
    assert (available.minimum, available.maximum, available.partial) == (23186, 23186, False)


def test_the_same_form_sent_twice_is_one_attempt(db):
    service, _, fake = payment_service(db, partial=True)
    doc = posted_invoice(service)
    key = "k" * 20
    first = start(service, doc.id, "50.00", request_key=key)
    again = start(service, doc.id, "50.00", request_key=key)
    assert first.attempt.public_id == again.attempt.public_id
    with pytest.raises(Conflict, match="already sent with another amount"):
        start(service, doc.id, "60.00", request_key=key)
    with pytest.raises(ValidationError):
        start(service, doc.id, "50.00", request_key="bad key!")


def test_nothing_starts_for_an_invoice_that_cannot_be_paid(db):
    service, settings, fake = payment_service(db)
    doc = posted_invoice(service)
    service.record_payment(doc.id, {"method": "bank", "action": "charge", "amount": "231.86"})
    with pytest.raises(Conflict, match="nothing is due"):
        start(service, doc.id)
    tiny = posted_invoice(service, lines=[{"description": "Sticker", "quantity": "1", "unit_price": "0.05"}])
    with pytest.raises(Conflict, match="No payment methods are available, please contact us to proceed."):
        start(service, tiny.id)
    assert fake.started == []


def test_the_link_in_pdfs_and_emails_follows_the_rule(db):
    service, settings, _ = payment_service(db)
    doc = posted_invoice(service)
    assert service.pay_link(doc) == f"{BASE_URL}/invoices/pay/{doc.payment_token}"
    external = posted_invoice(service, external_payment_url="https://erp.test/pay/9")
    assert service.pay_link(external) == f"{BASE_URL}/invoices/pay/{external.payment_token}"
    service.record_payment(doc.id, {"method": "bank", "action": "charge", "amount": "231.86"})
    assert service.pay_link(service.get(doc.id)) is None
    settings.set("oro_invoices.payments_enabled", False)
    assert service.pay_link(service.get(external.id)) is None


def test_the_pdf_made_at_posting_gets_no_link_when_the_invoice_cannot_be_paid(db, tmp_path):
    from oro_invoices.documents.storage import LocalStorage

    class Recording:
        def __init__(self):
            self.links = []

        def render(self, invoice, *, payment_url=None, extra_context=None):
            self.links.append(payment_url)
            return b"%PDF-1.7 test"

    service, settings, _ = payment_service(db)
    renderer = Recording()
    service.context.storage, service.context.renderer = LocalStorage(tmp_path / "pdf"), renderer
    payable = posted_invoice(service)
    settings.set("oro_invoices.payments_enabled", False)
    posted_invoice(service)
    assert renderer.links == [f"{BASE_URL}/invoices/pay/{payable.payment_token}", None]


def test_a_payment_of_part_never_leaves_less_due_than_the_method_takes(db):
    """probeB #4: FakePay takes 0.50 and more. Paying 231.50 of 231.86 would leave 0.36 that nobody
    could pay online; it is refused in words: pay all, or leave at least 0.50 due."""
    service, _, fake = payment_service(db, partial=True, minimum="10")
    doc = posted_invoice(service)
    available = service.payment_availability(doc)
    assert (available.minimum, available.maximum, available.least_left) == (1000, 23186, 50)
    assert not available.accepts(23150) and available.accepts(23136) and available.accepts(23186)
    for amount in ("231.50", "231.37", "231.85"):
        with pytest.raises(ValidationError) as err:
            start(service, doc.id, amount)
        assert err.value.errors == [("amount", "Pay all of 231.86 USD, or at most 231.36 USD: at least 0.50 USD "
                                               "must remain due, the least FakePay takes, so that the rest can be "
                                               "paid online.")]
    assert not fake.started
    assert start(service, doc.id, "231.36").attempt.amount == Decimal("231.36")
    assert start(service, doc.id, "231.86").attempt.amount == Decimal("231.86")


def test_when_no_part_leaves_enough_due_only_all_is_paid(db):
    service, _, _ = payment_service(db, partial=True, minimum="0.50")
    doc = posted_invoice(service)
    service.record_payment(doc.id, {"method": "manual", "action": "charge", "amount": "230.96"})   # 0.90 due
    available = service.payment_availability(service.get(doc.id))
    assert (available.minimum, available.maximum, available.partial) == (90, 90, False)
    with pytest.raises(ValidationError, match="Must be 0.90 USD: partial payments are not accepted"):
        start(service, doc.id, "0.50")
    assert start(service, doc.id).attempt.amount == Decimal("0.90")


def authorize(service, doc, amount: int):
    a = start(service, doc.id, amount=f"{amount / 100:.2f}").attempt.public_id
    service.handle_payment_callback("fakepay", callback(a, {**charge(a, amount), "action": "authorize"}))
    return next(t for t in service.transactions(doc.id) if t.action == "authorize")


def test_what_an_open_authorization_holds_is_not_offered_to_pay_again(db):
    """Paid in part by bank transfer and authorized for the rest: the seller collects the rest by
    capturing, so nothing is offered to pay (before, Pay offered the rest again)."""
    service, _, _ = payment_service(db, partial=True)
    doc = posted_invoice(service)                                           # 231.86
    service.record_payment(doc.id, {"method": "manual", "action": "charge", "amount": "100.00"})
    authorize(service, doc, 13186)
    held = service.get(doc.id)
    assert (held.payment_status, held.amount_due, held.amount_held) == (
        PaymentStatus.PAID_PARTIALLY, Decimal("131.86"), Decimal("131.86"))
    assert reason(service, held) == "nothing_due" and not service.can_pay(held)
    with pytest.raises(Conflict, match="cannot be paid again: its payment is authorized and the seller collects it"):
        start(service, doc.id)


def test_a_partial_authorization_leaves_the_rest_to_pay_until_it_is_captured_or_canceled(db):
    service, _, fake = payment_service(db, partial=True)
    fake.captures_part = True
    doc = posted_invoice(service)
    auth = authorize(service, doc, 10000)
    available = service.payment_availability(service.get(doc.id))
    assert available.online and available.amounts == (Decimal("0.50"), Decimal("131.86"), Decimal("131.86"))
    service.capture_authorization(auth.id, "60.00", actor="admin")           # Stripe-like: releases the rest
    after = service.get(doc.id)
    assert (after.amount_held, after.amount_due) == (Decimal("0.00"), Decimal("171.86"))
    assert service.payment_availability(after).amounts[2] == Decimal("171.86")


def test_the_list_offers_pay_by_the_same_rule(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    service.record_payment(doc.id, {"method": "manual", "action": "charge", "amount": "100.00"})
    authorize(service, doc, 13186)
    [row] = [i for i in service.list_invoices({}, limit=100).items if i.id == doc.id]
    assert row.amount_held == Decimal("131.86")
    assert not service.payment_availabilities([row])[doc.id]
