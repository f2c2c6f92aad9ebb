"""``oro-invoices import``: PDFs rendered in worker processes after the commit, ``--no-pdf``, ``--pdfs``."""
from __future__ import annotations

import json
import zipfile

import pytest

from oro_invoices.cli import main
from oro_invoices.composition import AddonConfig
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.pdf_workers import render_missing_pdfs
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify

SUMMARY = ("{c} created, 0 updated, {n} unchanged, 0 skipped, "
           "{a} PDF(s) attached, {r} PDF(s) rendered, {p} pending")


def posted(count: int, **extra) -> list[dict]:
    return [{"external_id": f"P-{i}", "invoice_number": f"OLD-{i}", "invoice_date": "2025-03-01",
             "due_date": "2025-03-31", "currency": "EUR", "customer_name": "Acme AG", "status": "posted",
             "payment_status": "paid_in_full",
             "bill_to": {"name": "Acme AG", "street": "1 Main St", "city": "Berlin", "country": "DE"},
             "lines": [{"description": "Support", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}],
             **extra} for i in range(count)]


def write_json(tmp_path, records, name="posted.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return path


def test_pdfs_are_rendered_by_worker_processes_after_the_import(db, tmp_path, capsys):
    path = write_json(tmp_path, posted(5))
    store = tmp_path / "pdf"
    assert main(["import", "--db", db.url, "--storage", str(store), "--organization", "1",
                 "--pdf-workers", "2", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=5, n=0, a=0, r=5, p=0)
    svc = InvoiceService(db)
    for i in range(5):
        doc = svc.get(svc.find_id(external_id=f"P-{i}"))
        assert doc.invoice_number == f"OLD-{i}" and doc.payment_status.value == "paid_in_full"
        assert doc.pdf is not None and LocalStorage(store).read(doc.pdf.sha256).startswith(b"%PDF-")
    assert verify(db, LocalStorage(store)).ok


def test_no_pdf_leaves_them_pending_verify_lists_them_and_a_later_run_renders_them(sqlite_db, tmp_path, capsys):
    path = write_json(tmp_path, posted(3))
    store = tmp_path / "pdf"
    base = ["--db", sqlite_db.url, "--storage", str(store)]
    report = tmp_path / "report.json"
    assert main(["import", *base, "--organization", "1", "--no-pdf", "--report", str(report), str(path)]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=3, n=0, a=0, r=0, p=3)
    ids = [InvoiceService(sqlite_db).find_id(external_id=f"P-{i}") for i in range(3)]
    data = json.loads(report.read_text())
    assert data["pending_pdfs"] == ids and data["counts"]["pdfs_pending"] == 3
    assert data["counts"]["pdfs_rendered"] == 0
    assert main(["verify", *base]) == 0                           # pending is not a failure
    out = capsys.readouterr().out
    assert out.count("PENDING invoice OLD-") == 3 and "FAIL" not in out
    assert "OK: checked 3 posted invoice(s), 0 PDF(s); 3 PDF(s) pending" in out

    assert main(["import", *base, "--organization", "1", "--pdf-workers", "1", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=0, n=3, a=0, r=3, p=0)
    assert main(["verify", *base]) == 0
    out = capsys.readouterr().out
    assert "PENDING" not in out and "OK: checked 3 posted invoice(s), 3 PDF(s)" in out


def test_rendering_a_backlog_again_stores_nothing_new(sqlite_db, tmp_path, capsys):
    path = write_json(tmp_path, posted(3))
    store = tmp_path / "pdf"
    assert main(["import", "--db", sqlite_db.url, "--storage", str(store), "--organization", "1", "--no-pdf",
                 str(path)]) == 0
    ids = [InvoiceService(sqlite_db).find_id(external_id=f"P-{i}") for i in range(3)]
    config = AddonConfig(database_url=sqlite_db.url, storage_url=str(store))
    first = render_missing_pdfs(config, ids, workers=2, batch=2)
    assert sorted(first.rendered) == ids and first.failed == []
    files = sorted(p.name for p in store.rglob("*") if p.is_file())
    again = render_missing_pdfs(config, ids, workers=2, batch=2)
    assert (again.rendered, again.already, again.failed) == ([], [], [])   # nothing pending any more
    assert sorted(p.name for p in store.rglob("*") if p.is_file()) == files


def test_pdf_workers_must_be_a_positive_number(sqlite_db, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["import", "--db", sqlite_db.url, "--pdf-workers", "0", str(tmp_path / "x.json")])
    assert stop.value.code == 2
    assert "--pdf-workers: 0 is too small: must be at least 1" in capsys.readouterr().err


def test_pdfs_come_from_a_folder_by_external_id(sqlite_db, tmp_path, capsys, checking):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "P-0.pdf").write_bytes(b"%PDF-1.4 scanned P-0\n%%EOF")
    path = write_json(tmp_path, posted(2))
    store = tmp_path / "pdf"
    assert main(["import", "--db", sqlite_db.url, "--storage", str(store), "--organization", "1",
                 "--pdfs", str(folder), "--pdf-workers", "1", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=2, n=0, a=1, r=1, p=0)
    svc = InvoiceService(sqlite_db)
    scanned = svc.get(svc.find_id(external_id="P-0"))
    assert LocalStorage(store).read(scanned.pdf.sha256) == b"%PDF-1.4 scanned P-0\n%%EOF"
    assert scanned.pdf.source == "imported"


def test_pdfs_come_from_a_zip_by_name_and_every_bad_one_is_reported_first(sqlite_db, tmp_path, capsys, checking):
    archive = tmp_path / "pdfs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2025/P-0.pdf", b"%PDF-1.4 P-0 from the zip\n%%EOF")
        zf.writestr("2025/letter.pdf", b"%PDF-1.4 P-1 named in its row\n%%EOF")
        zf.writestr("2025/P-2.pdf", b"<html>not a pdf</html>")
        zf.writestr("2025/P-3-scan.pdf", b"%PDF-1.4 P-3\n%%EOF")
    records = posted(4)
    records[1]["pdf_file"] = "2025/letter.pdf"
    records[3]["pdf_file"] = "gone.pdf"
    path = write_json(tmp_path, records)
    store = tmp_path / "pdf"
    args = ["import", "--db", sqlite_db.url, "--storage", str(store), "--organization", "1",
            "--pdfs", str(archive), "--pdf-workers", "1", str(path)]
    assert main(args) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}[2].pdf_file: {archive}/2025/P-2.pdf is not a PDF.",
        f"{path}[3].pdf_file: gone.pdf is not in {archive}.",
        "error: nothing imported (2 problem(s))"]
    assert InvoiceService(sqlite_db).list_invoices(with_total=True).total == 0

    records[2]["external_id"], records[3]["pdf_file"] = "P-9", "P-3-scan.pdf"   # found in any folder
    write_json(tmp_path, records)
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=4, n=0, a=3, r=1, p=0)
    svc = InvoiceService(sqlite_db)
    pdf_of = {ext: LocalStorage(store).read(svc.get(svc.find_id(external_id=ext)).pdf.sha256)
              for ext in ("P-0", "P-1", "P-3")}
    assert pdf_of == {"P-0": b"%PDF-1.4 P-0 from the zip\n%%EOF", "P-1": b"%PDF-1.4 P-1 named in its row\n%%EOF",
                      "P-3": b"%PDF-1.4 P-3\n%%EOF"}


def test_a_pdfs_path_that_is_neither_folder_nor_zip_is_refused(sqlite_db, tmp_path, capsys):
    path = write_json(tmp_path, posted(1))
    junk = tmp_path / "pdfs.zip"
    junk.write_text("not a zip")
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--pdfs", str(junk), str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{junk}: The PDFs' folder or zip is not a folder or a .zip file" in err
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--pdfs", str(tmp_path / "nope"),
                 str(path)]) == 1
    assert f"{tmp_path / 'nope'}: The PDFs' folder or zip does not exist." in capsys.readouterr().err
