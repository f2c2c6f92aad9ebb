"""The reference shop with background jobs: Download says "being prepared" until a worker made the PDF."""
from __future__ import annotations

import uuid

import pytest
from support.celery_jobs import delete_queue, redis_url, running_worker, wait_until

from oro_invoices.hosts.reference.testing import ShopClient, make_shop, text_of

pytestmark = pytest.mark.celery

PREPARING = "PDF being prepared… reload in a moment to download it."


@pytest.fixture
def jobs_shop_app(tmp_path, worker_id):
    broker, queue = redis_url(worker_id), f"oro-test-{uuid.uuid4().hex[:12]}"
    app, info = make_shop(tmp_path / "shop", jobs_broker_url=broker, jobs_queue=queue)
    yield app, info
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].addon.close()
    delete_queue(broker, queue)


def test_download_pages_say_the_pdf_is_being_prepared_until_the_worker_stored_it(jobs_shop_app):
    app, _info = jobs_shop_app
    admin = ShopClient(app)
    admin.login_admin()
    buyer = ShopClient(app)
    buyer.login_customer("amanda.cole@acme.example")
    invoice_id = admin.service.find_id(external_id="ERP-SO-1004-4")
    posted = admin.service.post(invoice_id, actor="admin")
    number = posted.invoice_number

    for client, view, download in ((admin, f"/admin/invoices/{invoice_id}", f"/admin/invoices/{invoice_id}/download"),
                                   (buyer, f"/customer/invoices/{invoice_id}",
                                    f"/customer/invoices/{invoice_id}/download")):
        page = client.get(view)
        assert page.status_code == 200
        assert PREPARING in text_of(page.get_data(as_text=True))
        assert f'href="{download}"' not in page.get_data(as_text=True)
        early = client.get(download)
        assert early.status_code == 409 and early.mimetype == "text/html"
        text = text_of(early.get_data(as_text=True))
        assert "PDF being prepared" in text
        assert f"The PDF of invoice {number} is being prepared. Reload the invoice in a moment to download it." in text

    with running_worker(app.extensions["oro_invoices"].addon):
        pdf = wait_until(lambda: admin.service.get(invoice_id).pdf, what="the PDF")

    for client, view, download in ((admin, f"/admin/invoices/{invoice_id}", f"/admin/invoices/{invoice_id}/download"),
                                   (buyer, f"/customer/invoices/{invoice_id}",
                                    f"/customer/invoices/{invoice_id}/download")):
        page = client.get(view).get_data(as_text=True)
        assert PREPARING not in text_of(page) and f'href="{download}"' in page
        ready = client.get(download)
        assert ready.status_code == 200 and ready.mimetype == "application/pdf"
        assert ready.headers["ETag"] == f'"{pdf.sha256}"' and ready.get_data().startswith(b"%PDF-")


def test_an_issued_ubl_is_offered_at_once_while_the_pdf_is_being_prepared(jobs_shop_app):
    """The UBL is kept at posting: Download XML is on both pages before the worker made the PDF."""
    from oro_invoices.integration.config import Settings

    app, _info = jobs_shop_app
    Settings(app.extensions["oro_reference_host"].config).apply(
        {"oro_invoices.einvoice.enabled": True, "oro_invoices.einvoice.profile": "ubl"})
    admin = ShopClient(app)
    admin.login_admin()
    buyer = ShopClient(app)
    buyer.login_customer("amanda.cole@acme.example")
    invoice_id = admin.service.find_id(external_id="ERP-SO-1004-4")
    admin.service.post(invoice_id, actor="admin")
    issued = admin.service.kept_einvoice(invoice_id)
    assert issued is not None and admin.service.get(invoice_id).pdf is None
    for client, view in ((admin, f"/admin/invoices/{invoice_id}"), (buyer, f"/customer/invoices/{invoice_id}")):
        page = client.get(view).get_data(as_text=True)
        assert PREPARING in text_of(page) and f'href="{view}/download/xml"' in page
        xml = client.get(f"{view}/download/xml")
        assert xml.status_code == 200 and xml.mimetype == "application/xml" and xml.get_data() == issued
