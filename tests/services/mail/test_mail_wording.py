"""What the customer reads: who it is from, where replies go, the greeting, and the wording."""
from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from support.mail import make_mail

from oro_invoices.services.mail.render import end_sentence


def posted(app, **fields):
    return app.invoices.post(app.create(**fields).id, actor="admin")


def delivered(mail, smtp_server, invoice_id):
    draft = mail.prepare(invoice_id)
    mail.send(invoice_id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              actor="admin")
    assert mail.deliver_pending().sent == 1
    return message_from_bytes(smtp_server.handler.received[-1].content, policy=default)


def test_the_display_name_is_the_seller_and_replies_go_to_its_contact(app, smtp_server):
    app.settings.set("oro_invoices.seller.contact_email", "accounts@acme.example")
    mail = make_mail(app, smtp_server, sender_name="")
    message = delivered(mail, smtp_server, posted(app).id)
    assert message["From"].addresses[0].display_name == "Acme Supplies GmbH"
    assert message["Reply-To"] == "accounts@acme.example"


def test_no_reply_to_when_the_contact_is_the_sender(app, smtp_server):
    mail = make_mail(app, smtp_server)               # contact email and From are the same address
    assert delivered(mail, smtp_server, posted(app).id)["Reply-To"] is None


def test_a_configured_sender_name_wins(app, smtp_server):
    mail = make_mail(app, smtp_server, sender_name="Acme Billing")
    message = delivered(mail, smtp_server, posted(app).id)
    assert message["From"].addresses[0].display_name == "Acme Billing"


def test_the_customer_user_is_greeted_by_name(app):
    draft = make_mail(app).prepare(posted(app).id)
    assert draft.text.startswith("Hello Bea Buyer,\n")
    assert "<p>Hello Bea Buyer,</p>" in draft.html


def test_other_recipients_are_greeted_as_the_customer(app):
    draft = make_mail(app).prepare(posted(app).id, to="accounts@customer.example")
    assert draft.text.startswith("Hello Acme Corp,\n")


def test_attached_is_said_only_when_the_pdf_is_attached(app):
    mail = make_mail(app)
    invoice = posted(app)
    assert "please find attached invoice" in mail.prepare(invoice.id).text
    without = mail.prepare(invoice.id, attach_pdf=False)
    assert without.attachments == ()
    assert "please find attached" not in without.text and "here is invoice" in without.text
    draft_invoice = app.create()
    assert "here is invoice" in mail.prepare(draft_invoice.id).text


def test_a_company_name_ending_in_a_full_stop_gets_no_second_one(app):
    app.settings.set("oro_invoices.seller.company_name", "Sakura K.K.")
    draft = make_mail(app).prepare(posted(app).id)
    assert "from Sakura K.K.\n" in draft.text
    assert "K.K.." not in draft.text and "K.K.." not in draft.html


def test_the_text_part_has_no_column_padding(app):
    text = make_mail(app).prepare(posted(app).id).text
    assert "Total: $231.86" in text
    assert not any("  " in line for line in text.splitlines())


def test_end_sentence():
    assert end_sentence("Acme GmbH") == "Acme GmbH."
    assert end_sentence("Sakura K.K.") == "Sakura K.K."
    assert end_sentence("株式会社さくら。") == "株式会社さくら。"


def test_template_names_read_as_words():
    from oro_invoices.services.mail.render import template_label
    assert template_label("invoice_notification_template") == "Invoice notification"
    assert template_label("invoice_reminder_template") == "Payment reminder"
    assert template_label("late_fee_notice") == "Late fee notice"
