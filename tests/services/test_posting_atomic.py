"""Posting is all or nothing: number, chain link, PDF and its record commit together, or nothing does."""
import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from support.child_process import package_env
from support.payloads import invoice_payload

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import TEMP_PREFIX, LocalStorage
from oro_invoices.domain.errors import ConfigurationError, DatabaseBusy, PdfFailed
from oro_invoices.integration.config import load_schema
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.models import InvoiceDocumentRow, NumberSequence
from oro_invoices.services.documents import Documents
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import posted_without_pdf, verify


class BytesRenderer:
    """A renderer without WeasyPrint: a small PDF naming the invoice."""

    def render(self, invoice, *, payment_url=None, extra_context=None):
        return f"%PDF-1.7 invoice {invoice.invoice_number}".encode()


class BrokenTemplate:
    def render(self, invoice, *, payment_url=None, extra_context=None):
        raise KeyError("seller_logo")


class Values:
    """Settings at their defaults except the given ones."""

    def __init__(self, **values):
        self.values = {f"oro_invoices.{k}": v for k, v in values.items()}

    def value(self, key, ctx=None):
        return self.values.get(key, load_schema()[key].default)


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "pdf")


def _nothing_changed(svc, db, draft_id):
    doc = svc.get(draft_id)
    assert not doc.is_posted and doc.invoice_number is None and doc.pdf is None and doc.posted_at is None
    assert [a.kind for a in svc.activities(draft_id)] == ["created"]
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(InvoiceDocumentRow)).scalar_one() == 0
        assert s.execute(select(func.coalesce(func.sum(NumberSequence.last_number), 0))).scalar_one() == 0
        assert s.execute(select(func.coalesce(func.sum(NumberSequence.chain_length), 0))).scalar_one() == 0


def test_an_invalid_locale_leaves_the_invoice_a_draft_and_says_so(db, storage):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=Values(locale="xx_NOWHERE"),
                         storage=storage, renderer=PdfRenderer())
    draft = svc.create(invoice_payload())
    with pytest.raises(ConfigurationError) as err:
        svc.post(draft.id)
    assert err.value.message.startswith(f"Invoice Draft #{draft.id} was not posted: its PDF could not be "
                                        "rendered; it is still a draft and nothing was changed.")
    assert "Unknown locale 'xx_NOWHERE'" in err.value.message
    _nothing_changed(svc, db, draft.id)
    fixed = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=BytesRenderer())
    assert fixed.post(draft.id).invoice_number.endswith("-00001")   # no number was used up


def test_a_broken_template_at_create_as_posted_writes_nothing(db, storage):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=BrokenTemplate())
    with pytest.raises(PdfFailed, match=r"was not posted: its PDF could not be rendered.*KeyError: 'seller_logo'"):
        svc.create(invoice_payload(external_id="p", status="posted"))
    assert svc.list_invoices(with_total=True).total == 0


def test_a_failing_pdf_record_leaves_the_invoice_a_draft(db, storage, monkeypatch):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=BytesRenderer())
    draft = svc.create(invoice_payload())

    def fail(self, s, invoice_id, pdf, actor):
        raise OperationalError("INSERT INTO oro_invoice_document", {}, Exception("disk I/O error"))
    monkeypatch.setattr(Documents, "record_posting_pdf", fail)
    with pytest.raises(OperationalError):
        svc.post(draft.id)
    _nothing_changed(svc, db, draft.id)
    assert verify(db, storage).ok     # the stored bytes are an orphan no record names: harmless


def test_a_posting_commits_the_pdf_with_its_number_and_chain_link(db, storage):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=BytesRenderer())
    posted = svc.post(svc.create(invoice_payload()).id)
    assert posted.pdf is not None and posted.pdf.source == "generated"
    assert storage.read(posted.pdf.sha256) == f"%PDF-1.7 invoice {posted.invoice_number}".encode()
    with db.session() as s:
        row = s.get(InvoiceDocumentRow, posted.id)
        assert row.chain_key is None       # covered by the invoice's own link instead
    from oro_invoices.persistence.models import Invoice
    with db.session() as s:
        assert s.get(Invoice, posted.id).pdf_sha256 == posted.pdf.sha256
    assert verify(db, storage).ok


CRASH = textwrap.dedent("""
    import os, signal, sys
    from oro_invoices.documents.storage import LocalStorage
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.persistence.engine import Database
    from oro_invoices.services.documents import Documents
    from oro_invoices.services.facade import InvoiceService

    class BytesRenderer:
        def render(self, invoice, *, payment_url=None, extra_context=None):
            return b"%PDF-1.7 invoice " + invoice.invoice_number.encode()

    def die(self, s, invoice_id, pdf, actor):
        os.kill(os.getpid(), signal.SIGKILL)   # PDF stored, frozen row flushed, nothing committed

    Documents.record_posting_pdf = die
    svc = InvoiceService(Database(sys.argv[1]), plugins=get_plugin_manager(False),
                         storage=LocalStorage(sys.argv[2]), renderer=BytesRenderer())
    svc.post(int(sys.argv[3]))
""")


def test_a_process_killed_mid_posting_leaves_a_draft(db, storage, tmp_path):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=BytesRenderer())
    draft = svc.create(invoice_payload())
    result = subprocess.run([sys.executable, "-c", CRASH, db.url, str(storage.root), str(draft.id)],
                            capture_output=True, timeout=120, env=package_env())
    assert result.returncode == -9, result.stderr
    _nothing_changed(svc, db, draft.id)
    assert verify(db, storage).ok
    posted = svc.post(draft.id)                           # posting again completes normally
    assert posted.pdf is not None and verify(db, storage).ok


def _run(*args):
    return subprocess.run([sys.executable, "-m", "oro_invoices", *args], capture_output=True, text=True,
                          timeout=180)


def test_verify_reports_posted_invoices_without_a_pdf_and_complete_pdfs_makes_them(db, storage):
    # Posted while no renderer was configured (as before postings stored their PDF atomically):
    bare = InvoiceService(db, plugins=get_plugin_manager(False))
    lacking = bare.post(bare.create(invoice_payload()).id)
    assert lacking.pdf is None
    stray = storage.root / "ab" / "cd" / f"{TEMP_PREFIX}crashed"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF-1.7 half")
    os.utime(stray, (0, 0))

    found = _run("verify", "--db", db.url, "--storage", storage.root.as_uri())
    assert found.returncode == 1                          # the stray file; a pending PDF is no failure
    assert (f"PENDING invoice {lacking.invoice_number} (id {lacking.id}): its PDF is pending (not rendered "
            "yet); `oro-invoices complete-pdfs` renders it") in found.stdout
    assert f"FAIL storage: stray temporary file {stray}" in found.stdout
    assert "1 problem(s): checked 1 posted invoice(s), 0 PDF(s); 1 PDF(s) pending" in found.stdout

    done = _run("complete-pdfs", "--db", db.url, "--storage", storage.root.as_uri())
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"made the PDF of invoice {lacking.invoice_number} (id {lacking.id})" in done.stdout
    assert "1 stray temporary file(s) removed" in done.stdout
    assert not stray.exists()
    completed = bare.get(lacking.id)
    assert completed.pdf is not None and storage.read(completed.pdf.sha256).startswith(b"%PDF-")
    with db.session() as s:
        assert s.get(InvoiceDocumentRow, lacking.id).chain_key is not None   # chained as its own link
    again = _run("verify", "--db", db.url, "--storage", storage.root.as_uri())
    assert again.returncode == 0, again.stdout
    assert "PENDING" not in again.stdout and "pending" not in again.stdout



def test_the_first_pending_pdfs_are_read_a_batch_at_a_time(db, storage, monkeypatch):
    """``posted_without_pdf(limit=…)``: the oldest pending PDFs in id order, read in batches
    past invoices whose PDF is made or not expected (organization 2's here) until there are
    enough; the same as the first of all of them."""
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=Values(generate_pdf_on_post=False),
                         storage=storage, renderer=BytesRenderer())
    ids = [svc.post(svc.create(invoice_payload(external_id=f"p{n}", organization_id=1 + n % 2)).id).id
           for n in range(7)]
    svc.attach_pdf(ids[2], b"%PDF-1.7 from the ERP", actor="erp")
    svc.create(invoice_payload(external_id="draft"))

    def first_organization(organization_id, website_id):
        return organization_id == 1

    monkeypatch.setattr("oro_invoices.services.verification.PENDING_BATCH", 2)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert posted_without_pdf(db, first_organization, limit=2) == [ids[0], ids[4]]
    # ids[0] and ids[1], then ids[3] and ids[4] (ids[2] has its PDF): enough
    assert len([s for s in statements if s.startswith("SELECT")]) == 2
    assert posted_without_pdf(db, first_organization, limit=10) == [ids[0], ids[4], ids[6]]
    assert posted_without_pdf(db, first_organization) == [ids[0], ids[4], ids[6]]
    assert posted_without_pdf(db, first_organization, limit=0) == []
    assert posted_without_pdf(db, first_organization, invoice_ids=ids[4:], limit=1) == [ids[4]]

def test_an_uploaded_pdf_is_chained_and_tampering_with_its_record_is_caught(db, storage, drop_guards):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=Values(generate_pdf_on_post=False),
                         storage=storage, renderer=BytesRenderer())
    posted = svc.post(svc.create(invoice_payload()).id)
    other = svc.post(svc.create(invoice_payload(external_id="o")).id)
    svc.attach_pdf(posted.id, b"%PDF-1.7 from the ERP", actor="erp")
    svc.attach_pdf(other.id, b"%PDF-1.7 another one", actor="erp")
    assert verify(db, storage, expects_pdf=lambda org, web: False).ok
    drop_guards()
    replacement = storage.put(b"%PDF-1.7 forged")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE oro_invoice_document SET sha256 = '{replacement.sha256}', "
                             f"size = {replacement.size} WHERE invoice_id = {posted.id}")
    report = verify(db, storage, expects_pdf=lambda org, web: False)
    assert any(f"PDF record of invoice {posted.invoice_number} (id {posted.id}): content does not match" in p
               for p in report.problems), report.problems


def test_a_long_invoices_pdf_is_laid_out_after_its_posting_commits_not_under_its_lock(tmp_path, storage, monkeypatch):
    """Other writers are not held up while hundreds of lines are laid out (SQLite has one writer)."""
    from oro_invoices.persistence import engine
    from oro_invoices.persistence.engine import Database
    from oro_invoices.persistence.migrate import upgrade
    from oro_invoices.services.lifecycle import RENDER_AFTER_COMMIT_LINES
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    db = Database(f"sqlite:///{tmp_path / 'long.db'}")
    upgrade(db)
    svc = InvoiceService(db, storage=storage, renderer=BytesRenderer(),
                         plugins=get_plugin_manager(load_entrypoints=False))
    other = svc.create(invoice_payload(external_id="OTHER"))
    noted = []

    class WritingRenderer(BytesRenderer):
        def render(self, invoice, **kwargs):
            svc.add_note(other.id, f"while {invoice.invoice_number} is laid out", actor="colleague")
            noted.append(invoice.invoice_number)
            return super().render(invoice, **kwargs)

    svc.context.renderer = WritingRenderer()
    line = {"description": "Bolt", "quantity": "1", "unit_price": "0.10", "tax_rate": "0.19"}
    long = svc.create(invoice_payload(lines=[line] * (RENDER_AFTER_COMMIT_LINES + 1), external_id="LONG"))
    posted = svc.post(long.id, actor="admin")
    assert posted.is_posted and posted.pdf is not None and noted == [posted.invoice_number]
    assert storage.read(posted.pdf.sha256) == f"%PDF-1.7 invoice {posted.invoice_number}".encode()
    assert [n.body for n in svc.notes(other.id)] == [f"while {posted.invoice_number} is laid out"]
    assert verify(db).ok
    short = svc.create(invoice_payload(external_id="SHORT"))
    with pytest.raises(DatabaseBusy):                # a short one is still laid out under its lock
        svc.post(short.id, actor="admin")
    assert not svc.get(short.id).is_posted
    db.dispose()
