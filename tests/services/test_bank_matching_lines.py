"""Which statement line a recorded payment is, and what recording a ticked line may do: a line is
its day, reference, amount, currency and the bank's entry reference (identical lines counted), a
surplus is kept only for invoices all of one customer (paid ones too) and only as much as the
admin confirmed, and each refusal says what is the case."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from support.bank_lines import DAY, entry, invoice

from oro_invoices.domain.messages import Message
from oro_invoices.services.bank_matching import (
    MATCHED,
    MORE,
    NOT_FOUND,
    PARTLY,
    RECORDED,
    MatchedPayment,
    bank_note,
    match_entries,
    record_matched,
)
from oro_invoices.services.facade import InvoiceService


def by_hand(service: InvoiceService, invoice_id: int, amount: str, reference: str, key: str, notes: str = "") -> None:
    service.record_received_payment(invoice_id, amount=amount, method="bank_transfer", received_on=DAY,
                                    reference=reference, notes=notes, actor="test", request_key=key)


def test_a_surplus_is_not_kept_when_an_invoice_named_of_another_customer_was_paid(service):
    mine = invoice(service, "100.00", "ERP-1")
    theirs = invoice(service, "50.00", "ERP-2", customer_id=11, customer_name="Beta GmbH")
    by_hand(service, theirs, "50.00", "other", "meanwhile-000000001")
    [match] = match_entries(service, [entry("130.00", "ERP-1 ERP-2")], organization_id=1)
    assert (match.outcome, match.keeps_surplus) == (MORE, False)
    assert str(match.why_not_kept).startswith("Its invoices are not all of one customer")
    [done] = record_matched(service, [MatchedPayment.of(match, keep_surplus=True)], organization_id=1, actor="bank")
    assert done.outcome == "not_recorded" and str(done.why).startswith("Its invoices are not all of one customer")
    assert [t for t in service.transactions(mine) if t.recorded_by_hand] == []
    assert service.available_credit(service.get(mine)) == 0


def test_a_surplus_is_kept_only_as_much_as_was_confirmed(service):
    early = invoice(service, "100.00", "ERP-1", due_in=9)
    late = invoice(service, "50.00", "ERP-2", due_in=29)
    [match] = match_entries(service, [entry("175.00", "ERP-1 ERP-2")], organization_id=1)
    ticked = MatchedPayment.of(match, keep_surplus=True, surplus=Decimal("25.00"))
    by_hand(service, early, "10.00", "cash", "meanwhile-000000002")
    [done] = record_matched(service, [ticked], organization_id=1, actor="bank")
    assert done.outcome == "not_recorded" and str(done.why) == (
        "What it brings over their amount due is now 35.00 USD, not the 25.00 USD ticked to keep as credit (an invoice "
        "was paid or changed meanwhile): record it from the list.")
    assert [len(service.transactions(i)) for i in (early, late)] == [1, 0]
    [asked] = record_matched(service, [replace(ticked, surplus=None)], organization_id=1, actor="bank")
    assert asked.outcome == "recorded" and asked.kept == Decimal("35.00")     # the API's: what is over now


def test_the_surplus_that_changed_is_stated_as_money_of_the_payments_currency(service):
    """The statement's "175.000" yen and the page's "25.0" read as yen, not as decimals."""
    early = invoice(service, "100", "ERP-1", due_in=9, currency="JPY")
    invoice(service, "50", "ERP-2", due_in=29, currency="JPY")
    [match] = match_entries(service, [entry("175.000", "ERP-1 ERP-2", currency="JPY")], organization_id=1)
    ticked = MatchedPayment.of(match, keep_surplus=True, surplus=Decimal("25.0"))
    by_hand(service, early, "10", "cash", "meanwhile-000000009")
    [done] = record_matched(service, [ticked], organization_id=1, actor="bank")
    assert done.outcome == "not_recorded" and str(done.why) == (
        "What it brings over their amount due is now 35 JPY, not the 25 JPY ticked to keep as credit (an invoice "
        "was paid or changed meanwhile): record it from the list.")

def test_another_transfer_under_the_same_reference_is_not_recorded_before(service):
    paid = invoice(service, "1785.32", "ERP-1")
    by_hand(service, paid, "1785.32", "ERP-1", "earlier-000000001")
    same, other = match_entries(service, [entry("1785.32", "ERP-1"), entry("500.00", "ERP-1")], organization_id=1)
    assert same.outcome == RECORDED
    assert other.outcome == NOT_FOUND and other.problems == {paid: Message("It has nothing to pay.")}


def test_of_identical_lines_only_as_many_as_were_recorded_are_recorded_before(service):
    owing = invoice(service, "1000.00", "ERP-1")
    lines = [entry("500.00", "ERP-1"), entry("500.00", "ERP-1")]
    assert [m.occurrence for m in match_entries(service, lines, organization_id=1)] == [1, 2]
    assert [m.outcome for m in match_entries(service, lines, organization_id=1)] == [PARTLY, PARTLY]
    by_hand(service, owing, "500.00", "ERP-1", "first-0000000001")
    assert [m.outcome for m in match_entries(service, lines, organization_id=1)] == [RECORDED, MATCHED]
    by_hand(service, owing, "500.00", "ERP-1", "second-000000001")
    assert [m.outcome for m in match_entries(service, lines, organization_id=1)] == [RECORDED, RECORDED]


def test_the_second_identical_line_ticked_is_not_the_first_recorded_again(service):
    owing = invoice(service, "100.00", "ERP-1")
    first, second = match_entries(service, [entry("100.00", "ERP-1"), entry("100.00", "ERP-1")], organization_id=1)
    assert (first.outcome, second.outcome) == (MATCHED, MATCHED)
    done = record_matched(service, [MatchedPayment.of(first), MatchedPayment.of(second)], organization_id=1,
                          actor="bank")
    assert [d.outcome for d in done] == ["recorded", "not_recorded"]      # its invoice is paid by the first
    assert len(service.transactions(owing)) == 1


def test_a_line_with_a_bank_reference_is_recorded_before_only_as_its_own(service):
    owing = invoice(service, "1000.00", "ERP-1")
    lines = [entry("500.00", "ERP-1", "BANK-1"), entry("500.00", "ERP-1", "BANK-2")]
    by_hand(service, owing, "500.00", "ERP-1", "form-00000000001", notes=bank_note("BANK-1"))
    assert [m.outcome for m in match_entries(service, lines, organization_id=1)] == [RECORDED, MATCHED]
    assert [m.outcome for m in match_entries(service, lines[::-1], organization_id=1)] == [MATCHED, RECORDED]
    [_, second] = match_entries(service, lines, organization_id=1)
    [done] = record_matched(service, [MatchedPayment.of(second)], organization_id=1, actor="bank")
    assert done.outcome == "recorded" and done.recorded_shares[0].transaction.notes == bank_note("BANK-2")
    assert [m.outcome for m in match_entries(service, lines, organization_id=1)] == [RECORDED, RECORDED]


def test_a_payment_in_another_currency_says_so(service):
    owing = invoice(service, "100.00", "ERP-1")
    [done] = record_matched(service, [MatchedPayment((owing,), Decimal("100.00"), "EUR", DAY, "ERP-1")],
                            organization_id=1, actor="bank")
    assert str(done.why) == "Its invoices are in USD, the payment in EUR: record it from the list."
    assert service.transactions(owing) == []
