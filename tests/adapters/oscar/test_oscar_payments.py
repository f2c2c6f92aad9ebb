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


def test_the_order_pages_payment_event_form_offers_only_what_staff_record_by_hand(shop: Shop) -> None:
    """Oscar's "Create payment event" form leaves out the add-on's event types: the add-on
    records those when an invoice is paid or refunded."""
    import re

    from oscar.core.loading import get_model

    from oro_invoices.adapters.identity import PERMISSIONS
    shop.client.addon.invoices.record_payment(
        shop.data.posted.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                              "provider_reference": "BANK-3"}, actor="Accounting")
    get_model("order", "PaymentEventType").objects.create(name="Paid by cheque")
    shop.client.login_admin(PERMISSIONS)
    page = shop.get(f"/dashboard/orders/{shop.data.order.identifier}/").text()
    select = re.search(r'<select id="payment_event_type_select" name="payment_event_type">(.*?)</select>', page, re.S)
    assert select, "the order page has no payment event form"
    assert [o.strip() for o in re.findall(r"<option value=\"[^\"]+\">([^<]*)</option>", select.group(1))] \
        == ["Paid by cheque"]
    assert "Invoice payment" in page  # still listed among the order's payment events
