"""A bank statement's payment that brings more than its invoices owe: offered for keeping what is
over as the customer's credit when its invoices are one customer's, and recorded so when asked,
as Record Payment for several invoices keeps it; refused in words, nothing written, when it
cannot be kept."""
from __future__ import annotations

from decimal import Decimal

from support.bank_lines import DAY, entry, invoice

from oro_invoices.domain.messages import Message
from oro_invoices.services.bank_matching import MORE, MatchedPayment, match_entries, record_matched
from oro_invoices.services.facade import InvoiceService


def record(service: InvoiceService, amount: str, ids: tuple[int, ...], *, keep: bool = True):
    [done] = record_matched(service, [MatchedPayment(ids, Decimal(amount), "USD", DAY, "ERP", keep)],
                            organization_id=1, actor="bank")
    return done


def test_only_a_payment_paying_more_than_one_customers_invoices_may_keep_the_rest(service):
    invoice(service, "100.00", "ERP-1")
    invoice(service, "50.00", "ERP-2")
    invoice(service, "10.00", "ERP-3", customer_id=11, customer_name="Beta GmbH")
    one, several, exact = match_entries(service, [entry("175.00", "ERP-1 ERP-2"), entry("175.00", "ERP-1 ERP-3"),
                                                  entry("150.00", "ERP-1 ERP-2")], organization_id=1)
    assert (one.outcome, one.keeps_surplus) == (MORE, True)
    assert (several.outcome, several.keeps_surplus) == (MORE, False)           # two customers'
    assert exact.keeps_surplus is False


def test_what_is_over_is_kept_as_the_customers_credit_with_the_latest_due_share(service):
    early = invoice(service, "100.00", "ERP-1", due_in=9)
    late = invoice(service, "50.00", "ERP-2", due_in=29)
    assert record(service, "175.00", (early, late), keep=False).why == Message(
        "It no longer pays exactly what its invoices owe: record it from the list.")
    assert service.transactions(early) == []                                  # not without asking
    done = record(service, "175.00", (early, late))
    assert done.outcome == "recorded" and done.kept == Decimal("25.00")
    assert [service.get(i).amount_due for i in (early, late)] == [0, 0]
    [carrier] = service.transactions(late)
    assert (carrier.amount, carrier.surplus, carrier.reference) == (Decimal("75.00"), Decimal("25.00"), "ERP")
    assert service.available_credit(service.get(late)) == Decimal("25.00")
    again = record(service, "175.00", (early, late))
    assert again.outcome == "before" and service.available_credit(service.get(late)) == Decimal("25.00")


def test_it_is_not_recorded_saying_why_when_the_rest_cannot_be_kept(service):
    mine = invoice(service, "100.00", "ERP-1")
    theirs = invoice(service, "10.00", "ERP-2", customer_id=11, customer_name="Beta GmbH")
    assert str(record(service, "150.00", (mine, theirs)).why) == (
        "Its invoices are not all of one customer, so what it brings over their amount due cannot be kept as a "
        "customer's credit: record it from the list.")
    assert str(record(service, "90.00", (mine,)).why) == (
        "It no longer pays at least what its invoices owe: record it from the list.")
    service.record_payment(mine, {"method": "bank", "action": "charge", "amount": "100.00"})
    assert str(record(service, "150.00", (mine,)).why) == (
        "None of its invoices can be paid any more, so there is no customer to keep what it brings as credit for: "
        "record it from the list.")
    assert [t for i in (mine, theirs) for t in service.transactions(i) if t.recorded_by_hand] == []
    assert service.available_credit(service.get(theirs)) == 0


def test_a_payment_asked_to_keep_the_rest_that_pays_exactly_keeps_nothing(service):
    paid = invoice(service, "100.00", "ERP-1")
    done = record(service, "100.00", (paid,))
    assert done.outcome == "recorded" and done.kept == 0 and service.available_credit(service.get(paid)) == 0
