"""A PDF download whose storage fails: at the start, before any header, it is an error answer
(503 for an S3 server that went away); later, the transfer is broken off short of its
Content-Length, so the client reports an incomplete file, and the log names the invoice and
the storage. The S3 server is a real one (SeaweedFS), stopped at the chosen moment."""
from __future__ import annotations

import contextlib
import http.client
import io
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from support.ports import free_port
from support.seaweedfs import _weed, running_weed

from oro_invoices.documents.object_storage import BLOCK_SIZE
from oro_invoices.domain.errors import StorageError
from oro_invoices.domain.invoice import PdfInfo
from oro_invoices.web.downloads import CHUNK, pdf_download

#: Several read-ahead blocks: the first ones are fetched before the server is stopped, the rest cannot be.
BIG_PDF = b"%PDF-1.7\n" + os.urandom(3 * BLOCK_SIZE)
UNREACHABLE = "The document storage cannot be reached right now. Please try again in a few minutes."


class StopsAfter:
    """A stored object's stream that calls ``stop`` before its read number ``reads + 1``."""

    def __init__(self, stream, reads: int, stop: Callable[[], None]):
        self.stream, self.left, self.stop = stream, reads, stop

    def read(self, size: int = -1) -> bytes:
        if self.left == 0:
            self.stop()
        self.left -= 1
        return self.stream.read(size)

    def close(self) -> None:
        self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def shop_on_its_own_s3(tmp_path, sqlite_template, *, reads: int) -> Iterator[tuple]:
    """A shop over an S3 server of its own whose posted invoice ``big`` has ``BIG_PDF``; the server
    stops once a download of it has read ``reads`` chunks. Yields (client, addon, big, url).
    (The tests take the session's ``s3_server`` for the credentials it sets.)"""
    from test_s3_downloads import _shop
    (tmp_path / "weed").mkdir()
    with contextlib.ExitStack() as server:
        endpoint = server.enter_context(running_weed(_weed(), tmp_path / "weed"))
        import s3fs
        s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True).mkdir("shop")
        url = f"s3://shop/pdf?endpoint_url={endpoint}"
        client, addon, _, data = _shop(tmp_path, sqlite_template, url)
        big = addon.invoices.post(data.draft.id, actor="test", pdf=BIG_PDF)
        storage = addon.invoices.storage
        opened = storage.open
        storage.open = lambda sha256: StopsAfter(opened(sha256), reads, server.close)  # type: ignore[method-assign]
        try:
            yield client, addon, big, url
        finally:
            client.close()
            addon.close()


@contextlib.contextmanager
def serving(app) -> Iterator[int]:
    """``app`` served by uvicorn on a port of 127.0.0.1 (yielded), in a thread."""
    import uvicorn
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["page", "api"])
def test_a_storage_gone_after_the_pdf_was_opened_answers_503_before_any_byte(where, s3_server, tmp_path,
                                                                          sqlite_template, caplog):
    """The object opened (its size asked), then the server stops before its first bytes are read:
    the same 503 as a storage down from the start, not a download that breaks off at once."""
    from test_s3_downloads import TOKEN
    with shop_on_its_own_s3(tmp_path, sqlite_template, reads=0) as (client, _, big, url):
        if where == "page":
            answer = client.get(f"/admin/invoices/{big.id}/download")
            assert answer.status_code == 503 and UNREACHABLE in answer.text
        else:
            answer = client.get(f"/api/invoices/{big.id}/pdf", headers={"Authorization": f"Bearer {TOKEN}"})
            assert answer.status_code == 503 and answer.json()["errors"][0]["message"] == UNREACHABLE
        assert answer.headers["retry-after"] == "30" and "content-disposition" not in answer.headers
        assert f"Cannot reach the PDF storage {url}: Could not connect" in caplog.text   # the log names it


@pytest.mark.slow
def test_a_storage_gone_mid_download_breaks_the_transfer_off_and_says_which(s3_server, tmp_path, sqlite_template,
                                                                           caplog):
    """A real HTTP server and client: the headers promise the whole PDF, the bytes stop where the
    storage went away, and the client sees an incomplete transfer (not a shorter PDF)."""
    with shop_on_its_own_s3(tmp_path, sqlite_template, reads=1) as (client, _, big, url), \
            serving(client.app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", f"/admin/invoices/{big.id}/download")
            response = connection.getresponse()
            assert response.status == 200 and response.headers["Content-Length"] == str(len(BIG_PDF))
            with pytest.raises(http.client.IncompleteRead) as cut:
                response.read()
        finally:
            connection.close()
    received = cut.value.partial
    assert CHUNK <= len(received) < len(BIG_PDF) and BIG_PDF.startswith(received)
    said = [r.getMessage() for r in caplog.records if "broke off" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(
        f"The download of the PDF of invoice {big.id} from FsspecStorage({url!r}) broke off after "
        f"{len(received)} of {len(BIG_PDF)} bytes: Cannot reach the PDF storage {url}: Could not connect")


def _info(size: int) -> PdfInfo:
    import datetime as dt
    return PdfInfo(sha256="0" * 64, size=size, source="generated", created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))


def test_a_stored_file_shorter_than_its_first_chunk_is_an_error_before_the_response(caplog):
    stream = io.BytesIO(b"%PDF-1.7\n")
    with pytest.raises(StorageError, match="The stored file ended early"):
        pdf_download(_info(1000), stream, "invoice-7.pdf", invoice_id=7, storage="the shop's storage")
    assert stream.closed
    assert "The download of the PDF of invoice 7 from \"the shop's storage\" broke off after 0 of 1000 bytes" \
        in caplog.text


@pytest.mark.parametrize(("stored", "recorded"), [(3 * CHUNK + 10, 4 * CHUNK), (3 * CHUNK + 10, 2 * CHUNK)])
def test_a_stored_file_of_another_length_than_recorded_breaks_the_download_off(stored, recorded, caplog):
    data = b"%PDF-1.7\n" + b"x" * (stored - 9)
    response = pdf_download(_info(recorded), io.BytesIO(data), "invoice-7.pdf", invoice_id=7)
    received = []
    with pytest.raises(StorageError):
        for chunk in response.body:
            received.append(chunk)
    assert len(b"".join(received)) <= min(stored, recorded) and data.startswith(b"".join(received))
    assert f"broke off after {len(b''.join(received))} of {recorded} bytes" in caplog.text
