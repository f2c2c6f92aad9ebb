"""A payment that brought more than was due keeps the surplus as the customer's credit; a refund of
that payment takes the surplus back from the credit, and the pages say so: the invoice's payments
in the storefront and the back-office, and the back-office's Customer Credit ledger."""
from __future__ import annotations

import re
from decimal import Decimal

from support.days import after_seeded_invoices
from test_host_customer_credit import CREDIT_PAGE, ledger, row_of
from test_host_payments import configure, customer, doc_of, hpp_answer, proceed, rebates  # noqa: F401

from oro_invoices.hosts.reference.testing import text_of


def paid_twice(shop, admin):
    """ERP-SO-1003-3 (€261.84) paid in full by card while €10.00 was recorded by hand: the card
    payment's €10.00 surplus is Acme's credit. The invoice and the card payment."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment")       # left open meanwhile
    admin.service.record_received_payment(doc.id, amount="10.00", method="bank_transfer",
                                          received_on=after_seeded_invoices(), actor="admin", request_key="t" * 24)
    hpp_answer(client, handover.get_data(as_text=True))
    card = next(t for t in admin.service.transactions(doc.id) if t.method == "oropay")
    assert card.surplus == Decimal("10.00")
    return client, doc, card


def refund(admin, doc, card, amount: str):
    dialog = f"/admin/invoices/{doc.id}?dialog=refund&transaction={card.id}"
    done = admin.submit(dialog, f"/admin/invoices/{doc.id}/transactions/{card.id}/refund",
                        {"amount": amount, "notes": ""}, follow_redirects=True)
    assert "has been refunded successfully" in text_of(done.get_data(as_text=True))


def surplus_lines(client, admin, doc, card) -> tuple[str, str]:
    """What the storefront's and the back-office's payment rows say of the card payment's surplus."""
    shop_row = row_of(client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True), card.id)
    admin_row = row_of(admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True), card.id)
    return shop_row, admin_row


def test_the_payment_rows_say_a_refund_took_the_surplus_back(shop, admin, rebates):  # noqa: F811
    client, doc, card = paid_twice(shop, admin)
    shop_row, admin_row = surplus_lines(client, admin, doc, card)
    assert "€261.84 €10.00 of it over the amount due: kept as your credit with us" in shop_row
    assert "€10.00 over the amount due kept as the customer's credit" in admin_row
    refund(admin, doc, card, "4.00")                        # a refund gives back the surplus first
    shop_row, admin_row = surplus_lines(client, admin, doc, card)
    assert ("€10.00 of it over the amount due: kept as your credit with us; refunding the payment took back €4.00 "
            "of it, €6.00 is still kept") in shop_row
    assert ("€10.00 over the amount due kept as the customer's credit; refunding the payment took back €4.00 of it, "
            "€6.00 is still kept") in admin_row
    refund(admin, doc, card, "257.84")                      # the rest of the charge
    shop_row, admin_row = surplus_lines(client, admin, doc, card)
    assert ("€10.00 of it over the amount due: kept as your credit with us, then taken back when the payment was "
            "refunded") in shop_row
    assert ("€10.00 over the amount due was kept as the customer's credit, then taken back when the payment was "
            "refunded") in admin_row
    assert "still kept" not in shop_row + admin_row


def test_the_credit_ledger_says_a_refund_took_the_surplus_back_with_its_reference(shop, admin, rebates):  # noqa: F811
    _client, doc, card = paid_twice(shop, admin)
    refund(admin, doc, card, "261.84")
    page = admin.get(f"{CREDIT_PAGE}?customer={doc.customer_id}").get_data(as_text=True)
    taken, kept = ledger(page)[:2]
    assert taken[1:] == [f"Taken back by a refund of the payment on {doc.invoice_number}", "-€10.00", "€0.00",
                         "Alex Admin", "RB-1"]
    assert kept[1] == f"Paid over the amount due of {doc.invoice_number}"
    assert "reversed" not in text_of(re.search(r'id="oi-credit-entries".*?</table>', page, re.S).group(0))
