"""Every job is safe to run again: a job killed midway and run again leaves one result.

The jobs run here as a worker runs them (``oro_invoices.jobs.tasks``), with a part that
fails right after the step a crash would interrupt; then the same job runs again.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from support.celery_jobs import delete_queue, jobs_shop
from support.statements import statements_on

from oro_invoices.jobs import tasks
from oro_invoices.persistence.outbox import QUEUED, SENT, UNKNOWN, Attachment
from oro_invoices.services.documents import size_label
from oro_invoices.services.mail.delivery import WAITING_FOR_PDF

pytestmark = pytest.mark.celery

BROKER = "redis://127.0.0.1:6379/15"  # jobs are sent to a queue nobody consumes: the test runs them


class Crash(Exception):
    """The worker died here."""


@pytest.fixture
def shop(db, tmp_path, smtp_server):
    queue = f"oro-test-unconsumed-{uuid.uuid4().hex[:12]}"
    shop = jobs_shop(db, tmp_path, broker_url=BROKER, queue=queue, smtp_port=smtp_server.port)
    yield shop
    shop.addon.close()
    delete_queue(BROKER, queue)


def test_a_pdf_job_killed_after_storing_the_file_leaves_one_pdf_when_run_again(shop, monkeypatch):
    invoice = shop.addon.invoices.post(shop.create().id)
    storage = shop.addon.storage
    real_put = storage.put

    def put_then_die(data):
        real_put(data)
        raise Crash("killed after storing the file, before recording it")

    monkeypatch.setattr(storage, "put", put_then_die)
    with pytest.raises(Exception, match="killed after storing"):
        tasks.render_pdf(shop.addon, invoice.id)
    assert shop.addon.invoices.get(invoice.id).pdf is None and shop.pdf_records(invoice.id) == 0

    monkeypatch.setattr(storage, "put", real_put)
    assert tasks.render_pdf(shop.addon, invoice.id) is True
    assert tasks.render_pdf(shop.addon, invoice.id) is True  # delivered twice: nothing more
    assert shop.pdf_records(invoice.id) == 1
    pdf = shop.addon.invoices.get(invoice.id).pdf
    info, stream = shop.addon.invoices.open_pdf(invoice.id)
    with stream:
        assert info == pdf and stream.read().startswith(b"%PDF-")
    assert [a.summary for a in shop.addon.invoices.activities(invoice.id)].count(
        f"PDF generated ({size_label(pdf.size)})") == 1


def test_the_sweep_makes_the_oldest_lost_pdfs_a_few_at_a_time(shop, monkeypatch):
    """PDF jobs nobody ran (the queue is not consumed): each sweep makes at most SWEEP_LIMIT of
    the pending PDFs, the oldest first, read in batches smaller than that here."""
    invoices = [shop.addon.invoices.post(shop.create().id).id for _ in range(5)]
    assert [shop.pdf_records(i) for i in invoices] == [0] * 5
    monkeypatch.setattr(tasks, "SWEEP_LIMIT", 2)
    monkeypatch.setattr("oro_invoices.services.verification.PENDING_BATCH", 2)
    assert tasks.complete_pdfs(shop.addon) == 2
    assert [shop.pdf_records(i) for i in invoices] == [1, 1, 0, 0, 0]
    assert tasks.complete_pdfs(shop.addon) == 2
    assert tasks.complete_pdfs(shop.addon) == 1
    assert tasks.complete_pdfs(shop.addon) == 0
    assert [shop.pdf_records(i) for i in invoices] == [1] * 5


def test_the_sweep_reads_nothing_while_pdf_generation_is_off_everywhere(shop):
    """With generation off in every scope no PDF is pending: the sweep does not read the
    invoices to find that out. On for one website, it reads them and makes that website's."""
    off = shop.addon.invoices.post(shop.create().id).id
    shop.settings.set("oro_invoices.generate_pdf_on_post", False)
    lost = shop.addon.invoices.post(shop.create().id).id
    with statements_on(shop.addon.db.engine) as statements:
        assert tasks.complete_pdfs(shop.addon) == 0
        assert [s for s in statements if "oro_invoice_invoice" in s] == []
        website = shop.host.add_website("Printed").id
        shop.settings.set("oro_invoices.generate_pdf_on_post", True, "website", website)
        assert tasks.complete_pdfs(shop.addon) == 0
        assert [s for s in statements if "oro_invoice_invoice" in s] != []
    assert [shop.pdf_records(i) for i in (off, lost)] == [0, 0]
    printed = shop.addon.invoices.post(shop.create(website_id=website).id).id
    assert tasks.complete_pdfs(shop.addon) == 1
    assert [shop.pdf_records(i) for i in (off, lost, printed)] == [0, 0, 1]


def test_two_pdf_jobs_racing_for_one_invoice_record_one_pdf(shop):
    invoice = shop.addon.invoices.post(shop.create().id)
    start = threading.Barrier(2)
    results: list[object] = []

    def job() -> None:
        start.wait()
        results.append(tasks.render_pdf(shop.addon, invoice.id))

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True, True]
    assert shop.pdf_records(invoice.id) == 1


def test_an_email_job_killed_after_the_server_accepted_it_never_sends_it_twice(shop, smtp_server, monkeypatch):
    invoice = shop.addon.invoices.post(shop.create().id)
    tasks.render_pdf(shop.addon, invoice.id)
    mail = shop.addon.mail
    queued = mail.send(invoice.id, to="buyer@acme.test", subject="Your invoice", text="Attached.", actor="admin")

    def die(*args, **kwargs):
        raise Crash("killed after the server accepted the message, before recording it")

    monkeypatch.setattr(mail.deliverer, "_mark_sent", die)
    with pytest.raises(Crash):
        tasks.deliver_email(shop.addon, queued.id)
    assert len(smtp_server.handler.received) == 1
    monkeypatch.undo()

    tasks.deliver_email(shop.addon, queued.id)  # the job delivered again: the lease still holds
    assert tasks.sweep_mail(shop.addon).sent == 0
    assert len(smtp_server.handler.received) == 1
    later = shop.addon.invoices.clock() + dt.timedelta(minutes=10)  # the lease has expired
    assert mail.deliver_pending(now=later).unknown == 1
    assert mail.email(queued.id).status == UNKNOWN  # an admin decides; never re-sent blindly
    assert len(smtp_server.handler.received) == 1


def test_an_email_job_run_twice_sends_one_email(shop, smtp_server):
    invoice = shop.addon.invoices.post(shop.create().id)
    queued = shop.addon.mail.send(invoice.id, to="buyer@acme.test", subject="Your invoice", text="Attached.",
                                  actor="admin")
    assert tasks.deliver_email(shop.addon, queued.id).sent == 1
    assert tasks.deliver_email(shop.addon, queued.id).claimed == 0
    assert shop.addon.mail.email(queued.id).status == SENT
    assert len(smtp_server.handler.received) == 1


def test_a_message_waiting_for_its_pdf_is_put_back_without_using_an_attempt(shop, smtp_server):
    """A sender without a renderer (``deliver-mail``) leaves a waiting message queued; once the
    PDF exists the next run sends it with the PDF attached."""
    invoice = shop.addon.invoices.post(shop.create().id)
    mail = shop.addon.mail
    queued = mail.send(invoice.id, to="buyer@acme.test", subject="Your invoice", text="Attached.", actor="admin")
    assert queued.attachments[0].pending

    report = mail.deliver_pending()
    assert (report.claimed, report.waiting, report.sent) == (1, 1, 0)
    waiting = mail.email(queued.id)
    assert (waiting.status, waiting.attempts, waiting.last_error) == (QUEUED, 0, WAITING_FOR_PDF)
    assert smtp_server.handler.received == []

    tasks.render_pdf(shop.addon, invoice.id)
    later = shop.addon.invoices.clock() + dt.timedelta(minutes=1)
    assert mail.deliver_pending(now=later).sent == 1
    sent = mail.email(queued.id)
    assert sent.status == SENT and sent.attempts == 1
    assert sent.attachments[0].sha256 == shop.addon.invoices.get(invoice.id).pdf.sha256


def test_a_receipt_email_job_makes_the_receipt_once_without_waiting_for_the_invoice_pdf(shop, smtp_server,
                                                                                          monkeypatch):
    invoices, mail = shop.addon.invoices, shop.addon.mail
    invoice = invoices.post(shop.create().id)
    assert invoices.get(invoice.id).pdf is None                  # its PDF job has not run
    invoices.record_payment(invoice.id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                                         "provider_reference": "BT-1"}, actor="api:erp")
    [paid] = invoices.transactions(invoice.id)
    name = f"receipt-{invoice.display_number}-R{paid.id}.pdf"
    queued = mail.send(invoice.id, to="buyer@acme.test", subject="Payment received", text="Thanks.",
                       attach_pdf=False, actor="receipts",
                       extra_attachments=(Attachment.pending_receipt(name, paid.id),))
    real_put = shop.addon.storage.put

    def put_then_die(data):
        real_put(data)
        raise Crash("killed after storing the receipt, before sending")

    monkeypatch.setattr(shop.addon.storage, "put", put_then_die)
    assert tasks.deliver_email(shop.addon, queued.id).retrying == 1
    assert not smtp_server.handler.received and "killed after storing" in mail.email(queued.id).last_error
    monkeypatch.undo()

    later = invoices.clock() + dt.timedelta(minutes=2)             # the retry is due
    assert mail.deliver_one(queued.id, now=later).sent == 1
    assert tasks.deliver_email(shop.addon, queued.id).claimed == 0
    [received] = smtp_server.handler.received
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == name
    assert attachment.get_content() == invoices.receipt_pdf(invoice.id, paid.id)[1]
    [sent] = mail.email(queued.id).attachments
    assert not sent.pending and shop.addon.storage.read(sent.sha256) == attachment.get_content()
    assert invoices.get(invoice.id).pdf is None                  # the invoice's own PDF was left to its job
