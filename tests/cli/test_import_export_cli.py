"""``oro-invoices import`` and ``export`` as a user runs them: output, exit codes, report file, progress."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

from oro_invoices.cli import main
from oro_invoices.services import import_check_process, importing
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.import_progress import ProgressMeter

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
SUMMARY = "{c} created, {u} updated, {n} unchanged, {s} skipped, 0 PDF(s) attached, 0 PDF(s) rendered, 0 pending"
BAD_CSV = """external_id,invoice_date,currency,customer_name,line_description,line_quantity,line_unit_price,line_tax_rate
K-1,2026-11-02,EUR,Acme,Widget,1,5.00,0
K-2,2026-11-02,EUR,Acme,Widget,1,5.00,0
K-2,2026-11-02,EUR,Acme,Bolt,-1,5.00,19
K-3,2026-02-30,EUR,Acme,Widget,1,5.00,0
"""


def count(db) -> int:
    return InvoiceService(db).list_invoices(with_total=True).total


def test_bad_rows_are_all_reported_on_screen_and_in_the_report_file(sqlite_db, tmp_path, capsys, checking):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV)
    report = tmp_path / "report.json"
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--report", str(report),
                 str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{bad}:4.lines[1].quantity: Must be greater than 0.",
                   f"{bad}:4.lines[1].tax_rate: Must be a fraction from 0 up to but not including 1 "
                   "(\"0.19\" is 19 %).",
                   f"{bad}:5.invoice_date: Not a valid date (YYYY-MM-DD, such as 2026-11-02).",
                   "error: nothing imported (3 problem(s))"]
    data = json.loads(report.read_text())
    assert data["written"] is False and data["counts"]["problems"] == 3 and data["counts"]["created"] == 0
    assert data["problems"][2] == {"record": f"{bad}:5", "field": "invoice_date",
                                   "message": "Not a valid date (YYYY-MM-DD, such as 2026-11-02)."}
    assert count(sqlite_db) == 0


def test_skip_imports_the_good_rows_and_exits_1(sqlite_db, tmp_path, capsys, checking):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV)
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--on-error", "skip", str(bad)]) == 1
    out = capsys.readouterr().out.strip()
    assert out == "imported: " + SUMMARY.format(c=1, u=0, n=0, s=2) + "; 3 problem(s)"
    assert count(sqlite_db) == 1


def _deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def test_deeply_nested_json_is_one_problem_and_skip_imports_the_rest(sqlite_db, tmp_path, capsys, checking):
    """Nesting deeper than the API takes (16 levels) is a problem of that record, however deep:
    no traceback, the other records are imported with skip, and the report is written."""
    good = (EXAMPLES / "invoices.jsonl").read_text().splitlines()
    lines = tmp_path / "deep.jsonl"
    lines.write_text("\n".join([good[0], _deep(100_000), good[1], _deep(17)[:-1] + ', "b": []}']) + "\n")
    array = tmp_path / "deep.json"
    items = json.loads((EXAMPLES / "invoices.json").read_text())
    array.write_text("[\n" + ",\n".join([json.dumps(items[0]), "[" * 100_000 + "]" * 100_000,
                                           json.dumps(items[1])]) + "\n]")
    report = tmp_path / "report.json"
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--on-error", "skip",
                 "--report", str(report), str(lines), str(array)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{lines}:2: Nested more than 16 levels deep (the most an invoice may have).",
                                f"{lines}:4: Nested more than 16 levels deep (the most an invoice may have).",
                                f"{array}[1]: Nested more than 16 levels deep (the most an invoice may have)."]
    assert out.strip() == "imported: " + SUMMARY.format(c=4, u=0, n=0, s=3) + "; 3 problem(s)"
    data = json.loads(report.read_text())
    assert data["counts"]["problems"] == 3 and data["counts"]["created"] == 4
    assert data["problems"][2]["record"] == f"{array}[1]"
    assert count(sqlite_db) == 4


def test_dry_run_then_import_then_unchanged(sqlite_db, capsys):
    files = [str(EXAMPLES / "invoices.csv"), str(EXAMPLES / "invoices.jsonl"), str(EXAMPLES / "invoices.json")]
    assert main(["import", "--db", sqlite_db.url, "--dry-run", *files]) == 0
    assert capsys.readouterr().out.strip() == (
        "dry run: 6 would be created, 0 would be updated, 0 unchanged, 0 skipped, "
        "0 PDF(s) attached, 0 PDF(s) rendered, 0 pending")
    assert count(sqlite_db) == 0
    assert main(["import", "--db", sqlite_db.url, *files]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=6, u=0, n=0, s=0)
    assert main(["import", "--db", sqlite_db.url, *files]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=0, u=0, n=6, s=0)


def test_one_process_checks_even_a_large_file_in_the_importing_process(sqlite_db, capsys, monkeypatch):
    monkeypatch.setattr(import_check_process, "APART_FROM_BYTES", 0)     # every file counts as large
    started = []

    def spied(*args, **kwargs):
        started.append(args)
        return import_check_process.CheckingProcess(*args, **kwargs)
    monkeypatch.setattr(importing, "CheckingProcess", spied)
    files = [str(EXAMPLES / "invoices.csv"), str(EXAMPLES / "invoices.jsonl")]
    assert main(["import", "--db", sqlite_db.url, "--one-process", *files]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=4, u=0, n=0, s=0)
    assert started == []
    assert main(["import", "--db", sqlite_db.url, *files]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=0, u=0, n=4, s=0)
    assert len(started) == 1


def test_a_checking_process_that_cannot_finish_is_one_error_line_naming_the_way_around(sqlite_db, capsys,
                                                                                      monkeypatch):
    monkeypatch.setattr(import_check_process, "APART_FROM_BYTES", 0)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    assert main(["import", "--db", sqlite_db.url, str(EXAMPLES / "invoices.jsonl")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: The process checking the import's files ended early (exit status 1): it said nothing",
        "--one-process checks the files in the importing process instead."]
    assert count(sqlite_db) == 0


def test_the_organization_is_not_silently_assumed(sqlite_db, tmp_path, capsys):
    path = tmp_path / "no-org.csv"
    path.write_text(BAD_CSV.splitlines()[0] + "\n" + BAD_CSV.splitlines()[1] + "\n")
    assert main(["import", "--db", sqlite_db.url, str(path)]) == 1
    assert f"{path}:2.organization_id: Give --organization or an organization_id in every record." \
        in capsys.readouterr().err
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(path)]) == 0


def test_format_overrides_the_extension(sqlite_db, tmp_path, capsys):
    path = tmp_path / "invoices.txt"
    path.write_text((EXAMPLES / "invoices.jsonl").read_text())
    assert main(["import", "--db", sqlite_db.url, str(path)]) == 1
    assert "Unknown file type" in capsys.readouterr().err
    assert main(["import", "--db", sqlite_db.url, "--format", "jsonl", str(path)]) == 0


def test_export_then_import_through_the_command(sqlite_db, request, tmp_path, capsys):
    from support.databases import make_database
    assert main(["import", "--db", sqlite_db.url, str(EXAMPLES / "invoices.json"),
                 str(EXAMPLES / "invoices.jsonl")]) == 0
    out = tmp_path / "all.csv"
    assert main(["export", "--db", sqlite_db.url, "--organization", "1", "--output", str(out)]) == 0
    assert "exported: 4 invoice(s)" in capsys.readouterr().err
    assert out.read_text().startswith("external_id,invoice_number,")
    assert main(["export", "--db", sqlite_db.url, "--status", "posted", "--date-to", "2020-12-31"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["invoice_number"] == "OLD-2020-007"
    (tmp_path / "target").mkdir()
    target = make_database("sqlite", request, tmp_path / "target")
    assert main(["import", "--db", target.url, str(out)]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=4, u=0, n=0, s=0)
    source, copy = InvoiceService(sqlite_db), InvoiceService(target)
    for ext in ("A-1", "A-2", "J-1", "J-2"):
        a, b = source.get(source.find_id(external_id=ext)), copy.get(copy.find_id(external_id=ext))
        assert (a.invoice_number, a.status, a.payment_status, a.total_amount) == \
            (b.invoice_number, b.status, b.payment_status, b.total_amount)
    target.dispose()


def test_the_installed_command_runs(sqlite_db):
    done = subprocess.run([sys.executable, "-m", "oro_invoices", "import", "--db", sqlite_db.url,
                           str(EXAMPLES / "invoices.csv")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported: " + SUMMARY.format(c=2, u=0, n=0, s=0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_periodic_line_with_rate_and_eta():
    clock, out = Clock(), io.StringIO()
    meter = ProgressMeter(out, what="invoices", every=5, clock=clock)
    meter("checked", 0)
    clock.now = 1
    meter("checked", 10)                              # too soon: nothing
    clock.now = 8
    meter("checked", 800)
    meter("imported", 0, 2700)                        # a new phase: its own rate and ETA
    clock.now = 18
    meter("imported", 500, 2700)
    meter.finish()
    assert out.getvalue().splitlines() == ["checked 800 invoices, 100.0/s",
                                           "imported 500/2,700 invoices, 50.0/s, ETA 44s"]


def test_progress_on_a_terminal_rewrites_one_line():
    clock, out = Clock(), Tty()
    meter = ProgressMeter(out, what="invoices", clock=clock)
    meter("imported", 0, 100)
    clock.now = 1
    meter("imported", 10, 100)
    clock.now = 2
    meter("imported", 20, 100)
    meter.finish()
    assert out.getvalue() == ("\rimported 10/100 invoices, 10.0/s, ETA 9s\x1b[K"
                              "\rimported 20/100 invoices, 10.0/s, ETA 8s\x1b[K\n")


def test_an_e_invoice_file_imports_as_a_posted_invoice(sqlite_db, tmp_path, capsys):
    example = EXAMPLES / "invoice-cii.xml"
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(example)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{example}: The e-invoice XML cannot be kept: it goes into the PDF storage, and none is configured "
        "(oro-invoices import: give --storage).", "error: nothing imported (1 problem(s))"]
    storage = f"file://{tmp_path / 'pdf'}"
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--storage", storage, "--no-pdf",
                 str(example)]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=1, u=0, n=0, s=0).replace(
        "0 pending", "1 pending")
    service = InvoiceService(sqlite_db)
    doc = service.get(service.find_id(external_id="RE-2025-0117"))
    assert (doc.invoice_number, doc.status.value, str(doc.invoice_date), doc.customer_name, str(doc.total_amount)) == (
        "RE-2025-0117", "posted", "2025-03-14", "Initech GmbH", "1235.77")
    assert [(l.description, l.unit, str(l.quantity), str(l.unit_price)) for l in doc.lines] == [
        ("Thermal printer TP-200", "pcs", "4", "189"), ("Installation and training", "h", "2.5", "95"),
        ("Printer manual (printed)", "", "4", "12.5")]
    renamed = tmp_path / "from-the-erp.txt"
    renamed.write_bytes(example.read_bytes().replace(b"RE-2025-0117", b"RE-2025-0118"))
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--storage", storage, "--format",
                 "einvoice", str(renamed)]) == 0
    assert service.get(service.find_id(external_id="RE-2025-0118")).total_amount == doc.total_amount


def test_an_empty_file_is_a_problem_not_a_silent_success(sqlite_db, tmp_path, capsys, checking):
    """A file that holds nothing (a failed export or copy) is said to be empty, whatever its
    layout; a CSV of its header only and an empty JSON array are files of no invoices."""
    empty = [tmp_path / name for name in ("a.csv", "b.jsonl", "c.json")]
    for path in empty:
        path.write_text("")
    (tmp_path / "d.jsonl").write_text("\ufeff \n\n")
    header = tmp_path / "e.csv"
    header.write_text("external_id,invoice_date,currency\n")
    array = tmp_path / "f.json"
    array.write_text("[]")
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", *map(str, empty),
                 str(tmp_path / "d.jsonl"), str(header), str(array)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: The file is empty: it holds no invoices. Was it saved or copied whole?"
        for path in [*empty, tmp_path / "d.jsonl"]] + [
        f"warning: {header}: The file holds no invoices: it has a header row but no rows after it.",
        f"warning: {array}: The file holds no invoices: it is an empty JSON array.",
        "error: nothing imported (4 problem(s))"]
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(header), str(array)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"warning: {header}: The file holds no invoices: it has a header row but no rows after it.",
        f"warning: {array}: The file holds no invoices: it is an empty JSON array."]


def test_a_spreadsheets_date_is_told_how_to_write_it(sqlite_db, tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffexternal_id;invoice_date;currency;customer_name;line_description;line_quantity;"
                    "line_unit_price\r\nX-1;02.11.2026;EUR;Acme;Widget;1;5.00\r\n", encoding="utf-8")
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}:2.invoice_date: Not a valid date (YYYY-MM-DD, such as 2026-11-02).")


def test_a_spreadsheet_workbook_is_told_to_be_saved_as_csv(sqlite_db, tmp_path, capsys):
    import zipfile
    workbook = tmp_path / "invoices.xlsx"
    with zipfile.ZipFile(workbook, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    renamed = tmp_path / "invoices.csv"
    renamed.write_bytes(workbook.read_bytes())
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64))
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(workbook), str(renamed),
                 str(legacy)]) == 1
    why = ("This is a spreadsheet workbook (Excel, LibreOffice), not a CSV file: save it from the spreadsheet as "
           "CSV UTF-8 and import that.")
    assert capsys.readouterr().err.splitlines() == [f"{workbook}: {why}", f"{renamed}: {why}", f"{legacy}: {why}",
                                                    "error: nothing imported (3 problem(s))"]


def test_an_e_invoice_whose_hook_fails_after_its_commit_is_imported_with_a_warning(sqlite_db, tmp_path, capsys,
                                                                                    monkeypatch):
    """A plugin's invoice_posted hook meets the database busy once the import committed: the command
    says the invoice is imported and warns which hook failed; importing it again finds it unchanged.
    The planner statistics the database was too busy to refresh after the commit are no error either."""
    import dataclasses

    from oro_invoices import cli
    from oro_invoices.domain.errors import DatabaseBusy
    from oro_invoices.integration.plugins import hookimpl
    from oro_invoices.persistence.engine import Database

    class Accounting:
        @hookimpl
        def invoice_posted(self, invoice):
            raise DatabaseBusy()

    def refresh_statistics(self):
        raise DatabaseBusy()

    configured = cli._config
    monkeypatch.setattr(cli, "_config", lambda args, **options: dataclasses.replace(
        configured(args, **options), plugins=(Accounting(),)))
    monkeypatch.setattr(Database, "refresh_statistics", refresh_statistics)
    command = ["import", "--db", sqlite_db.url, "--organization", "1", "--storage", f"file://{tmp_path / 'pdf'}",
               "--no-pdf", str(EXAMPLES / "invoice-cii.xml")]
    assert main(command) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "imported: " + SUMMARY.format(c=1, u=0, n=0, s=0).replace("0 pending", "1 pending")
    assert err.splitlines() == [
        "warning: RE-2025-0117: The invoice is imported, but a plugin failed in the invoice_posted hook that "
        "followed, so what it does for a new invoice was not done, and importing it again does not repeat it: "
        "ask an administrator to check the log."]
    assert main(command) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=0, u=0, n=1, s=0).replace(
        "0 pending", "1 pending")


def test_an_e_invoice_the_database_is_too_busy_for_says_so(sqlite_db, tmp_path, capsys, monkeypatch):
    """SQLite's lock waited for in vain while the e-invoice is written: the command says the database
    was busy and nothing was written (exit code 3), not that it could not be reached or that the file is bad."""
    from oro_invoices.domain.errors import DatabaseBusy
    from oro_invoices.services import lifecycle

    def record(*args, **kwargs):
        raise DatabaseBusy()

    monkeypatch.setattr(lifecycle.activity, "record", record)
    example = EXAMPLES / "invoice-cii.xml"
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--storage", f"file://{tmp_path / 'pdf'}",
                 "--no-pdf", str(example)]) == 3
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"{example}: Not imported: the database was busy with another change, so the import stopped and nothing "
        "of it was written. Nothing is wrong with the records: run the import again to import them."]
    assert out.strip().endswith(", 1 not imported (the database was busy or out of reach: run the import again)")
    assert count(sqlite_db) == 0


def test_a_pdf_not_attached_after_the_commit_is_a_warning_and_the_next_import_attaches_it(sqlite_db, tmp_path,
                                                                                         capsys, monkeypatch):
    """J-1 was posted without its PDF; a file setting its payment status brings the PDF, and the
    storage is out of reach when the PDF is attached after the commit: the command says the
    record is imported (its status is) and warns that the PDF was not attached and what to do;
    importing the file again attaches it, and once more finds the invoice unchanged."""
    from support.counting_storage import CountingStorage

    from oro_invoices import composition
    from oro_invoices.documents.storage import storage_from_url
    storages: list[CountingStorage] = []

    def counting(url):
        storages.append(CountingStorage(storage_from_url(url)))
        storages[-1].unreachable = unreachable
        return storages[-1]

    monkeypatch.setattr(composition, "storage_from_url", counting)
    record = json.loads((EXAMPLES / "invoices.jsonl").read_text().splitlines()[0])
    first, with_pdf = tmp_path / "first.jsonl", tmp_path / "with-pdf.jsonl"
    first.write_text(json.dumps({**record, "payment_status": "pending"}) + "\n")
    with_pdf.write_text(json.dumps({**record, "pdf_file": "j-1.pdf"}) + "\n")
    (tmp_path / "j-1.pdf").write_bytes(b"%PDF-1.4 the invoice as the old shop made it")
    command = ["import", "--db", sqlite_db.url, "--storage", f"file://{tmp_path / 'pdf'}", "--no-pdf"]
    unreachable = None
    assert main([*command, str(first)]) == 0
    capsys.readouterr()

    unreachable = "Cannot reach the PDF storage s3://invoices: timed out"
    assert main([*command, str(with_pdf)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "imported: " + SUMMARY.format(c=0, u=1, n=0, s=0)
    assert err.splitlines() == [
        "warning: J-1.pdf_file: The record is imported, but its PDF j-1.pdf was not attached (import the record "
        "again once this is fixed: that attaches it; do so before complete-pdfs or the workers' PDF sweep renders "
        "the invoice a PDF of its own, after which j-1.pdf can no longer be attached): Invoice OLD-2020-007: its "
        "PDF could not be stored; nothing "
        "was changed. Cannot reach the PDF storage s3://invoices: timed out"]
    service = InvoiceService(sqlite_db)
    doc = service.get(service.find_id(external_id="J-1"))
    assert (doc.payment_status.value, doc.pdf) == ("paid_in_full", None)

    unreachable = None
    assert main([*command, "--dry-run", str(with_pdf)]) == 0
    assert capsys.readouterr().out.strip() == (
        "dry run: 0 would be created, 1 would be updated, 0 unchanged, 0 skipped, 0 PDF(s) attached, "
        "0 PDF(s) rendered, 0 pending")
    assert main([*command, str(with_pdf)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "imported: " + SUMMARY.format(c=0, u=1, n=0, s=0).replace("0 PDF(s) attached",
                                                                                   "1 PDF(s) attached")
    assert err == ""
    assert service.get(doc.id).pdf.source == "uploaded"
    assert main([*command, str(with_pdf)]) == 0
    assert capsys.readouterr() == ("imported: " + SUMMARY.format(c=0, u=0, n=1, s=0) + "\n", "")


def test_a_posted_invoice_keeps_its_pdf_and_a_different_file_given_is_a_warning(sqlite_db, tmp_path, capsys):
    """J-1 is posted with the PDF its record gives; a later record giving another file finds the
    invoice unchanged and warns that the posted invoice's PDF stays and the file was not used."""
    record = json.loads((EXAMPLES / "invoices.jsonl").read_text().splitlines()[0])
    first, other = tmp_path / "first.jsonl", tmp_path / "other.jsonl"
    first.write_text(json.dumps({**record, "pdf_file": "j-1.pdf"}) + "\n")
    other.write_text(json.dumps({**record, "pdf_file": "j-1-new.pdf"}) + "\n")
    (tmp_path / "j-1.pdf").write_bytes(b"%PDF-1.4 the invoice as the old shop made it")
    (tmp_path / "j-1-new.pdf").write_bytes(b"%PDF-1.4 the invoice as the old shop made it again, later")
    command = ["import", "--db", sqlite_db.url, "--storage", f"file://{tmp_path / 'pdf'}", "--no-pdf"]
    assert main([*command, str(first)]) == 0
    capsys.readouterr()
    kept = ("warning: {path}:1.pdf_file: The invoice is posted, and a posted invoice's PDF is never replaced: its "
            "PDF stays the one made or attached at posting; the file given (j-1-new.pdf) was not used.")
    for run, label, summary in ((["--dry-run"], "dry run", "0 would be created, 0 would be updated"),
                                ([], "imported", "0 created, 0 updated")):
        assert main([*command, *run, str(other)]) == 0
        out, err = capsys.readouterr()
        assert out.strip() == f"{label}: {summary}, 1 unchanged, 0 skipped, 0 PDF(s) attached, 0 PDF(s) " \
                              "rendered, 0 pending"
        assert err.splitlines() == [kept.format(path=other)]
    service = InvoiceService(sqlite_db)
    assert service.get(service.find_id(external_id="J-1")).pdf.sha256 == hashlib.sha256(
        (tmp_path / "j-1.pdf").read_bytes()).hexdigest()


def test_a_record_the_database_is_too_busy_for_is_not_imported_and_the_next_run_imports_it(sqlite_db, tmp_path,
                                                                                          capsys, monkeypatch):
    """With --on-error skip the database is busy while J-1 is written: J-1 is no bad record, so it is
    not "skipped" among the problems but not imported, saying to run the import again, with exit
    code 3 and the count in the summary and the report; the next run imports it."""
    from oro_invoices.domain.errors import DatabaseBusy
    from oro_invoices.services import import_writing, lifecycle
    record = lifecycle.activity.record

    def busy_for_j1(session, invoice_id, kind, actor, summary, data=None, **kwargs):
        if (data or {}).get("external_id") == "J-1":
            raise DatabaseBusy()
        return record(session, invoice_id, kind, actor, summary, data, **kwargs)

    def write_together(self, session, invoices):
        raise DatabaseBusy()                        # the records are then written one by one

    with monkeypatch.context() as patched:
        patched.setattr(lifecycle.activity, "record", busy_for_j1)
        patched.setattr(import_writing.BatchWriter, "write", write_together)
        path = EXAMPLES / "invoices.jsonl"
        report = tmp_path / "report.json"
        assert main(["import", "--db", sqlite_db.url, "--on-error", "skip", "--report", str(report),
                     str(path)]) == 3
        out, err = capsys.readouterr()
    assert out.strip() == "imported: " + SUMMARY.format(c=1, u=0, n=0, s=0) + (
        ", 1 not imported (the database was busy or out of reach: run the import again)")
    assert err.splitlines() == [f"{path}:1: Not imported: the database was busy with another change. Nothing is "
                                "wrong with the record: run the import again to import it."]
    data = json.loads(report.read_text())
    assert (data["counts"]["not_imported"], data["counts"]["skipped"], data["counts"]["problems"]) == (1, 0, 0)
    assert (data["not_imported"], data["problems"], data["outages"][0]["record"]) == (["J-1"], [], f"{path}:1")
    assert main(["import", "--db", sqlite_db.url, "--on-error", "skip", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "imported: " + SUMMARY.format(c=1, u=0, n=1, s=0)
    assert count(sqlite_db) == 2


def test_with_on_error_stop_a_busy_database_stops_the_import_and_says_to_run_it_again(sqlite_db, tmp_path, capsys,
                                                                                   monkeypatch, checking):
    """J-1 is written, then the database is busy for J-2: the one transaction is rolled back, and
    the command says that J-1 and J-2 were not imported because of the database, not that a
    record is bad (exit code 3); importing again imports both."""
    from oro_invoices.domain.errors import DatabaseBusy
    from oro_invoices.services import import_writing, lifecycle
    record = lifecycle.activity.record

    def busy_for_j2(session, invoice_id, kind, actor, summary, data=None, **kwargs):
        if (data or {}).get("external_id") == "J-2":
            raise DatabaseBusy()
        return record(session, invoice_id, kind, actor, summary, data, **kwargs)

    def write_together(self, session, invoices):
        raise DatabaseBusy()                        # the records are then written one by one

    path = EXAMPLES / "invoices.jsonl"
    report = tmp_path / "report.json"
    with monkeypatch.context() as patched:
        patched.setattr(lifecycle.activity, "record", busy_for_j2)
        patched.setattr(import_writing.BatchWriter, "write", write_together)
        assert main(["import", "--db", sqlite_db.url, "--report", str(report), str(path)]) == 3
        out, err = capsys.readouterr()
    assert out.strip() == "imported: " + SUMMARY.format(c=0, u=0, n=0, s=0) + (
        ", 2 not imported (the database was busy or out of reach: run the import again)")
    assert err.splitlines() == [f"{path}:2: Not imported: the database was busy with another change, so the import "
                                "stopped and nothing of it was written. Nothing is wrong with the records: run the "
                                "import again to import them."]
    data = json.loads(report.read_text())
    assert (data["written"], data["not_imported"], data["created"], data["problems"]) == (False, ["J-1", "J-2"], [],
                                                                                           [])
    assert count(sqlite_db) == 0
    assert main(["import", "--db", sqlite_db.url, str(path)]) == 0
    assert count(sqlite_db) == 2


def test_a_busy_database_at_the_commit_leaves_the_records_not_imported(sqlite_db, tmp_path, capsys, monkeypatch):
    """SQLite busy when the records are committed, with either --on-error: no error of the
    command but the records not imported (exit code 3); importing again imports them."""
    from oro_invoices.domain.errors import DatabaseBusy
    from oro_invoices.services.context import ServiceContext as InvoiceContext
    before_commit = InvoiceContext._before_commit
    path = EXAMPLES / "invoices.jsonl"
    for on_error, what in (("skip", "so these records were not written"),
                           ("stop", "so the import stopped and nothing of it was written")):
        def busy_once(self, session, commits=[]):    # noqa: B006 - the commits of this run
            commits.append(1)
            if len(commits) == 1:
                raise DatabaseBusy()
            return before_commit(self, session)

        with monkeypatch.context() as patched:
            patched.setattr(InvoiceContext, "_before_commit", busy_once)
            assert main(["import", "--db", sqlite_db.url, "--on-error", on_error, str(path)]) == 3
            out, err = capsys.readouterr()
        assert out.strip() == "imported: " + SUMMARY.format(c=0, u=0, n=0, s=0) + (
            ", 2 not imported (the database was busy or out of reach: run the import again)")
        assert err.splitlines() == [f"{path}:1 to {path}:2: Not imported: the database was busy with another "
                                    f"change, {what}. Nothing is wrong with the records: run the import again to "
                                    "import them."]
        assert count(sqlite_db) == 0
    assert main(["import", "--db", sqlite_db.url, str(path)]) == 0
    assert count(sqlite_db) == 2
