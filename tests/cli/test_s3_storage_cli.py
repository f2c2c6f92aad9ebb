"""PDFs in S3 end to end: posting stores them in the bucket, the back-office downloads them,
``verify`` checks them over S3 and ``migrate-storage`` copies a local store there and back."""
from __future__ import annotations

import shutil
import zipfile

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.testclient import TestClient
from support.payloads import invoice_payload

from oro_invoices.adapters.asgi import OroInvoices
from oro_invoices.adapters.identity import PERMISSIONS, CurrentUser
from oro_invoices.cli import main
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.documents.storage import LocalStorage, sha256_hex, storage_from_url
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration import profile
from oro_invoices.testing.pages import KIT_PDF, KitShop

pytestmark = pytest.mark.slow


@pytest.fixture
def shop(tmp_path, sqlite_template, s3_server, s3_bucket, s3_prefix):
    """The add-on with S3 storage mounted in a Starlette app, seeded: (client, addon, data, url)."""
    shutil.copy(sqlite_template, tmp_path / "invoices.db")
    url = s3_server.storage_url(s3_bucket, s3_prefix)
    host = MemoryHost()
    profile.install(host)
    host.users.user = CurrentUser(7, "admin", "Ada", "ada@shop.test", 1)
    host.users.granted = frozenset(PERMISSIONS)
    addon = build_addon(AddonConfig(database_url=f"sqlite:///{tmp_path / 'invoices.db'}", storage_url=url,
                                    pdf=False, load_entrypoints=False), host=host)
    app = Starlette(middleware=[Middleware(SessionMiddleware, secret_key="s3cret")])
    OroInvoices(app, addon=addon)
    data = KitShop.build(host, addon, addon.settings)
    client = TestClient(app, follow_redirects=False)
    yield client, addon, data, url
    client.close()
    addon.close()


def test_a_posted_invoice_pdf_lands_in_the_bucket_and_downloads_from_the_backoffice(shop, s3_server):
    client, addon, data, url = shop
    digest = sha256_hex(KIT_PDF)
    assert data.posted.pdf is not None and data.posted.pdf.sha256 == digest
    key = f"{url.split('?')[0].removeprefix('s3://')}/{digest[:2]}/{digest[2:4]}/{digest}"
    assert s3_server.filesystem().cat_file(key) == KIT_PDF
    resp = client.get(f"/admin/invoices/{data.posted.id}/download")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    assert resp.content == KIT_PDF


def test_verify_over_s3_detects_a_tampered_object(tmp_path, sqlite_template, s3_server, s3_bucket,
                                                  s3_prefix, capsys):
    shutil.copy(sqlite_template, tmp_path / "invoices.db")
    db_url, url = f"sqlite:///{tmp_path / 'invoices.db'}", s3_server.storage_url(s3_bucket, s3_prefix)
    with build_addon(AddonConfig(database_url=db_url, storage_url=url, pdf=False, load_entrypoints=False),
                     host=MemoryHost()) as addon:
        posted = [addon.invoices.post(addon.invoices.create(invoice_payload(
            customer_id=None, customer_user_id=None, order_id=None)).id, pdf=b"%PDF-1.7 #" + bytes([n]))
            for n in range(2)]
    assert main(["verify", "--db", db_url, "--storage", url]) == 0
    assert "OK: checked 2 posted invoice(s), 2 PDF(s)" in capsys.readouterr().out
    victim = posted[1].pdf
    assert victim is not None
    key = storage_from_url(url).key_for(victim.sha256)  # type: ignore[attr-defined]
    fs = s3_server.filesystem()
    fs.rm_file(key)
    fs.pipe_file(key, b"%PDF-1.7 #X")
    assert main(["verify", "--db", db_url, "--storage", url]) == 1
    out = capsys.readouterr().out
    assert f"FAIL invoice {posted[1].invoice_number} (id {posted[1].id}): PDF {victim.sha256[:12]}…: " \
           "content does not match its SHA-256" in out
    assert "1 problem(s): checked 2 posted invoice(s), 2 PDF(s)" in out


def test_migrate_storage_copies_local_pdfs_to_s3_and_back_verifying_each(tmp_path, s3_server, s3_bucket,
                                                                          s3_prefix, capsys):
    local = LocalStorage(tmp_path / "old")
    pdfs = [b"%PDF-1.7 first", b"%PDF-1.7 second", b"%PDF-1.7 third"]
    digests = sorted(local.put(pdf).sha256 for pdf in pdfs)
    s3_url = s3_server.storage_url(s3_bucket, s3_prefix)

    assert main(["migrate-storage", "--from", local.root.as_uri(), "--to", s3_url]) == 0
    out = capsys.readouterr().out
    assert [f"copied: {d}" for d in digests] == out.splitlines()[:3]
    assert "OK: 3 PDF(s) copied, 0 already there" in out
    s3 = storage_from_url(s3_url)
    assert sorted(s3.read(d) for d in digests) == sorted(pdfs)

    assert main(["migrate-storage", "--from", local.root.as_uri(), "--to", s3_url]) == 0  # resumable, idempotent
    assert "OK: 0 PDF(s) copied, 3 already there" in capsys.readouterr().out

    back = tmp_path / "back"
    assert main(["migrate-storage", "--from", s3_url, "--to", str(back)]) == 0
    assert "OK: 3 PDF(s) copied" in capsys.readouterr().out
    assert sorted(LocalStorage(back).read(d) for d in digests) == sorted(pdfs)


def test_migrate_storage_refuses_a_damaged_source_object_and_reports_it(tmp_path, s3_server, s3_bucket,
                                                                        s3_prefix, capsys):
    local = LocalStorage(tmp_path / "old")
    good, bad = local.put(b"%PDF good").sha256, local.put(b"%PDF bad").sha256
    path = local.path_for(bad)
    path.chmod(0o644)
    path.write_bytes(b"%PDF tampered")
    s3_url = s3_server.storage_url(s3_bucket, s3_prefix)
    assert main(["migrate-storage", "--from", str(local.root), "--to", s3_url]) == 1
    out = capsys.readouterr().out
    assert f"FAIL PDF {bad}: the source copy does not match its SHA-256; not copied" in out
    assert "1 problem(s): 1 PDF(s) copied" in out
    s3 = storage_from_url(s3_url)
    assert s3.exists(good) and not s3.exists(bad)


def test_migrate_storage_with_a_bad_url_says_what_is_wrong(tmp_path, capsys):
    assert main(["migrate-storage", "--from", str(tmp_path), "--to", "s3://bucket/pdf?endpoint=x"]) == 2
    assert "unknown option(s) endpoint" in capsys.readouterr().err


def test_export_writes_the_stored_pdfs_from_s3_as_one_zip(shop, tmp_path, capsys):
    client, addon, data, url = shop
    db_url = f"sqlite:///{tmp_path / 'invoices.db'}"
    out = tmp_path / "november.zip"
    args = ["export", "--db", db_url, "--organization", "1", "--format", "pdfs", "--output", str(out)]
    assert main(args) == 2                                                   # no storage given
    assert "--format pdfs needs --storage" in capsys.readouterr().err
    posted = [addon.invoices.get(i.id) for i in addon.invoices.list_invoices(
        {"organization_id": 1, "status": "posted"}, limit=100).items]
    names = sorted(f"invoice-{doc.invoice_number}.pdf" for doc in posted)
    assert data.posted.id in {doc.id for doc in posted} and all(doc.pdf is not None for doc in posted)
    assert main([*args, "--storage", url]) == 0
    assert f"exported: {len(posted)} PDF(s)\n" in capsys.readouterr().err
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == names
        assert archive.read(f"invoice-{data.posted.invoice_number}.pdf") == KIT_PDF

    draft = addon.invoices.list_invoices({"organization_id": 1, "status": "draft"}, limit=1).items[0]
    pending = addon.invoices.post(draft.id, defer_pdf=True)
    assert main([*args, "--storage", url]) == 1                          # the archive is incomplete
    err = capsys.readouterr().err
    assert (f"exported: {len(posted)} PDF(s); 1 posted invoice(s) without a readable PDF, listed in "
            "missing.txt") in err
    assert f"MISSING {pending.invoice_number}: its PDF is being prepared or has not been supplied yet." in err
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted([*names, "missing.txt"])
