"""The e-invoice XML as a file of its own in invoice email, delivered to a real SMTP server."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from support.counting_storage import CountingStorage
from support.einvoices import SELLER_SETTINGS, UBL_INVOICE, texts
from support.held_jobs import HeldJobs
from support.mail import make_mail, parse

from oro_invoices.documents.einvoice import rules
from oro_invoices.services.einvoicing import xml_in
from oro_invoices.services.facade import InvoiceService

pytest.importorskip("saxonche")


@pytest.fixture
def einvoice_app(app):
    app.settings.apply({"oro_invoices.einvoice.enabled": True,
                        **{f"oro_invoices.seller.{k}": v for k, v in SELLER_SETTINGS.items()}})
    return app


def send_to_customer(app, mail):
    invoice = app.create()
    draft = mail.send_to_customer(invoice.id, confirm_post=True, actor="admin")
    mail.send(invoice.id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              actor="admin", template=draft.template)
    assert mail.deliver_pending().sent == 1
    return app.invoices.get(invoice.id), draft


def stored_pdf(app, invoice_id) -> bytes:
    _, stream = app.invoices.open_pdf(invoice_id)
    with stream:
        return stream.read()


def files(received) -> list[tuple[str, str, bytes]]:
    return [(part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in parse(received.content).iter_attachments()]


def test_with_attach_xml_the_email_carries_factur_x_xml_next_to_the_pdf(einvoice_app, smtp_server):
    einvoice_app.settings.set("oro_invoices.einvoice.attach_xml", True)
    mail = make_mail(einvoice_app, smtp_server)
    invoice, draft = send_to_customer(einvoice_app, mail)
    assert [a.filename for a in draft.attachments] == [f"invoice-{invoice.invoice_number}.pdf", "factur-x.xml"]
    (received,) = smtp_server.handler.received
    (pdf_name, pdf_type, pdf), (xml_name, xml_type, xml) = files(received)
    assert (pdf_name, pdf_type) == (f"invoice-{invoice.invoice_number}.pdf", "application/pdf")
    assert (xml_name, xml_type) == ("factur-x.xml", "application/xml")
    assert pdf == stored_pdf(einvoice_app, invoice.id)
    assert xml == xml_in(pdf)  # the very XML the stored PDF carries
    assert texts(xml, "//rsm:ExchangedDocument/ram:ID") == [invoice.invoice_number]
    assert rules.errors(rules.check(xml, "en16931")) == []


def test_off_by_default_the_email_carries_the_pdf_only(einvoice_app, smtp_server):
    mail = make_mail(einvoice_app, smtp_server)
    invoice, draft = send_to_customer(einvoice_app, mail)
    assert [a.content_type for a in draft.attachments] == ["application/pdf"]
    (received,) = smtp_server.handler.received
    assert [name for name, _, _ in files(received)] == [f"invoice-{invoice.invoice_number}.pdf"]


def test_a_pdf_without_xml_is_sent_alone_even_with_attach_xml(app, smtp_server):
    app.settings.set("oro_invoices.einvoice.attach_xml", True)  # but e-invoices are off
    mail = make_mail(app, smtp_server)
    invoice, _ = send_to_customer(app, mail)
    (received,) = smtp_server.handler.received
    assert [name for name, _, _ in files(received)] == [f"invoice-{invoice.invoice_number}.pdf"]


def test_an_xrechnung_is_attached_as_pure_xml_named_after_the_invoice(einvoice_app, smtp_server):
    einvoice_app.settings.apply({"oro_invoices.einvoice.attach_xml": True,
                                 "oro_invoices.einvoice.profile": "xrechnung"})
    customers = einvoice_app.host.customers.customers
    cid = einvoice_app.payload["customer_id"]
    customers[cid] = dataclasses.replace(customers[cid], buyer_reference="991-01234-56")
    mail = make_mail(einvoice_app, smtp_server)
    invoice, _ = send_to_customer(einvoice_app, mail)
    (received,) = smtp_server.handler.received
    (_, _, pdf), (xml_name, xml_type, xml) = files(received)
    assert (xml_name, xml_type) == (f"invoice-{invoice.invoice_number}.xml", "application/xml")
    assert xml == xml_in(pdf)
    assert texts(xml, "//ram:BuyerReference") == ["991-01234-56"]
    assert rules.check(xml, "xrechnung") == []


def test_a_message_queued_while_the_pdf_is_made_gets_its_xml_once_the_pdf_exists(einvoice_app, smtp_server):
    app = einvoice_app
    app.settings.set("oro_invoices.einvoice.attach_xml", True)
    app.invoices = InvoiceService(app.invoices.db, plugins=app.invoices.plugins, settings=app.settings,
                                  storage=app.storage, renderer=app.renderer, host=app.host, jobs=HeldJobs())
    mail = make_mail(app, smtp_server)
    invoice = app.invoices.post(app.create().id)
    queued = mail.send(invoice.id, to="buyer@acme.test", subject="Your invoice", text="Attached.", actor="admin")
    assert [(a.content_type, a.pending) for a in queued.attachments] \
        == [("application/pdf", True), ("application/xml", True)]
    assert mail.deliver_pending().waiting == 1 and smtp_server.handler.received == []

    app.invoices.ensure_pdf(invoice.id)
    later = app.invoices.clock() + dt.timedelta(minutes=1)
    assert mail.deliver_pending(now=later).sent == 1
    (received,) = smtp_server.handler.received
    (pdf_name, _, pdf), (xml_name, _, xml) = files(received)
    assert pdf == stored_pdf(app, invoice.id) and xml_name == "factur-x.xml" and xml == xml_in(pdf)
    assert [a.pending for a in mail.email(queued.id).attachments] == [False, False]


def test_a_queued_xrechnung_is_named_for_the_invoice_and_its_pdf_read_once_when_sent(einvoice_app, smtp_server):
    """Queued while its PDF is made, an XRechnung's XML is named for the invoice from the start
    (not ``factur-x.xml``), and going out the stored PDF is opened once: checked, and its XML taken
    out of those bytes."""
    app = einvoice_app
    app.settings.apply({"oro_invoices.einvoice.attach_xml": True, "oro_invoices.einvoice.profile": "xrechnung"})
    customers = app.host.customers.customers
    cid = app.payload["customer_id"]
    customers[cid] = dataclasses.replace(customers[cid], buyer_reference="991-01234-56")
    storage = CountingStorage(app.storage)
    app.invoices = InvoiceService(app.invoices.db, plugins=app.invoices.plugins, settings=app.settings,
                                  storage=storage, renderer=app.renderer, host=app.host, jobs=HeldJobs())
    mail = make_mail(app, smtp_server)
    invoice = app.invoices.post(app.create().id)
    name = f"invoice-{invoice.invoice_number}"
    queued = mail.send(invoice.id, to="buyer@acme.test", subject="Your invoice", text="Attached.", actor="admin")
    assert [(a.filename, a.pending) for a in queued.attachments] == [(f"{name}.pdf", True), (f"{name}.xml", True)]

    app.invoices.ensure_pdf(invoice.id)
    opened = storage.opened
    assert mail.deliver_pending(now=app.invoices.clock() + dt.timedelta(minutes=1)).sent == 1
    (received,) = smtp_server.handler.received
    (pdf_name, _, pdf), (xml_name, xml_type, xml) = files(received)
    assert (pdf_name, xml_name, xml_type) == (f"{name}.pdf", f"{name}.xml", "application/xml")
    assert xml == xml_in(pdf) and texts(xml, "//ram:BuyerReference") == ["991-01234-56"]
    # resolved once (the PDF checked and its XML taken out), then each file read to build the message
    assert storage.opened - opened == 1 + 2
    assert [a.filename for a in mail.email(queued.id).attachments] == [f"{name}.pdf", f"{name}.xml"]


@pytest.mark.parametrize("background", [False, True], ids=["pdf-made-inline", "pdf-made-by-the-worker"])
def test_an_invoice_imported_from_ubl_is_mailed_with_that_ubl(einvoice_app, smtp_server, background):
    """Its PDF carries no XML (Factur-X is CII only): the UBL it came as goes beside it, at once."""
    from oro_invoices.services.einvoice_intake import take_einvoice

    app = einvoice_app
    app.settings.set("oro_invoices.einvoice.attach_xml", True)
    if background:
        app.invoices = InvoiceService(app.invoices.db, plugins=app.invoices.plugins, settings=app.settings,
                                      storage=app.storage, renderer=app.renderer, host=app.host, jobs=HeldJobs())
    ubl = UBL_INVOICE.read_bytes()
    invoice, _ = take_einvoice(app.invoices, ubl, organization_id=1, actor="erp")
    mail = make_mail(app, smtp_server)
    queued = mail.send(invoice.id, to="ap@initech.example", subject="Your invoice", text="Attached.", actor="admin")
    assert [(a.filename, a.pending) for a in queued.attachments] == [
        ("invoice-RE-2025-0118.pdf", background), ("invoice-RE-2025-0118.xml", False)]
    if background:
        app.invoices.ensure_pdf(invoice.id)                         # what the render_pdf job does
    assert mail.deliver_pending(now=app.invoices.clock() + dt.timedelta(minutes=1)).sent == 1
    (received,) = smtp_server.handler.received
    (_, _, pdf), (xml_name, xml_type, xml) = files(received)
    assert (xml_name, xml_type, xml) == ("invoice-RE-2025-0118.xml", "application/xml", ubl)
    assert pdf == stored_pdf(app, invoice.id) and xml_in(pdf) is None


@pytest.mark.parametrize("background", [False, True], ids=["pdf-made-inline", "pdf-made-by-the-worker"])
def test_an_invoice_issued_as_ubl_is_mailed_with_its_ubl_beside_the_pdf(einvoice_app, smtp_server, background):
    """With a UBL profile the XML is issued at posting and kept: the email carries it at once,
    named for the PDF, while the PDF carries none."""
    app = einvoice_app
    app.settings.apply({"oro_invoices.einvoice.attach_xml": True, "oro_invoices.einvoice.profile": "ubl"})
    if background:
        app.invoices = InvoiceService(app.invoices.db, plugins=app.invoices.plugins, settings=app.settings,
                                      storage=app.storage, renderer=app.renderer, host=app.host, jobs=HeldJobs())
    invoice = app.invoices.post(app.create(buyer={"reference": "PO-4471"}).id)
    mail = make_mail(app, smtp_server)
    queued = mail.send(invoice.id, to="buyer@acme.test", subject="Your invoice", text="Attached.", actor="admin")
    name = f"invoice-{invoice.invoice_number}"
    assert [(a.filename, a.pending) for a in queued.attachments] == [(f"{name}.pdf", background), (f"{name}.xml", False)]
    if background:
        app.invoices.ensure_pdf(invoice.id)                         # what the render_pdf job does
    assert mail.deliver_pending(now=app.invoices.clock() + dt.timedelta(minutes=1)).sent == 1
    (received,) = smtp_server.handler.received
    (_, _, pdf), (xml_name, xml_type, xml) = files(received)
    assert (xml_name, xml_type) == (f"{name}.xml", "application/xml")
    assert xml == app.invoices.kept_einvoice(invoice.id) and rules.check(xml, "ubl") == []
    assert pdf == stored_pdf(app, invoice.id) and xml_in(pdf) is None
