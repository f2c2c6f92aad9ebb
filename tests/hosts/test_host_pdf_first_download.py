"""A posted invoice whose PDF was never made (imported with ``--no-pdf``, a lost job): the
back-office's and the storefront's Download make it once, as the API does, and serve it after;
with background jobs they say it is being prepared and queue its job again, at most once a minute.
A draft has none."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid

import pytest
import redis
from support.api import shop_api_call
from support.celery_jobs import delete_queue, redis_url
from support.pdfs import pdf_words

from oro_invoices.hosts.reference.testing import ShopClient, make_shop, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.jobs import RENDER_PDF


def posted_without_pdf(service):
    """An invoice of Acme Industries AG (Ben Ortiz sees it on the storefront), posted without its PDF."""
    draft = next(d for d in service.list_invoices({"status": "draft"}, limit=100).items
                 if d.customer_name == "Acme Industries AG")
    doc = service.post(draft.id, defer_pdf=True)
    assert doc.pdf is None and not service.pdf_pending(doc)
    return doc


@pytest.mark.parametrize("where", ["backoffice", "storefront"])
def test_the_first_download_makes_the_pdf_once_and_the_next_serves_the_same(shop, admin, where):
    service = admin.service
    doc = posted_without_pdf(service)
    if where == "backoffice":
        client, url = admin, f"/admin/invoices/{doc.id}/download"
    else:
        client, url = ShopClient(shop[0]), f"/customer/invoices/{doc.id}/download"
        client.login_customer("ben.ortiz@acme.example")

    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert doc.invoice_number in pdf_words(first.get_data())
    made = service.get(doc.id).pdf
    assert made is not None and first.headers["ETag"] == f'"{made.sha256}"'
    second = client.get(url)
    assert second.status_code == 200
    assert hashlib.sha256(second.get_data()).hexdigest() == hashlib.sha256(first.get_data()).hexdigest() \
        == made.sha256
    assert service.get(doc.id).pdf == made
    activity = text_of(admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True))
    assert activity.count("PDF generated (") == 1                 # one PDF recorded
    api = shop_api_call(shop, "GET", f"/invoices/{doc.id}")
    assert api.get_json()["pdf"]["sha256"] == made.sha256


def test_the_invoice_pages_offer_the_download_that_makes_the_pdf(shop, admin):
    doc = posted_without_pdf(admin.service)
    ben = ShopClient(shop[0])
    ben.login_customer("ben.ortiz@acme.example")
    for client, page, url in ((admin, f"/admin/invoices/{doc.id}", f"/admin/invoices/{doc.id}/download"),
                              (ben, f"/customer/invoices/{doc.id}", f"/customer/invoices/{doc.id}/download")):
        html = client.get(page).get_data(as_text=True)
        assert f'href="{url}"' in html and "PDF being prepared" not in text_of(html), page
    assert admin.get(f"/admin/invoices/{doc.id}/download").status_code == 200
    assert admin.service.get(doc.id).pdf is not None


def test_a_drafts_download_says_it_gets_its_pdf_when_posted(shop, admin):
    draft = next(d for d in admin.service.list_invoices({"status": "draft"}, limit=100).items)
    got = admin.get(f"/admin/invoices/{draft.id}/download")
    assert got.status_code == 404
    assert f"Invoice {draft.display_number} is a draft: it gets its PDF when it is posted." in text_of(
        got.get_data(as_text=True))


def queued(broker: str, queue: str) -> list[tuple[str, list]]:
    """The jobs waiting in the Redis ``queue``: (task name, arguments)."""
    client = redis.Redis.from_url(broker)
    try:
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    finally:
        client.close()
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


@pytest.mark.celery
def test_with_background_jobs_a_download_queues_the_lost_job_again_once_a_minute_and_says_being_prepared(
        tmp_path, worker_id):
    """Every download answers 409 "being prepared"; within a minute of the posting (or of the
    last re-queue) none queues the job, after it one does, whichever page or client asks."""
    broker, queue = redis_url(worker_id), f"oro-test-{uuid.uuid4().hex[:12]}"
    app, info = make_shop(tmp_path / "shop", jobs_broker_url=broker, jobs_queue=queue)
    try:
        admin = ShopClient(app)
        admin.login_admin()
        ben = ShopClient(app)
        ben.login_customer("ben.ortiz@acme.example")
        now = [dt.datetime.now(dt.UTC)]
        admin.service.context.clock = lambda: now[0]
        draft = next(d for d in admin.service.list_invoices({"status": "draft"}, limit=100).items
                     if d.customer_name == "Acme Industries AG")
        doc = admin.service.post(draft.id, actor="admin")
        assert doc.pdf is None and queued(broker, queue) == [(RENDER_PDF, [doc.id])]
        delete_queue(broker, queue)                 # the job is lost: no worker ever ran it
        downloads = ((admin.get, f"/admin/invoices/{doc.id}/download"),
                     (ben.get, f"/customer/invoices/{doc.id}/download"),
                     (lambda u: shop_api_call((app, info), "GET", u), f"/invoices/{doc.id}/pdf"))

        def download_each() -> None:
            for get, url in downloads:
                got = get(url)
                assert got.status_code == 409 and got.headers["Retry-After"] == "5", url
                assert f"The PDF of invoice {doc.invoice_number} is being prepared" in text_of(
                    got.get_data(as_text=True)), url

        download_each()
        download_each()
        assert queued(broker, queue) == []                                # the posting's job is on its way
        now[0] += dt.timedelta(seconds=60)
        download_each()
        download_each()
        assert queued(broker, queue) == [(RENDER_PDF, [doc.id])]          # queued again, once
        delete_queue(broker, queue)
        now[0] += dt.timedelta(seconds=60)
        download_each()
        assert queued(broker, queue) == [(RENDER_PDF, [doc.id])]          # a minute on: once more
        delete_queue(broker, queue)
        Settings(app.extensions["oro_reference_host"].config).apply({"oro_invoices.jobs.pdf_requeue_after": 300})
        now[0] += dt.timedelta(seconds=120)
        download_each()
        assert queued(broker, queue) == []                                # the window set: five minutes
        now[0] += dt.timedelta(seconds=180)
        download_each()
        assert queued(broker, queue) == [(RENDER_PDF, [doc.id])]
        assert admin.service.get(doc.id).pdf is None          # nothing rendered in a request
        for get, page in ((admin.get, f"/admin/invoices/{doc.id}"), (ben.get, f"/customer/invoices/{doc.id}")):
            html = get(page).get_data(as_text=True)            # the pages say so, and offer no Download
            assert "PDF being prepared" in text_of(html) and f"/invoices/{doc.id}/download" not in html, page
    finally:
        app.extensions["oro_reference_host"].engine.dispose()
        app.extensions["oro_invoices"].addon.close()
        delete_queue(broker, queue)
