"""PDF downloads from S3 (SeaweedFS): a presigned redirect after the permission check, or a
stream that never holds the whole object in memory."""
from __future__ import annotations

import gc
import io
import os
import shutil
import time
import tracemalloc
import urllib.error
import urllib.request
import zipfile

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.testclient import TestClient

from oro_invoices.adapters.asgi import OroInvoices
from oro_invoices.adapters.identity import PERMISSIONS, CurrentUser
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.documents.object_storage import BLOCK_SIZE, FsspecStorage
from oro_invoices.documents.storage import storage_from_url
from oro_invoices.domain.errors import StorageError
from oro_invoices.domain.invoice import PdfInfo
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration import profile
from oro_invoices.testing.pages import KIT_PDF, KitShop
from oro_invoices.web.api import ApiClient
from oro_invoices.web.downloads import pdf_download

pytestmark = pytest.mark.slow

TOKEN = "erp-token"


def _shop(tmp_path, template, storage_url):
    """The add-on over ``storage_url`` mounted in Starlette, seeded: (client, addon, host, data)."""
    shutil.copy(template, tmp_path / "invoices.db")
    host = MemoryHost()
    profile.install(host)
    host.users.user = CurrentUser(7, "admin", "Ada", "ada@shop.test", 1)
    host.users.granted = frozenset(PERMISSIONS)
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'invoices.db'}",
                                    storage_url=storage_url, pdf=False, load_entrypoints=False), host=host)
    app = Starlette(middleware=[Middleware(SessionMiddleware, secret_key="s3cret")])
    OroInvoices(app, addon=addon, api_authenticate=lambda token: ApiClient(name="erp", organization_id=1)
                if token == TOKEN else None)
    data = KitShop.build(host, addon, addon.settings)
    return TestClient(app, follow_redirects=False), addon, host, data


@pytest.fixture
def s3_shop(tmp_path, sqlite_template, s3_server, s3_bucket, s3_prefix):
    client, addon, host, data = _shop(tmp_path, sqlite_template, s3_server.storage_url(s3_bucket, s3_prefix))
    yield client, addon, host, data
    client.close()
    addon.close()


def _fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), {}


def test_presigned_download_redirects_to_a_url_that_serves_the_bytes_then_expires(s3_shop, s3_server):
    client, addon, _, data = s3_shop
    addon.settings.set("oro_invoices.storage.download", "presigned")
    addon.settings.set("oro_invoices.storage.presigned_ttl", 2)
    resp = client.get(f"/admin/invoices/{data.posted.id}/download")
    assert resp.status_code == 302 and resp.headers["cache-control"] == "no-store"
    target = resp.headers["location"]
    assert target.startswith(s3_server.endpoint + "/") and "X-Amz-Expires=2" in target
    status, body, headers = _fetch(target)
    assert status == 200 and body == KIT_PDF
    assert headers["content-type"] == "application/pdf"
    number = data.posted.invoice_number.replace("/", "_")
    assert headers["content-disposition"] == f'attachment; filename="invoice-{number}.pdf"'

    time.sleep(3.5)
    status, body, _ = _fetch(target)
    assert status == 403 and KIT_PDF not in body
    # a new download signs a new URL
    fresh = client.get(f"/admin/invoices/{data.posted.id}/download").headers["location"]
    assert fresh != target and _fetch(fresh)[1] == KIT_PDF


def test_presigned_download_checks_permission_first_and_the_api_redirects_too(s3_shop):
    client, addon, host, data = s3_shop
    addon.settings.set("oro_invoices.storage.download", "presigned")
    host.users.granted = frozenset()
    denied = client.get(f"/admin/invoices/{data.posted.id}/download")
    assert denied.status_code == 403 and "location" not in denied.headers
    assert b"X-Amz-Signature" not in denied.content

    api = client.get(f"/api/invoices/{data.posted.id}/pdf", headers={"Authorization": f"Bearer {TOKEN}"})
    assert api.status_code == 302 and _fetch(api.headers["location"])[1] == KIT_PDF
    unauthenticated = client.get(f"/api/invoices/{data.posted.id}/pdf")
    assert unauthenticated.status_code == 401 and "location" not in unauthenticated.headers
    # the ETag still answers 304 without a round trip to the object store
    cached = client.get(f"/api/invoices/{data.posted.id}/pdf", headers={
        "Authorization": f"Bearer {TOKEN}", "If-None-Match": f'"{data.posted.pdf.sha256}"'})
    assert cached.status_code == 304


def test_streaming_stays_the_default_on_s3(s3_shop):
    client, _, _, data = s3_shop
    resp = client.get(f"/admin/invoices/{data.posted.id}/download")
    assert resp.status_code == 200 and resp.content == KIT_PDF


def test_the_grids_pdf_archive_reads_the_pdfs_from_s3(s3_shop):
    """Download PDFs (ZIP) under the ASGI mount: the stored objects, even with presigned downloads on."""
    client, addon, _, data = s3_shop
    addon.settings.set("oro_invoices.storage.download", "presigned")
    resp = client.get("/admin/invoices/export-pdfs.zip?status=posted")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    assert archive.read(f"invoice-{data.posted.invoice_number}.pdf") == KIT_PDF
    assert "missing.txt" not in archive.namelist()


def test_local_storage_ignores_presigned_and_streams(tmp_path, sqlite_template):
    client, addon, _, data = _shop(tmp_path, sqlite_template, (tmp_path / "pdf").as_uri())
    try:
        addon.settings.set("oro_invoices.storage.download", "presigned")
        resp = client.get(f"/admin/invoices/{data.posted.id}/download")
        assert resp.status_code == 200 and resp.content == KIT_PDF
    finally:
        client.close()
        addon.close()


def test_presigned_lifetime_is_bounded(s3_server, s3_bucket, s3_prefix):
    store = storage_from_url(s3_server.storage_url(s3_bucket, s3_prefix))
    digest = store.put(KIT_PDF).sha256
    for ttl in (0, 8 * 24 * 3600):
        with pytest.raises(StorageError, match=f"1 to 604800 seconds, not {ttl}"):
            store.presigned_url(digest, expires_in=ttl, filename="a.pdf", content_type="application/pdf")


def _download_peak(store: FsspecStorage, data: bytes) -> int:
    """Peak traced memory while the download response streams ``data`` (stored in S3) to nowhere."""
    info = store.put(data)
    pdf = PdfInfo(sha256=info.sha256, size=info.size, source="generated", created_at=info.created_at)
    del data
    gc.collect()
    tracemalloc.start()
    try:
        response = pdf_download(pdf, store.open(info.sha256), "INV-1")
        received = sum(len(chunk) for chunk in response.body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == info.size
    return peak


def test_a_streamed_s3_download_keeps_memory_flat_whatever_the_size(s3_server, s3_bucket, s3_prefix):
    store = storage_from_url(s3_server.storage_url(s3_bucket, s3_prefix))
    assert isinstance(store, FsspecStorage)
    small = _download_peak(store, b"%PDF-1.7\n" + os.urandom(20 * 1024))
    large = _download_peak(store, b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024))
    # 1,000 times the bytes, at most a few read-ahead blocks more memory: while a block is
    # fetched, the client's body buffer, the new block and the one it replaces are held at once
    # (3.0 blocks and a little more, measured: a bound of exactly 3 failed now and then)
    assert large - small < 4 * BLOCK_SIZE, f"20 KB peaked at {small / 2**20:.2f} MiB, 20 MB at {large / 2**20:.2f} MiB"
    assert large < 20 * 1024 * 1024 / 4
