"""The receipt PDF of a payment or refund: made from what was recorded, the same bytes each time, in
the invoice's language, and kept where there is a PDF storage; only for a successful payment,
capture or refund of that invoice."""
from __future__ import annotations

import hashlib
import io
import shutil

import pikepdf
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.fakepay import callback, charge, payment_service, posted_invoice, start
from support.pdfs import pdf_lines
from test_payment_captures import authorized

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import NotFound
from oro_invoices.services.verification import verify

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")


def text_of(pdf: bytes) -> str:
    """The receipt's lines as laid out (pdftotext -layout), each with its whitespace collapsed, one
    per line."""
    return "\n".join(line for line in pdf_lines(pdf).splitlines() if line)


def paid(db, minor: int = 10000):
    """``(service, invoice, charge id)``: $``minor / 100`` of a posted $231.86 invoice paid with FakePay,
    and a PDF renderer."""
    service, _, _ = payment_service(db, partial=True)
    doc = posted_invoice(service)
    attempt = start(service, doc.id, amount=f"{minor / 100:.2f}").attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, minor)))
    [payment] = service.transactions(doc.id)
    service.context.renderer = PdfRenderer()
    return service, service.get(doc.id), payment


def test_the_receipt_of_a_payment_says_what_was_received_for_which_invoice(db):
    service, doc, payment = paid(db)
    shown, pdf = service.receipt_pdf(doc.id, payment.id)
    assert shown.id == doc.id
    text = text_of(pdf)
    day = f"{payment.created_at:%b} {payment.created_at.day}, {payment.created_at:%Y}"
    for expected in ("Payment receipt", f"Receipt number {doc.display_number}-R{payment.id}", f"Payment date {day}",
                     "Payment method FakePay", f"Invoice number {doc.display_number}", "Customer Acme Corp",
                     "Paid by buyer@acme.test",                  # who paid in the storefront
                     "Invoice total $231.86", "Amount paid $100.00",
                     f"$100.00 was received for invoice {doc.display_number} on {day}. Thank you for your payment."):
        assert expected in text.splitlines() or any(line.endswith(expected) for line in text.splitlines()), expected
    assert service.receipt_pdf(doc.id, payment.id)[1] == pdf             # made again, the same bytes
    with pikepdf.open(io.BytesIO(pdf)) as document:                      # tagged, titled, in its language
        assert str(document.docinfo.Title) == f"Payment receipt {doc.display_number}-R{payment.id}"
        assert str(document.Root.Lang) == "en-US" and "/StructTreeRoot" in document.Root


def test_the_receipt_of_a_refund(db):
    service, doc, payment = paid(db, 23186)
    outcome = service.refund_payment(payment.id, "31.86", actor="admin")
    text = text_of(service.receipt_pdf(doc.id, outcome.transaction_id)[1])
    assert "Refund receipt" in text.splitlines() and "Amount refunded $31.86" in text.splitlines()
    assert (f"$31.86 of the payment for invoice {doc.display_number} was refunded to the payment method it was "
            "paid with on") in " ".join(text.splitlines())


def test_the_receipt_is_in_the_invoices_language(db):
    service, doc, payment = paid(db)
    service.settings.set("oro_invoices.locale", "de_DE")
    text = text_of(service.receipt_pdf(doc.id, payment.id)[1])
    assert "Zahlungsbestätigung" in text.splitlines() and "Bezahlter Betrag 100,00 $" in text.splitlines()


def test_no_receipt_of_what_is_not_a_payment_of_that_invoice(db):
    service, doc, payment = paid(db)
    other, auth = authorized(service)
    with pytest.raises(NotFound) as refused:
        service.receipt_pdf(other.id, auth)                      # an authorization: nothing received yet
    assert refused.value.message == (f"Invoice {other.display_number} has no payment or refund {auth} to make a "
                                     "receipt of.")
    with pytest.raises(NotFound, match="has no payment or refund"):
        service.receipt_pdf(other.id, payment.id)                # another invoice's payment
    with pytest.raises(NotFound, match="has no payment or refund"):
        service.receipt_pdf(doc.id, 999_999)
    service.context.renderer = None
    with pytest.raises(NotFound) as refused:
        service.receipt_pdf(doc.id, payment.id)
    assert refused.value.message == "Receipts cannot be made here: no PDF renderer that makes them is configured."


def test_a_payment_recorded_by_an_erp_has_a_receipt_with_its_method_in_the_invoices_language(db):
    service, doc, _ = paid(db)
    service.settings.set("oro_invoices.locale", "de_DE", "customer", doc.customer_id)
    transfer = service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge", "amount": "131.86",
                                               "provider_reference": "BT-1"}, actor="api:erp")
    lines = text_of(service.receipt_pdf(doc.id, transfer.id)[1]).splitlines()
    assert "Zahlungsart Banküberweisung" in lines and "Bezahlter Betrag 131,86 $" in lines


def test_a_receipt_is_kept_the_first_time_it_is_made_and_given_ever_after(db, tmp_path):
    """As an invoice's PDF is made once: the receipt emailed or downloaded later is the same file,
    whatever changes meanwhile (here its language), and it needs no renderer any more."""

    service, doc, payment = paid(db)
    service.context.storage = LocalStorage(tmp_path / "pdf")
    _, first = service.receipt_pdf(doc.id, payment.id)
    service.settings.set("oro_invoices.locale", "de_DE")
    service.context.renderer = None
    assert service.receipt_pdf(doc.id, payment.id)[1] == first
    assert "Payment receipt" in text_of(first)
    with pytest.raises(NotFound, match="has no payment or refund"):          # still only that invoice's
        service.receipt_pdf(posted_invoice(service).id, payment.id)
    with pytest.raises(DBAPIError, match="kept receipt PDF cannot be changed or removed"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE oro_invoice_receipt SET sha256 = 'forged'"))
    assert verify(db, service.storage).ok
    sha = hashlib.sha256(first).hexdigest()
    service.storage.path_for(sha).unlink()
    assert verify(db, service.storage).problems == [
        f"invoice {doc.display_number} (id {doc.id}): receipt of payment {payment.id} {sha[:12]}…: missing"]


def test_the_receipt_of_a_second_payment_says_it_is_kept_as_credit(db):
    service, _, _ = payment_service(db)
    doc = posted_invoice(service)
    first, second = (start(service, doc.id).attempt.public_id for _ in range(2))
    for attempt in (first, second):
        service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186)))
    service.context.renderer = PdfRenderer()
    once, twice = service.transactions(doc.id)
    _, again = service.receipt_pdf(doc.id, twice.id)
    said = " ".join(text_of(again).split())
    assert "$231.86 of it, over the amount due, is kept as credit in your account for your next invoices." in said
    _, first_receipt = service.receipt_pdf(doc.id, once.id)
    assert "kept as credit" not in text_of(first_receipt)
