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


def _event_form_post(shop: Shop, order_number: str, data: dict[str, str], language: str = "en") -> str:
    """POST ``data`` to the order page with its own CSRF token, as a hand-made request would;
    the page it redirects to, as the admin then reads it."""
    import html

    from support.oscar_shop import DJANGO_TOKEN
    url = f"/dashboard/orders/{order_number}/"
    headers = {"Accept-Language": language}
    token = DJANGO_TOKEN.search(shop.client.request("GET", url, headers=headers).text())
    assert token, "the order page has no form"
    resp = shop.client.request("POST", url, headers=headers, data={"csrfmiddlewaretoken": token.group(1), **data})
    assert resp.status == 302
    return html.unescape(shop.client.request("GET", resp.headers["Location"], headers=headers).text())


def test_a_hand_made_post_of_the_invoices_event_types_is_refused(shop: Shop) -> None:
    from oscar.core.loading import get_model

    from oro_invoices.adapters.identity import PERMISSIONS
    invoices = shop.client.addon.invoices
    invoices.record_payment(shop.data.posted.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                                                  "provider_reference": "BANK-4"}, actor="Accounting")
    invoices.record_payment(shop.data.posted.id, {"method": "bank_transfer", "action": "refund", "amount": "1.00",
                                                  "provider_reference": "BANK-4-R"}, actor="Accounting")
    event_types = get_model("order", "PaymentEventType").objects
    cheque = event_types.create(name="Paid by cheque")
    events = get_model("order", "PaymentEvent").objects.filter(order_id=shop.data.order.id)
    order = shop.data.order
    line = get_model("order", "Line").objects.filter(order_id=order.id).first()
    shop.client.login_admin(PERMISSIONS)
    before = events.count()
    for name in ("Invoice payment", "Invoice refund"):
        code = event_types.get(name=name).code
        for action in ({"order_action": "create_order_payment_event", "amount": "5.00"},
                       {"line_action": "create_payment_event", "selected_line": str(line.id),
                        f"selected_line_qty_{line.id}": "1", "amount": "5.00"}):
            page = _event_form_post(shop, order.identifier, {**action, "payment_event_type": code})
            assert (f'"{name}" payment events are recorded by the invoices when an invoice is paid or refunded, '
                    "not by hand. Record the payment on the invoice (the order's Invoices tab) instead.") in page
            assert "Payment event created" not in page
    assert events.count() == before  # nothing recorded
    # the shop's own event types are still created by hand, as Oscar does
    page = _event_form_post(shop, order.identifier, {"order_action": "create_order_payment_event",
                                                     "amount": "5.00", "payment_event_type": cheque.code})
    assert "Payment event created" in page and events.count() == before + 1


def test_the_refusal_is_in_the_admins_language(shop: Shop) -> None:
    from oscar.core.loading import get_model

    from oro_invoices.adapters.identity import PERMISSIONS
    shop.client.addon.invoices.record_payment(
        shop.data.posted.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                              "provider_reference": "BANK-5"}, actor="Accounting")
    code = get_model("order", "PaymentEventType").objects.get(name="Invoice payment").code
    shop.client.login_admin(PERMISSIONS)
    page = _event_form_post(shop, shop.data.order.identifier, {"order_action": "create_order_payment_event",
                                                               "amount": "5.00", "payment_event_type": code}, "de")
    assert ("Zahlungsereignisse „Invoice payment“ werden von den Rechnungen erfasst, wenn eine Rechnung bezahlt oder "
            "erstattet wird, nicht von Hand. Erfassen Sie die Zahlung stattdessen an der Rechnung (Reiter "
            "„Rechnungen“ der Bestellung).") in page
