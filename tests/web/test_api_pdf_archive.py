"""GET /api/invoices/pdfs.zip: the stored PDFs of the posted invoices and credit notes the list's
filters select, of the client's organization only, in one streamed ZIP archive."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from support.api import assert_error_shape

URL = "/api/invoices/pdfs.zip"


def _posted(http, token="tok-erp", **overrides):
    created = http.create(token=token, **overrides)
    resp = http.post(f"/api/invoices/{created['id']}/post", token=token)
    assert resp.status_code == 200, resp.get_data()
    return resp.get_json()


def _archive(http, query=None, token="tok-erp") -> zipfile.ZipFile:
    resp = http.get(URL, query=query or {}, token=token)
    assert resp.status_code == 200, resp.get_data()[:500]
    assert resp.content_type == "application/zip" and resp.headers["Cache-Control"] == "private, no-store"
    assert re.fullmatch(r'attachment; filename="invoice-pdfs-\d{4}-\d{2}-\d{2}\.zip"',
                        resp.headers["Content-Disposition"])
    found = zipfile.ZipFile(io.BytesIO(resp.get_data()))
    assert found.testzip() is None
    return found


def test_the_archive_holds_the_stored_pdfs_of_the_organizations_posted_invoices(pdf_api):
    first, second = _posted(pdf_api), _posted(pdf_api)
    pdf_api.create()                                                              # a draft: no PDF
    other = _posted(pdf_api, token="tok-other", customer_name="Globex Ltd")      # another organization's
    note = pdf_api.post(f"/api/invoices/{first['id']}/credit-notes",
                        {"lines": [{"line": 1, "quantity": "1"}], "reason": "One widget returned"}).get_json()
    found = _archive(pdf_api)
    expected = {f"invoice-{first['invoice_number']}.pdf": first["id"],
                f"invoice-{second['invoice_number']}.pdf": second["id"],
                f"credit-note-{note['invoice_number']}.pdf": note["id"]}
    assert sorted(found.namelist()) == sorted(expected)
    other_sha = pdf_api.service.get(other["id"]).pdf.sha256                      # numbered in its own sequence
    assert other_sha not in {hashlib.sha256(found.read(name)).hexdigest() for name in found.namelist()}
    for name, id_ in expected.items():
        stored = pdf_api.service.get(id_).pdf
        data = found.read(name)
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == stored.sha256
        assert found.getinfo(name).compress_type == zipfile.ZIP_STORED
    # the list's filters apply
    only_notes = _archive(pdf_api, {"document_type": "credit_note"})
    assert only_notes.namelist() == [f"credit-note-{note['invoice_number']}.pdf"]
    assert _archive(pdf_api, {"status": "draft"}).namelist() == []
    overdue = set(_archive(pdf_api, {"overdue": "true"}).namelist())             # judged as of today
    assert overdue <= set(expected) - {f"credit-note-{note['invoice_number']}.pdf"}
    # the other organization gets its own, and a read-only client may download
    theirs = _archive(pdf_api, token="tok-other")
    assert [hashlib.sha256(theirs.read(name)).hexdigest() for name in theirs.namelist()] == [other_sha]
    assert len(_archive(pdf_api, token="tok-reader").namelist()) == 3


def test_a_pdf_that_cannot_be_included_is_named_in_missing_txt(pdf_api):
    kept, gone = _posted(pdf_api), _posted(pdf_api)
    storage = pdf_api.service.storage
    storage.path_for(pdf_api.service.get(gone["id"]).pdf.sha256).unlink()
    found = _archive(pdf_api)
    assert sorted(found.namelist()) == sorted([f"invoice-{kept['invoice_number']}.pdf", "missing.txt"])
    assert found.read("missing.txt").decode() == f"{gone['invoice_number']}: its stored PDF could not be read.\n"


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"limit": "10"}, "limit", "Not used here: the archive holds every posted invoice and credit note"),
    ({"sort": "total_amount"}, "sort", "Not used here"),
    ({"cursor": "abc"}, "cursor", "Not used here"),
    ({"date_from": "30.11.2026"}, "date_from", "Must be a date such as 2026-11-02."),
    ({"date_to": "20261130"}, "date_to", "Must be a date such as 2026-11-02."),
    ({"colour": "red"}, "colour", "Unknown query parameter"),
])
def test_a_bad_query_is_a_422_naming_the_parameter(pdf_api, query, field, message):
    resp = pdf_api.get(URL, query=query)
    assert resp.status_code == 422
    [error] = assert_error_shape(resp)
    assert error["field"] == field and message in error["message"]


def test_without_a_token_nothing_is_sent(pdf_api):
    _posted(pdf_api)
    resp = pdf_api.get(URL, token=None)
    assert resp.status_code == 401 and resp.content_type == "application/json"
