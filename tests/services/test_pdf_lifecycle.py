"""The PDF of a posted invoice: made once at posting, downloaded byte for byte, verified."""
import multiprocessing
import os
import stat
import subprocess
import sys

import pytest
from sqlalchemy import func, select
from support.payloads import invoice_payload

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import Conflict, InvoiceNotPosted, NotFound
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import InvoiceDocumentRow
from oro_invoices.services.facade import InvoiceService


class CountingRenderer(PdfRenderer):
    renders = 0

    def render(self, *args, **kwargs):
        CountingRenderer.renders += 1
        return super().render(*args, **kwargs)


class GenerationOff:
    def value(self, key, ctx=None):
        return {"oro_invoices.generate_pdf_on_post": False, "oro_invoices.number_prefix": "INV-",
                "oro_invoices.timezone": "UTC"}.get(key, "")


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "pdf")


@pytest.fixture
def svc(db, storage):
    CountingRenderer.renders = 0
    return InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=CountingRenderer())


def download(service, invoice_id) -> bytes:
    info, stream = service.open_pdf(invoice_id)
    with stream:
        return stream.read()


def test_posting_makes_the_pdf_once_and_later_changes_never_remake_it(svc):
    draft = svc.create(invoice_payload())
    with pytest.raises(InvoiceNotPosted, match="only posted invoices have a PDF"):
        svc.open_pdf(draft.id)
    posted = svc.post(draft.id)
    assert posted.pdf is not None and posted.pdf.source == "generated" and CountingRenderer.renders == 1
    first = download(svc, posted.id)
    assert first.startswith(b"%PDF-") and len(first) == posted.pdf.size
    svc.add_note(posted.id, "Customer asked for a copy")
    svc.record_payment(posted.id, {"method": "manual", "action": "charge", "amount": "100.00"})
    svc.force_payment_status(posted.id, "invoiced")
    svc.post(posted.id)
    assert download(svc, posted.id) == first
    assert svc.get(posted.id).pdf == posted.pdf
    assert CountingRenderer.renders == 1


def test_stored_file_is_read_only(svc, storage):
    posted = svc.post(svc.create(invoice_payload()).id)
    mode = os.stat(storage.path_for(posted.pdf.sha256)).st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_without_generation_the_external_system_supplies_the_pdf(db, storage):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=GenerationOff(),
                         storage=storage, renderer=CountingRenderer())
    posted = svc.post(svc.create(invoice_payload()).id)
    assert posted.pdf is None
    with pytest.raises(NotFound, match="supplied by the external system"):
        svc.open_pdf(posted.id)
    supplied = b"%PDF-1.7 from the ERP\n%%EOF"
    attached = svc.attach_pdf(posted.id, supplied, actor="erp")
    assert attached.pdf.source == "uploaded" and download(svc, posted.id) == supplied
    with pytest.raises(Conflict, match="never replaced"):
        svc.attach_pdf(posted.id, b"%PDF-1.7 another one")
    assert download(svc, posted.id) == supplied
    assert [a.kind for a in svc.activities(posted.id)][0] == "pdf"


def _ensure(url, root, invoice_id, start, queue):
    start.wait(30)
    svc = InvoiceService(Database(url), plugins=get_plugin_manager(False), storage=LocalStorage(root),
                         renderer=PdfRenderer())
    doc = svc.ensure_pdf(invoice_id)
    queue.put(doc.pdf.sha256)


def test_two_processes_making_the_same_pdf_end_with_one(db, storage, tmp_path):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=None, storage=storage)
    posted = svc.post(svc.create(invoice_payload()).id)  # no renderer here: no PDF yet
    assert posted.pdf is None
    ctx = multiprocessing.get_context("spawn")
    start, queue = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_ensure, args=(db.url, storage.root, posted.id, start, queue))
             for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    hashes = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert hashes[0] == hashes[1] == svc.get(posted.id).pdf.sha256
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(InvoiceDocumentRow)).scalar_one() == 1


def _verify(db, storage):
    return subprocess.run([sys.executable, "-m", "oro_invoices", "verify", "--db", db.url,
                           "--storage", storage.root.as_uri()], capture_output=True, text=True, timeout=120)


def test_verify_catches_a_flipped_byte_and_a_deleted_file(db, svc, storage):
    a = svc.post(svc.create(invoice_payload(external_id="a")).id)
    b = svc.post(svc.create(invoice_payload(external_id="b", customer_name="Other")).id)
    ok = _verify(db, storage)
    assert ok.returncode == 0 and "checked 2 posted invoice(s), 2 PDF(s)" in ok.stdout

    path_a = storage.path_for(a.pdf.sha256)
    os.chmod(path_a, 0o644)
    data = bytearray(path_a.read_bytes())
    data[len(data) // 2] ^= 0x01
    path_a.write_bytes(bytes(data))
    os.remove(storage.path_for(b.pdf.sha256))

    bad = _verify(db, storage)
    assert bad.returncode == 1
    assert f"FAIL invoice {a.invoice_number} (id {a.id}): PDF" in bad.stdout
    assert "content does not match its SHA-256" in bad.stdout
    assert f"FAIL invoice {b.invoice_number} (id {b.id}): PDF" in bad.stdout and "missing" in bad.stdout


def test_pdf_sizes_read_as_people_read_them():
    from oro_invoices.services.documents import size_label
    assert size_label(812) == "812 bytes"
    assert size_label(15_653) == "15.3 KB"
    assert size_label(2_200_000) == "2.1 MB"


def test_without_a_pdf_storage_asking_for_the_pdf_says_so_in_words(db, caplog):
    """Invoices set up without a PDF storage make no PDF: asking for one (to download or attach
    it) says why, not that a stored document could not be read, and the page answers 409."""
    from oro_invoices.domain.errors import NoPdfStorage
    from oro_invoices.web.errors import status_for
    from oro_invoices.web.guard import friendly
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False))
    doc = service.post(service.create(invoice_payload()).id)
    with pytest.raises(NoPdfStorage) as caught:
        service.ensure_pdf(doc.id)
    assert status_for(caught.value) == 409
    assert friendly(caught.value)[1].startswith("This invoice has no PDF: invoices are set up without a PDF storage")
    assert "has no PDF and none is made: no PDF storage is configured" in caplog.text


class RecordingJobs:
    """A background job queue that keeps what it is sent (no worker runs it)."""

    background = True

    def __init__(self):
        self.sent = []

    def submit(self, job):
        self.sent.append(job)


def test_the_download_of_a_pdf_never_made_makes_it_once(db, svc):
    posted = svc.post(svc.create(invoice_payload()).id, defer_pdf=True)
    assert posted.pdf is None and CountingRenderer.renders == 0
    first = svc.pdf_for_download(posted.id)
    again = svc.pdf_for_download(posted.id)
    assert first == again == svc.get(posted.id).pdf and CountingRenderer.renders == 1
    assert download(svc, posted.id) == download(svc, posted.id)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(InvoiceDocumentRow)).scalar_one() == 1
    draft = svc.create(invoice_payload(external_id="draft"))
    with pytest.raises(InvoiceNotPosted):
        svc.pdf_for_download(draft.id)


def test_with_background_jobs_the_download_queues_the_job_again_once_a_while_and_renders_nothing(db, storage):
    """A download queues the invoice's job again only when the posting, and the last re-queue,
    are a minute old (``oro_invoices.jobs.pdf_requeue_after``): polls and reloads in between,
    answered by this process or another on the same database, queue none."""
    import datetime as dt

    from oro_invoices.domain.errors import PdfPending
    from oro_invoices.services.jobs import RENDER_PDF, Job
    CountingRenderer.renders = 0
    jobs = RecordingJobs()
    now = [dt.datetime.now(dt.UTC)]
    web, other_web = (InvoiceService(db, plugins=get_plugin_manager(False), storage=storage,
                                     renderer=CountingRenderer(), jobs=jobs, clock=lambda: now[0]) for _ in range(2))
    posted = web.post(web.create(invoice_payload()).id)
    render = Job(RENDER_PDF, (posted.id,))
    assert posted.pdf is None and jobs.sent == [render]
    jobs.sent.clear()                                   # that job was lost

    def poll(times: int) -> None:
        """Downloads every 5 seconds, by turns in each process: each says the PDF is being prepared."""
        for n in range(times):
            with pytest.raises(PdfPending, match=f"The PDF of invoice {posted.invoice_number} is being prepared"):
                (web if n % 2 == 0 else other_web).pdf_for_download(posted.id)
            now[0] += dt.timedelta(seconds=5)

    poll(12)                                            # the posting's minute: its job is on its way
    assert jobs.sent == []
    poll(12)                                            # the next minute: queued again once
    assert jobs.sent == [render]
    poll(1)                                             # a minute after that re-queue: once more
    assert jobs.sent == [render, render]
    poll(11)
    assert jobs.sent == [render, render]
    with pytest.raises(PdfPending):
        web.pdf_info(posted.id)                         # what the mail's attachments ask: nothing queued
    assert len(jobs.sent) == 2 and web.get(posted.id).pdf is None and CountingRenderer.renders == 0


def test_the_job_that_stores_the_pdf_deletes_its_invoices_re_queue_time(db, storage):
    """The time a download last queued the PDF's job again is kept only while the PDF is awaited:
    the job that stores it deletes it with the PDF's record; another invoice's stays."""
    import datetime as dt

    from oro_invoices.domain.errors import PdfPending
    from oro_invoices.persistence.models import PdfRequeueRow
    jobs = RecordingJobs()
    now = [dt.datetime.now(dt.UTC)]
    web = InvoiceService(db, plugins=get_plugin_manager(False), storage=storage, renderer=CountingRenderer(),
                         jobs=jobs, clock=lambda: now[0])
    made, waiting = (web.post(web.create(invoice_payload(external_id=name)).id) for name in ("made", "waiting"))
    now[0] += dt.timedelta(seconds=61)
    for doc in (made, waiting):
        with pytest.raises(PdfPending):
            web.pdf_for_download(doc.id)                # the job is lost: queued again

    def kept() -> list[int]:
        with db.session() as s:
            return sorted(s.execute(select(PdfRequeueRow.invoice_id)).scalars())

    assert kept() == sorted([made.id, waiting.id]) and len(jobs.sent) == 4
    stored = web.ensure_pdf(made.id)                    # what the worker's render_pdf job runs
    assert stored.pdf is not None and kept() == [waiting.id]
    assert web.pdf_for_download(made.id) == stored.pdf and len(jobs.sent) == 4
