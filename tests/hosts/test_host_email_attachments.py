"""The files of an invoice email: the Send email dialog lists them from records (the storage not
opened), a send reads the stored PDF once, its e-invoice XML taken from the bytes read."""
from __future__ import annotations

import hashlib

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
