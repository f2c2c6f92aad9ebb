"""Send to Customer (confirm, Proceed, pre-filled email with the PDF, Send), Send email, Download."""
from __future__ import annotations

import re
from html import unescape

from support.admins import admin_with
from support.counting_storage import CountingStorage
from support.variant import documents_made, inline_jobs_only

from oro_invoices.hosts.reference.testing import form_token, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.mail.smtp import SmtpConfig, SmtpTransport


def field(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    return unescape(m.group(1)) if m else ""


def textarea(html: str, element_id: str) -> str:
    return unescape(re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def test_send_to_customer_posts_after_confirmation_then_sends(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")  # Carla's draft
    view = f"/admin/invoices/{inv}"
    page = admin.get(view).get_data(as_text=True)
    assert "Download" not in text_of(page)                       # a draft has no PDF
    assert admin.get(f"{view}/download").status_code == 404
    assert f'href="{view}?dialog=send-to-customer"' in page
    dialog = admin.get(f"{view}?dialog=send-to-customer").get_data(as_text=True)
    assert "Once posted, the invoice can no longer be modified." in text_of(dialog)
    assert "Proceed" in text_of(dialog)
    assert not admin.service.get(inv).is_posted                  # showing the dialog posts nothing

    # Posting without the confirmation field is refused: back to the dialog
    unconfirmed = admin.submit(view, f"{view}/send-to-customer", {})
    assert unconfirmed.headers["Location"].endswith("?dialog=send-to-customer")
    assert not admin.service.get(inv).is_posted

    proceed = admin.submit(f"{view}?dialog=send-to-customer", f"{view}/send-to-customer",
                           {"confirm": "1"})
    assert proceed.status_code == 303
    doc = documents_made(admin.service, inv)
    assert doc.is_posted and doc.pdf is not None
    email_page = admin.get(proceed.headers["Location"]).get_data(as_text=True)
    text = text_of(email_page)
    assert f"Invoice {doc.invoice_number} has been posted." in text
    assert field(email_page, "to") == "carla.nguyen@acme.example"
    assert doc.invoice_number in field(email_page, "subject")
    assert doc.invoice_number in textarea(email_page, "oi-email-body")
    assert f"invoice-{doc.invoice_number}.pdf" in text          # the stored PDF is attached
    assert 'name="attach_pdf" value="1" checked' in email_page

    sent = admin.submit(proceed.headers["Location"], f"{view}/email", {
        "to": field(email_page, "to"), "subject": field(email_page, "subject"),
        "body": textarea(email_page, "oi-email-body"), "template": "invoice_notification_template",
        "attach_pdf": "1", "to_customer": "1"})
    assert sent.status_code == 303
    after = admin.get(view).get_data(as_text=True)
    assert "The email to carla.nguyen@acme.example was queued for delivery." in text_of(after)
    emails = text_of(after.split('id="emails"')[1].split('id="activity"')[0])
    assert "carla.nguyen@acme.example" in emails and "Queued" in emails
    assert f"invoice-{doc.invoice_number}.pdf" in emails
    outbox = shop[0].extensions["oro_invoices"].mail.emails(inv)
    assert len(outbox) == 1 and outbox[0].attachments[0].sha256 == doc.pdf.sha256
    assert "Download" in text_of(after)
    download = admin.get(f"{view}/download")                     # the same file under the same name
    assert download.headers["Content-Disposition"] == f'attachment; filename="{outbox[0].attachments[0].filename}"'


def test_send_email_with_a_bad_recipient_shows_the_dialog_again(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "not an address", "subject": "Hello", "body": "Hi", "template": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="oi-email-dialog"' in html
    assert "To:" in text_of(html) and "not an address" in html
    assert shop_emails(admin, inv) == []


def test_send_email_with_an_unknown_template_is_refused_beside_it_as_the_api_refuses_it(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    available = ", ".join(admin.app.extensions["oro_invoices"].mail.templates_available())
    for template in ("../../etc/passwd", "no_such_template"):
        resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
            "to": "ap@acme.example", "subject": "Hello", "body": "Hi", "template": template})
        assert resp.status_code == 422, template
        html = resp.get_data(as_text=True)
        assert 'id="oi-email-dialog"' in html
        said = text_of(html)
        assert ("Template: Unknown email template; use one of Credit note notification, Invoice notification, "
                "Payment reminder, Payment receipt, and Refund receipt.") in said      # as the dialog names them
        assert "_template" not in said.split("Template: ", 1)[1].split(".", 1)[0]
    assert shop_emails(admin, inv) == []
    token = shop[1]["organizations"][0]["api_token"]
    api = shop[0].test_client().post(f"/api/invoices/{inv}/send", json={"template": "../../etc/passwd"},
                                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 422 and api.get_json()["errors"] == [
        {"field": "template", "message": f"Unknown email template; use one of {available}."}]


def shop_emails(admin, inv):
    return admin.app.extensions["oro_invoices"].mail.emails(inv)


def test_send_email_dialog_applies_another_template(shop, admin):
    host = shop[0].extensions["oro_reference_host"]
    host.customise_template("invoice_notification_template", subject="Your invoice {{ invoice.display_number }} (custom)")
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    html = admin.get(f"/admin/invoices/{inv}?dialog=email&template=invoice_notification_template").get_data(as_text=True)
    assert field(html, "subject").endswith("(custom)")
    assert '<option value="invoice_notification_template" selected>Invoice notification</option>' in html


def test_edited_body_is_sent_as_typed(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "ap@acme.example", "subject": "Reminder", "body": "Dear team,\n\nplease pay <soon>.",
        "template": "invoice_notification_template"})
    email = shop_emails(admin, inv)[0]
    assert email.subject == "Reminder" and email.to == ("ap@acme.example",)
    assert email.attachments == ()                                # attach_pdf unchecked


@inline_jobs_only  # it runs the outbox itself
def test_with_the_storage_out_of_reach_the_dialog_lists_the_pdf_and_an_email_without_it_is_sent(
        shop, admin, smtp_server):
    """The PDF is read only when it is sent: the dialog lists it from its record (name and size);
    without it, the email written from a template is queued and delivered; with it, nothing is
    sent, with a text-only body or otherwise, and the page asks to try again."""
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    doc = admin.service.get(inv)
    number = doc.invoice_number
    view = f"/admin/invoices/{inv}"
    addon = shop[0].extensions["oro_invoices"].addon
    storage = CountingStorage.install(addon)
    storage.unreachable = "Cannot reach the PDF storage s3://secret-bucket: timed out"
    opened = admin.get(f"{view}?dialog=email&template=invoice_notification_template")
    assert opened.status_code == 200 and storage.opened == storage.reads == 0
    dialog = opened.get_data(as_text=True)
    assert f"Attach PDF · invoice-{number}.pdf ({round(doc.pdf.size / 1024, 1)} KB)" in text_of(dialog)
    assert 'name="attach_pdf" value="1" checked' in dialog
    form = {"csrf_token": form_token(dialog), "to": "ap@acme.example", "subject": f"Your invoice {number}",
            "body": "Please pay.", "template": "invoice_notification_template"}

    refused = admin.client.post(f"{view}/email", data={**form, "attach_pdf": "1", "form_token": "with-pdf"})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    page = text_of(refused.get_data(as_text=True))
    assert "The document storage cannot be reached right now. Please try again in a few minutes." in page
    assert "secret-bucket" not in page
    assert shop_emails(admin, inv) == [] and storage.opened == 1

    sent = admin.client.post(f"{view}/email", data={**form, "form_token": "without-pdf"})
    assert sent.status_code == 303 and storage.opened == 1            # the storage was not asked
    after = text_of(admin.get(sent.headers["Location"]).get_data(as_text=True))
    assert "The email to ap@acme.example was queued for delivery." in after
    [email] = shop_emails(admin, inv)
    assert email.attachments == ()
    mail = shop[0].extensions["oro_invoices"].mail
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    assert received.message["Subject"] == f"Your invoice {number}" and list(received.rcpt_tos) == ["ap@acme.example"]
    parts = {p.get_content_type(): p for p in received.message.walk() if not p.is_multipart()}
    assert sorted(parts) == ["text/html", "text/plain"]                  # no PDF
    assert "Please pay." in parts["text/plain"].get_content() and "Please pay." in parts["text/html"].get_content()


def test_an_email_with_the_pdf_reads_it_once_from_the_dialog_and_the_api(shop, admin):
    """Sending the PDF reads it once, for the template's HTML and the message alike: from the
    dialog (which lists it without reading it), the API's send and its batch send."""
    from support.api import shop_api_call
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    doc = admin.service.get(inv)
    view = f"/admin/invoices/{inv}"
    storage = CountingStorage.install(shop[0].extensions["oro_invoices"].addon)
    dialog = admin.get(f"{view}?dialog=email&template=invoice_notification_template").get_data(as_text=True)
    assert storage.opened == 0
    assert f"please find attached invoice {doc.invoice_number}" in textarea(dialog, "oi-email-body")
    sent = admin.client.post(f"{view}/email", data={
        "csrf_token": form_token(dialog), "form_token": "dialog-once", "to": "ap@acme.example",
        "subject": field(dialog, "subject"), "body": textarea(dialog, "oi-email-body"),
        "template": "invoice_notification_template", "attach_pdf": "1"})
    assert sent.status_code == 303 and storage.opened == 1
    assert "The email to ap@acme.example was queued for delivery." in text_of(
        admin.get(sent.headers["Location"]).get_data(as_text=True))
    [email] = shop_emails(admin, inv)
    assert [a.sha256 for a in email.attachments] == [doc.pdf.sha256]
    html = shop[0].extensions["oro_invoices"].mail.email_bodies(email.id)[1]
    assert f"please find attached invoice {doc.invoice_number}" in text_of(html)     # the template's HTML

    one = shop_api_call(shop, "POST", f"/invoices/{inv}/send", {"to": ["ap@acme.example"]})
    assert one.status_code == 201 and [a["sha256"] for a in one.get_json()["attachments"]] == [doc.pdf.sha256]
    assert storage.opened == 2
    batch = shop_api_call(shop, "POST", "/invoices/send", {"invoices": [{"id": inv}]})
    assert batch.status_code == 200 and batch.get_json()["sent"] == 1
    assert storage.opened == 3 and len(shop_emails(admin, inv)) == 3


def test_download_streams_the_stored_pdf(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    resp = admin.get(f"/admin/invoices/{inv}/download")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/pdf"
    doc = admin.service.get(inv)
    assert f'filename="invoice-{doc.invoice_number}.pdf"' in resp.headers["Content-Disposition"]
    storage = admin.service.storage
    assert resp.data.startswith(b"%PDF") and resp.data == storage.read(doc.pdf.sha256)
    assert resp.headers["ETag"] == f'"{doc.pdf.sha256}"'
    assert resp.headers["Cache-Control"] == "private, no-cache"
    again = admin.get(f"/admin/invoices/{inv}/download", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_actions_need_their_permissions(shop):
    client = admin_with(shop)
    inv = client.service.find_id(external_id="ERP-SO-1004-4")
    page = client.get(f"/admin/invoices/{inv}").get_data(as_text=True)
    assert "Send to Customer" not in text_of(page) and "Delete" not in text_of(page)
    resp = client.submit(f"/admin/invoices/{inv}", f"/admin/invoices/{inv}/send-to-customer",
                         {"confirm": "1"})
    assert resp.status_code == 403
    assert not client.service.get(inv).is_posted


@inline_jobs_only  # it runs the outbox itself
def test_a_refused_email_is_shown_and_can_be_sent_again(shop, admin, smtp_server):
    mail = shop[0].extensions["oro_invoices"].mail
    invoice_id = admin.service.find_id(external_id="ERP-SO-1003-3")
    queued = mail.send(invoice_id, to="carla.nguyen@acme.example", subject="Your invoice",
                       text="Please find your invoice attached.", actor="Alex Admin")
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    smtp_server.handler.refuse.append("554 5.7.1 Message rejected by policy")
    assert mail.deliver_pending().failed == 1

    view = f"/admin/invoices/{invoice_id}"
    page = admin.get(view).get_data(as_text=True)
    assert "Message rejected by policy" in text_of(page) and ">Send again</button>" in page
    resp = admin.submit(view, f"{view}/emails/{queued.id}", {"decision": "requeue"})
    assert resp.status_code == 303
    after = text_of(admin.get(resp.headers["Location"]).get_data(as_text=True))
    assert "The email to carla.nguyen@acme.example will be sent again." in after

    assert mail.deliver_pending().sent == 1
    assert [e.status for e in mail.emails(invoice_id)] == ["sent"]
    assert len(smtp_server.handler.received) == 1


def test_an_email_of_another_invoice_cannot_be_decided_here(shop, admin):
    mail = shop[0].extensions["oro_invoices"].mail
    a = admin.service.find_id(external_id="ERP-SO-1003-3")
    b = admin.service.find_id(external_id="ERP-SO-1002-2")
    queued = mail.send(a, to="carla.nguyen@acme.example", subject="Hi", text="Hi", actor="test")
    resp = admin.submit(f"/admin/invoices/{b}", f"/admin/invoices/{b}/emails/{queued.id}",
                        {"decision": "requeue"})
    assert resp.status_code == 404


@inline_jobs_only  # it runs the outbox itself
def test_send_email_with_cc_and_bcc(shop, admin, smtp_server):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    dialog = admin.get(f"{view}?dialog=email").get_data(as_text=True)
    assert '<label for="oi-email-cc">Cc</label>' in dialog and '<label for="oi-email-bcc">Bcc</label>' in dialog
    sent = admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "ap@acme.example", "cc": "Carla Nguyen <carla.nguyen@acme.example>, buyer@acme.example",
        "bcc": "archive@acme.example", "subject": "Your invoice", "body": "Please find it attached.",
        "template": ""})
    assert sent.status_code == 303
    email = shop_emails(admin, inv)[0]
    assert email.cc == ("Carla Nguyen <carla.nguyen@acme.example>", "buyer@acme.example")
    assert email.bcc == ("archive@acme.example",)
    emails = text_of(admin.get(view).get_data(as_text=True).split('id="emails"')[1].split('id="activity"')[0])
    assert "Cc: Carla Nguyen <carla.nguyen@acme.example>, buyer@acme.example" in emails
    assert "archive@acme.example" not in emails                  # Bcc is on the email's own page only

    mail = shop[0].extensions["oro_invoices"].mail
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    assert sorted(received.rcpt_tos) == ["ap@acme.example", "archive@acme.example", "buyer@acme.example",
                                         "carla.nguyen@acme.example"]
    assert received.message["Cc"] == "Carla Nguyen <carla.nguyen@acme.example>, buyer@acme.example"
    assert received.message["Bcc"] is None and b"archive@acme.example" not in received.content


def test_a_bad_cc_address_is_named_and_the_dialog_keeps_what_was_typed(admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
        "to": "ap@acme.example", "cc": "buyer@acme", "bcc": "archive@acme.example", "subject": "Hello",
        "body": "Hi", "template": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Cc: 'buyer@acme' is not a valid email address." in text_of(html)
    assert field(html, "cc") == "buyer@acme" and field(html, "bcc") == "archive@acme.example"
    assert shop_emails(admin, inv) == []


def test_a_draft_says_before_posting_what_it_would_not_say_of_its_seller(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")  # Carla's draft, of organization 1
    view = f"/admin/invoices/{inv}"
    assert "Seller Information" not in text_of(admin.get(view).get_data(as_text=True))   # the shop's seller is set
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.seller.company_name", "", "organization", 1)
    settings.set("oro_invoices.seller.street", "", "organization", 1)
    settings.set("oro_invoices.seller.business_address", "", "organization", 1)
    said = ("The seller's company name and address are not set, so once posted this invoice and its emails would "
            "not say who issues it. Set them under Seller Information in the invoice settings before posting.")
    assert said in text_of(admin.get(view).get_data(as_text=True))
    dialog = text_of(admin.get(f"{view}?dialog=send-to-customer").get_data(as_text=True))
    assert said in dialog.split("Once posted, the invoice can no longer be modified.")[1]
    settings.set("oro_invoices.seller.company_name", "Northwind Traders GmbH", "organization", 1)
    assert "The seller's address is not set" in text_of(admin.get(view).get_data(as_text=True))
    settings.set("oro_invoices.seller.business_address", "Hafenstraße 1, 20457 Hamburg", "organization", 1)
    assert "Seller Information" not in text_of(admin.get(view).get_data(as_text=True))


def options(html: str) -> list[str]:
    """The templates the email dialog's Template field offers."""
    select = re.search(r'<select[^>]*name="template"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"', select.group(1)) if select else []


def test_the_dialog_offers_only_the_templates_that_fit_the_invoice(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")   # posted, nothing paid
    view = f"/admin/invoices/{inv}"
    offered = options(admin.get(f"{view}?dialog=email").get_data(as_text=True))
    assert "invoice_notification_template" in offered and "invoice_reminder_template" in offered
    # no credit note to announce, no payment to thank for, no refund to report
    for unfit, label in (("credit_note_notification_template", "Credit note notification"),
                         ("payment_receipt_template", "Payment receipt"),
                         ("refund_receipt_template", "Refund receipt")):
        assert unfit not in offered
        asked = admin.get(f"{view}?dialog=email&template={unfit}").get_data(as_text=True)
        assert field(asked, "subject").startswith("Invoice ")               # the invoice's own email instead
        resp = admin.submit(f"{view}?dialog=email", f"{view}/email", {
            "to": "ap@acme.example", "subject": "Hello", "body": "Hi", "template": unfit})
        assert resp.status_code == 422, unfit
        number = admin.service.get(inv).invoice_number
        said = text_of(resp.get_data(as_text=True))
        assert (f"Template: The email template {label} does not fit {number}; use one of Invoice notification "
                "and Payment reminder.") in said and unfit not in said
    assert shop_emails(admin, inv) == []
    token = shop[1]["organizations"][0]["api_token"]
    api = shop[0].test_client().post(f"/api/invoices/{inv}/send", json={"template": "payment_receipt_template"},
                                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 422 and api.get_json()["errors"][0]["message"].startswith(
        f"The email template payment_receipt_template does not fit {number}")
    # once money came in (and went back), its receipt and its refund's are offered
    admin.service.record_payment(inv, {"method": "bank_transfer", "action": "charge", "amount": "5.00"})
    admin.service.record_payment(inv, {"method": "bank_transfer", "action": "refund", "amount": "2.00"})
    offered = options(admin.get(f"{view}?dialog=email").get_data(as_text=True))
    assert "payment_receipt_template" in offered and "refund_receipt_template" in offered
    assert "credit_note_notification_template" not in offered
