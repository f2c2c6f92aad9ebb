"""The refund receipt email of a refund the provider made beyond what remained of its payment says
by how much, in the customer's words."""
from __future__ import annotations

from dataclasses import replace

from support.fakepay import posted_invoice
from test_payment_receipts import pay, receipting, receipts

from oro_invoices.integration.profile import REFUND_TEMPLATE


def test_the_refund_email_says_what_was_given_back_beyond_the_payment(db, monkeypatch):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)
    pay(service, doc.id, 23186)
    [charge] = [t for t in service.transactions(doc.id) if t.action == "charge"]
    fake = service.checkout.methods.get("fakepay")
    real = fake.refund
    monkeypatch.setattr(fake, "refund", lambda request: replace(real(request), amount=request.amount + 100))
    assert service.refund_payment(charge.id, "31.86", actor="Alex Admin").successful
    assert service.refund_payment(charge.id, "199.00", actor="Alex Admin").successful   # all that is left
    first, second = receipts(mail, doc.id, REFUND_TEMPLATE)
    _, html, text = mail.email_bodies(second.id)
    assert "we have refunded $200.00 of your payment" in text
    said = "$1.00 of this refund is more than remained of what you paid for this invoice. Please contact us about it."
    assert said in text
    assert f"<p>{said}</p>" in html
    assert "more than remained" not in mail.email_bodies(first.id)[2]
