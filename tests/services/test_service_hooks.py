"""The service announces its changes to plugins and lets them shape the PDF."""
import io
import logging
from decimal import Decimal

from pypdf import PdfReader
from support.payloads import invoice_payload

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.services.facade import InvoiceService


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def invoice_created(self, invoice, actor):
        self.events.append(("created", invoice.external_id, actor))

    @hookimpl
    def invoice_updated(self, invoice, actor):
        self.events.append(("updated", invoice.external_id, actor))

    @hookimpl
    def invoice_posted(self, invoice, actor):
        self.events.append(("posted", invoice.invoice_number, actor))

    @hookimpl
    def invoice_deleted(self, invoice, actor):
        self.events.append(("deleted", invoice.external_id, actor))

    @hookimpl
    def invoice_paid(self, invoice, actor):
        self.events.append(("paid", invoice.amount_due, actor))

    @hookimpl
    def invoice_payment_status_changed(self, invoice, old_status, new_status, actor):
        self.events.append(("status", old_status.value, new_status.value, actor))


class Broken:
    @hookimpl(tryfirst=True)
    def invoice_posted(self, invoice, actor):
        raise RuntimeError("listener is down")


def test_every_change_is_announced(db):
    recorder = Recorder()
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[recorder]))
    a = svc.create(invoice_payload(external_id="A"), actor="erp")
    svc.update(a.id, {"due_date": "2026-12-24"}, actor="alice")
    posted = svc.post(a.id, actor="alice")
    svc.record_payment(a.id, {"method": "manual", "action": "charge", "amount": "231.86"}, actor="bank")
    b = svc.create(invoice_payload(external_id="B"), actor="erp")
    svc.delete(b.id, actor="bob")
    assert recorder.events == [
        ("created", "A", "erp"), ("updated", "A", "alice"), ("posted", posted.invoice_number, "alice"),
        ("status", "pending", "paid_in_full", "bank"), ("paid", Decimal("0.00"), "bank"),
        ("created", "B", "erp"), ("deleted", "B", "bob")]


def test_a_failing_listener_neither_undoes_the_change_nor_silences_the_others(db, caplog):
    recorder = Recorder()
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[recorder, Broken()]))
    draft = svc.create(invoice_payload())
    with caplog.at_level(logging.ERROR, logger="oro_invoices.integration.plugins"):
        posted = svc.post(draft.id)
    assert svc.get(draft.id).is_posted
    assert ("posted", posted.invoice_number, "system") in recorder.events
    assert "failed in invoice_posted" in caplog.text and "listener is down" in caplog.text


def test_plugins_add_pdf_templates_and_context(db, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "invoice.html").write_text(
        '{% extends "oro_invoices/invoice.html" %}'
        '{% block body_extra %}<p>Approved by {{ approver }}</p>{% endblock %}')

    class Branding:
        @hookimpl
        def invoice_template_dirs(self):
            return [str(templates)]

        @hookimpl
        def invoice_pdf_context(self, invoice):
            return {"approver": f"Controller of org {invoice.organization_id}"}

    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Branding()]),
                         storage=LocalStorage(tmp_path / "pdf"), renderer=PdfRenderer())
    posted = svc.post(svc.create(invoice_payload()).id)
    info, stream = svc.open_pdf(posted.id)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(stream.read())).pages)
    assert "Approved by Controller of org 1" in text
    assert posted.invoice_number in text


def test_page_size_and_locale_come_from_the_invoice_settings(db, tmp_path):
    class Settings:
        def value(self, key, ctx=None):
            return {"oro_invoices.pdf.page_size": "Letter", "oro_invoices.locale": "de_DE",
                    "oro_invoices.generate_pdf_on_post": True,
                    "oro_invoices.number_prefix": "INV-", "oro_invoices.timezone": "UTC"}.get(key, "")
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=Settings(),
                         storage=LocalStorage(tmp_path / "pdf"), renderer=PdfRenderer())
    posted = svc.post(svc.create(invoice_payload(currency="EUR")).id)
    _, stream = svc.open_pdf(posted.id)
    page = PdfReader(io.BytesIO(stream.read())).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert "231,86" in page.extract_text()  # German decimal comma
