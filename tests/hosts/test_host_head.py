"""HEAD in the reference shop (the Flask adapter): a streamed download answers the headers its GET
sends, without a length (a chunked body has none), never ``Content-Length: 0`` for a file that is
not empty. HEAD on a stored PDF answers its GET's headers, its length too, and the storage opens
nothing."""
from __future__ import annotations

import pytest
from support.api import shop_api_call
from support.counting_storage import CountingStorage

from oro_invoices.hosts.reference.testing import ShopClient

ADMIN_DOWNLOADS = ["/admin/invoices/export.csv", "/admin/invoices/aging-detail.csv",
                   "/admin/invoices/export-pdfs.zip"]


def same_headers_without_a_body(got, head) -> None:
    assert got.status_code == head.status_code == 200
    assert got.is_streamed and got.get_data() and "Content-Length" not in got.headers
    assert head.get_data() == b"" and "Content-Length" not in head.headers
    for name in ("Content-Type", "Content-Disposition"):
        assert head.headers[name] == got.headers[name]


@pytest.mark.parametrize("url", ADMIN_DOWNLOADS)
def test_head_on_a_back_office_download(admin, url):
    same_headers_without_a_body(admin.get(url), admin.client.head(url))


def test_head_on_the_storefronts_download(shop):
    amanda = ShopClient(shop[0])
    amanda.login_customer("amanda.cole@acme.example")
    url = "/customer/invoices/download-pdfs.zip"
    same_headers_without_a_body(amanda.get(url), amanda.client.head(url))


def test_head_on_the_apis_archive(shop):
    same_headers_without_a_body(shop_api_call(shop, "GET", "/invoices/pdfs.zip"),
                                shop_api_call(shop, "HEAD", "/invoices/pdfs.zip"))


def test_head_on_a_stored_pdf_opens_nothing(shop):
    app = shop[0]
    counting = CountingStorage.install(app.extensions["oro_invoices"].addon)
    ben = ShopClient(app)
    ben.login_customer("ben.ortiz@acme.example")
    doc = ben.service.get(ben.service.find_id(external_id="ERP-SO-1003-3"))
    admin = ShopClient(app)
    admin.login_admin()
    calls = [(admin.get, admin.client.head, f"/admin/invoices/{doc.id}/download"),
             (ben.get, ben.client.head, f"/customer/invoices/{doc.id}/download"),
             (lambda url: shop_api_call(shop, "GET", url), lambda url: shop_api_call(shop, "HEAD", url),
              f"/invoices/{doc.id}/pdf")]
    for get, head, url in calls:
        got = get(url)
        assert got.status_code == 200 and got.get_data().startswith(b"%PDF"), url
        opened, reads = counting.opened, counting.reads
        headed = head(url)
        assert headed.status_code == 200 and headed.get_data() == b"", url
        assert headed.headers["Content-Length"] == str(len(got.get_data())), url
        for name in ("Content-Type", "Content-Disposition", "ETag"):
            assert headed.headers[name] == got.headers[name], (url, name)
        assert (counting.opened, counting.reads) == (opened, reads), url
    assert counting.opened == 3


def test_head_on_a_pdf_not_recorded_yet_reads_nothing(shop, admin, monkeypatch):
    """A posted invoice whose PDF is still to be made: HEAD answers as its GET would (the API makes
    the PDF first, once), from what is recorded, the storage neither opened nor read; while a
    background job makes it, HEAD is the same 409 with Retry-After as GET, everywhere."""
    from oro_invoices.services.documents import Documents
    addon = shop[0].extensions["oro_invoices"].addon
    service = admin.service
    draft = next(d for d in service.list_invoices({"status": "draft"}, limit=100).items
                 if d.customer_name == "Acme Industries AG")
    doc = service.post(draft.id, defer_pdf=True)
    assert doc.pdf is None and not service.pdf_pending(doc)
    counting = CountingStorage.install(addon)
    ben = ShopClient(shop[0])
    ben.login_customer("ben.ortiz@acme.example")
    monkeypatch.setattr(Documents, "in_background", lambda self, doc: True)   # a worker makes it
    calls = [(admin.get, admin.client.head, f"/admin/invoices/{doc.id}/download"),
             (ben.get, ben.client.head, f"/customer/invoices/{doc.id}/download"),
             (lambda url: shop_api_call(shop, "GET", url), lambda url: shop_api_call(shop, "HEAD", url),
              f"/invoices/{doc.id}/pdf")]
    for get, head, url in calls:
        got, headed = get(url), head(url)
        assert got.status_code == headed.status_code == 409, url
        assert headed.headers.get("Retry-After") == got.headers.get("Retry-After"), url
    assert (counting.opened, counting.reads) == (0, 0)

    monkeypatch.undo()
    headed = shop_api_call(shop, "HEAD", f"/invoices/{doc.id}/pdf")
    assert headed.status_code == 200 and headed.get_data() == b""
    assert (counting.opened, counting.reads) == (0, 0)
    made = service.get(doc.id).pdf
    assert made is not None and headed.headers["Content-Length"] == str(made.size)
    got = shop_api_call(shop, "GET", f"/invoices/{doc.id}/pdf")
    assert got.status_code == 200 and len(got.get_data()) == made.size
    for name in ("Content-Type", "Content-Disposition", "ETag"):
        assert headed.headers[name] == got.headers[name], name
    assert service.get(doc.id).pdf == made                  # made once
