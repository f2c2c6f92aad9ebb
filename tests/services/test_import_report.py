"""Import: every problem of every record at once; stop/skip; dry run; unchanged on re-runs; counts."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import ImportReport, run_import

pytestmark = pytest.mark.usefixtures("checking")

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
HEAD = ("external_id,invoice_date,due_date,currency,customer_id,customer_name,status,"
        "bill_to_street,bill_to_city,bill_to_country,line_description,line_quantity,line_unit_price,"
        "line_tax_rate\n")
GOOD_A = "G-1,2026-11-02,2026-12-02,EUR,{acme},,posted,1 Main St,Berlin,DE,Widget,2,10.00,0.19\n"
GOOD_B = "G-2,2026-11-02,,EUR,{acme},,,,,,Widget,1,5.00,0\n"
BAD = ("B-1,2026-11-02,2026-12-02,EUR,{acme},,,,,,Widget,1,5.00,0.19\n"
       "B-1,2026-11-02,2026-12-02,EUR,{acme},,,,,,Bolt,-2,1.00,0.19\n"        # row 4: negative quantity
       "B-1,2026-11-02,2026-12-02,EUR,{acme},,,,,,Nut,1,1.00,19\n"            # row 5: 19, not 0.19
       "B-2,2026-11-02,2026-12-02,EUR,999,,,,,,Widget,1,5.00,0\n"            # row 6: unknown customer
       "B-3,2026-11-02,2026-12-02,XXX,{acme},,posted,,,,Widget,1,5.00,0\n")  # row 7: unknown currency


@pytest.fixture
def host():
    host = MemoryHost()
    host.add_customer("Acme Corp", organization_id=1)
    return host


@pytest.fixture
def svc(db, host):
    return InvoiceService(db, plugins=get_plugin_manager(False), host=host)


def mixed_file(tmp_path, host) -> Path:
    acme = next(iter(host.customers.customers))
    path = tmp_path / "mixed.csv"
    path.write_text((HEAD + GOOD_A + BAD + GOOD_B).format(acme=acme))
    return path


def count(svc) -> int:
    return svc.list_invoices(with_total=True).total


def problems(report):
    return [(p.where, p.message) for p in report.problems]


def test_every_problem_of_every_row_is_reported_and_stop_writes_nothing(svc, tmp_path, host):
    path = mixed_file(tmp_path, host)
    report = run_import(svc, [path], organization_id=1)
    assert problems(report) == [
        (f"{path}:4.lines[1].quantity", "Must be greater than 0."),
        (f"{path}:5.lines[2].tax_rate",
         "Must be a fraction from 0 up to but not including 1 (\"0.19\" is 19 %)."),
        (f"{path}:6.customer_id", "Customer 999 does not exist in organization 1."),
        (f"{path}:7.currency", "Unknown currency code; use an ISO 4217 code such as \"USD\"."),
    ]
    assert not report.written and count(svc) == 0
    assert report.as_json()["problems"][2] == {"record": f"{path}:6", "field": "customer_id",
                                               "message": "Customer 999 does not exist in organization 1."}


def test_skip_imports_the_good_rows(svc, tmp_path, host):
    report = run_import(svc, [mixed_file(tmp_path, host)], organization_id=1, on_error="skip")
    assert (report.created, report.skipped) == (["G-1", "G-2"], ["B-1", "B-2", "B-3"])
    assert len(report.problems) == 4 and report.written
    assert sorted(i.external_id for i in svc.list_invoices().items) == ["G-1", "G-2"]
    out = io.StringIO()
    report.write_json(out)             # the lists streamed from disk: the same report as as_json()
    assert json.loads(out.getvalue()) == report.as_json()
    assert report.as_json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 3,
                                          "pdfs_attached": 0, "pdfs_rendered": 0, "pdfs_pending": 0,
                                          "not_imported": 0, "problems": 4}


def test_the_report_json_streams_long_lists_and_empty_ones():
    report = ImportReport()
    report.add("created", *(f"C-{i}" for i in range(23)))
    report.add("pending_pdfs", 7, 3)
    out = io.StringIO()
    report.write_json(out)
    data = json.loads(out.getvalue())
    assert data == report.as_json() and data["created"] == [f"C-{i}" for i in range(23)]
    assert data["pending_pdfs"] == [7, 3] and data["updated"] == [] and data["problems"] == []
    assert report.summary() == ("23 created, 0 updated, 0 unchanged, 0 skipped, 0 PDF(s) attached, "
                                "0 PDF(s) rendered, 2 pending")


def test_posting_requirements_are_checked_with_the_rest(svc, tmp_path, host):
    acme = next(iter(host.customers.customers))
    path = tmp_path / "p.csv"
    path.write_text(HEAD + f"P-1,2026-11-02,,EUR,{acme},,posted,,Berlin,DE,Widget,1,5.00,0\n")
    report = run_import(svc, [path], organization_id=1)
    assert {p.field for p in report.problems} == {"bill_to.street", "due_date"}
    assert count(svc) == 0


def test_dry_run_writes_nothing_and_says_what_would_happen(svc):
    report = run_import(svc, [EXAMPLES / "invoices.csv"], organization_id=1, dry_run=True)
    assert report.summary() == ("2 would be created, 0 would be updated, 0 unchanged, 0 skipped, "
                                "0 PDF(s) attached, 0 PDF(s) rendered, 0 pending")
    assert report.problems == [] and count(svc) == 0


@pytest.mark.parametrize("name", ["invoices.csv", "invoices.jsonl", "invoices.json"])
def test_the_examples_import_and_a_second_run_is_unchanged(svc, name):
    first = run_import(svc, [EXAMPLES / name], organization_id=None)
    assert first.problems == [] and len(first.created) == 2
    again = run_import(svc, [EXAMPLES / name], organization_id=None)
    assert again.summary() == ("0 created, 0 updated, 2 unchanged, 0 skipped, "
                               "0 PDF(s) attached, 0 PDF(s) rendered, 0 pending")
    assert run_import(svc, [EXAMPLES / name], organization_id=1, dry_run=True).unchanged == \
        first.created


def test_a_changed_draft_is_updated_an_unchanged_one_not(svc, tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text((EXAMPLES / "invoices.jsonl").read_text())
    run_import(svc, [path], organization_id=1)
    path.write_text(path.read_text().replace('"Beta Inc"', '"Beta Ltd"'))
    report = run_import(svc, [path], organization_id=1)
    assert (report.updated, report.unchanged) == (["J-2"], ["J-1"])


def test_the_organization_is_required_unless_every_record_has_one(svc, tmp_path):
    path = tmp_path / "no-org.jsonl"
    path.write_text((EXAMPLES / "invoices.jsonl").read_text().replace('"organization_id": 1, ', "", 1))
    report = run_import(svc, [path], organization_id=None)
    assert problems(report) == [(f"{path}:1.organization_id",
                                 "Give --organization or an organization_id in every record.")]
    assert count(svc) == 0


def test_posted_invoices_are_imported_with_their_pdf_pending_and_rendered_after(db, tmp_path):
    from oro_invoices.documents.render import PdfRenderer
    from oro_invoices.documents.storage import LocalStorage
    from oro_invoices.services.pdf_backlog import pending_pdfs, render_pdfs
    svc = InvoiceService(db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "pdf"),
                         renderer=PdfRenderer())
    report = run_import(svc, [EXAMPLES / "invoices.json"], organization_id=1)
    posted = svc.get(svc.find_id(external_id="A-1"))
    assert posted.is_posted and posted.invoice_number and posted.pdf is None    # nothing rendered inside
    assert report.pending_pdfs == [posted.id] and pending_pdfs(svc) == [posted.id]
    assert report.summary().endswith("0 PDF(s) attached, 0 PDF(s) rendered, 1 pending")
    assert report.as_json()["counts"]["pdfs_pending"] == 1

    assert render_pdfs(svc, report.pending_pdfs).rendered == [posted.id]
    assert svc.get(posted.id).pdf is not None and pending_pdfs(svc) == []
    assert render_pdfs(svc, report.pending_pdfs).already == [posted.id]       # idempotent
    again = run_import(svc, [EXAMPLES / "invoices.json"], organization_id=1)
    assert again.pending_pdfs == [] and "A-1" in again.unchanged


def test_skip_leaves_out_a_record_that_fails_while_writing(svc, tmp_path):
    svc.create({"external_id": "T-0", "invoice_number": "TAKEN-1", "invoice_date": "2026-11-02",
                "currency": "USD", "organization_id": 1, "lines": [{"description": "x", "quantity": "1",
                                                                    "unit_price": "1"}]})
    path = tmp_path / "clash.jsonl"
    path.write_text((EXAMPLES / "invoices.jsonl").read_text().replace('"OLD-2020-007"', '"TAKEN-1"'))
    report = run_import(svc, [path], organization_id=1, on_error="skip")
    assert (report.created, report.skipped) == (["J-2"], ["J-1"])
    assert [p.record for p in report.problems] == [f"{path}:1"]
    assert "already used" in report.problems[0].message
    stopped = run_import(svc, [path], organization_id=1)
    assert not stopped.written and stopped.created == [] and count(svc) == 2
    assert stopped.problems[0].record == f"{path}:1" and "already used" in stopped.problems[0].message


def test_csv_rows_of_one_invoice_must_be_adjacent(svc, tmp_path):
    rows = (EXAMPLES / "invoices.csv").read_text().splitlines()
    path = tmp_path / "split.csv"
    path.write_text("\n".join([rows[0], rows[1], rows[3], rows[2]]) + "\n")
    report = run_import(svc, [path], organization_id=1)
    assert [(p.where, p.message) for p in report.problems] == [
        (f"{path}:4.external_id", f"Repeats the invoice of {path}:2 (in a CSV, the rows of one invoice "
                                  "must be next to each other).")]


@pytest.mark.parametrize("name", ["invoices.jsonl", "invoices.csv"])
def test_jsonl_and_csv_are_read_record_by_record(tmp_path, name):
    import tracemalloc

    from oro_invoices.services.import_reading import iter_file
    text = (EXAMPLES / name).read_text()
    header, body = (text.split("\n", 1) if name.endswith(".csv") else ("", text))
    big = tmp_path / name
    with big.open("w") as fh:
        fh.write(header + ("\n" if header else ""))
        for i in range(5000):
            fh.write(body.replace("H-", f"H{i}-").replace("J-", f"J{i}-"))
    tracemalloc.start()
    seen = sum(1 for _ in iter_file(big))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seen == 10000
    assert peak < big.stat().st_size / 10        # the file is never held whole


def test_a_field_error_found_only_while_writing_names_record_and_field(svc, tmp_path, monkeypatch):
    from oro_invoices.domain.errors import ValidationError
    from oro_invoices.services import importing

    def refuse(*args, **kwargs):
        raise ValidationError([("customer_name", "Refused by the host.")])
    monkeypatch.setattr(importing, "_upsert", refuse)
    monkeypatch.setattr(importing.BatchWriter, "prepare", lambda self, payload, loaded=None, sums=None: None)
    report = run_import(svc, [EXAMPLES / "invoices.json"], organization_id=1)
    assert [(p.record, p.field, p.message) for p in report.problems] == [
        (f"{EXAMPLES / 'invoices.json'}[0]", "customer_name", "Refused by the host.")]
    assert not report.written and report.created == [] and count(svc) == 0
