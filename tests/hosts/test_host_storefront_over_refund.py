"""An over-refund (a provider's refund beyond what remained of its payment) as the customer sees it
on their invoice page: what was refunded in all and by how much more than was paid, on the refund's
row and atop the page, with Amount Paid and Amount Due as without it."""
from __future__ import annotations

import re

from support.statements import statements_sent

from oro_invoices.hosts.reference.testing import ShopClient, text_of

EXTERNAL_ID = "ERP-SO-1005-5"           # Dieter's own, at Acme's sub-customer
DIETER = "dieter.berg@acme.example"


def customer_page(shop, invoice_id: int) -> str:
    client = ShopClient(shop[0])
    client.login_customer(DIETER)
    client.get(f"/customer/invoices/{invoice_id}")
    return client.get(f"/customer/invoices/{invoice_id}").get_data(as_text=True)


def figures(page: str) -> dict[str, str]:
    return {text_of(k).strip(): text_of(v).strip()
            for k, v in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", page, re.S)}


def over_refund(admin: ShopClient, invoice_id: int) -> tuple[int, int]:
    """Pay 10.00, refund 3.00 of it, then a provider's refund of 12.00 (5.00 beyond what remained)."""
    charge = admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                       "amount": "10.00", "provider_reference": "BT-SF-OVER"})
    ids = [admin.service.payments.record(invoice_id, {
        "method": "bank_transfer", "action": "refund", "amount": amount, "parent_id": charge.id,
        "provider_reference": f"BT-SF-OVER-R{n}"}, actor="provider", given=True).transaction.id
        for n, amount in enumerate(("3.00", "12.00"))]
    return ids[0], ids[1]


def test_the_customer_sees_what_was_refunded_beyond_what_they_paid(shop, admin):
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    within, beyond = over_refund(admin, invoice_id)
    doc = admin.service.get(invoice_id)
    page = customer_page(shop, invoice_id)
    notice = re.search(r'<div [^>]*id="oi-over-refunded">(.*?)</div>', page, re.S)
    assert text_of(notice.group(1)) == ("You were refunded €15.00 for this invoice, €5.00 more than you paid. Please "
                                        "contact us about the €5.00.")
    rows = dict(re.findall(r'<tr data-transaction-id="(\d+)">(.*?)</tr>', page, re.S))
    assert "Refund of €12.00" in text_of(rows[str(beyond)])
    assert "€5.00 of it more than remained of what you paid for this invoice" in text_of(rows[str(beyond)])
    assert "more than remained" not in text_of(rows[str(within)])
    assert "Settle it" not in text_of(page) and "Over-refunded" not in text_of(page)
    # what was paid counts as nothing (never less), so all of the total is due, not more
    shown = figures(page)
    assert doc.amount_paid == 0 and doc.amount_due == doc.total_amount - doc.amount_credited
    assert shown["Amount Paid"] == "€0.00" and shown["Amount Refunded"] == "€15.00"
    assert shown["Amount Due"] == f"€{doc.amount_due:,}"


def test_a_refund_within_the_payment_says_nothing_over(shop, admin):
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    charge = admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                       "amount": "10.00", "provider_reference": "BT-SF-IN"})
    admin.service.payments.record(invoice_id, {"method": "bank_transfer", "action": "refund", "amount": "4.00",
                                               "parent_id": charge.id, "provider_reference": "BT-SF-IN-R"},
                                  actor="provider", given=True)
    page = customer_page(shop, invoice_id)
    assert 'id="oi-over-refunded"' not in page and "more than remained" not in page
    shown = figures(page)
    assert (shown["Amount Paid"], shown["Amount Refunded"]) == ("€6.00", "€4.00")


def test_the_over_refund_costs_the_page_no_statement(shop, admin):
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    client = ShopClient(shop[0])
    client.login_customer(DIETER)
    view = f"/customer/invoices/{invoice_id}"
    client.get(view)
    with statements_sent(shop[0]) as before:
        assert 'id="oi-over-refunded"' not in client.get(view).get_data(as_text=True)
    over_refund(admin, invoice_id)
    client.get(view)
    with statements_sent(shop[0]) as after:
        assert 'id="oi-over-refunded"' in client.get(view).get_data(as_text=True)
    assert len(after) == len(before) <= 8, after


def test_the_refund_receipt_says_what_was_refunded_beyond_the_payment(shop, admin):
    from support.pdfs import pdf_text
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    within, beyond = over_refund(admin, invoice_id)
    client = ShopClient(shop[0])
    client.login_customer(DIETER)
    receipt = client.get(f"/customer/invoices/{invoice_id}/payments/{beyond}/receipt")
    assert receipt.status_code == 200
    text = " ".join(pdf_text(receipt.get_data()).split())
    assert "Amount refunded €12.00" in text
    assert ("€5.00 of this refund is more than remained of what you paid for this invoice. Please contact us about "
            "it.") in text
    other = " ".join(pdf_text(client.get(f"/customer/invoices/{invoice_id}/payments/{within}/receipt")
                              .get_data()).split())
    assert "Amount refunded €3.00" in other and "more than remained" not in other
