"""Payment receipts: the customer's email when a payment through a payment method succeeds, once
per payment, only where switched on, never for what an ERP records, never failing the payment."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from support.days import today
from support.fakepay import callback, charge, payment_service, posted_invoice, start
from support.held_jobs import HeldJobs

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.profile import RECEIPT_TEMPLATE, REFUND_TEMPLATE
from oro_invoices.persistence.outbox import OutboxEmail
from oro_invoices.services import remittances
from oro_invoices.services.mail.delivery import WAITING_FOR_RECEIPT
from oro_invoices.services.mail.receipts import ENABLED_SETTING, PaymentReceipts
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.mail.smtp import SmtpConfig


def receipting(db, server=None, *, on: bool = True, jobs=None, **options):
    """``(service, settings, mail)``: FakePay payments, receipts switched on (unless ``on`` is False);
    ``jobs``: the mail's job queue (inline by default)."""
    service, settings, _ = payment_service(db, **options)
    if on:
        settings.set(ENABLED_SETTING, True)
    smtp = SmtpConfig(host="127.0.0.1", port=server.port, timeout=5) if server is not None else None
    mail = MailService(db, service, smtp=smtp, sender="billing@acme.test", sender_name="Acme Billing", jobs=jobs)
    PaymentReceipts(service, mail)
    return service, settings, mail


def pay(service, invoice_id: int, minor: int, *, event_id: str | None = None, **started) -> None:
    attempt = start(service, invoice_id, amount=f"{minor / 100:.2f}", **started).attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, minor, event_id=event_id)))


def receipts(mail: MailService, invoice_id: int, template: str = RECEIPT_TEMPLATE):
    return [e for e in reversed(mail.emails(invoice_id)) if e.template == template]


def text_of(mail: MailService, email) -> str:
    return mail.email_bodies(email.id)[2] or ""


def test_each_payment_through_a_method_is_receipted_to_the_customer(db, smtp_server):
    service, _, mail = receipting(db, smtp_server, partial=True)
    doc = posted_invoice(service)

    pay(service, doc.id, 10000)
    [first] = receipts(mail, doc.id)
    assert first.to == ("buyer@acme.test",) and first.actor == "receipts"
    assert first.subject == f"Payment received for invoice {doc.display_number}"
    mail.deliver_pending()
    [received] = smtp_server.handler.received
    message = received.message
    assert received.rcpt_tos == ("buyer@acme.test",) and message["Subject"] == first.subject
    assert message["From"] == "Acme Billing <billing@acme.test>"
    text = message.get_body(("plain",)).get_content()
    assert f"thank you for your payment of $100.00 for invoice {doc.display_number}." in text
    assert "Amount paid: $100.00" in text and "Payment method: FakePay" in text
    assert "Paid: $100.00" in text and "Amount due: $131.86" in text
    assert "$131.86 remains due by" in text and "/invoices/pay/" in text   # and how to pay the rest
    html = message.get_body(("html",)).get_content()
    assert "<strong>$100.00</strong>" in html and "Payment date" in html
    assert not list(message.iter_attachments())                   # a receipt, not the invoice again
    assert any(a.kind == "email" and first.subject in str(a.summary) for a in service.activities(doc.id))

    pay(service, doc.id, 13186)
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    mail.deliver_pending()
    last = smtp_server.handler.received[-1].message.get_body(("plain",)).get_content()
    assert "thank you for your payment of $131.86" in last and "Amount due: $0.00" in last
    assert f"Invoice {doc.display_number} is now paid in full." in last and "/invoices/pay/" not in last


def test_the_provider_repeating_its_report_sends_no_second_receipt(db):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    report = callback(attempt, charge(attempt, 23186))
    service.handle_payment_callback("fakepay", report)
    outcome = service.handle_payment_callback("fakepay", report)
    assert [o.outcome for o in outcome.outcomes] == ["duplicate"]
    assert len(receipts(mail, doc.id)) == 1


def test_receipts_are_off_unless_switched_on_for_the_invoices_scope(db):
    service, settings, mail = receipting(db, on=False)
    doc = posted_invoice(service)
    pay(service, doc.id, 23186)
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL and receipts(mail, doc.id) == []

    settings.set(ENABLED_SETTING, True, "organization", doc.organization_id + 1)   # another organization's
    other = posted_invoice(service)
    pay(service, other.id, 23186)
    assert receipts(mail, other.id) == []

    settings.set(ENABLED_SETTING, True, "organization", doc.organization_id)
    third = posted_invoice(service)
    pay(service, third.id, 23186)
    assert len(receipts(mail, third.id)) == 1


def test_an_authorization_is_not_receipted_its_capture_is(db):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, {**charge(attempt, 23186), "action": "authorize"}))
    [auth] = [t.id for t in service.transactions(doc.id)]
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED and receipts(mail, doc.id) == []
    assert service.capture_authorization(auth, actor="Alex Admin").successful
    [receipt] = receipts(mail, doc.id)
    text = text_of(mail, receipt)
    assert "thank you for your payment of $231.86" in text and "is now paid in full" in text


def test_a_declined_payment_or_one_recorded_over_the_api_gets_no_receipt(db):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)
    attempt = start(service, doc.id).attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186, ok=False)))
    service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge", "amount": "231.86",
                                    "successful": True, "provider_reference": "ERP-PAY-1"}, actor="erp")
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert receipts(mail, doc.id) == []


def test_a_refund_through_the_method_tells_the_customer_and_who_paid(db, smtp_server):
    service, _, mail = receipting(db, smtp_server)
    doc = posted_invoice(service)
    pay(service, doc.id, 23186, actor="ap@acme.test")
    [charge] = [t for t in service.transactions(doc.id) if t.action == "charge"]
    assert service.refund_payment(charge.id, "31.86", notes="Damaged box", actor="Alex Admin").successful
    [notice] = receipts(mail, doc.id, REFUND_TEMPLATE)
    assert notice.subject == f"Refund for invoice {doc.display_number}" and notice.actor == "receipts"
    assert (notice.to, notice.cc) == (("buyer@acme.test",), ("ap@acme.test",))    # the payer, as for the payment
    mail.deliver_pending()
    text = smtp_server.handler.received[-1].message.get_body(("plain",)).get_content()
    assert (f"we have refunded $31.86 of your payment for invoice {doc.display_number} to the payment method "
            "you paid with. It may take a few days to appear on your statement.") in text
    assert "Amount refunded: $31.86" in text and "Payment method: FakePay" in text and "Paid: $200.00" in text
    assert "Amount due" not in text and "/invoices/pay/" not in text      # not an invitation to pay again
    assert len(receipts(mail, doc.id)) == 1                                # and no second payment receipt


def test_a_refund_recorded_over_the_api_tells_no_one(db):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)
    pay(service, doc.id, 23186)
    [charge] = service.transactions(doc.id)
    service.record_payment(doc.id, {"method": "fakepay", "action": "refund", "amount": "10.00", "successful": True,
                                    "parent_id": charge.id, "provider_reference": "ERP-RF-1"}, actor="erp")
    assert receipts(mail, doc.id, REFUND_TEMPLATE) == []


def test_a_colleague_who_paid_gets_a_copy_and_a_guest_payment_only_the_customer_user(db):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)
    pay(service, doc.id, 23186, actor="ap@acme.test")                    # signed in as another customer user
    [receipt] = receipts(mail, doc.id)
    assert (receipt.to, receipt.cc) == (("buyer@acme.test",), ("ap@acme.test",))
    _, html, text = mail.email_bodies(receipt.id)
    said = f"ap@acme.test paid $231.86 for invoice {doc.invoice_number}; a copy of this receipt went to them."
    assert said in text and "thank you for your payment" not in text
    assert "ap@acme.test paid <strong>" in html
    guest = posted_invoice(service)
    pay(service, guest.id, 23186, actor="guest payment link", origin="guest")
    [receipt] = receipts(mail, guest.id)
    assert (receipt.to, receipt.cc) == (("buyer@acme.test",), ())
    unaddressed = posted_invoice(service, customer_user_email=None)     # who paid is then the one to tell
    pay(service, unaddressed.id, 23186, actor="ap@acme.test")
    [receipt] = receipts(mail, unaddressed.id)
    assert (receipt.to, receipt.cc) == (("ap@acme.test",), ())
    assert "thank you for your payment of" in mail.email_bodies(receipt.id)[2]   # the one who paid


def test_an_invoice_without_a_customer_email_paid_by_guest_link_gets_none_and_the_payment_stands(db, caplog):
    service, _, mail = receipting(db)
    doc = posted_invoice(service, customer_user_email=None)
    with caplog.at_level(logging.INFO, logger="oro_invoices.receipts"):
        pay(service, doc.id, 23186, actor="guest payment link", origin="guest")
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL and receipts(mail, doc.id) == []
    assert "has no customer user email address" in caplog.text


def test_a_receipt_that_cannot_be_made_never_fails_the_payment(db, caplog, monkeypatch):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)

    def broken(*args, **kwargs):
        raise RuntimeError("template store unreachable")
    monkeypatch.setattr(mail, "prepare", broken)
    with caplog.at_level(logging.ERROR, logger="oro_invoices.receipts"):
        pay(service, doc.id, 23186)
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert "The receipt of payment transaction" in caplog.text and "template store unreachable" in caplog.text
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(OutboxEmail)).scalar_one() == 0


def test_the_receipt_chosen_in_the_email_dialog_shows_the_latest_payment(db):
    service, _, mail = receipting(db, on=False, partial=True)
    doc = posted_invoice(service)
    before = mail.prepare(doc.id, RECEIPT_TEMPLATE, attach_pdf=False)
    assert f"thank you for your payment for invoice {doc.display_number}." in before.text
    pay(service, doc.id, 5000)
    pay(service, doc.id, 2500)
    draft = mail.prepare(doc.id, RECEIPT_TEMPLATE, attach_pdf=False)
    assert "thank you for your payment of $25.00" in draft.text and "Paid: $75.00" in draft.text
    assert "Payment received" in str(draft.subject) and draft.to == ("buyer@acme.test",)
    [second] = [t for t in service.transactions(doc.id) if t.amount == 25]
    service.refund_payment(second.id, "5.00", actor="Alex Admin")
    refund = mail.prepare(doc.id, REFUND_TEMPLATE, attach_pdf=False)
    assert "we have refunded $5.00 of your payment" in refund.text and "Paid: $70.00" in refund.text


@pytest.mark.parametrize("locale, expected", [
    ("de_DE", "vielen Dank für Ihre Zahlung"), ("fr_FR", "merci pour votre paiement"),
    ("ja_JP", "お支払いいただき"),
])
def test_the_receipt_speaks_the_customers_language(db, locale, expected):
    service, settings, mail = receipting(db)
    settings.set("oro_invoices.locale", locale)
    doc = posted_invoice(service)
    pay(service, doc.id, 23186)
    [receipt] = receipts(mail, doc.id)
    assert expected in text_of(mail, receipt) and "Payment received" not in receipt.subject


def test_the_payment_method_is_written_in_the_customers_language(db):
    """A receipt chosen in the email dialog for a bank transfer an ERP recorded, to a German customer."""
    service, settings, mail = receipting(db)
    doc = posted_invoice(service)
    settings.set("oro_invoices.locale", "de_DE", "customer", doc.customer_id)
    service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge", "amount": "231.86",
                                    "provider_reference": "BT-1"}, actor="api:erp")
    draft = mail.prepare(doc.id, RECEIPT_TEMPLATE, attach_pdf=False)
    assert "Zahlungsart: Banküberweisung" in draft.text and "Bank transfer" not in draft.text


def test_where_pdfs_are_made_and_stored_the_receipt_pdf_is_attached(db, smtp_server, tmp_path, caplog):
    """Inline (no background jobs), right after the payment's commit."""
    service, _, mail = receipting(db, smtp_server, partial=True)
    service.context.storage = LocalStorage(tmp_path / "pdf")
    service.context.renderer = PdfRenderer()
    doc = posted_invoice(service)
    pay(service, doc.id, 10000)
    [charged] = service.transactions(doc.id)
    [queued] = receipts(mail, doc.id)
    assert [(a.filename, a.pending) for a in queued.attachments] == [
        (f"receipt-{doc.display_number}-R{charged.id}.pdf", False)]
    mail.deliver_pending()
    [received] = smtp_server.handler.received
    assert "The receipt is attached as a PDF." in received.message.get_body(("plain",)).get_content()
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == f"receipt-{doc.display_number}-R{charged.id}.pdf"
    assert attachment.get_content() == service.receipt_pdf(doc.id, charged.id)[1]       # the receipt, as downloaded
    # a receipt that cannot be made leaves the email without it, and says nothing of one
    service.context.renderer = BrokenReceipts()
    with caplog.at_level(logging.ERROR, logger="oro_invoices.receipts"):
        pay(service, doc.id, 13186)
    assert "was not attached" in caplog.text
    mail.deliver_pending()
    last = smtp_server.handler.received[-1].message
    assert not list(last.iter_attachments()) and "attached" not in last.get_body(("plain",)).get_content()
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_with_background_jobs_the_receipt_pdf_is_made_when_the_email_is_sent(db, smtp_server, tmp_path):
    service, _, mail = receipting(db, smtp_server, partial=True, jobs=HeldJobs())
    service.context.storage = LocalStorage(tmp_path / "pdf")
    service.context.renderer = renderer = CountingReceipts()
    CountingReceipts.receipts = 0                   # counted on the class: its variants count too
    doc = posted_invoice(service)
    pay(service, doc.id, 10000)
    [charged] = service.transactions(doc.id)
    # not in the payment's own request
    assert renderer.receipts == 0
    [queued] = receipts(mail, doc.id)
    assert [(a.filename, a.pending) for a in queued.attachments] == [
        (f"receipt-{doc.display_number}-R{charged.id}.pdf", True)]
    assert mail.deliver_pending().sent == 1 and renderer.receipts == 1
    [received] = smtp_server.handler.received
    assert "The receipt is attached as a PDF." in received.message.get_body(("plain",)).get_content()
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == f"receipt-{doc.display_number}-R{charged.id}.pdf"
    assert attachment.get_content() == service.receipt_pdf(doc.id, charged.id)[1]       # the receipt, as downloaded
    [sent] = receipts(mail, doc.id)
    assert not sent.attachments[0].pending and sent.attachments[0].size == len(attachment.get_content())


def test_a_receipt_pdf_the_delivery_cannot_make_holds_its_email_back_and_says_why(db, smtp_server, tmp_path):
    service, _, mail = receipting(db, smtp_server, jobs=HeldJobs())
    service.context.storage = LocalStorage(tmp_path / "pdf")
    service.context.renderer = BrokenReceipts()
    doc = posted_invoice(service)
    pay(service, doc.id, 23186)                                  # the payment itself is not touched
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    report = mail.deliver_pending()
    assert report.sent == 0 and report.retrying == 1 and not smtp_server.handler.received
    [waiting] = receipts(mail, doc.id)
    assert waiting.status == "retry" and "the font is gone" in waiting.last_error
    assert doc.display_number in waiting.last_error and waiting.attachments[0].pending
    # once receipts can be made again, the retry sends it with its receipt
    service.context.renderer = PdfRenderer()
    assert mail.deliver_pending(now=waiting.next_attempt_at).sent == 1
    [received] = smtp_server.handler.received
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_content()[:5] == b"%PDF-"


def test_a_sender_that_makes_no_pdfs_leaves_a_receipt_email_to_one_that_does(db, smtp_server, tmp_path):
    """``oro-invoices deliver-mail`` renders nothing: the message waits for a worker's delivery,
    its attempts untouched, instead of failing."""
    service, _, mail = receipting(db, smtp_server, jobs=HeldJobs())
    service.context.storage = LocalStorage(tmp_path / "pdf")
    service.context.renderer = renderer = PdfRenderer()
    doc = posted_invoice(service)
    pay(service, doc.id, 23186)
    service.context.renderer = None                              # a process without a renderer
    report = mail.deliver_pending()
    assert (report.sent, report.waiting, report.retrying) == (0, 1, 0) and not smtp_server.handler.received
    [waiting] = receipts(mail, doc.id)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("queued", 0, WAITING_FOR_RECEIPT)
    service.context.renderer = renderer                          # the worker's turn
    assert mail.deliver_pending(now=waiting.next_attempt_at).sent == 1
    [received] = smtp_server.handler.received
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_content()[:5] == b"%PDF-"


def test_without_a_receipt_renderer_the_email_says_nothing_of_an_attachment(db, smtp_server, tmp_path):
    service, _, mail = receipting(db, smtp_server, jobs=HeldJobs())
    service.context.storage = LocalStorage(tmp_path / "pdf")
    service.context.renderer = InvoicesOnly()
    doc = posted_invoice(service)
    pay(service, doc.id, 23186)
    [queued] = receipts(mail, doc.id)
    assert queued.attachments == ()
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    assert not list(received.message.iter_attachments())
    assert "attached" not in received.message.get_body(("plain",)).get_content()


class CountingReceipts(PdfRenderer):
    receipts = 0

    def render_receipt(self, invoice, payment, **kwargs):
        type(self).receipts += 1
        return super().render_receipt(invoice, payment, **kwargs)


class BrokenReceipts(PdfRenderer):
    def render_receipt(self, invoice, payment, **kwargs):
        raise RuntimeError("the font is gone")


class InvoicesOnly:
    """A host renderer that makes invoice PDFs only."""

    def render(self, invoice, *, payment_url=None, extra_context=None):
        return PdfRenderer().render(invoice, payment_url=payment_url, extra_context=extra_context)


def record_shares(service, amounts: dict[int, str], key: str = "remittance-form-0001"):
    """Record one bank transfer shared among invoices (Record Payment for the ticked invoices)."""
    return remittances.record(service, list(amounts), amounts, organization_id=1, method="bank_transfer",
                              received_on=today(), reference="STMT 77", actor="Alex Admin",
                              request_key=key)


def test_a_payment_for_several_invoices_is_receipted_once_listing_each_share(db, smtp_server, tmp_path):
    service, _, mail = receipting(db, smtp_server)
    service.context.storage = LocalStorage(tmp_path / "pdf")
    service.context.renderer = PdfRenderer()
    first, second = posted_invoice(service), posted_invoice(service)
    done = record_shares(service, {first.id: "231.86", second.id: "100.00"})
    assert [s.outcome for s in done.shares] == ["recorded", "recorded"]
    [receipt] = receipts(mail, first.id)
    assert receipts(mail, second.id) == []                              # one email, about the first invoice
    numbers = f"{first.display_number}, {second.display_number}"
    assert receipt.subject == f"Payment received for invoices {numbers}" and receipt.to == ("buyer@acme.test",)
    assert any(a.kind == "email" and receipt.subject in str(a.summary) for a in service.activities(second.id))

    mail.deliver_pending()
    [received] = smtp_server.handler.received
    text = received.message.get_body(("plain",)).get_content()
    assert f"thank you for your payment of $331.86 for invoices {numbers}." in text
    assert "Amount paid: $331.86" in text and "Payment method: Bank transfer" in text
    assert f"Invoice number: {first.display_number}" in text and f"Invoice number: {second.display_number}" in text
    assert "Paid: $100.00\nAmount due: $131.86" in text and "Paid: $231.86\nAmount due: $0.00" in text
    assert "What remains due on each invoice is listed above." in text
    assert "A receipt for each invoice is attached as a PDF." in text
    html = received.message.get_body(("html",)).get_content()
    assert "<strong>$331.86</strong>" in html and html.count("<td align=\"right\">$131.86</td>") == 1
    charges = {doc.id: [t for t in service.transactions(doc.id) if t.recorded_by_hand][0] for doc in (first, second)}
    attached = {a.get_filename(): a.get_content() for a in received.message.iter_attachments()}
    assert attached == {f"receipt-{doc.display_number}-R{charges[doc.id].id}.pdf":
                        service.receipt_pdf(doc.id, charges[doc.id].id)[1] for doc in (first, second)}


def test_with_background_jobs_each_shares_receipt_is_made_when_the_email_is_sent(db, smtp_server, tmp_path):
    service, _, mail = receipting(db, smtp_server, jobs=HeldJobs())
    service.context.storage = LocalStorage(tmp_path / "pdf")
    service.context.renderer = PdfRenderer()
    first, second = posted_invoice(service), posted_invoice(service)
    record_shares(service, {first.id: "231.86", second.id: "231.86"})
    [queued] = receipts(mail, first.id)
    assert [a.pending for a in queued.attachments] == [True, True]
    assert [a.receipt_invoice for a in queued.attachments] == [None, second.id]   # the other invoice's payment
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    text = received.message.get_body(("plain",)).get_content()
    assert f"Invoices {first.display_number}, {second.display_number} are now paid in full." in text
    [charge] = [t for t in service.transactions(second.id) if t.recorded_by_hand]
    contents = [a.get_content() for a in received.message.iter_attachments()]
    assert len(contents) == 2 and service.receipt_pdf(second.id, charge.id)[1] in contents


def test_each_customer_of_a_shared_payment_gets_their_own_receipt(db):
    service, _, mail = receipting(db)
    acme = posted_invoice(service)
    globex = posted_invoice(service, customer_id=11, customer_user_id=110, customer_name="Globex Inc",
                            customer_user_email="ap@globex.test")
    record_shares(service, {acme.id: "10.00", globex.id: "20.00"})
    [to_acme], [to_globex] = receipts(mail, acme.id), receipts(mail, globex.id)
    assert to_acme.to == ("buyer@acme.test",) and to_globex.to == ("ap@globex.test",)
    assert to_acme.subject == f"Payment received for invoice {acme.display_number}"   # one share each: its own
    assert "thank you for your payment of $20.00 for invoice" in text_of(mail, to_globex)


def test_a_shared_payment_sent_again_sends_no_second_receipt_and_with_receipts_off_none(db):
    service, settings, mail = receipting(db)
    first, second = posted_invoice(service), posted_invoice(service)
    record_shares(service, {first.id: "10.00", second.id: "20.00"})
    record_shares(service, {first.id: "10.00", second.id: "20.00"})           # the same form again
    assert len(receipts(mail, first.id)) == 1 and receipts(mail, second.id) == []
    settings.set(ENABLED_SETTING, False)
    third, fourth = posted_invoice(service), posted_invoice(service)
    record_shares(service, {third.id: "10.00", fourth.id: "20.00"}, key="remittance-form-0002")
    assert receipts(mail, third.id) == [] and receipts(mail, fourth.id) == []


def test_a_receipt_says_what_of_a_payment_over_the_amount_due_is_kept_as_credit(db):
    service, _, mail = receipting(db)
    doc = posted_invoice(service)
    first, second = (start(service, doc.id).attempt.public_id for _ in range(2))
    for attempt in (first, second):          # two tabs: both succeeded at the provider
        service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 23186)))
    oldest, newest = receipts(mail, doc.id)
    assert "kept as credit" not in text_of(mail, oldest)
    assert ("$231.86 of it, over the amount due, is kept as credit in your account for your next invoices."
            in text_of(mail, newest))


def test_invoices_of_one_customer_user_paid_together_get_one_receipt_listing_them(db, smtp_server):
    """Pay Selected: one payment for two invoices of one customer user is receipted once, the
    email listing both with what each was paid, each share's receipt PDF attached."""
    service, _, mail = receipting(db, smtp_server)
    first, second = posted_invoice(service), posted_invoice(service)
    started = service.start_several_payment([first.id, second.id], actor="buyer@acme.test", origin="storefront",
                                            return_path="/invoices/pay/notify/fakepay", cancel_path="/pay")
    attempt = started.attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 46372)))
    [receipt] = receipts(mail, first.id)
    assert receipts(mail, second.id) == []          # the second invoice's activity names the same email
    text = text_of(mail, receipt)
    numbers = f"{first.display_number}, {second.display_number}"
    assert f"thank you for your payment of $463.72 for invoices {numbers}." in text
    assert f"Invoices {numbers} are now paid in full." in text
    assert text.count("Paid: $231.86") == 2


def test_a_receipt_for_many_invoices_counts_them_in_its_subject(db):
    service, _, mail = receipting(db)
    docs = [posted_invoice(service) for _ in range(6)]
    started = service.start_several_payment([d.id for d in docs], actor="buyer@acme.test", origin="storefront",
                                            return_path="/invoices/pay/notify/fakepay", cancel_path="/pay")
    attempt = started.attempt.public_id
    service.handle_payment_callback("fakepay", callback(attempt, charge(attempt, 6 * 23186)))
    [receipt] = receipts(mail, docs[0].id)
    assert receipt.subject == "Payment received for 6 invoices"
    assert f"for invoices {docs[0].display_number}, " in text_of(mail, receipt)


def test_a_subject_too_long_for_an_email_is_cut_at_a_word():
    from oro_invoices.services.mail.receipts import shortened
    subject = "Payment received for invoices " + ", ".join(f"INV-2026-12-{n:05d}" for n in range(40))
    cut = shortened(subject)
    assert len(cut) <= 500 and cut.endswith("…") and cut.startswith("Payment received for invoices INV-")
    assert cut[:-1].split(", ")[-1].startswith("INV-2026-12-") and len(cut[:-1].split(", ")[-1]) == 17
    assert shortened("Payment received for invoice INV-1") == "Payment received for invoice INV-1"
