"""Large imports are checked by a second process while this one writes (``import_check_process``).

The reports and the written invoices are the same as when one process checks and then
writes: the import tests run both ways (the ``checking`` fixture). Here: what only the
second process can do or get wrong.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services import import_check_process, importing
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.import_check_process import CheckingFailed, CheckingProcess, worth_checking_apart
from oro_invoices.services.importing import run_import
from oro_invoices.services.verification import verify


def write(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def good(count: int, start: int = 1) -> list[dict]:
    return [invoice_payload(external_id=f"X-{i}", **({"status": "posted"} if i % 2 else {}))
            for i in range(start, start + count)]


def bad(external_id: str) -> dict:
    return invoice_payload(external_id=external_id, currency="XXX")


@pytest.fixture
def svc(db):
    return InvoiceService(db, plugins=get_plugin_manager(False))


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 4)


def test_a_bad_record_met_after_writing_began_rolls_everything_back_and_the_rest_is_still_checked(
        svc, db, tmp_path, small_batches):
    path = write(tmp_path / "a.jsonl", [*good(30), bad("B-1"), *good(5, start=31), bad("B-2")])
    report = run_import(svc, [path], organization_id=1, check_apart=True)
    assert [(p.where, p.message) for p in report.problems] == [
        (f"{path}:31.currency", "Unknown currency code; use an ISO 4217 code such as \"USD\"."),
        (f"{path}:37.currency", "Unknown currency code; use an ISO 4217 code such as \"USD\".")]
    assert not report.written and report.created == [] and report.skipped == ["B-1", "B-2"]
    assert svc.list_invoices(with_total=True).total == 0 and verify(db).ok


def test_skip_writes_the_good_records_on_both_sides_of_the_bad_ones(svc, db, tmp_path, small_batches):
    path = write(tmp_path / "a.jsonl", [*good(9), bad("B-1"), *good(3, start=10)])
    report = run_import(svc, [path], organization_id=1, on_error="skip", check_apart=True)
    assert report.created == [f"X-{i}" for i in range(1, 13)] and report.skipped == ["B-1"]
    assert svc.list_invoices(with_total=True).total == 12 and verify(db).ok


def test_progress_counts_written_records_and_learns_the_total_when_checking_ends(svc, tmp_path, small_batches):
    calls: list[tuple[str, int, int | None]] = []
    path = write(tmp_path / "a.jsonl", good(25))
    run_import(svc, [path], organization_id=1, check_apart=True, progress=lambda *call: calls.append(call))
    assert {phase for phase, _, _ in calls} == {"imported"}
    done = [count for _, count, _ in calls]
    assert done == sorted(done) and calls[-1] == ("imported", 25, 25)
    totals = [total for _, _, total in calls]
    assert set(totals) <= {None, 25} and totals == sorted(totals, key=lambda t: t is not None)


def test_a_checking_process_that_dies_is_an_error_saying_so_and_nothing_is_written(svc, tmp_path, monkeypatch):
    path = write(tmp_path / "a.jsonl", good(3))
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(CheckingFailed, match=r"ended early \(exit status 1\)"):
        run_import(svc, [path], organization_id=1, check_apart=True)
    assert svc.list_invoices(with_total=True).total == 0


def test_the_checking_process_runs_the_code_of_this_process_not_a_package_in_the_working_directory(
        svc, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "oro_invoices").mkdir(parents=True)
    (elsewhere / "oro_invoices" / "__init__.py").write_text("raise SystemExit('another oro_invoices')\n")
    monkeypatch.chdir(elsewhere)
    path = write(tmp_path / "a.jsonl", good(3))
    report = run_import(svc, [path], organization_id=1, check_apart=True)
    assert report.created == ["X-1", "X-2", "X-3"]


def test_files_are_checked_apart_from_a_size_on(tmp_path, monkeypatch):
    small = write(tmp_path / "small.jsonl", good(2))
    assert not worth_checking_apart([small])
    monkeypatch.setattr(import_check_process, "APART_FROM_BYTES", small.stat().st_size * 2)
    assert not worth_checking_apart([small]) and worth_checking_apart([small, small])
    monkeypatch.setattr(sys, "executable", "")                          # an embedding interpreter
    assert not worth_checking_apart([small, small])
    monkeypatch.undo()
    monkeypatch.setattr(import_check_process, "APART_FROM_BYTES", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not worth_checking_apart([small, small])


IMPORTER = """
import sys
from pathlib import Path
from oro_invoices.services.import_check_process import CheckingProcess
checking = CheckingProcess([Path(sys.argv[1])], fmt="jsonl", organization_id=1)
next(checking.entries())
print(checking._process.pid, flush=True)
sys.stdin.read()                 # until it is killed
"""


def test_the_checking_process_stops_when_the_importing_process_is_gone(tmp_path):
    # the file is a pipe: the child waits for records while none come, so it is still there
    # after the importing process dies, and only ends by noticing that
    fifo = tmp_path / "records.jsonl"
    os.mkfifo(fifo)
    lines = "".join(json.dumps(item) + "\n" for item in good(600))
    importer = subprocess.Popen([sys.executable, "-c", IMPORTER, str(fifo)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
    try:
        with fifo.open("w") as records:
            records.write(lines)
            records.flush()
            child = int(importer.stdout.readline())
            importer.send_signal(signal.SIGKILL)
            importer.wait()
            assert _alive(child)                               # waiting for more records
            try:
                records.write(lines)                           # more records: it says how far it is ...
                records.flush()
            except BrokenPipeError:                            # (and may be gone before all are read)
                pass
            deadline = time.monotonic() + 30
            while _alive(child) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _alive(child)                           # ... to nobody, and ends
    finally:
        importer.kill()
        importer.wait()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, which its dead parent left for init to reap, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_leaving_the_context_stops_the_child_and_removes_its_spool(tmp_path):
    path = write(tmp_path / "big.jsonl", good(2_000))
    with CheckingProcess([path], fmt=None, organization_id=1) as checking:
        next(checking.entries())
        spool = Path(checking._tail._file.name)
        process = checking._process
    assert process.returncode is not None and not spool.exists()


@pytest.mark.parametrize("on_error,would_create", [("stop", []), ("skip", ["X-1", "X-2", "X-4"])])
def test_a_dry_run_decides_as_the_records_come_and_writes_nothing(svc, tmp_path, on_error, would_create):
    run_import(svc, [write(tmp_path / "first.jsonl", good(1, start=3))], organization_id=1)
    path = write(tmp_path / "a.jsonl", [*good(3), bad("B-1"), *good(1, start=4)])
    report = run_import(svc, [path], organization_id=1, on_error=on_error, dry_run=True, check_apart=True)
    assert [p.where for p in report.problems] == [f"{path}:4.currency"]
    assert (report.dry_run, report.written) == (True, False)
    assert (report.created, report.unchanged, report.skipped) == (
        would_create, ["X-3"] if on_error == "skip" else [], ["B-1"])
    assert svc.list_invoices(with_total=True).total == 1


@pytest.mark.parametrize("on_error", ["stop", "skip"])
def test_a_file_that_cannot_be_read_is_reported_among_the_others(svc, tmp_path, on_error, checking):
    first = write(tmp_path / "a.jsonl", good(3))
    unknown = tmp_path / "b.txt"
    unknown.write_text("not an import\n")
    last = write(tmp_path / "c.jsonl", [bad("B-1"), *good(1, start=4)])
    report = run_import(svc, [first, unknown, last], organization_id=1, on_error=on_error)
    assert [(p.where, p.message) for p in report.problems] == [
        (str(unknown), "Unknown file type; use .json, .jsonl, .ndjson, .csv, .xml or .pdf (or --format)."),
        (f"{last}:1.currency", "Unknown currency code; use an ISO 4217 code such as \"USD\".")]
    assert report.skipped == ["B-1"]
    written = ["X-1", "X-2", "X-3", "X-4"] if on_error == "skip" else []
    assert report.created == written and report.written == (on_error == "skip")
    assert sorted(i.external_id for i in svc.list_invoices().items) == written


def test_a_spool_is_read_by_another_reader_up_to_what_was_flushed_problems_and_all(tmp_path):
    from oro_invoices.domain.messages import Message
    from oro_invoices.services.import_reading import Problem, Record
    from oro_invoices.services.import_spool import Spool, SpoolTail
    from oro_invoices.services.schemas import load_input
    payload = invoice_payload(external_id="X-1")
    loaded = load_input(payload)
    message = Message("Line %(line)s: the quantity must be positive.", line=2)
    path = tmp_path / "spool"
    with Spool(path) as spool:
        tail = SpoolTail(path)
        spool.add(Record("f:1", payload), loaded, 0)
        first = spool.flush()
        spool.add(Record("f:2", payload, problems=[Problem("f:2", "lines[1].quantity", message)]), loaded, 1)
        spool.add(Record("f", {}, problems=[Problem("f", "", "Cannot read the file.")], fatal=True), None, 1)
        assert [r.location for r, _, _ in tail.read(first)] == ["f:1"]      # only what was flushed
        rest = list(tail.read(spool.flush()))
        tail.close()
    (second, second_loaded, split), (fatal, _, _) = rest
    assert second.problems == [Problem("f:2", "lines[1].quantity", message)] and split == 1
    assert second.problems[0].message.values == {"line": 2}                 # still a translatable message
    assert second_loaded == loaded and second.payload == payload
    assert fatal.fatal and fatal.problems[0].message == "Cannot read the file."


def test_a_folder_of_many_files_is_checked_apart(sqlite_db, tmp_path):
    """Their paths exceed what one command-line argument may hold (128 KiB): the child reads them
    from a file."""
    folder = tmp_path / ("f" * 100)
    folder.mkdir()
    for i in range(1, 1201):
        write(folder / f"{'invoices-of-the-old-erp-' * 3}{i:05}.jsonl", [invoice_payload(external_id=f"M-{i}")])
    assert sum(len(str(p)) for p in folder.iterdir()) > 128 * 1024
    report = run_import(InvoiceService(sqlite_db, plugins=get_plugin_manager(False)), [folder],
                        organization_id=1, check_apart=True, dry_run=True)
    assert report.problems == [] and len(report.created) == 1200
