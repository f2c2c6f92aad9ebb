"""The files of an invoice email: the Send email dialog lists them from records (the storage not
opened), a send reads the stored PDF once, its e-invoice XML taken from the bytes read; a PDF made
by its first download is made by the send instead (page, API, batch send), once, and kept."""
from __future__ import annotations

import hashlib

import pytest
from support.api import shop_api_call
from support.counting_storage import CountingStorage
from support.variant import documents_made, inline_jobs_only

from oro_invoices.hosts.reference.testing import form_token, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.einvoicing import xml_in
from oro_invoices.services.mail.smtp import SmtpConfig, SmtpTransport

TEMPLATE = "invoice_notification_template"


def acme_drafts(service):
    return [d for d in service.list_invoices({"status": "draft"}, limit=100).items
            if d.customer_name == "Acme Industries AG"]


def delivered_files(shop, smtp_server) -> list[tuple[str, bytes]]:
    """Deliver the outbox to ``smtp_server``: each file of the one message received (name, bytes)."""
    mail = shop[0].extensions["oro_invoices"].mail
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    smtp_server.handler.received.clear()
    return [(part.get_filename(), part.get_payload(decode=True)) for part in received.message.iter_attachments()]


def send_from_dialog(admin, invoice_id: int, dialog: str, once: str):
    return admin.client.post(f"/admin/invoices/{invoice_id}/email", data={
        "csrf_token": form_token(dialog), "form_token": once, "to": "ap@acme.example",
        "subject": "Your invoice", "body": "Attached.", "template": TEMPLATE, "attach_pdf": "1"})


@inline_jobs_only  # it runs the outbox itself
def test_with_attach_xml_the_dialog_lists_the_xml_and_a_send_opens_the_storage_once(shop, admin, smtp_server):
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.einvoice.enabled", True)
    settings.set("oro_invoices.einvoice.attach_xml", True)
    service = admin.service
    doc = documents_made(service, service.post(acme_drafts(service)[0].id).id)
    storage = CountingStorage.install(shop[0].extensions["oro_invoices"].addon)

    dialog = admin.get(f"/admin/invoices/{doc.id}?dialog=email&template={TEMPLATE}").get_data(as_text=True)
    assert storage.opened == 0
    assert (f"Attach PDF · invoice-{doc.invoice_number}.pdf ({round(doc.pdf.size / 1024, 1)} KB), factur-x.xml"
            in text_of(dialog))

    sent = send_from_dialog(admin, doc.id, dialog, "with-xml")
    assert sent.status_code == 303 and storage.opened == 1          # the PDF, once; its XML from those bytes
    [(pdf_name, pdf), (xml_name, xml)] = delivered_files(shop, smtp_server)
    assert (pdf_name, xml_name) == (f"invoice-{doc.invoice_number}.pdf", "factur-x.xml")
    assert hashlib.sha256(pdf).hexdigest() == doc.pdf.sha256 and xml == xml_in(pdf)

    settings.set("oro_invoices.einvoice.profile", "xrechnung")     # the XML's name is the one it was made as
    dialog = admin.get(f"/admin/invoices/{doc.id}?dialog=email&template={TEMPLATE}").get_data(as_text=True)
    assert f"invoice-{doc.invoice_number}.pdf ({round(doc.pdf.size / 1024, 1)} KB), factur-x.xml" \
        in text_of(dialog)


@inline_jobs_only  # its PDF is made by the first download only with inline jobs
def test_send_email_makes_a_pdf_made_on_download_once_and_attaches_it(shop, admin, smtp_server):
    service = admin.service
    doc = service.post(acme_drafts(service)[0].id, defer_pdf=True)
    assert doc.pdf is None and service.pdf_made_on_download(doc)
    view = f"/admin/invoices/{doc.id}"
    storage = CountingStorage.install(shop[0].extensions["oro_invoices"].addon)

    dialog = admin.get(f"{view}?dialog=email&template={TEMPLATE}").get_data(as_text=True)
    assert 'name="attach_pdf" value="1" checked' in dialog
    assert f"Attach PDF · invoice-{doc.invoice_number}.pdf" in text_of(dialog)
    assert service.get(doc.id).pdf is None and storage.opened == 0       # the dialog makes nothing

    sent = send_from_dialog(admin, doc.id, dialog, "made-on-send")
    assert sent.status_code == 303
    made = service.get(doc.id).pdf
    assert made is not None and storage.opened == 1
    [email] = shop[0].extensions["oro_invoices"].mail.emails(doc.id)
    assert [a.sha256 for a in email.attachments] == [made.sha256]
    [(name, pdf)] = delivered_files(shop, smtp_server)
    assert name == f"invoice-{doc.invoice_number}.pdf"
    download = admin.get(f"{view}/download")
    assert download.status_code == 200 and download.get_data() == pdf
    assert hashlib.sha256(pdf).hexdigest() == made.sha256
    page = text_of(admin.get(view).get_data(as_text=True))
    assert page.count("PDF generated (") == 1                              # one PDF made and kept


@inline_jobs_only  # its PDF is made by the first download only with inline jobs
@pytest.mark.parametrize("how", ["send", "batch"])
def test_the_api_sends_a_pdf_made_on_download_made_once(shop, admin, smtp_server, how):
    service = admin.service
    doc = service.post(acme_drafts(service)[0].id, defer_pdf=True)
    assert doc.pdf is None and service.pdf_made_on_download(doc)
    if how == "send":
        sent = shop_api_call(shop, "POST", f"/invoices/{doc.id}/send", {"to": ["ap@acme.example"]})
        assert sent.status_code == 201
        files = [a["filename"] for a in sent.get_json()["attachments"]]
    else:
        sent = shop_api_call(shop, "POST", "/invoices/send", {"invoices": [{"id": doc.id}]})
        assert sent.status_code == 200 and sent.get_json()["sent"] == 1
        [email] = shop[0].extensions["oro_invoices"].mail.emails(doc.id)
        files = [a.filename for a in email.attachments]
    assert files == [f"invoice-{doc.invoice_number}.pdf"]
    made = service.get(doc.id).pdf
    assert made is not None
    [(_, pdf)] = delivered_files(shop, smtp_server)
    download = admin.get(f"/admin/invoices/{doc.id}/download")
    assert download.status_code == 200 and download.get_data() == pdf
    assert hashlib.sha256(pdf).hexdigest() == made.sha256


def test_an_xml_kept_beside_the_pdf_is_listed_with_its_recorded_size(shop, admin):
    """Issued as UBL, the XML is kept beside the PDF: the dialog names it for the PDF, with the
    size recorded when it was kept, the storage not opened."""
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    for key, value in (("enabled", True), ("attach_xml", True), ("profile", "ubl")):
        settings.set(f"oro_invoices.einvoice.{key}", value)
    service = admin.service
    doc = documents_made(service, service.post(acme_drafts(service)[0].id).id)
    size = len(service.kept_einvoice(doc.id))
    storage = CountingStorage.install(shop[0].extensions["oro_invoices"].addon)
    dialog = admin.get(f"/admin/invoices/{doc.id}?dialog=email&template={TEMPLATE}").get_data(as_text=True)
    assert storage.opened == 0
    name = f"invoice-{doc.invoice_number}"
    assert (f"Attach PDF · {name}.pdf ({round(doc.pdf.size / 1024, 1)} KB), {name}.xml ({round(size / 1024, 1)} KB)"
            in text_of(dialog))


@inline_jobs_only  # its PDF is made by the first download only with inline jobs
@pytest.mark.parametrize("made", ["stored", "on-download"])
def test_send_to_customer_opens_its_dialog_without_reading_or_making_the_pdf(shop, admin, made):
    """Send to Customer of a posted invoice opens the email dialog listing the PDF from its record:
    the stored PDF is not read, and one made by its first download is not made, until the email
    is sent."""
    service = admin.service
    draft = acme_drafts(service)[0].id
    doc = (documents_made(service, service.post(draft).id) if made == "stored"
           else service.post(draft, defer_pdf=True))
    view = f"/admin/invoices/{doc.id}"
    storage = CountingStorage.install(shop[0].extensions["oro_invoices"].addon)

    proceed = admin.submit(view, f"{view}/send-to-customer", {})
    assert proceed.status_code == 303 and "dialog=email" in proceed.headers["Location"]
    dialog = admin.get(proceed.headers["Location"]).get_data(as_text=True)
    assert f"Attach PDF · invoice-{doc.invoice_number}.pdf" in text_of(dialog)
    assert storage.opened == 0
    assert (service.get(doc.id).pdf is None) == (made == "on-download")   # nothing made either
