"""Composing invoice email: the template, customisation, the sandbox, Send to Customer, checks."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from support.mail import SENDER, make_app, make_mail, sha256

from oro_invoices.domain.errors import (
    ConfigurationError,
    ConfirmationRequired,
    Conflict,
    NotFound,
    ValidationError,
)
from oro_invoices.integration.plugins import hookimpl
from oro_invoices.services.mail import NOTIFICATION_TEMPLATE as TEMPLATE
from oro_invoices.services.mail import EmailTemplateError, MailService
from oro_invoices.services.mail.compose import check_message


def posted(app):
    invoice = app.create()
    return app.invoices.post(invoice.id, actor="admin")


def stored_pdf_bytes(app, invoice_id) -> bytes:
    info, stream = app.invoices.open_pdf(invoice_id)
    with stream:
        return stream.read()


def test_default_template_shows_number_dates_amounts_payment_link_and_seller(app):
    invoice = posted(app)
    draft = make_mail(app).prepare(invoice.id)
    number = invoice.invoice_number
    assert re.fullmatch(r"INV-\d{4}-\d{2}-\d{5}", number)
    assert draft.subject == f"Invoice {number} from Acme Supplies GmbH, due Dec 2, 2026"
    pay_link = f"https://shop.test/invoices/pay/{invoice.payment_token}"
    for body in (draft.text, draft.html):
        assert number in body
        assert "Nov 2, 2026" in body and "Dec 2, 2026" in body      # invoice and due date
        assert "$231.86" in body                                     # total, 19 % and 7 % tax
        assert "$209.97" in body and "$21.89" in body                 # subtotal, tax
        assert "SO-0005" in body
        assert "Hello Bea Buyer," in body                             # the customer user, by name
        assert "Acme Supplies GmbH" in body and "DE123456789" in body and "+49 30 1234567" in body
    assert f"Pay online (no login needed):\n{pay_link}\n" in draft.text
    assert f'<a href="{pay_link}"' in draft.html
    assert draft.to == (app.customer_user_email,)
    assert draft.template == TEMPLATE


def test_admin_customised_template_is_used_and_escaped_only_in_html(app):
    invoice = app.invoices.post(app.create(customer_name="Tom & <Jerry>").id, actor="admin")
    app.host.customise_template(
        TEMPLATE, subject="Your bill {{ invoice.display_number }} for {{ invoice.customer_name }}",
        html="<p>Dear {{ invoice.customer_name }}, pay {{ invoice.amount_due|money(invoice.currency) }}"
             " at <a href=\"{{ payment_url }}\">this link</a>.</p>",
        text="Dear {{ invoice.customer_name }}, pay {{ invoice.amount_due }} {{ invoice.currency }}.")
    draft = make_mail(app).prepare(invoice.id)
    assert draft.subject == f"Your bill {invoice.invoice_number} for Tom & <Jerry>"
    assert draft.html.startswith("<p>Dear Tom &amp; &lt;Jerry&gt;, pay $231.86 at <a href=\"https://shop.test/")
    assert draft.text == "Dear Tom & <Jerry>, pay 231.86 USD."


@pytest.mark.parametrize("source", [
    "{{ invoice.__class__.__mro__ }}",
    "{{ invoice.__class__.__mro__[1].__subclasses__() }}",
    "{{ seller.as_dict.__globals__['os'] }}",
    "{{ invoice.lines.__len__.__self__ }}{{ cycler.__init__.__globals__.os }}",
])
def test_sandbox_refuses_unsafe_attribute_access(app, source):
    invoice = posted(app)
    app.host.customise_template(TEMPLATE, html=source)
    with pytest.raises(EmailTemplateError) as err:
        make_mail(app).prepare(invoice.id)
    assert "not allowed" in err.value.message and TEMPLATE in err.value.message
    assert ".." not in err.value.message


def test_sandbox_renders_nothing_dangerous_for_quiet_probes(app):
    invoice = posted(app)
    app.host.customise_template(
        TEMPLATE, text="[{{ invoice.__class__ }}][{{ '{0.__class__}'.format(invoice) }}]"
                       "[{{ invoice._sa_instance_state }}][{{ seller.as_dict.__globals__ }}]")
    draft = make_mail(app).prepare(invoice.id)
    assert draft.text == "[][][][]"


def test_broken_admin_template_gives_a_clear_error(app):
    invoice = posted(app)
    app.host.customise_template(TEMPLATE, subject="Invoice {{ invoice.display_number ")
    with pytest.raises(EmailTemplateError, match=r"'invoice_notification_template' \(subject\) has a syntax error"):
        make_mail(app).prepare(invoice.id)


def test_plugin_context_adds_variables_but_cannot_replace_builtins(db, tmp_path):
    class Greeting:
        @hookimpl
        def invoice_email_context(self, invoice):
            return {"greeting": f"Moin {invoice.customer_name}", "invoice": "hijacked",
                    "payment_url": "https://evil.test"}

    app = make_app(db, tmp_path, plugins=[Greeting()])
    invoice = posted(app)
    app.host.customise_template(TEMPLATE, text="{{ greeting }} / {{ invoice.display_number }} / {{ payment_url }}")
    draft = make_mail(app).prepare(invoice.id)
    assert draft.text == (f"Moin Acme Corp / {invoice.invoice_number} / "
                          f"https://shop.test/invoices/pay/{invoice.payment_token}")


def test_plugin_context_cannot_replace_what_the_composer_gives_either(db, tmp_path):
    class Pretender:
        @hookimpl
        def invoice_email_context(self, invoice):
            return {"greeting": "Moin", "recipient_name": "hijacked", "pdf_attached": "hijacked",
                    "reminder": "hijacked"}

    app = make_app(db, tmp_path, plugins=[Pretender()])
    invoice = posted(app)
    text = "{{ greeting }} {{ recipient_name }} / {{ pdf_attached }}"
    app.host.customise_template(TEMPLATE, text=text)
    assert make_mail(app).prepare(invoice.id).text == "Moin Bea Buyer / True"
    app.host.customise_template(TEMPLATE, text=text + " / {{ reminder.days_overdue }}")  # as a reminder gets it
    reminder = make_mail(app).prepare(invoice.id, extra_context={"reminder": SimpleNamespace(days_overdue=7)})
    assert reminder.text == "Moin Bea Buyer / True / 7"


def test_templates_available_lists_defaults_and_host_templates(app):
    from oro_invoices.adapters.ui import EmailTemplate
    app.host.email_templates.register(EmailTemplate(name="invoice_reminder", subject="Reminder", html="", text="x"))
    mail = make_mail(app)
    assert mail.templates_available() == ["credit_note_notification_template", "invoice_notification_template",
                                          "invoice_reminder", "invoice_reminder_template",
                                          "payment_receipt_template", "refund_receipt_template"]
    assert mail.prepare(posted(app).id, "invoice_reminder").subject == "Reminder"
    with pytest.raises(NotFound, match="no email template named 'nope'"):
        mail.prepare(1, "nope")


def test_package_default_is_used_without_a_host_template_store(app):
    invoice = posted(app)
    mail = MailService(app.invoices.db, app.invoices, sender=SENDER)
    assert mail.prepare(invoice.id).subject.startswith(f"Invoice {invoice.invoice_number} from Acme")


# -- Send to Customer -------------------------------------------------------------------

def test_send_to_customer_on_a_draft_asks_for_confirmation_first(app):
    draft_invoice = app.create()
    mail = make_mail(app)
    with pytest.raises(ConfirmationRequired) as err:
        mail.send_to_customer(draft_invoice.id, confirm_post=False, actor="admin")
    assert isinstance(err.value, Conflict)
    assert "can no longer be modified" in err.value.message
    assert not app.invoices.get(draft_invoice.id).is_posted
    assert app.renderer.renders == 0

    draft = mail.send_to_customer(draft_invoice.id, confirm_post=True, actor="admin")
    invoice = app.invoices.get(draft_invoice.id)
    assert invoice.is_posted and invoice.invoice_number in draft.subject
    assert draft.to == ("buyer@acme.test",)
    (attachment,) = draft.attachments
    assert attachment.filename == f"invoice-{invoice.invoice_number}.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.sha256 == invoice.pdf.sha256 == sha256(stored_pdf_bytes(app, invoice.id))
    assert attachment.size == invoice.pdf.size
    assert app.renderer.renders == 1                      # rendered once, at posting
    assert mail.emails(invoice.id) == []                  # nothing sent until the dialog sends
    kinds = [a.kind for a in app.invoices.activities(invoice.id)]
    assert kinds[0] == "pdf" and "posted" in kinds


def test_send_to_customer_on_a_posted_invoice_needs_no_confirmation(app):
    invoice = posted(app)
    draft = make_mail(app).send_to_customer(invoice.id, confirm_post=False, actor="admin")
    assert draft.attachments[0].sha256 == invoice.pdf.sha256
    assert app.renderer.renders == 1


def test_externally_supplied_pdf_is_attached_once_uploaded(db, tmp_path):
    app = make_app(db, tmp_path, generate_pdf=False)
    invoice = posted(app)
    mail = make_mail(app)
    assert mail.prepare(invoice.id).attachments == ()
    with pytest.raises(NotFound, match="supplied by the external system"):
        mail.send(invoice.id, to="a@b.test", subject="s", text="t", actor="admin")
    pdf = b"%PDF-1.4\n% uploaded by the ERP\n%%EOF\n"
    app.invoices.attach_pdf(invoice.id, pdf, actor="erp")
    (attachment,) = mail.prepare(invoice.id).attachments
    assert attachment.sha256 == sha256(pdf) and attachment.size == len(pdf)
    assert app.renderer.renders == 0


# -- checks on sending --------------------------------------------------------------------

def test_send_queues_the_message_with_a_stable_message_id_and_activity(app):
    invoice = posted(app)
    mail = make_mail(app)
    view = mail.send(invoice.id, to=["Bea Buyer <buyer@acme.test>"], cc="boss@acme.test",
                     bcc=["audit@acme.example"], subject="Invoice", text="Hello", html="<p>Hello</p>",
                     actor="admin", template=TEMPLATE)
    assert view.status == "queued" and view.attempts == 0 and view.sent_at is None
    assert view.to == ("Bea Buyer <buyer@acme.test>",) and view.cc == ("boss@acme.test",)
    assert re.fullmatch(rf"<[0-9a-f]{{32}}\.invoice-{invoice.id}@acme\.example>", view.message_id)
    assert view.attachments[0].sha256 == invoice.pdf.sha256
    assert mail.emails(invoice.id) == [view]
    act = app.invoices.activities(invoice.id)[0]
    assert act.kind == "email" and act.actor == "admin"
    assert act.data["to"] == ["Bea Buyer <buyer@acme.test>"] and act.data["subject"] == "Invoice"
    assert act.data["status"] == "queued" and act.data["message_id"] == view.message_id


@pytest.mark.parametrize("field, kwargs", [
    ("subject", {"subject": "Invoice\r\nBcc: victim@evil.test"}),
    ("subject", {"subject": "Invoice\nX-Injected: 1"}),
    ("to", {"to": "buyer@acme.test\r\nBcc: victim@evil.test"}),
    ("to", {"to": ['"Bea\r\nBcc: victim@evil.test" <buyer@acme.test>']}),
    ("cc", {"cc": "x@acme.test\nBcc: victim@evil.test"}),
    ("bcc", {"bcc": ["ok@acme.test", "a@b.test\r\n"]}),
])
def test_header_injection_is_refused_and_nothing_is_queued(app, field, kwargs):
    invoice = posted(app)
    mail = make_mail(app)
    args = dict(to="buyer@acme.test", subject="Invoice", text="Hello", actor="admin")
    args.update(kwargs)
    with pytest.raises(ValidationError) as err:
        mail.send(invoice.id, **args)
    assert [f for f, _ in err.value.errors] == [field]
    assert "line breaks" in err.value.errors[0][1]
    assert mail.emails(invoice.id) == []


def test_sender_with_line_breaks_is_a_configuration_error(app):
    with pytest.raises(ConfigurationError, match="line breaks"):
        make_mail(app, sender_name="Acme\r\nBcc: victim@evil.test")
    with pytest.raises(ConfigurationError, match="not a valid email address"):
        MailService(app.invoices.db, app.invoices, sender="billing")


def test_invalid_recipients_and_missing_fields_give_field_errors(app):
    invoice = posted(app)
    mail = make_mail(app)
    with pytest.raises(ValidationError) as err:
        mail.send(invoice.id, to="not-an-email", cc=["ok@acme.test", "x@"], subject="Hi",
                  text="Hello", actor="admin")
    assert err.value.errors == [("to", "'not-an-email' is not a valid email address."),
                                ("cc", "'x@' is not a valid email address.")]
    assert err.value.as_list()[0] == {"field": "to", "message": "'not-an-email' is not a valid email address."}
    with pytest.raises(ValidationError) as err:
        mail.send(invoice.id, to=[], subject="  ", html="", text=None, actor="admin")
    assert err.value.errors == [("to", "Enter at least one recipient."), ("subject", "Enter a subject."),
                                ("text", "Write the message (as HTML, text or both).")]
    with pytest.raises(ValidationError, match="not a valid email address"):
        mail.prepare(invoice.id, to="nobody")
    assert mail.emails(invoice.id) == []


def test_unknown_invoice_is_not_found(app):
    with pytest.raises(NotFound):
        make_mail(app).send(999, to="a@b.test", subject="s", text="t", actor="admin")


def test_admin_decisions_only_apply_to_failed_or_unknown_messages(app):
    invoice = posted(app)
    mail = make_mail(app)
    view = mail.send(invoice.id, to="a@b.test", subject="s", text="t", actor="admin")
    with pytest.raises(Conflict, match="only failed or unknown emails can be queued again"):
        mail.requeue(view.id, actor="admin")
    with pytest.raises(Conflict, match="only unknown emails can be marked as delivered"):
        mail.mark_sent(view.id, actor="admin")
    with pytest.raises(NotFound):
        mail.requeue(12345, actor="admin")


def test_no_payment_link_while_the_invoice_cannot_be_paid(app):
    invoice = posted(app)
    app.settings.set("oro_invoices.payments_enabled", False)
    draft = make_mail(app).prepare(invoice.id)
    assert "/invoices/pay/" not in draft.text and "/invoices/pay/" not in draft.html
    app.settings.set("oro_invoices.payments_enabled", True)
    app.invoices.record_payment(invoice.id, {"method": "bank_transfer", "action": "charge",
                                             "amount": str(invoice.total_amount)})
    paid = make_mail(app).prepare(invoice.id)
    assert "/invoices/pay/" not in paid.text and "/invoices/pay/" not in paid.html


#: Every character ``str.splitlines()`` splits on: Python's email headers refuse each of them.
LINE_BREAKS = [chr(c) for c in range(0x110000) if len(f"a{chr(c)}b".splitlines()) > 1]


def test_the_line_breaks_refused_are_all_that_split_lines():
    assert LINE_BREAKS == ["\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=[f"U+{ord(c):04X}" for c in LINE_BREAKS])
@pytest.mark.parametrize("field, message, changed", [
    ("subject", "The subject must not contain line breaks.", lambda brk: {"subject": f"Invoice{brk}Bcc: x@evil.test"}),
    ("to", "Recipients must not contain line breaks.", lambda brk: {"to": [f"Bea{brk}Buyer <buyer@acme.test>"]}),
    ("cc", "Recipients must not contain line breaks.", lambda brk: {"cc": f"x@acme.test{brk}"}),
], ids=["subject", "to-name", "cc"])
def test_every_line_break_is_refused_in_subject_and_recipients(brk, field, message, changed):
    message_args = dict(to="buyer@acme.test", cc="", bcc="", subject="Invoice", html=None, text="Hello")
    with pytest.raises(ValidationError) as err:
        check_message(**{**message_args, **changed(brk)})
    assert err.value.errors == [(field, message)]


def test_a_recipients_name_of_at_most_200_characters_is_taken(app):
    invoice = posted(app)
    mail = make_mail(app)
    with pytest.raises(ValidationError) as err:
        mail.send(invoice.id, to=["N" * 201 + " <buyer@acme.test>"], cc="A" * 1000 + " <boss@acme.test>",
                  subject="Invoice", text="Hello", actor="admin")
    assert err.value.errors == [("to", "The name of 'buyer@acme.test' must be at most 200 characters."),
                                ("cc", "The name of 'boss@acme.test' must be at most 200 characters.")]
    view = mail.send(invoice.id, to=["N" * 200 + " <buyer@acme.test>"], subject="Invoice", text="Hello",
                     actor="admin")
    assert view.to == ("N" * 200 + " <buyer@acme.test>",)


@pytest.mark.parametrize("value, entry", [
    ("Evil <x@evil.test> <buyer@acme.test>", "Evil <x@evil.test> <buyer@acme.test>"),
    (["boss@acme.test", "x@evil.test <buyer@acme.test>"], "x@evil.test <buyer@acme.test>"),
    ("boss@acme.test, Evil <x@evil.test> <buyer@acme.test>", "Evil <x@evil.test> <buyer@acme.test>"),
])
def test_an_entry_holding_two_addresses_is_refused_naming_it(value, entry):
    with pytest.raises(ValidationError) as err:
        check_message(to=value, cc="", bcc="", subject="Invoice", html=None, text="Hello")
    assert err.value.errors == [("to", f"{entry!r} holds more than one address: separate recipients with commas.")]


def test_entries_separated_by_commas_quoted_names_and_groups_are_taken(app):
    invoice = posted(app)
    view = make_mail(app).send(
        invoice.id, to='"Buyer, Bea" <buyer@acme.test>, Boss <boss@acme.test>',
        cc="Team: one@acme.test, two@acme.test;", bcc=["x@acme.test (Audit, <old>)"],
        subject="Invoice", text="Hello", actor="admin")
    assert view.to == ('"Buyer, Bea" <buyer@acme.test>', "Boss <boss@acme.test>")
    assert view.cc == ("one@acme.test", "two@acme.test")
    assert view.bcc == ('"Audit, <old>" <x@acme.test>',)


def test_a_nul_is_reported_once_with_its_own_message():
    with pytest.raises(ValidationError) as err:
        check_message(to="buyer@acme.test\x00", cc="", bcc="", subject="Invoice\x00", html=None, text="Hello")
    assert err.value.errors == [("to", "Must not contain NUL or unpaired surrogate characters."),
                                ("subject", "Must not contain NUL or unpaired surrogate characters.")]
