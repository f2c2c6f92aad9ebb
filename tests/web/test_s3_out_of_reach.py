"""An S3 storage that is down: every read and write fails within seconds (short connect timeout,
one retry), a page says the document storage cannot be reached (503, not 500), the API says so
with Retry-After, and a command's error names the storage and its endpoint."""
from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from support.seaweedfs import _weed, running_weed
from support.webhooks import Silent

from oro_invoices.documents.object_storage import FsspecStorage
from oro_invoices.documents.storage import sha256_hex, storage_from_url
from oro_invoices.domain.errors import ConfigurationError, StorageUnreachable

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.7\n" + b"kept while the server was up\n" * 50


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _each_request(storage: FsspecStorage, name: str) -> Iterator[tuple[str, object]]:
    yield "exists", lambda: storage.exists(name)
    yield "read", lambda: storage.read(name)
    yield "put", lambda: storage.put(PDF)


def _fails_fast(storage: FsspecStorage, name: str, *, within: float) -> None:
    for what, request in _each_request(storage, name):
        started = time.monotonic()
        with pytest.raises(StorageUnreachable) as caught:
            request()  # type: ignore[operator]
        took = time.monotonic() - started
        assert took < within, f"{what} took {took:.1f} s"
        assert caught.value.message.startswith(f"Cannot reach the PDF storage {storage.url}: "), what


def test_a_stopped_s3_server_fails_each_read_and_write_within_seconds(s3_server, tmp_path):
    """The real server, stopped after it stored a PDF: reads and writes fail at once instead of
    going through the client's retry loop (10 s and more before)."""
    with running_weed(_weed(), tmp_path) as endpoint:
        import s3fs
        s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True).mkdir("down")
        storage = storage_from_url(f"s3://down/pdf?endpoint_url={endpoint}")
        assert isinstance(storage, FsspecStorage)
        name = storage.put(PDF).sha256
        assert storage.read(name) == PDF
    _fails_fast(storage, name, within=6)


def test_a_port_nobody_listens_on_fails_within_seconds(s3_server):
    storage = storage_from_url(f"s3://b/p?endpoint_url=http://127.0.0.1:{closed_port()}")
    assert isinstance(storage, FsspecStorage)
    _fails_fast(storage, sha256_hex(PDF), within=6)


def test_an_endpoint_that_never_answers_waits_the_urls_read_timeout_once(s3_server):
    """One attempt (retries=0), given up after the URL's 0.5 s: the default 10 s read timeout,
    or a retry, would take 10 s and more."""
    with Silent() as endpoint:
        storage = storage_from_url(f"s3://b/p?endpoint_url={endpoint.base}&read_timeout=0.5&retries=0")
        assert isinstance(storage, FsspecStorage)
        started = time.monotonic()
        with pytest.raises(StorageUnreachable, match="Read timeout on endpoint URL"):
            storage.read(sha256_hex(PDF))
        assert time.monotonic() - started < 8
        assert len(endpoint.arrivals) == 1


@pytest.mark.parametrize(("option", "problem"), [
    ("connect_timeout=0", "option connect_timeout must be a number of seconds from 0.1 to 60, not '0'"),
    ("read_timeout=soon", "option read_timeout must be a number of seconds from 0.1 to 300, not 'soon'"),
    ("retries=1.5", "option retries must be a whole number from 0 to 10, not '1.5'"),
    ("retries=11", "option retries must be a whole number from 0 to 10, not '11'"),
])
def test_timing_options_out_of_range_are_refused_naming_the_option(option, problem):
    pytest.importorskip("s3fs")
    url = f"s3://b/p?endpoint_url=http://127.0.0.1:9&{option}"
    with pytest.raises(ConfigurationError) as caught:
        storage_from_url(url)
    assert caught.value.message == f"Storage URL {url!r}: {problem}."


def test_the_timing_options_reach_the_client():
    pytest.importorskip("s3fs")
    storage = storage_from_url("s3://b/p?endpoint_url=http://127.0.0.1:9&connect_timeout=1.5&read_timeout=20&retries=3")
    assert isinstance(storage, FsspecStorage)
    config = storage.fs.config_kwargs
    assert (config["connect_timeout"], config["read_timeout"], config["retries"]["total_max_attempts"]) == (1.5, 20, 4)
    default = storage_from_url("s3://b/p?endpoint_url=http://127.0.0.1:9")
    assert isinstance(default, FsspecStorage)
    assert (default.fs.config_kwargs["connect_timeout"], default.fs.config_kwargs["retries"]["total_max_attempts"]) \
        == (2.0, 2)


def test_a_pdf_download_says_the_storage_cannot_be_reached(s3_server, tmp_path, sqlite_template, caplog):
    """The back-office download and the API: 503 saying the document storage cannot be reached
    (not the 500 of a missing document), with Retry-After; the log names the storage."""
    from test_s3_downloads import TOKEN, _shop
    (tmp_path / "weed").mkdir()
    with running_weed(_weed(), tmp_path / "weed") as endpoint:
        import s3fs
        s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True).mkdir("shop")
        url = f"s3://shop/pdf?endpoint_url={endpoint}"
        client, addon, _, data = _shop(tmp_path, sqlite_template, url)
        assert client.get(f"/admin/invoices/{data.posted.id}/download").status_code == 200
    try:
        started = time.monotonic()
        page = client.get(f"/admin/invoices/{data.posted.id}/download")
        assert time.monotonic() - started < 6
        assert page.status_code == 503 and page.headers["retry-after"] == "30"
        assert "The document storage cannot be reached right now. Please try again in a few minutes." in page.text
        assert endpoint not in page.text
        assert f"PDF storage out of reach: Cannot reach the PDF storage {url}" in caplog.text
        api = client.get(f"/api/invoices/{data.posted.id}/pdf", headers={"Authorization": f"Bearer {TOKEN}"})
        assert api.status_code == 503 and api.headers["retry-after"] == "30"
        assert api.json() == {"errors": [{"field": "", "message": "The document storage cannot be reached right "
                                                                  "now. Please try again in a few minutes."}]}
    finally:
        client.close()
        addon.close()



def test_posting_while_the_storage_is_down_leaves_the_draft_and_says_why(sqlite_db, monkeypatch):
    """A posting that stores its PDF: refused within seconds, the draft kept; the log's message
    names the storage, the page's and the API's say only that it cannot be reached."""
    pytest.importorskip("weasyprint")
    from support.payloads import one_line_invoice

    from oro_invoices.documents.render import PdfRenderer
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.web.api import error_response
    from oro_invoices.web.guard import friendly
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    url = f"s3://b/p?endpoint_url=http://127.0.0.1:{closed_port()}"
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False),
                             storage=storage_from_url(url), renderer=PdfRenderer())
    draft = one_line_invoice(service, due_date="2027-01-31", invoice_date="2026-12-01", post=False)
    started = time.monotonic()
    with pytest.raises(StorageUnreachable) as caught:
        service.post(draft)
    assert time.monotonic() - started < 5
    assert service.get(draft).status == "draft"
    said = (f"Invoice Draft #{draft} was not posted: its PDF could not be stored; it is still a draft and nothing "
            "was changed. ")
    assert caught.value.message.startswith(f"{said}Cannot reach the PDF storage {url}: Could not connect")
    shown = f"{said}The document storage cannot be reached right now. Please try again in a few minutes."
    assert friendly(caught.value) == (503, shown)
    response = error_response(caught.value)
    assert response.status == 503 and response.headers["Retry-After"] == "30"
    assert "127.0.0.1" not in response.body.decode() and "it is still a draft" in response.body.decode()
