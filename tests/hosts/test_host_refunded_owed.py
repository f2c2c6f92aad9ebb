"""A refunded invoice that still has an amount due is owed: the statement, the aging, the
storefront balance and the account activity all count it, though Pay is no longer offered."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from support.list_pages import ROLES, customer
from test_host_payments import RebateApi, _paid_through_the_shop, doc_of
from test_host_storefront_activity import entries
from test_host_storefront_balance import balance

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import text_of

END = dt.datetime.now(dt.UTC).date()                 # the seeded shop's invoices are of the last weeks
START = END - dt.timedelta(days=365)


def euros(text: str) -> Decimal:
    return Decimal(text.replace("€", "").replace(",", ""))


def test_partly_paid_then_refunded_is_owed_alike_on_statement_aging_balance_and_activity(shop):
    client = customer(shop, ROLES["corporate"])
    service = client.service
    doc = doc_of(client, "ERP-SO-1003-3")                               # €261.84 due, nothing paid
    assert (doc.amount_due, doc.payment_status) == (Decimal("261.84"), PaymentStatus.PENDING)
    before = balance(client.get("/customer/invoices").get_data(as_text=True))["EUR"]
    first, second = (service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge", "amount": amount,
                                                     "provider_reference": ref}, actor="test")
                     for amount, ref in (("100.00", "BT-F1-1"), ("50.00", "BT-F1-2")))
    for paid, amount, ref in ((first, "30.00", "BT-F1-R1"), (second, "50.00", "BT-F1-R2")):   # the second in full
        service.record_payment(doc.id, {"method": "bank_transfer", "action": "refund", "amount": amount,
                                        "parent_id": paid.id, "provider_reference": ref}, actor="test")
    after = service.get(doc.id)
    assert (after.payment_status, after.amount_paid, after.amount_due) == (
        PaymentStatus.REFUNDED_PARTIALLY, Decimal("70.00"), Decimal("191.84"))

    # the storefront: its page says what is due, without Pay; the balance counts it, as the activity does
    view = client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert "Amount Due €191.84" in text_of(view) and "data-oi-pay" not in view
    listed = client.get("/customer/invoices").get_data(as_text=True)
    row = re.search(rf'<tr data-invoice-id="{doc.id}">(.*?)</tr>', listed, re.S).group(1)
    assert "Refunded partially" in text_of(row) and "data-oi-pay" not in row and 'name="invoice"' not in row
    open_, _overdue = balance(listed)["EUR"]
    assert euros(open_) == euros(before[0]) - Decimal("70.00")
    closing = entries(client.get(f"/customer/invoices/activity?from={START}").get_data(as_text=True))[-1][2]
    assert closing == open_

    # the customer's statement, aging and activity (as the back office and the API read them) agree
    statement = service.statement_of(doc.customer_id, organization_id=doc.organization_id, currency="EUR")
    [section] = statement.sections
    assert {item.invoice_id: item.due for item in section.items}[doc.id] == Decimal("191.84")
    [line] = [line for line in service.receivables_aging({"organization_id": doc.organization_id,
                                                         "customer_id": doc.customer_id, "currency": "EUR"}).lines
              if not line.is_total]
    activity = service.activity_statement(doc.customer_id, start=START, end=END,
                                          organization_id=doc.organization_id, currency="EUR")
    assert section.total == line.total == activity.sections[0].closing


def test_a_credit_notes_refund_leaves_the_paid_invoice_paid_in_full_on_the_grid_and_the_storefront(shop, admin):
    rebates = RebateApi()
    admin.app.extensions["oro_invoices"].service.payment_methods.get("oropay").transport = rebates
    doc = _paid_through_the_shop(shop)                                  # €261.84 paid through OroPay
    result = admin.service.create_credit_note(doc.id, {"amounts": [{"tax_rate": "0.19", "amount": "100.00"}],
                                                       "settlement": "refund", "reason": "price reduction"})
    assert result.refund.successful and rebates.calls == 1              # €119.00 given back through OroPay
    assert (result.invoice.amount_due, result.invoice.payment_status) == (Decimal("0.00"), PaymentStatus.PAID_IN_FULL)
    grid = admin.get("/admin/invoices?payment_status=paid_in_full&per_page=100").get_data(as_text=True)
    row = re.search(rf'<tr data-invoice-id="{doc.id}">(.*?)</tr>', grid, re.S).group(1)
    assert "Paid in full" in text_of(row)
    refunded = admin.get("/admin/invoices?payment_status=refunded_partially&per_page=100").get_data(as_text=True)
    assert f'<tr data-invoice-id="{doc.id}">' not in refunded
    buyer = customer(shop, ROLES["department"])
    view = text_of(buyer.get(f"/customer/invoices/{doc.id}").get_data(as_text=True))
    assert "Payment Status Paid in full" in view and "Amount Due €0.00" in view
