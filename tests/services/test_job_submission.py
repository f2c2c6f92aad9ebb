"""When the services submit jobs: after the commit, never for a rolled-back batch, never inline.

The jobs go to a real Redis queue that no worker consumes, so the test counts what was sent.
"""
from __future__ import annotations

import base64
import json
import uuid

import pytest
import redis
from support.celery_jobs import delete_queue, jobs_shop, redis_url

from oro_invoices.services.jobs import DELIVER_EMAIL, RENDER_PDF

pytestmark = pytest.mark.celery


@pytest.fixture
def broker(worker_id):
    return redis_url(worker_id)


@pytest.fixture
def queue(broker):
    name = f"oro-test-{uuid.uuid4().hex[:12]}"
    yield name
    delete_queue(broker, name)


def sent(broker: str, queue: str) -> list[tuple[str, list]]:
    client = redis.Redis.from_url(broker)
    try:
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    finally:
        client.close()
    return sorted((m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages)


def test_posting_sends_one_pdf_job_after_the_commit(db, tmp_path, broker, queue):
    shop = jobs_shop(db, tmp_path, broker_url=broker, queue=queue)
    with shop.addon:
        invoice = shop.addon.invoices.post(shop.create().id)
        shop.addon.invoices.post(invoice.id)  # posting again changes nothing and sends nothing
        assert sent(broker, queue) == [(RENDER_PDF, [invoice.id])]


def test_a_batch_sends_its_jobs_only_once_it_committed(db, tmp_path, broker, queue):
    shop = jobs_shop(db, tmp_path, broker_url=broker, queue=queue)
    invoices = shop.addon.invoices
    with shop.addon:
        first, second = shop.create().id, shop.create().id
        with pytest.raises(RuntimeError), invoices.atomic():
            invoices.post(first)
            assert sent(broker, queue) == []
            raise RuntimeError("the batch fails")
        assert sent(broker, queue) == [] and not invoices.get(first).is_posted
        with invoices.atomic():
            invoices.post(first)
            invoices.post(second)
            assert sent(broker, queue) == []
        assert sent(broker, queue) == [(RENDER_PDF, [first]), (RENDER_PDF, [second])]


def test_queueing_an_email_sends_its_delivery_job(db, tmp_path, broker, queue):
    shop = jobs_shop(db, tmp_path, broker_url=broker, queue=queue,
                     settings_values={"oro_invoices.jobs.pdf_in_background": False})
    with shop.addon:
        invoice = shop.addon.invoices.post(shop.create().id)
        assert invoice.pdf is not None  # the setting off: made while posting, as without jobs
        email = shop.addon.mail.send(invoice.id, to="buyer@acme.test", subject="Invoice", text="Hi",
                                     actor="admin")
        assert not email.attachments[0].pending
        assert sent(broker, queue) == [(DELIVER_EMAIL, [email.id])]


def test_without_a_broker_posting_makes_the_pdf_and_nothing_is_pending(db, tmp_path):
    shop = jobs_shop(db, tmp_path, broker_url=None, queue="unused")
    with shop.addon:
        invoice = shop.addon.invoices.post(shop.create().id)
        assert invoice.pdf is not None and invoice.pdf.source == "generated"
        assert not shop.addon.invoices.pdf_pending(invoice) and not shop.addon.jobs.background
