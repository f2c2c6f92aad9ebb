"""The email of a credit note: its own template, the credit note's PDF, what it does, no pay link."""
from __future__ import annotations

from support.mail import make_mail, parse, sha256

from oro_invoices.services.mail import CREDIT_NOTE_TEMPLATE, NOTIFICATION_TEMPLATE


def _credited(app, payload, **kw):
    invoice = app.invoices.post(app.create().id, actor="admin")
    return invoice, app.invoices.create_credit_note(invoice.id, payload, actor="admin", **kw)


def test_send_to_customer_of_a_credit_note_uses_the_credit_note_template(app, smtp_server):
    invoice, result = _credited(app, {"lines": [{"line": 1, "quantity": "1"}], "reason": "Returned"})
    note = result.credit_note
    mail = make_mail(app, smtp_server)
    draft = mail.send_to_customer(note.id, confirm_post=False, actor="admin")
    assert draft.template == CREDIT_NOTE_TEMPLATE
    assert draft.subject == (f"Credit note {note.invoice_number} for invoice {invoice.invoice_number} "
                             "from Acme Supplies GmbH")
    for body in (draft.text, draft.html):
        assert "Hello Bea Buyer," in body
        assert "$23.79" in body                                       # 19.99 + 19 % tax, credited
        assert "pay/" not in body and "Pay " not in body             # no payment link, no pay button
    assert (f"please find attached credit note {note.invoice_number} for invoice "
            f"{invoice.invoice_number} from Acme Supplies GmbH.") in draft.text
    assert "Credited amount: $23.79" in draft.text
    assert (f"This credit note reduces the amount due of invoice {invoice.invoice_number} "
            "to $208.07.") in draft.text
    assert f"reduces the amount due of invoice {invoice.invoice_number} to <strong>$208.07</strong>" in draft.html
    assert "Amount due" not in draft.text and "Due date" not in draft.text
    [attachment] = draft.attachments
    assert attachment.sha256 == note.pdf.sha256 != invoice.pdf.sha256
    assert attachment.filename == f"credit-note-{note.invoice_number}.pdf"

    # queued and delivered: the customer gets the credit note's own PDF
    mail.send(note.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              actor="admin", template=draft.template)
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    message = parse(received.content)
    assert message["Subject"] == draft.subject and received.rcpt_tos == (app.customer_user_email,)
    [pdf] = list(message.iter_attachments())
    assert pdf.get_filename() == f"credit-note-{note.invoice_number}.pdf"
    assert sha256(pdf.get_content()) == note.pdf.sha256


def test_an_invoice_keeps_the_invoice_template(app):
    invoice = app.invoices.post(app.create().id, actor="admin")
    draft = make_mail(app).send_to_customer(invoice.id, confirm_post=False, actor="admin")
    assert draft.template == NOTIFICATION_TEMPLATE
    assert draft.attachments[0].filename == f"invoice-{invoice.invoice_number}.pdf"


def test_a_credit_of_paid_money_says_how_it_is_given_back(app):
    invoice = app.invoices.post(app.create().id, actor="admin")
    app.invoices.record_payment(invoice.id, {"method": "bank_transfer", "action": "charge",
                                             "amount": str(invoice.total_amount)})
    note = app.invoices.create_credit_note(invoice.id, {"lines": [{"line": 1, "quantity": "1"}],
                                                        "settlement": "outside"}).credit_note
    draft = make_mail(app).prepare(note.id)
    assert draft.template == CREDIT_NOTE_TEMPLATE
    assert "$23.79 you already paid is settled with you directly." in draft.text
    assert "reduces the amount due" not in draft.text              # nothing was due any more


def test_a_voided_invoice_is_said_to_be_cancelled(app):
    invoice = app.invoices.post(app.create().id, actor="admin")
    note = app.invoices.void(invoice.id, reason="Sent twice", actor="admin").credit_note
    draft = make_mail(app).prepare(note.id)
    assert f"Invoice {invoice.invoice_number} is cancelled: nothing is due for it." in draft.text
    assert "Credited amount: $231.86" in draft.text
    assert "you already paid" not in draft.text


def test_a_credit_notes_email_says_what_it_reduced_the_amount_due_to_whatever_came_after(app):
    """Sent (or sent again) once later credit notes and payments changed the invoice, the email of
    a partial credit note still says what that credit note left due, not what is due now, and
    does not call the invoice cancelled by it."""
    invoice, first = _credited(app, {"lines": [{"line": 1, "quantity": "1"}]})   # $231.86 − $23.79
    app.invoices.create_credit_note(invoice.id, {"full": True})                  # voids the rest
    draft = make_mail(app).prepare(first.credit_note.id)
    assert (f"This credit note reduces the amount due of invoice {invoice.invoice_number} "
            "to $208.07.") in draft.text
    assert f"reduces the amount due of invoice {invoice.invoice_number} to <strong>$208.07</strong>" in draft.html
    assert "is cancelled" not in draft.text

    paid, note = _credited(app, {"lines": [{"line": 2, "quantity": "1"}]})
    app.invoices.record_payment(paid.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00"})
    text = make_mail(app).prepare(note.credit_note.id).text
    due = paid.total_amount - note.credit_note.total_amount
    assert f"reduces the amount due of invoice {paid.invoice_number} to ${due:,}." in text
