"""The customer's credit applied to an over-refunded invoice covers the over-refund first, like a
payment: one user's activity counts only the rest of it as credit applied and says what it
covered on an entry that moves no balance; the whole account's, where credit applied otherwise
moves nothing, adds what it covered, as that left the credit and paid nothing the invoice owed.
Both end on what the customer owes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import update
from support.days import after_seeded_invoices
from support.payloads import invoice_payload
from test_host_over_refund_activity import rows
from test_host_over_refund_per_invoice import agree
from test_host_storefront_over_refund import EXTERNAL_ID, over_refund

from oro_invoices.persistence.models import PaymentTransaction

COVERED = ("Of the customer credit applied to {number}, €5.00 covered what was refunded beyond what was paid, "
           "not in the balance")
COVERING = "Customer credit applied to {number} to cover what was refunded beyond what was paid"


def credit_of_40(admin, paid) -> None:
    """40.00 of the customer's credit: what a bank transfer brought over another of its invoices."""
    fields = {name: getattr(paid, name) for name in ("customer_id", "customer_user_id", "customer_user_email",
                                                     "customer_name", "organization_id", "website_id", "currency")}
    other = admin.service.post(admin.service.create(invoice_payload(
        external_id="ERP-BERLIN-OVER", order_id=None, order_identifier="", **fields), actor="erp").id, actor="erp")
    admin.service.record_received_payment(other.id, amount=str(other.amount_due + Decimal("40.00")),
                                          method="bank_transfer", received_on=after_seeded_invoices(),
                                          actor="admin", request_key="c" * 24, keep_surplus=True)


def test_credit_applied_to_an_over_refunded_invoice_covers_the_over_refund_first(shop, admin):
    """Paid 10.00, refunded 3.00 and 12.00 (5.00 over); 7.00 of credit covers the 5.00 and pays 2.00."""
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    doc = admin.service.get(invoice_id)
    credit_of_40(admin, doc)
    over_refund(admin, invoice_id)
    applied = admin.service.customer_credit.apply(invoice_id, amount="7.00", actor="admin")
    assert applied.transaction.over_refund_covered == Decimal("5.00")
    assert admin.service.get(invoice_id).amount_due == doc.amount_due - Decimal("2.00")

    shown = agree(shop, admin)                       # Dieter's own invoices: the storefront activity
    [at] = [i for i, row in enumerate(shown) if row[0] == "covered_beyond"]
    assert shown[at - 1][0] == "credit_applied" and shown[at - 1][3] == shown[at][3]
    assert shown[at][1] == COVERED.format(number=doc.invoice_number)
    assert shown[at - 1][1] == f"Customer credit applied to {doc.invoice_number}"

    today = dt.datetime.now(dt.UTC).date()
    query = f"customer={doc.customer_id}&from={today - dt.timedelta(days=365)}&to={today}"
    account = rows(admin.get(f"/admin/invoices/statement/activity?{query}").get_data(as_text=True))
    assert [(kind, entry, charge) for kind, entry, charge, _b in account if kind == "credit_applied"] == [
        ("credit_applied", COVERING.format(number=doc.invoice_number), "5.00")]
    assert "covered_beyond" not in [kind for kind, *_ in account]

    with admin.service.db.engine.begin() as conn:       # all of it three days back: in the opening balance
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.invoice_id == invoice_id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    agree(shop, admin)
