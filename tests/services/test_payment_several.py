"""One payment for several invoices: the rule for a selection, the attempt and its shares, one
payment recorded on each invoice, refunds of a share and of the whole payment."""
from __future__ import annotations

from decimal import Decimal

import pytest
from support.days import today
from support.fakepay import callback, charge, payment_service, posted_invoice, refund_event

from oro_invoices.domain.errors import Conflict, NotFound
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.services.checkout_several import MAX_INVOICES

NOTIFY = "/invoices/pay/notify/fakepay"


def start_several(service, ids, **kwargs):
    kwargs.setdefault("actor", "buyer@acme.test")
    kwargs.setdefault("origin", "storefront")
    kwargs.setdefault("return_path", NOTIFY)
    kwargs.setdefault("cancel_path", "/customer/invoices/payment")
    return service.start_several_payment(ids, **kwargs)


def two_invoices(service):
    first = posted_invoice(service)                                        # 231.86 USD
    second = posted_invoice(service, lines=[{"description": "Cable", "quantity": "2", "unit_price": "50.00",
                                             "tax_rate": "0"}])            # 100.00 USD
    return first, second


def paid_together(service, ids, *, event_id="evt-several"):
    started = start_several(service, ids)
    attempt = started.attempt.public_id
    total = int(started.attempt.amount * 100)
    outcome = service.handle_payment_callback(
        "fakepay", callback(attempt, charge(attempt, total, event_id=event_id)))
    return attempt, outcome


def test_two_invoices_are_paid_with_one_charge_recorded_as_a_payment_on_each(db):
    service, _, fake = payment_service(db)
    first, second = two_invoices(service)
    available = service.several_payment_availability([first.id, second.id])
    assert available and available.total_amount == Decimal("331.86") and available.currency == "USD"
    started = start_several(service, [first.id, second.id])
    assert started.attempt.amount == Decimal("331.86") and started.attempt.invoice_id == first.id
    request = fake.started[-1]
    assert request.amount == 33186 and [d.id for d in request.invoices] == [first.id, second.id]
    assert request.description == f"Invoices {first.invoice_number}, {second.invoice_number}"
    attempt = started.attempt.public_id
    outcome = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 33186)))
    assert [o.outcome for o in outcome.outcomes] == ["applied"] and outcome.attempt.status == "succeeded"
    for doc, amount in ((first, "231.86"), (second, "100.00")):
        paid = service.get(doc.id)
        assert paid.payment_status is PaymentStatus.PAID_IN_FULL and paid.amount_due == 0
        [tx] = service.transactions(doc.id)
        assert (tx.action, tx.amount, tx.successful) == ("charge", Decimal(amount), True)
        assert tx.remittance is not None and tx.remittance.total == Decimal("331.86")
        assert tx.remittance.invoices == (first.invoice_number, second.invoice_number)
        assert any("in one payment of" in str(a.summary) for a in service.activities(doc.id))
    shares = service.payment_shares(attempt)
    assert [(s.invoice_id, s.amount) for s in shares] == [(first.id, Decimal("231.86")),
                                                          (second.id, Decimal("100.00"))]
    assert all(s.transaction_id is not None for s in shares)
    # only the first share carries the provider's reference: it is one payment at the provider
    assert service.transactions(first.id)[0].provider_reference == f"ch-{attempt}"
    assert service.transactions(second.id)[0].provider_reference is None


def test_a_redelivered_charge_of_several_invoices_changes_nothing(db):
    service, _, _ = payment_service(db)
    first, second = two_invoices(service)
    attempt, _ = paid_together(service, [first.id, second.id])
    again = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 33186, event_id="evt-several")))
    assert [o.outcome for o in again.outcomes] == ["duplicate"]
    assert len(service.transactions(first.id)) == len(service.transactions(second.id)) == 1


def test_a_declined_charge_is_recorded_on_each_invoice_which_stay_payable(db):
    service, _, _ = payment_service(db)
    first, second = two_invoices(service)
    attempt = start_several(service, [first.id, second.id]).attempt.public_id
    outcome = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 33186, ok=False)))
    assert outcome.attempt.status == "failed"
    for doc in (first, second):
        [tx] = service.transactions(doc.id)
        assert not tx.successful and tx.remittance is None          # nothing was received
        assert service.get(doc.id).payment_status is PaymentStatus.DECLINED
        assert service.can_pay(service.get(doc.id))
    assert service.several_payment_availability([first.id, second.id])


def test_a_charge_of_another_amount_is_refused_and_records_nothing(db):
    service, _, _ = payment_service(db)
    first, second = two_invoices(service)
    attempt = start_several(service, [first.id, second.id]).attempt.public_id
    outcome = service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186)))
    assert [o.outcome for o in outcome.outcomes] == ["refused"]
    assert "started for 331.86 USD" in outcome.outcomes[0].reason
    assert service.transactions(first.id) == [] and service.transactions(second.id) == []
    for doc in (first, second):                                    # each invoice's activity says so
        assert any("was refused" in str(a.summary) for a in service.activities(doc.id))


def test_an_authorization_reported_for_several_invoices_is_refused(db):
    service, _, _ = payment_service(db)
    first, second = two_invoices(service)
    attempt = start_several(service, [first.id, second.id]).attempt.public_id
    event = {**charge(attempt, 33186), "action": "authorize", "event_id": "evt-auth"}
    outcome = service.handle_payment_callback("fakepay", callback(attempt, event))
    assert [o.outcome for o in outcome.outcomes] == ["refused"]
    assert "charged at once" in outcome.outcomes[0].reason
    assert service.transactions(first.id) == [] and service.transactions(second.id) == []


def test_an_invoice_paid_meanwhile_keeps_its_share_as_the_customers_credit(db):
    """The customer paid two invoices; one was paid by bank transfer while they were at the
    provider. The provider took the money: both shares are recorded, the paid invoice's as credit."""
    service, _, _ = payment_service(db)
    first, second = two_invoices(service)
    started = start_several(service, [first.id, second.id])
    service.record_received_payment(second.id, amount="100.00", method="bank_transfer",
                                    received_on=today(), actor="admin", request_key="k" * 20)
    attempt = started.attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 33186)))
    assert service.get(first.id).payment_status is PaymentStatus.PAID_IN_FULL
    second_now = service.get(second.id)
    assert second_now.payment_status is PaymentStatus.PAID_IN_FULL
    share = [t for t in service.transactions(second.id) if t.method == "fakepay"][0]
    assert share.amount == Decimal("100.00") and share.surplus == Decimal("100.00")
    assert service.customer_credit.available(second_now) == Decimal("100.00")


def test_one_share_is_refunded_on_its_own_through_the_payments_reference(db):
    service, _, fake = payment_service(db)
    first, second = two_invoices(service)
    attempt, _ = paid_together(service, [first.id, second.id])
    share = service.transactions(second.id)[0]
    assert service.transaction_actions(second.id)[share.id].refundable == Decimal("100.00")
    outcome = service.refund_payment(share.id, "40.00", actor="admin", notes="broken cable")
    assert outcome.successful
    request = fake.refunds[-1]
    assert request.transaction.provider_reference == f"ch-{attempt}" and request.transaction.attempt_id == attempt
    assert request.amount == 4000
    assert service.get(second.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert service.get(first.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_a_refund_made_at_the_provider_of_the_whole_payment_is_spread_over_the_shares(db):
    service, _, _ = payment_service(db)
    first, second = two_invoices(service)
    attempt, _ = paid_together(service, [first.id, second.id])
    outcome = service.handle_payment_callback("fakepay", callback(attempt, refund_event(f"ch-{attempt}", 33186, 1)))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    for doc, amount in ((first, "231.86"), (second, "100.00")):
        refunds = [t for t in service.transactions(doc.id) if t.action == "refund"]
        assert [(t.amount, t.successful) for t in refunds] == [(Decimal(amount), True)]
        assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED
    # more than is left of the whole payment: the provider gave it back, so it is recorded, and flagged
    more = service.handle_payment_callback("fakepay", callback(attempt, refund_event(f"ch-{attempt}", 1, 2)))
    assert [o.outcome for o in more.outcomes] == ["applied"]
    over = [t for t in service.transactions(first.id) if t.action == "refund"][-1]
    assert (over.amount, over.over_refunded) == (Decimal("0.01"), Decimal("0.01"))


def test_a_refund_at_the_provider_within_the_first_share_refunds_the_first_invoice(db):
    service, _, _ = payment_service(db)
    first, second = two_invoices(service)
    attempt, _ = paid_together(service, [first.id, second.id])
    service.handle_payment_callback("fakepay", callback(attempt, refund_event(f"ch-{attempt}", 5000, 1)))
    assert service.get(first.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert service.get(second.id).payment_status is PaymentStatus.PAID_IN_FULL
    # then 250.00: the 181.86 left of the first share and 68.14 of the second
    service.handle_payment_callback("fakepay", callback(attempt, refund_event(f"ch-{attempt}", 25000, 2)))
    assert service.get(first.id).payment_status is PaymentStatus.REFUNDED
    second_refunds = [t.amount for t in service.transactions(second.id) if t.action == "refund"]
    assert second_refunds == [Decimal("68.14")]


def test_a_second_approved_charge_of_one_payment_is_refunded_from_here_as_the_first(db):
    """Two hand-over pages of one payment were both completed: the provider took the money twice.
    Both charges are recorded; the payment's shares keep naming the first, and every share of
    either charge can be refunded from here, each through its own charge's reference."""
    service, _, fake = payment_service(db)
    first, second = two_invoices(service)
    attempt, _ = paid_together(service, [first.id, second.id])
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 33186, ref="ch-again",
                                                                        event_id="evt-again")))
    shares = service.payment_shares(attempt)
    charges = {doc.id: [t for t in service.transactions(doc.id) if t.action == "charge"] for doc in (first, second)}
    assert [s.transaction_id for s in shares] == [charges[first.id][0].id, charges[second.id][0].id]
    for doc in (first, second):
        assert len(charges[doc.id]) == 2
        actions = service.transaction_actions(doc.id)
        assert all(actions[t.id].refundable == t.amount for t in charges[doc.id])
    later = charges[second.id][1]
    assert service.refund_payment(later.id, "100.00", actor="admin", notes="charged twice").successful
    assert fake.refunds[-1].transaction.provider_reference == "ch-again"
    # a refund of the whole second charge made at the provider is spread over its shares
    outcome = service.handle_payment_callback("fakepay", callback(attempt, refund_event("ch-again", 23186, 1)))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    refunded = [t.parent_id for doc in (first, second) for t in service.transactions(doc.id) if t.action == "refund"]
    assert sorted(refunded) == sorted([charges[first.id][1].id, later.id])
    assert service.get(first.id).amount_paid == Decimal("231.86")


def test_the_same_form_sent_twice_starts_one_payment(db):
    service, _, fake = payment_service(db)
    first, second = two_invoices(service)
    one = start_several(service, [first.id, second.id], request_key="r" * 24)
    two = start_several(service, [first.id, second.id], request_key="r" * 24)
    assert one.attempt.public_id == two.attempt.public_id
    third = posted_invoice(service)
    with pytest.raises(Conflict, match="already sent for other invoices"):
        start_several(service, [first.id, third.id], request_key="r" * 24)


def test_a_total_that_changed_since_the_page_was_shown_is_refused(db):
    service, _, fake = payment_service(db)
    first, second = two_invoices(service)
    with pytest.raises(Conflict, match="changed meanwhile: it is now 331.86 USD"):
        start_several(service, [first.id, second.id], total="300.00")
    with pytest.raises(Conflict, match="changed meanwhile"):
        start_several(service, [first.id, second.id], total="not a number")
    assert fake.started == []
    # the same amount written another way is the same amount
    assert start_several(service, [first.id, second.id], total="331.860").page is not None


def test_the_payer_is_who_the_provider_is_told_of_and_their_invoice_goes_first(db):
    """A colleague's invoice chosen first: the provider still gets the payer's address, and the
    payer's own invoice leads the payment (its customer user is the provider's customer)."""
    service, _, fake = payment_service(db)
    colleague = posted_invoice(service, customer_user_email="colleague@acme.test", customer_user_id=101)
    own = posted_invoice(service)                                          # buyer@acme.test's
    started = start_several(service, [colleague.id, own.id], payer_email="BUYER@acme.test")
    request = fake.started[-1]
    assert request.customer_email == "BUYER@acme.test"
    assert request.invoice.id == own.id and [d.id for d in request.invoices] == [own.id, colleague.id]
    assert started.attempt.invoice_id == own.id
    # nobody's invoice is the payer's: the first chosen leads, the payer's address is given
    third = posted_invoice(service, customer_user_email="third@acme.test", customer_user_id=102)
    start_several(service, [third.id, colleague.id], payer_email="buyer@acme.test")
    assert fake.started[-1].invoice.id == third.id and fake.started[-1].customer_email == "buyer@acme.test"


def test_the_providers_description_names_whole_invoice_numbers():
    from oro_invoices.services.checkout_several import DESCRIPTION_MAX, description

    class Doc:
        def __init__(self, n):
            self.display_number = f"INV-2026-12-{n:05d}"
    assert description([Doc(1), Doc(2)]) == "Invoices INV-2026-12-00001, INV-2026-12-00002"
    many = description([Doc(n) for n in range(50)])
    assert len(many) <= DESCRIPTION_MAX and many.endswith(" more") and "INV-2026-12-00000, " in many
    shown = many.removeprefix("Invoices ").split(" and ")[0].split(", ")
    assert all(len(number) == 17 for number in shown)                      # no number cut
    assert many.endswith(f" and {50 - len(shown)} more")


@pytest.mark.parametrize("case", ["draft", "paid", "currency", "external", "one_at_a_time", "too_large", "too_many"])
def test_a_selection_that_cannot_be_paid_together_says_why(db, case):
    service, _, fake = payment_service(db)
    first = posted_invoice(service)
    others = {
        "draft": lambda: service.create(invoice_payload_of(), actor="import"),
        "paid": lambda: paid(service),
        "currency": lambda: posted_invoice(service, currency="EUR"),
        "external": lambda: posted_invoice(service, external_payment_url="https://pay.example/x"),
    }
    if case in others:
        second = others[case]()
        ids = [first.id, second.id]
    elif case == "too_many":
        ids = [first.id] * 1 + [posted_invoice(service).id for _ in range(MAX_INVOICES)]
    else:
        ids = [first.id, posted_invoice(service).id]
        if case == "one_at_a_time":
            fake.several = False
        else:
            big = posted_invoice(service, lines=[{"description": "Crane", "quantity": "1",
                                                  "unit_price": "999999.00", "tax_rate": "0"}])
            ids = [first.id, big.id]
    available = service.several_payment_availability(ids)
    assert not available
    expected = {
        "draft": "is not issued yet", "paid": "nothing is due", "currency": "different currencies (EUR, USD)",
        "external": "is paid on the seller's payment page", "one_at_a_time": "FakePay takes one invoice at a time",
        "too_large": "more than FakePay takes in one payment", "too_many": f"at most {MAX_INVOICES} invoices",
    }[case]
    said = " ".join([str(available.message), *(str(why) for _, why in available.problems)])
    assert expected in said
    with pytest.raises(Conflict):
        start_several(service, ids)
    assert fake.started == []


def test_an_invoice_that_does_not_exist_is_named(db):
    service, _, _ = payment_service(db)
    first = posted_invoice(service)
    with pytest.raises(NotFound, match="Invoice 999 does not exist"):
        service.several_payment_availability([first.id, 999])


def invoice_payload_of(**overrides):
    from support.payloads import invoice_payload
    return invoice_payload(**overrides)


def paid(service):
    doc = posted_invoice(service)
    service.record_payment(doc.id, {"method": "manual", "action": "charge", "amount": "231.86"})
    return service.get(doc.id)
