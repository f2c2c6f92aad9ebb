"""``oro-invoices worker`` (with ``--beat``) and ``beat``: real processes on the local Redis."""
from __future__ import annotations

import uuid

import pytest
from support.celery_jobs import Command, delete_queue, redis_url, wait_until
from support.payloads import invoice_payload

from oro_invoices.cli import main
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.persistence.outbox import SENT

pytestmark = pytest.mark.celery


@pytest.fixture
def queue(worker_id):
    name = f"oro-test-{uuid.uuid4().hex[:12]}"
    yield name
    delete_queue(redis_url(worker_id), name)


def test_the_worker_command_makes_pdfs_and_its_beat_sweeps_the_outbox(tmp_path, queue, worker_id, smtp_server):
    db_url = f"sqlite:///{tmp_path / 'invoices.db'}"
    storage = str(tmp_path / "pdfs")
    broker = redis_url(worker_id)
    assert main(["migrate", "--db", db_url]) == 0
    worker = Command(tmp_path, "worker", "--db", db_url, "--storage", storage, "--broker", broker,
                   "--queue", queue, "--pool", "solo", "--smtp-url", f"smtp://127.0.0.1:{smtp_server.port}",
                   "--sender", "billing@acme.example", "--beat", "--every", "1", "--loglevel", "WARNING")
    try:
        with build_addon(AddonConfig(database_url=db_url, storage_url=storage, jobs_broker_url=broker,
                                     jobs_queue=queue, load_entrypoints=False)) as web:
            posted = web.invoices.post(web.invoices.create(invoice_payload()).id)
            assert posted.pdf is None
            pdf = wait_until(lambda: web.invoices.get(posted.id).pdf, timeout=60, what="the PDF")
        # a message queued by a process without background jobs: only the beat's sweep sends it
        with build_addon(AddonConfig(database_url=db_url, storage_url=storage, load_entrypoints=False,
                                     mail_sender="billing@acme.example")) as inline:
            queued = inline.mail.send(posted.id, to="buyer@acme.test", subject="Your invoice",
                                      text="Attached.", actor="admin")
            wait_until(lambda: inline.mail.email(queued.id).status == SENT, timeout=60, what="the sweep")
    finally:
        output = worker.stop()
    assert worker.returncode == 0, output
    received, = smtp_server.handler.received
    assert pdf.sha256 in {a.sha256 for a in inline.mail.email(queued.id).attachments}
    assert b"Your invoice" in received.content


def test_worker_and_beat_need_a_broker(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("ORO_INVOICES_BROKER_URL", raising=False)
    (tmp_path / "x.db").touch()
    assert main(["worker", "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert main(["beat"]) == 2
    err = capsys.readouterr().err
    assert err.count("needs the Celery broker: give --broker URL or set $ORO_INVOICES_BROKER_URL") == 2


def test_beat_sends_the_periodic_sweeps_to_the_queue(tmp_path, queue, worker_id):
    import json

    import redis
    broker = redis_url(worker_id)
    beat = Command(tmp_path, "beat", "--broker", broker, "--queue", queue, "--every", "1",
                 "--schedule-file", str(tmp_path / "beat-schedule"), "--loglevel", "WARNING")
    client = redis.Redis.from_url(broker)
    try:
        def sent() -> set[str]:
            return {json.loads(raw)["headers"]["task"] for raw in client.lrange(queue, 0, -1)}
        names = wait_until(lambda: len(sent()) >= 3 and sent(), timeout=60, what="the sweeps")
    finally:
        output = beat.stop()
        client.close()
    assert names == {"oro_invoices.sweep_mail", "oro_invoices.sweep_events", "oro_invoices.complete_pdfs"}, output
