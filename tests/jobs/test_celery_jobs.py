"""Background jobs on real Celery workers over the local Redis and RabbitMQ (docs/jobs.md)."""
from __future__ import annotations

import hashlib
import json
import threading

import pytest
from support.celery_jobs import Command, database_url, jobs_shop, wait_until
from support.databases import make_database
from support.mail import parse
from support.webhooks import Receiver

from oro_invoices.documents.filenames import pdf_filename
from oro_invoices.domain.errors import PdfPending
from oro_invoices.jobs.celery_app import COMPLETE_PDFS
from oro_invoices.persistence.outbox import SENT
from oro_invoices.services.jobs import Job
from oro_invoices.services.verification import verify

pytestmark = pytest.mark.celery


def pdf_bytes(addon, invoice_id: int) -> bytes:
    info, stream = addon.invoices.open_pdf(invoice_id)
    with stream:
        data = stream.read()
    assert hashlib.sha256(data).hexdigest() == info.sha256
    return data


def test_posting_returns_at_once_and_a_worker_makes_the_pdf(db, tmp_path, broker_url, job_queue):
    shop = jobs_shop(db, tmp_path, broker_url=broker_url, queue=job_queue)
    with shop.addon:
        posted = shop.addon.invoices.post(shop.create().id, actor="admin")
        assert posted.is_posted and posted.invoice_number.startswith("INV-")
        assert posted.pdf is None and shop.addon.invoices.pdf_pending(posted)
        with pytest.raises(PdfPending, match=f"The PDF of invoice {posted.invoice_number} is being prepared"):
            shop.addon.invoices.open_pdf(posted.id)

        with shop.worker():
            done = wait_until(lambda: shop.addon.invoices.get(posted.id).pdf, what="the PDF")
        assert done.source == "generated"
        assert pdf_bytes(shop.addon, posted.id).startswith(b"%PDF-")
        assert not shop.addon.invoices.pdf_pending(shop.addon.invoices.get(posted.id))
        report = verify(shop.addon.db, shop.addon.storage)
        assert report.ok, report.problems


def test_the_api_says_the_pdf_is_being_prepared_until_the_worker_stored_it(db, tmp_path, broker_url,
                                                                           job_queue):
    from support.api import make_http
    shop = jobs_shop(db, tmp_path, broker_url=broker_url, queue=job_queue,
                     settings_values={"oro_invoices.enabled": True})
    with shop.addon:
        http = make_http(shop.addon.invoices, shop.settings)
        created = http.create(customer_id=shop.payload["customer_id"],
                              customer_user_id=shop.payload["customer_user_id"],
                              order_id=shop.payload["order_id"])
        posted = http.post(f"/api/invoices/{created['id']}/post")
        assert posted.status_code == 200 and posted.get_json()["pdf"] is None

        pending = http.get(f"/api/invoices/{created['id']}/pdf")
        assert pending.status_code == 409
        assert pending.headers["Retry-After"] == "5"
        assert pending.get_json() == {"errors": [{
            "field": "", "code": "pdf_pending",
            "message": f"The PDF of invoice {posted.get_json()['invoice_number']} is being prepared; "
                       "try again in a moment."}]}

        with shop.worker():
            wait_until(lambda: shop.addon.invoices.get(created["id"]).pdf, what="the PDF")
        ready = http.get(f"/api/invoices/{created['id']}/pdf")
        assert ready.status_code == 200 and ready.mimetype == "application/pdf"
        assert ready.get_data() == pdf_bytes(shop.addon, created["id"])


def test_send_to_customer_while_the_pdf_is_pending_waits_for_it_then_attaches_it(
        db, tmp_path, broker_url, job_queue, smtp_server):
    shop = jobs_shop(db, tmp_path, broker_url=broker_url, queue=job_queue, smtp_port=smtp_server.port)
    mail = shop.addon.mail
    with shop.addon:
        draft = shop.create()
        email_draft = mail.send_to_customer(draft.id, confirm_post=True, actor="admin")
        attachment, = email_draft.attachments
        assert attachment.pending and attachment.filename.endswith(".pdf")
        queued = mail.send(draft.id, to=email_draft.to, subject=email_draft.subject, text=email_draft.text,
                           html=email_draft.html, actor="admin")
        assert queued.attachments[0].pending
        assert smtp_server.handler.received == []

        with shop.worker():
            sent = wait_until(lambda: (e := mail.email(queued.id)).status == SENT and e, what="the email")
        invoice = shop.addon.invoices.get(draft.id)
        assert invoice.pdf is not None and shop.pdf_records(draft.id) == 1
        stored, = sent.attachments
        assert not stored.pending and stored.sha256 == invoice.pdf.sha256
        received, = smtp_server.handler.received
        message = parse(received.content)
        part, = list(message.iter_attachments())
        assert part.get_filename() == pdf_filename(invoice.display_number) == attachment.filename
        assert part.get_content() == pdf_bytes(shop.addon, draft.id)


def test_a_payment_status_change_is_delivered_to_the_webhook_by_a_worker(db, tmp_path, broker_url, job_queue):
    with Receiver() as receiver:
        shop = jobs_shop(db, tmp_path, broker_url=broker_url, queue=job_queue, settings_values={
            "oro_invoices.webhooks.endpoints": [{"url": receiver.url, "secret": "s" * 24}],
            "oro_invoices.generate_pdf_on_post": False})
        with shop.addon:
            invoice = shop.addon.invoices.post(shop.create().id)
            shop.addon.invoices.record_payment(invoice.id, {"method": "manual", "action": "charge",
                                                            "amount": "100.00"})
            assert receiver.requests == []
            with shop.worker():
                request = wait_until(lambda: receiver.requests and receiver.requests[0], what="the webhook")
    body = json.loads(request.body)
    assert body["type"] == "invoice.payment_status_updated"
    assert body["data"]["invoice_id"] == invoice.id and body["data"]["status"]["value"] == "paid_partially"


@pytest.mark.slow
def test_two_workers_racing_on_postgresql_make_one_pdf_per_invoice(request, tmp_path, broker_url, job_queue):
    """Two workers on one queue: ``oro-invoices worker`` as a process (standalone: seller settings
    at their defaults, so its PDFs differ from the other's) and one in this process running two
    jobs at once. Invoices are posted from several threads, each PDF job is sent twice and a
    sweep besides: every invoice ends with one PDF record, its stored file intact."""
    db = make_database("postgresql", request, tmp_path)
    shop = jobs_shop(db, tmp_path, broker_url=broker_url, queue=job_queue)
    invoices = shop.addon.invoices
    other = Command(tmp_path, "worker", "--db", database_url(db), "--storage", str(tmp_path / "pdfs"),
                    "--broker", broker_url, "--queue", job_queue, "--pool", "threads",
                    "--concurrency", "2", "--loglevel", "INFO")
    try:
        other.wait_for(" ready.")
        drafts = [shop.create().id for _ in range(6)]
        start = threading.Barrier(len(drafts))

        def post(invoice_id: int) -> None:
            start.wait()
            invoices.post(invoice_id, actor="admin")
            invoices.documents.submit_posting_pdf(invoices.get(invoice_id))  # a duplicate job

        with shop.worker(concurrency=2):
            threads = [threading.Thread(target=post, args=(i,)) for i in drafts]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            shop.addon.jobs.submit(Job(COMPLETE_PDFS))
            wait_until(lambda: all(invoices.get(i).pdf for i in drafts), timeout=120, what="every PDF")
        assert [shop.pdf_records(i) for i in drafts] == [1] * len(drafts)
        for invoice_id in drafts:
            assert pdf_bytes(shop.addon, invoice_id).startswith(b"%PDF-")
        report = verify(shop.addon.db, shop.addon.storage)
        assert report.ok, report.problems
    finally:
        output = other.stop()
        shop.addon.close()
        db.dispose()
    assert other.returncode == 0, output


def test_a_refused_email_and_a_failed_webhook_are_retried_at_their_retry_time_not_the_sweep(
        db, tmp_path, broker_url, job_queue, smtp_server):
    """The worker here runs no sweeps: only the job sent again for the retry's own time can
    deliver them."""
    import datetime as dt
    smtp_server.handler.refuse = ["451 4.3.0 Try again later"]
    with Receiver(answers=(503, 200)) as receiver:
        shop = jobs_shop(db, tmp_path, broker_url=broker_url, queue=job_queue, smtp_port=smtp_server.port,
                         settings_values={
                             "oro_invoices.webhooks.endpoints": [{"url": receiver.url, "secret": "s" * 24}],
                             "oro_invoices.generate_pdf_on_post": False})
        shop.addon.mail.deliverer.retry_schedule = (dt.timedelta(seconds=2),)
        shop.addon.events.first_retry = dt.timedelta(seconds=2)
        mail = shop.addon.mail
        with shop.addon:
            invoice = shop.addon.invoices.post(shop.create().id)
            queued = mail.send(invoice.id, to=("buyer@acme.test",), subject="Invoice", text="Hello", attach_pdf=False,
                               actor="admin")
            shop.addon.invoices.record_payment(invoice.id, {"method": "manual", "action": "charge",
                                                            "amount": "100.00"})
            with shop.worker():
                sent = wait_until(lambda: (e := mail.email(queued.id)).status == SENT and e,
                                  timeout=20, what="the email's retry")
                wait_until(lambda: len(receiver.requests) == 2, timeout=20, what="the webhook's retry")
    assert sent.attempts == 2 and len(smtp_server.handler.received) == 1
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["invoice.payment_status_updated"] * 2
