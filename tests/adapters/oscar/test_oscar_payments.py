"""Invoice payments show on the invoice's Oscar order: a payment source, transactions, events."""
from __future__ import annotations

from decimal import Decimal

from support.oscar_shop import Shop


def test_payment_and_refund_are_recorded_on_the_order(shop: Shop) -> None:
    from oscar.core.loading import get_model
    invoices = shop.client.addon.invoices
    posted = shop.data.posted
    invoices.record_payment(posted.id, {"method": "bank_transfer", "action": "charge",
                                        "amount": "10.00", "provider_reference": "BANK-1"},
                            actor="Accounting")
    source = get_model("payment", "Source").objects.get(order_id=shop.data.order.id)
    assert (source.source_type.name, source.reference) == ("Invoice", posted.display_number)
    assert source.amount_debited == Decimal("10.00")
    assert [t.txn_type for t in source.transactions.all()] == ["Debit"]
    events = get_model("order", "PaymentEvent").objects.filter(order_id=shop.data.order.id)
    assert [(e.event_type.name, e.amount) for e in events] == [("Invoice payment", Decimal("10.00"))]
    invoices.record_payment(posted.id, {"method": "bank_transfer", "action": "refund",
                                        "amount": "4.00", "provider_reference": "BANK-1-R"},
                            actor="Accounting")
    source.refresh_from_db()
    assert (source.amount_debited, source.amount_refunded) == (Decimal("10.00"), Decimal("4.00"))
    assert [e.event_type.name for e in events.order_by("id")] == ["Invoice payment", "Invoice refund"]


def test_invoice_without_an_order_leaves_oscar_alone(shop: Shop) -> None:
    from oscar.core.loading import get_model
    invoices = shop.client.addon.invoices
    invoices.record_payment(shop.data.colleague_invoice.id,
                            {"method": "bank_transfer", "action": "charge", "amount": "1.00",
                             "provider_reference": "BANK-2"}, actor="Accounting")
    assert not get_model("payment", "Source").objects.exists()
