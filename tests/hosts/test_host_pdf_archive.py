"""The back-office grid's Download PDFs (ZIP), in the reference shop: the stored PDFs of the
posted invoices its filter selects, byte for byte, and a list of those it could not include."""
from __future__ import annotations

import hashlib
import html as html_lib
import io
import re
import zipfile

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.pdf_archive import pdf_archive


def archive(client: ShopClient, url: str) -> zipfile.ZipFile:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.content_type == "application/zip"
    assert resp.is_streamed and "Content-Length" not in resp.headers            # sent as it is written
    assert re.fullmatch(r'attachment; filename="invoice-pdfs-\d{4}-\d{2}-\d{2}\.zip"',
                        resp.headers["Content-Disposition"])
    found = zipfile.ZipFile(io.BytesIO(resp.get_data()))
    assert found.testzip() is None                                               # every entry reads back whole
    return found


def posted_with_pdfs(client: ShopClient, organization_id: int = 1) -> list:
    items = client.service.list_invoices({"organization_id": organization_id, "status": "posted"}, limit=500).items
    return [client.service.get(i.id) for i in items]


def test_download_pdfs_gives_the_stored_pdf_of_every_posted_invoice_of_the_filter(admin):
    service = admin.service
    paid = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    note = service.create_credit_note(paid.id, {"lines": [{"line": 1, "quantity": "1"}], "settlement": "outside"},
                                      actor="admin").credit_note
    grid = admin.get("/admin/invoices?status=posted").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'id="oi-export-pdfs" href="([^"]+)"', grid).group(1))
    assert link.startswith("/admin/invoices/export-pdfs.zip?") and "status=posted" in link
    assert "Download PDFs (ZIP)" in text_of(grid)

    docs = posted_with_pdfs(admin)
    assert len(docs) > 3 and all(doc.pdf is not None for doc in docs)
    found = archive(admin, link)
    expected = {("credit-note-" if doc.is_credit_note else "invoice-") + doc.invoice_number + ".pdf": doc
                for doc in docs}
    assert sorted(found.namelist()) == sorted(expected)                           # no drafts, no missing.txt
    assert f"credit-note-{note.invoice_number}.pdf" in expected
    for name, doc in expected.items():
        data = found.read(name)
        assert hashlib.sha256(data).hexdigest() == doc.pdf.sha256 and data.startswith(b"%PDF-")
        assert found.getinfo(name).compress_type == zipfile.ZIP_STORED           # PDFs are compressed already

    # the grid's other filters narrow it; a filter of drafts gives an empty archive
    one = archive(admin, f"/admin/invoices/export-pdfs.zip?number={paid.invoice_number}")
    assert one.namelist() == [f"invoice-{paid.invoice_number}.pdf"]
    notes = archive(admin, "/admin/invoices/export-pdfs.zip?document_type=credit_note")
    assert notes.namelist() == [f"credit-note-{note.invoice_number}.pdf"]
    drafts = admin.get("/admin/invoices/export-pdfs.zip?status=draft")    # no archive of nothing
    assert drafts.status_code == 422 and drafts.content_type != "application/zip"
    assert "Drafts have no PDF: choose Posted or Any status to download PDFs." in text_of(drafts.get_data(as_text=True))


def test_a_grid_of_drafts_offers_no_pdf_archive(admin):
    drafts = admin.get("/admin/invoices?status=draft").get_data(as_text=True)
    assert "data-invoice-id" in drafts and 'id="oi-export-pdfs"' not in drafts
    assert 'id="oi-export-pdfs"' in admin.get("/admin/invoices?status=posted").get_data(as_text=True)


def test_the_archive_holds_the_pdfs_in_the_grids_order(admin):
    grid = admin.get("/admin/invoices?status=posted&per_page=100&sort=-invoice_number").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'id="oi-export-pdfs" href="([^"]+)"', grid).group(1))
    assert "sort=-invoice_number" in link
    names = archive(admin, link).namelist()
    numbers = [re.sub(r"^(invoice|credit-note)-|\.pdf$", "", name) for name in names]
    shown = [admin.service.get(int(i)).invoice_number for i in re.findall(r'<tr data-invoice-id="(\d+)"', grid)]
    assert len(numbers) > 3 and numbers == shown == sorted(shown, reverse=True)


def test_the_archive_names_what_it_could_not_include_and_why(admin):
    service = admin.service
    draft = next(i for i in service.list_invoices({"organization_id": 1, "status": "draft"}, limit=100).items)
    pending = service.post(draft.id, actor="test", defer_pdf=True)
    docs = [doc for doc in posted_with_pdfs(admin) if doc.pdf is not None]
    gone, altered = docs[0], docs[1]
    storage = service.storage
    storage.path_for(gone.pdf.sha256).unlink()
    storage.path_for(altered.pdf.sha256).write_bytes(b"%PDF-1.7 not what was posted")

    found = archive(admin, "/admin/invoices/export-pdfs.zip?sort=invoice_number")
    names = set(found.namelist())
    assert "missing.txt" in names
    assert not {f"invoice-{d.invoice_number}.pdf" for d in (gone, altered, pending)} & names
    assert len(names) == len(docs) - 2 + 1                                       # the others, and the list
    lines = found.read("missing.txt").decode().splitlines()
    assert set(lines) == {
        f"{pending.invoice_number}: its PDF is being prepared or has not been supplied yet.",
        f"{gone.invoice_number}: its stored PDF could not be read.",
        f"{altered.invoice_number}: its stored PDF does not match the checksum recorded when it was stored."}
    assert [line.split(":")[0] for line in lines] == sorted(d.invoice_number for d in (pending, gone, altered))


def test_the_list_of_what_is_missing_speaks_the_admins_language(shop, admin):
    service = admin.service
    draft = next(i for i in service.list_invoices({"organization_id": 1, "status": "draft"}, limit=100).items)
    pending = service.post(draft.id, actor="test", defer_pdf=True)
    resp = admin.get("/admin/invoices/export-pdfs.zip", headers={"Accept-Language": "de"})
    missing = zipfile.ZipFile(io.BytesIO(resp.get_data())).read("missing.txt").decode()
    assert missing == f"{pending.invoice_number}: Das PDF wird noch erstellt oder wurde noch nicht geliefert.\n"


def test_an_admin_downloads_only_their_organizations_pdfs_and_needs_the_view_permission(shop, admin):
    ours = {doc.invoice_number for doc in posted_with_pdfs(admin)}
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    theirs = archive(sakura, "/admin/invoices/export-pdfs.zip?organization_id=1")   # not a filter it honours
    numbers = {re.sub(r"^(invoice|credit-note)-|\.pdf$", "", name) for name in theirs.namelist()}
    assert numbers == {doc.invoice_number for doc in posted_with_pdfs(sakura, 2)} and not numbers & ours

    host = shop[0].extensions["oro_reference_host"]
    host.records.add_admin("clerk", "clerk1234", name="Clara Clerk", organization_id=1, permissions=[])
    clerk = ShopClient(shop[0])
    clerk.login_admin("clerk", "clerk1234")
    refused = clerk.get("/admin/invoices/export-pdfs.zip")
    assert refused.status_code == 403 and refused.content_type != "application/zip"
    anonymous = ShopClient(shop[0]).get("/admin/invoices/export-pdfs.zip")
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    bad = admin.get("/admin/invoices/export-pdfs.zip?date_from=2026-02-31")
    assert bad.status_code == 422 and "is not a date" in text_of(bad.get_data(as_text=True))


def test_the_archive_is_handed_on_one_pdf_at_a_time(admin):
    """Nothing waits for the whole archive: each piece holds one PDF's entry, the last the directory."""
    docs = posted_with_pdfs(admin)
    pieces = list(pdf_archive(admin.service, InvoiceFilter(organization_id=1)))
    assert len(pieces) == len(docs) + 1
    assert [piece.count(b"PK\x03\x04") for piece in pieces[:-1]] == [1] * len(docs)   # a local file header each
    assert pieces[-1].count(b"PK\x01\x02") == len(docs)                              # the central directory
    storage = admin.service.storage
    for doc, piece in zip(sorted(docs, key=lambda d: d.id), pieces[:-1], strict=True):   # oldest first
        assert storage.read(doc.pdf.sha256) in piece


def test_a_grid_listing_nothing_offers_no_empty_archive(admin):
    """As on the storefront: nothing listed, no button offering an empty archive."""
    assert 'id="oi-export-pdfs"' in admin.get("/admin/invoices").get_data(as_text=True)
    empty = admin.get("/admin/invoices?number=NO-SUCH-NUMBER").get_data(as_text=True)
    assert "No documents match these filters." in empty and 'id="oi-export-pdfs"' not in empty
    assert 'id="oi-export-csv"' in empty                     # a CSV of no row still has its header
