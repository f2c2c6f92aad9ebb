"""A record's pdf_file is a path inside the folder of its file: a file to import never makes a
PDF from elsewhere on the machine (which its customer would then download) an invoice's, and a
name no file can have is a problem of its record, never a crash of the import."""
from __future__ import annotations

import json

import pytest
from support.payloads import invoice_payload

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import

PDF = b"%PDF-1.4 somebody else's contract\n%%EOF"


@pytest.fixture
def service(db, tmp_path):
    return InvoiceService(db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "storage"))


def posted(external_id: str, **extra):
    return dict(invoice_payload(external_id=external_id, status="posted"), **extra)


@pytest.mark.parametrize("apart", [False, True], ids=["checked-here", "checked-apart"])
def test_a_pdf_outside_the_files_folder_is_refused_and_not_read(service, tmp_path, apart):
    (tmp_path / "secret.pdf").write_bytes(PDF)
    export = tmp_path / "export"
    (export / "pdfs").mkdir(parents=True)
    (export / "pdfs" / "own.pdf").write_bytes(b"%PDF-1.4 own\n%%EOF")
    (export / "pdfs" / "link.pdf").symlink_to(tmp_path / "secret.pdf")
    path = export / "invoices.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        posted("P-1", pdf_file="../secret.pdf"), posted("P-2", pdf_file=str(tmp_path / "secret.pdf")),
        posted("P-3", pdf_file="pdfs/link.pdf"), posted("P-4", pdf_file="pdfs/own.pdf")]) + "\n")

    report = run_import(service, [path], organization_id=1, on_error="skip", check_apart=apart)

    outside = "is outside the folder of invoices.jsonl: give the PDF's path inside that folder (or, with --pdfs, " \
              "inside the PDFs' folder or zip)."
    assert [(p.record, p.field, str(p.message)) for p in report.problems] == [
        (f"{path}:1", "pdf_file", f"../secret.pdf {outside}"),
        (f"{path}:2", "pdf_file", f"{tmp_path / 'secret.pdf'} {outside}"),
        (f"{path}:3", "pdf_file", f"pdfs/link.pdf {outside}")]
    assert report.skipped == ["P-1", "P-2", "P-3"] and report.pdfs_attached == 1
    (only,) = service.list_invoices(limit=10).items
    assert only.external_id == "P-4"


def test_a_name_no_file_can_have_is_a_problem_of_its_record(service, tmp_path):
    path = tmp_path / "invoices.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        posted("N-1", pdf_file="a\0b.pdf"), posted("N-2", pdf_file=7), posted("N-3", pdf_file="x" * 5000)]) + "\n")

    report = run_import(service, [path], organization_id=1, on_error="skip", check_apart=False)

    assert [(p.record, p.field, str(p.message)[:60]) for p in report.problems] == [
        (f"{path}:1", "pdf_file", "'a\\x00b.pdf' is not a file name: it holds a NUL character."),
        (f"{path}:2", "pdf_file", "Give the PDF's path as text."),
        (f"{path}:3", "pdf_file", f"{tmp_path}/{'x' * 60}"[:60])]
    assert str(report.problems[2].message).endswith(" cannot be read.")


def test_with_pdfs_a_long_name_or_a_nul_in_an_external_id_is_not_in_the_folder(service, tmp_path):
    (tmp_path / "pdfs").mkdir()
    path = tmp_path / "invoices.jsonl"
    path.write_text(json.dumps(posted("L-1", pdf_file="y" * 5000)) + "\n" + json.dumps(posted("L\0-2")) + "\n")

    report = run_import(service, [path], organization_id=1, on_error="skip", pdfs=tmp_path / "pdfs",
                        check_apart=False)

    assert [(p.field, str(p.message)) for p in report.problems] == [
        ("pdf_file", f"{'y' * 5000} is not in {tmp_path / 'pdfs'}."),
        ("external_id", "Must not contain NUL or unpaired surrogate characters.")]
