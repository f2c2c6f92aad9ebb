"""PDFs of an import from a folder or a zip: found by name, checked in the first pass, streamed."""
from __future__ import annotations

import json
import tracemalloc
import zipfile

import pytest

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services import import_pdfs
from oro_invoices.services.import_pdfs import PdfLibrary
from oro_invoices.services.import_reading import iter_file
from oro_invoices.services.importing import Checker


def record_file(tmp_path, *records):
    path = tmp_path / "invoices.json"
    path.write_text(json.dumps(list(records)))
    return path


POSTED = {"external_id": "X-1", "status": "posted"}


def test_a_folder_gives_the_named_file_or_the_external_id_and_nothing_outside_it(tmp_path):
    folder = tmp_path / "pdfs"
    (folder / "sub").mkdir(parents=True)
    (folder / "X-1.pdf").write_bytes(b"%PDF-1.4 x1")
    (folder / "sub" / "named.pdf").write_bytes(b"%PDF-1.4 named")
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4 outside")
    path = record_file(tmp_path, POSTED, {**POSTED, "external_id": "X-2", "pdf_file": "sub/named.pdf"},
                       {**POSTED, "external_id": "X-3", "pdf_file": "../secret.pdf"},
                       {"external_id": "X-1"})                        # a draft takes no PDF by its id
    with PdfLibrary(folder) as library:
        records = [library.resolve(r) for r in iter_file(path)]
    assert [r.pdf_path.read_bytes() if r.pdf_path else None for r in records] == [
        b"%PDF-1.4 x1", b"%PDF-1.4 named", None, None]
    assert [(p.field, p.message) for p in records[2].problems] == [("pdf_file", f"../secret.pdf is not in {folder}.")]


def test_only_the_head_of_a_zipped_pdf_is_read_while_checking(tmp_path):
    archive = tmp_path / "pdfs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("X-1.pdf", b"%PDF-1.4 " + b"0" * (40 * 1024 * 1024))
    path = record_file(tmp_path, {**POSTED, "invoice_date": "2026-01-05"})
    checker = Checker(1)
    tracemalloc.start()
    try:
        with PdfLibrary(archive) as library:
            records = [library.resolve(r) for r in iter_file(path)]
            problems = [p for r in records for p in checker.check(r) if p.field == "pdf_file"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problems == [] and str(records[0].pdf_path) == f"{archive}/X-1.pdf"
    assert peak < 4 * 1024 * 1024                              # the entry is 40 MiB


def test_a_pdf_larger_than_the_api_accepts_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(import_pdfs, "MAX_PDF_BYTES", 1024 * 1024)
    archive = tmp_path / "pdfs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("X-1.pdf", b"%PDF-1.4 " + b"0" * (1024 * 1024))
    with PdfLibrary(archive) as library:
        [record] = [library.resolve(r) for r in iter_file(record_file(tmp_path, POSTED))]
    assert [(p.field, p.message) for p in record.problems] == [("pdf_file", f"{archive}/X-1.pdf is larger than 1 MiB.")]


def test_an_ambiguous_file_name_in_a_zip_needs_its_folder(tmp_path):
    archive = tmp_path / "pdfs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2024/X-1.pdf", b"%PDF-1.4 old")
        zf.writestr("2025/X-1.pdf", b"%PDF-1.4 new")
    with PdfLibrary(archive) as library:
        assert library.find("X-1.pdf") is None
        found, size = library.find("2025/X-1.pdf")
        assert found.read_bytes() == b"%PDF-1.4 new" and size == 12
        named, by_id, missing = (library.resolve(r) for r in iter_file(record_file(
            tmp_path, {**POSTED, "external_id": "N-1", "pdf_file": "X-1.pdf"}, POSTED,
            {**POSTED, "external_id": "N-2", "pdf_file": "2026/gone.pdf"})))
    ambiguous = (f"X-1.pdf is ambiguous: 2 entries of {archive} are named so (2024/X-1.pdf, 2025/X-1.pdf). "
                 "Give the path inside the zip.")
    assert [(p.field, p.message) for p in named.problems] == [("pdf_file", ambiguous)]
    assert [(p.field, p.message) for p in by_id.problems] == [("pdf_file", ambiguous)]   # not rendered instead
    assert [(p.field, p.message) for p in missing.problems] == [("pdf_file", f"2026/gone.pdf is not in {archive}.")]


@pytest.mark.parametrize("content", [None, b"PK\x03\x04 broken", b"plain text"])
def test_neither_a_folder_nor_a_zip_is_refused(tmp_path, content):
    where = tmp_path / "pdfs.zip"
    if content is not None:
        where.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        PdfLibrary(where)
    [(place, message)] = caught.value.errors
    assert place == str(where) and message.startswith("The PDFs' folder or zip ")
