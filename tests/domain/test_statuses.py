"""Payment status: recalculated from transactions with the reference precedence; forced is kept."""
from decimal import Decimal

import pytest
from support.payloads import invoice_payload

from oro_invoices.domain.errors import Conflict, InvoiceNotPosted, ValidationError
from oro_invoices.domain.invoice import PaymentStatus as S
from oro_invoices.domain.statuses import TransactionFacts as T
from oro_invoices.domain.statuses import calculate, is_held, is_owed, is_payable, summarize, unheld

TOTAL = 10000


@pytest.mark.parametrize("transactions,expected", [
    ([], S.PENDING),
    ([T("charge", 10000, True)], S.PAID_IN_FULL),
    ([T("charge", 4000, True)], S.PAID_PARTIALLY),
    ([T("authorize", 10000, True)], S.AUTHORIZED),
    ([T("authorize", 3000, True)], S.AUTHORIZED_PARTIALLY),
    ([T("authorize", 10000, True), T("capture", 10000, True)], S.PAID_IN_FULL),
    ([T("authorize", 10000, True), T("cancel", 10000, True)], S.CANCELED),
    ([T("authorize", 10000, True), T("capture", 6000, True), T("cancel", 4000, True)], S.CANCELED_PARTIALLY),
    ([T("charge", 10000, False)], S.DECLINED),
    ([T("charge", 10000, False), T("charge", 10000, False)], S.DECLINED),
    ([T("charge", 10000, False), T("charge", 10000, True)], S.PAID_IN_FULL),
    ([T("invoice", 10000, True)], S.INVOICED),
    ([T("charge", 10000, True), T("refund", 10000, True)], S.REFUNDED),
    ([T("charge", 10000, True), T("refund", 2500, True)], S.REFUNDED_PARTIALLY),
    ([T("charge", 10000, True), T("refund", 2500, False)], S.PAID_IN_FULL),
    # a payment recorded by hand in error, reversed: as if it had never been recorded
    ([T("charge", 10000, True), T("refund", 10000, True, reversal=True)], S.PENDING),
    ([T("charge", 4000, True), T("charge", 6000, True), T("refund", 6000, True, reversal=True)], S.PAID_PARTIALLY),
    ([T("charge", 4000, True), T("refund", 4000, True, reversal=True), T("charge", 10000, True)], S.PAID_IN_FULL),
    # precedence: a refund outranks "paid", a payment outranks "invoiced" and "authorized"
    ([T("invoice", 10000, True), T("charge", 5000, True)], S.PAID_PARTIALLY),
    ([T("authorize", 10000, True), T("charge", 2000, True)], S.PAID_PARTIALLY),
    # a cancellation is history once a new authorization holds the rest
    ([T("authorize", 10000, True), T("cancel", 10000, True), T("authorize", 10000, True)], S.AUTHORIZED),
    ([T("authorize", 10000, True), T("capture", 6000, True), T("cancel", 4000, True), T("authorize", 4000, True)],
     S.PAID_PARTIALLY),
])
def test_status_from_transactions(transactions, expected):
    assert calculate(TOTAL, transactions) is expected


def test_the_eleven_reference_statuses_and_the_two_of_credit_notes():
    assert len(S) == 13
    assert S.PENDING.label == "Pending payment" and S.CANCELED_PARTIALLY.label == "Canceled partially"
    assert (S.VOIDED.label, S.CREDITED.label) == ("Voided", "Credited")


def test_an_invoice_authorized_in_full_is_owed_and_held_in_full_as_one_whose_rest_is_held():
    """Authorized and nothing captured: owed until the seller captures it, but neither payable online
    nor overdue, as an invoice paid in part whose rest open authorizations hold."""
    authorized = [T("authorize", TOTAL, True)]
    rest_held = [T("charge", 4000, True), T("authorize", 6000, True)]
    assert calculate(TOTAL, authorized) is S.AUTHORIZED and calculate(TOTAL, rest_held) is S.PAID_PARTIALLY
    for status, due, facts in ((S.AUTHORIZED, 100, authorized), (S.PAID_PARTIALLY, 60, rest_held)):
        held = summarize(facts).open_authorized // 100          # in whole units, as ``due``
        assert is_owed(status, due) and is_held(status, due, held) and not is_payable(status, due - held)
    assert not is_owed(S.AUTHORIZED, 0) and not is_held(S.AUTHORIZED, 0, 100)        # nothing due
    assert is_held(S.AUTHORIZED, 100, 0)                        # so its status says, set from outside
    assert not is_held(S.PAID_PARTIALLY, 60, 59) and not is_held(S.AUTHORIZED_PARTIALLY, 100, 40)
    assert unheld(S.AUTHORIZED, Decimal("100.00"), Decimal("0.00")) == 0      # credit pays none of it
    assert unheld(S.AUTHORIZED_PARTIALLY, Decimal("100.00"), Decimal("40.00")) == Decimal("60.00")


@pytest.mark.parametrize("credited,transactions,expected", [
    (TOTAL, [], S.VOIDED),                                            # credited in full, nothing paid
    (TOTAL, [T("charge", 1000, False)], S.VOIDED),                    # a failed attempt is no payment
    (TOTAL, [T("charge", TOTAL, True)], S.CREDITED),                  # paid, then credited in full
    (TOTAL, [T("charge", TOTAL, True), T("refund", TOTAL, True)], S.CREDITED),
    (3000, [T("charge", 7000, True)], S.PAID_IN_FULL),                # the rest paid: settled
    (3000, [T("charge", 5000, True)], S.PAID_PARTIALLY),
    (3000, [], S.PENDING),
    (3000, [T("charge", TOTAL, True), T("refund", 3000, True)], S.REFUNDED_PARTIALLY),
])
def test_credit_notes_count_like_a_settlement(credited, transactions, expected):
    assert calculate(TOTAL, transactions, credited) is expected
    assert not is_payable(S.VOIDED, 100) and not is_payable(S.CREDITED, 100)


def test_pay_is_hidden_once_paid_authorized_or_refunded():
    assert is_payable(S.PENDING, 100) and is_payable(S.PAID_PARTIALLY, 100) and is_payable(S.DECLINED, 100)
    for status in (S.PAID_IN_FULL, S.AUTHORIZED, S.REFUNDED):
        assert not is_payable(status, 100)
    assert not is_payable(S.PENDING, 0)


def test_a_refunded_invoice_with_an_amount_due_is_owed_but_not_payable_online():
    for status in (S.REFUNDED, S.REFUNDED_PARTIALLY):
        assert is_owed(status, 100) and not is_payable(status, 100) and not is_owed(status, 0)
    for status in (S.PAID_IN_FULL, S.CANCELED, S.VOIDED, S.CREDITED):
        assert not is_owed(status, 100)
    for status in (S.PENDING, S.PAID_PARTIALLY, S.DECLINED, S.CANCELED_PARTIALLY, S.AUTHORIZED_PARTIALLY):
        assert is_owed(status, 100) and is_payable(status, 100)


@pytest.mark.parametrize("credited,transactions,expected", [
    # paid 6000, a credit note of 7000 leaves 3000 due: 3000 refunded as its settlement
    (7000, [T("charge", 6000, True), T("refund", 3000, True, settles_credit_note=True)], S.PAID_IN_FULL),
    (TOTAL, [T("charge", TOTAL, True), T("refund", TOTAL, True, settles_credit_note=True)], S.CREDITED),
    # a refund of the invoice besides it still is one
    (7000, [T("charge", 6000, True), T("refund", 3000, True, settles_credit_note=True),
            T("refund", 1000, True)], S.REFUNDED_PARTIALLY),
    (7000, [T("charge", 6000, True), T("refund", 3000, True, settles_credit_note=True),
            T("refund", 3000, True)], S.REFUNDED),
])
def test_a_refund_settling_a_credit_note_is_no_refund_of_the_invoice(credited, transactions, expected):
    assert calculate(TOTAL, transactions, credited) is expected


def pay(service, invoice_id, amount, action="charge", ok=True, ref=None):
    return service.record_payment(invoice_id, {"method": "stripe", "action": action, "amount": amount,
                                               "successful": ok, "provider_reference": ref}, actor="webhook")


def test_recorded_payments_drive_status_and_amounts(service):
    inv = service.post(service.create(invoice_payload()).id)  # total 231.86
    pay(service, inv.id, "100.00", ref="pi_1")
    got = service.get(inv.id)
    assert (got.payment_status, got.amount_paid, got.amount_due) == (
        S.PAID_PARTIALLY, Decimal("100.00"), Decimal("131.86"))
    pay(service, inv.id, "131.86", ref="pi_2")
    assert service.get(inv.id).payment_status is S.PAID_IN_FULL
    pay(service, inv.id, "31.86", action="refund", ref="re_1")
    got = service.get(inv.id)
    assert (got.payment_status, got.amount_paid) == (S.REFUNDED_PARTIALLY, Decimal("200.00"))
    kinds = [a.kind for a in service.activities(inv.id)]
    assert kinds.count("payment") == 3 and kinds.count("payment_status") == 3


def test_a_redelivered_provider_event_is_recorded_once(service):
    inv = service.post(service.create(invoice_payload()).id)
    first = pay(service, inv.id, "50.00", ref="evt_same")
    again = pay(service, inv.id, "50.00", ref="evt_same")
    assert first.id == again.id
    assert len(service.transactions(inv.id)) == 1
    assert service.get(inv.id).amount_paid == Decimal("50.00")


def test_provider_reference_of_another_invoice_is_a_conflict(service):
    a = service.post(service.create(invoice_payload()).id)
    b = service.post(service.create(invoice_payload()).id)
    pay(service, a.id, "1.00", ref="shared")
    with pytest.raises(Conflict, match="another invoice"):
        pay(service, b.id, "1.00", ref="shared")


def test_forced_status_is_kept_until_released(service):
    inv = service.post(service.create(invoice_payload()).id)
    service.force_payment_status(inv.id, "paid_in_full", actor="erp")
    pay(service, inv.id, "10.00", ref="p1")
    got = service.get(inv.id)
    assert got.payment_status is S.PAID_IN_FULL and got.payment_status_forced
    assert got.amount_paid == Decimal("10.00")
    released = service.force_payment_status(inv.id, None, actor="erp")
    assert released.payment_status is S.PAID_PARTIALLY and not released.payment_status_forced


def test_invalid_payments_are_refused_and_write_nothing(service):
    draft = service.create(invoice_payload())
    with pytest.raises(InvoiceNotPosted):
        pay(service, draft.id, "1.00")
    inv = service.post(service.create(invoice_payload()).id)
    with pytest.raises(ValidationError, match="Exceeds the amount due"):
        pay(service, inv.id, "231.87")
    with pytest.raises(ValidationError, match="Cannot refund more than was paid"):
        pay(service, inv.id, "1.00", action="refund")
    with pytest.raises(ValidationError, match="amount"):
        pay(service, inv.id, "0.001")
    with pytest.raises(ValidationError, match="action"):
        pay(service, inv.id, "1.00", action="steal")
    assert service.transactions(inv.id) == []
    assert service.get(inv.id).payment_status is S.PENDING


def test_imported_invoice_may_arrive_with_a_forced_status(service):
    inv = service.create(invoice_payload(status="posted", payment_status="paid_in_full"))
    assert inv.is_posted and inv.payment_status is S.PAID_IN_FULL and inv.payment_status_forced
