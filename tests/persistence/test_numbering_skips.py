"""An imported number in the automatic series never blocks posting: it is skipped, recorded, explained."""
import datetime as dt
import multiprocessing
import re
import subprocess
import sys

import pytest
from sqlalchemy import text
from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.engine import Database
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify

NOV = lambda: dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)  # noqa: E731


def _service(db):
    return InvoiceService(db, plugins=get_plugin_manager(False), clock=NOV)


def test_an_imported_number_of_the_current_series_is_skipped_not_blocking(db):
    svc = _service(db)
    imported = svc.create(invoice_payload(external_id="erp-1", invoice_number="INV-2026-11-00002",
                                          status="posted"), actor="import")
    numbers = [svc.post(svc.create(invoice_payload(external_id=f"d{n}")).id).invoice_number for n in range(3)]
    assert numbers == ["INV-2026-11-00001", "INV-2026-11-00003", "INV-2026-11-00004"]

    second = svc.find_id(invoice_number="INV-2026-11-00003")
    posted = svc.activities(second)[0]
    assert posted.kind == "posted"
    assert posted.summary == (f"Posted as INV-2026-11-00003; skipped INV-2026-11-00002 (held by invoice id "
                              f"{imported.id}): already taken")
    report = verify(db)
    assert report.ok, report.problems
    assert report.notes == [f"organization 1, 2026-11: number INV-2026-11-00002 (counter 2) was skipped by the "
                            f"automatic numbering because invoice id {imported.id} already had it"]


def test_a_draft_holding_the_next_number_does_not_block_either(db):
    svc = _service(db)
    holder = svc.create(invoice_payload(external_id="holder", invoice_number="INV-2026-11-00001"))
    assert svc.post(svc.create(invoice_payload(external_id="x")).id).invoice_number == "INV-2026-11-00002"
    svc.delete(holder.id)  # the skip stays explained, though the holder is gone
    report = verify(db)
    assert report.ok and report.notes[0].endswith("(it no longer has it)")


def test_verify_reports_a_number_that_was_issued_but_is_unaccounted_for(db, drop_guards):
    svc = _service(db)
    svc.post(svc.create(invoice_payload(external_id="a")).id)
    svc.post(svc.create(invoice_payload(external_id="b")).id)
    drop_guards()
    with db.engine.begin() as conn:  # the counter claims a third number that nobody holds
        conn.execute(text("UPDATE oro_invoice_sequence SET last_number = 3"))
    report = verify(db)
    assert any("organization 1, 2026-11: counter value(s) 3 were issued but no posted invoice has them" in p
               for p in report.problems), report.problems


def test_verify_command_prints_the_explanation(db):
    svc = _service(db)
    svc.create(invoice_payload(external_id="erp", invoice_number="INV-2026-11-00001", status="posted"))
    svc.post(svc.create(invoice_payload(external_id="d")).id)
    result = subprocess.run([sys.executable, "-m", "oro_invoices", "verify", "--db", db.url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "NOTE organization 1, 2026-11: number INV-2026-11-00001 (counter 1) was skipped" in result.stdout
    assert "OK: checked 2 posted invoice(s)" in result.stdout


def _post_all(url, ids, queue):
    svc = InvoiceService(Database(url), plugins=get_plugin_manager(False), clock=NOV)
    queue.put([svc.post(invoice_id).invoice_number for invoice_id in ids])
    svc.db.dispose()


def test_concurrent_postings_skip_taken_numbers_without_duplicates(db):
    if db.dialect != "postgresql":
        pytest.skip("concurrent posting processes need PostgreSQL's row locks")
    svc = _service(db)
    for n in (3, 7):
        svc.create(invoice_payload(external_id=f"erp-{n}", invoice_number=f"INV-2026-11-{n:05d}",
                                   status="posted"))
    workers, per_worker = 4, 6
    ids = [svc.create(invoice_payload(external_id=f"d{i}")).id for i in range(workers * per_worker)]
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_post_all, args=(db.url, ids[i::workers], queue)) for i in range(workers)]
    for p in procs:
        p.start()
    numbers = [n for _ in procs for n in queue.get(timeout=180)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    counters = sorted(int(re.search(r"-(\d{5})$", n).group(1)) for n in numbers)
    assert counters == [c for c in range(1, workers * per_worker + 3) if c not in (3, 7)]
    report = verify(db)
    assert report.ok, report.problems
    assert len(report.notes) == 2
