"""Imported posted invoices get their PDF after the import commits; pending PDFs, rendered once."""
from __future__ import annotations

import json
import threading

from support.payloads import invoice_payload

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import InvoiceDocumentRow
from oro_invoices.services.context import current_batch
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import
from oro_invoices.services.pdf_backlog import pending_pdfs, render_pdfs
from oro_invoices.services.verification import verify


def posted_records(count: int, prefix: str = "P") -> list[dict]:
    return [{"external_id": f"{prefix}-{i}", "invoice_number": f"OLD-{prefix}-{i}", "invoice_date": "2025-03-01", "due_date": "2025-03-31",
             "currency": "EUR", "customer_name": "Acme AG", "status": "posted", "payment_status": "paid_in_full",
             "bill_to": {"name": "Acme AG", "street": "1 Main St", "city": "Berlin", "country": "DE"},
             "lines": [{"description": "Support", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}]}
            for i in range(count)]


class CommittedCheckingRenderer:
    """Renders a small PDF, noting whether the invoice was already committed and outside any import batch."""

    def __init__(self, url: str):
        self.other = Database(url)
        self.calls: list[tuple[str, bool, bool]] = []

    def render(self, invoice, *, payment_url=None, extra_context=None):
        committed = InvoiceService(self.other).get(invoice.id).is_posted
        self.calls.append((invoice.invoice_number, committed, current_batch() is None))
        return f"%PDF-1.7 invoice {invoice.invoice_number}".encode()


def test_an_import_posts_without_rendering_and_the_pdfs_are_rendered_after_its_commit(db, tmp_path):
    renderer = CommittedCheckingRenderer(db.url)
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "pdf"),
                         renderer=renderer)
    path = tmp_path / "posted.json"
    path.write_text(json.dumps(posted_records(3)))
    report = run_import(svc, [path], organization_id=1)
    assert report.problems == [] and report.created == ["P-0", "P-1", "P-2"]
    assert renderer.calls == []                                   # nothing rendered inside the import
    ids = [svc.find_id(external_id=f"P-{i}") for i in range(3)]
    docs = [svc.get(i) for i in ids]
    assert [d.invoice_number for d in docs] == ["OLD-P-0", "OLD-P-1", "OLD-P-2"]
    assert {d.payment_status.value for d in docs} == {"paid_in_full"} and all(d.pdf is None for d in docs)
    assert report.pending_pdfs == ids and report.summary().endswith("0 PDF(s) rendered, 3 pending")
    assert verify(db, svc.storage).pending_pdfs == ids and verify(db, svc.storage).ok

    result = render_pdfs(svc, report.pending_pdfs, actor="import")
    assert result.rendered == ids and result.failed == []
    assert renderer.calls == [(n, True, True) for n in ("OLD-P-0", "OLD-P-1", "OLD-P-2")]
    assert pending_pdfs(svc) == [] and all(svc.get(i).pdf is not None for i in ids)
    check = verify(db, svc.storage)
    assert check.ok and check.pending_pdfs == [] and check.checked_pdfs == 3
    renderer.other.dispose()


class BytesRenderer:
    def render(self, invoice, *, payment_url=None, extra_context=None):
        return f"%PDF-1.7 invoice {invoice.invoice_number}".encode()


def test_normal_posting_still_renders_its_pdf_at_posting(service, tmp_path):
    svc = InvoiceService(service.db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "pdf"),
                         renderer=BytesRenderer())
    posted = svc.post(svc.create(invoice_payload()).id)
    assert posted.pdf is not None and posted.pdf.source == "generated" and pending_pdfs(svc) == []
    created = svc.create(invoice_payload(external_id="x", status="posted"))
    assert created.pdf is not None and pending_pdfs(svc) == []


def test_without_storage_nothing_is_pending(service, tmp_path):
    path = tmp_path / "posted.json"
    path.write_text(json.dumps(posted_records(1)))
    report = run_import(service, [path], organization_id=1)
    assert report.created == ["P-0"] and report.pending_pdfs == [] and pending_pdfs(service) == []


class RacingRenderer:
    """Each call renders different bytes; both racers finish rendering before either stores."""

    def __init__(self, barrier: threading.Barrier, tag: str):
        self.barrier, self.tag = barrier, tag

    def render(self, invoice, *, payment_url=None, extra_context=None):
        self.barrier.wait(timeout=30)
        return f"%PDF-1.7 invoice {invoice.invoice_number} rendered by {self.tag}".encode()


def test_two_processes_rendering_the_same_pdf_record_one(db, tmp_path):
    storage = LocalStorage(tmp_path / "pdf")
    setup = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage)
    path = tmp_path / "posted.json"
    path.write_text(json.dumps(posted_records(1)))
    invoice_id = run_import(setup, [path], organization_id=1).pending_pdfs[0]

    barrier = threading.Barrier(2)
    racers = [InvoiceService(Database(db.url), plugins=get_plugin_manager(False), storage=storage,
                             renderer=RacingRenderer(barrier, tag)) for tag in ("one", "two")]
    results: dict[str, object] = {}

    def run(svc: InvoiceService, tag: str) -> None:
        results[tag] = svc.ensure_pdf(invoice_id, actor=tag)

    threads = [threading.Thread(target=run, args=(svc, tag)) for svc, tag in zip(racers, ("one", "two"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(results) == {"one", "two"}                       # neither failed
    shas = {results[tag].pdf.sha256 for tag in ("one", "two")}
    assert len(shas) == 1                                        # both see the same, first recorded PDF
    with db.session() as s:
        rows = s.query(InvoiceDocumentRow).filter_by(invoice_id=invoice_id).all()
    assert [r.sha256 for r in rows] == list(shas)
    assert list(storage.names()) == list(shas)                   # the loser stored nothing
    assert storage.read(rows[0].sha256).startswith(b"%PDF-1.7 invoice OLD-P-0 rendered by ")
    assert len([a for a in setup.activities(invoice_id) if a.kind == "pdf"]) == 1
    check = verify(db, storage)
    assert check.ok, check.problems
    for svc in racers:
        svc.db.dispose()


def test_a_page_of_pending_pdfs_reads_each_scopes_setting_once():
    from oro_invoices.services.pdf_backlog import expects_pdf

    asked = []

    class Settings:
        def setting(self, key, *, organization_id, website_id):
            asked.append((key, organization_id, website_id))
            return website_id != 2

    expects = expects_pdf(Settings())
    scopes = [(1, None), (1, 2), (1, None), (1, 2), (3, None)] * 10
    assert [expects(*scope) for scope in scopes] == [website != 2 for _org, website in scopes]
    assert sorted(asked, key=str) == sorted({("oro_invoices.generate_pdf_on_post", *s) for s in scopes}, key=str)
