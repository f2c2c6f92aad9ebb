"""HEAD in the reference shop (the Flask adapter): a streamed download answers the headers its GET
sends, without a length (a chunked body has none), never ``Content-Length: 0`` for a file that is
not empty."""
from __future__ import annotations

import pytest
from support.api import shop_api_call

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
