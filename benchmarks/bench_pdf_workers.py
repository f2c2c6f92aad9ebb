"""Rendering the PDFs of an import in worker processes, against rendering them one by one.

An import of ``--count`` posted invoices (``run_import``; it renders nothing) is copied twice;
measured in the same run:

- the baseline: ``render_missing_pdfs(config, ids, workers=1)``, every PDF rendered in this
  process one after the other, as posting them one by one would;
- ``render_missing_pdfs(config, ids, workers=N)`` (default: the CPUs), the worker processes
  included (they start, import WeasyPrint and build their add-on inside the measured time).

Both must leave every PDF stored and ``verify`` passing. Target: with N workers at least
0.6 × N times the baseline's PDFs per second (N > 1). Exits 1 when missed.

    python benchmarks/bench_pdf_workers.py [--count 120] [--workers N] [--quick]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.pdf_workers import default_workers, render_missing_pdfs
from oro_invoices.services.importing import run_import
from oro_invoices.services.verification import verify

SPEEDUP_PER_WORKER = 0.6


def records(count: int) -> list[dict]:
    return [{"external_id": f"B-{i}", "invoice_number": f"OLD-{i:05d}", "invoice_date": "2025-03-01",
             "due_date": "2025-03-31", "currency": "EUR", "customer_name": f"Customer {i}", "status": "posted",
             "payment_status": "paid_in_full",
             "bill_to": {"name": f"Customer {i}", "street": "1 Main St", "city": "Berlin", "country": "DE"},
             "lines": [{"description": f"Item {n}", "quantity": "2", "unit_price": "9.99", "tax_rate": "0.19"}
                       for n in range(8)]} for i in range(count)]


def imported(work: Path, count: int) -> tuple[Path, list[int]]:
    db_file, data = work / "imported.db", work / "invoices.json"
    data.write_text(json.dumps(records(count)))
    config = AddonConfig(database_url=f"sqlite:///{db_file}", storage_url=str(work / "unused"), migrate=True)
    with build_addon(config) as addon:
        report = run_import(addon.invoices, [data], organization_id=1)
    assert not report.problems and len(report.pending_pdfs) == count, report.summary()
    return db_file, report.pending_pdfs


def measure(work: Path, source: Path, ids: list[int], workers: int) -> float:
    """Seconds to render every pending PDF of a copy of ``source`` with ``workers``."""
    db_file, store = work / f"w{workers}.db", work / f"pdf-{workers}"
    shutil.copy(source, db_file)
    config = AddonConfig(database_url=f"sqlite:///{db_file}", storage_url=str(store))
    start = time.perf_counter()
    result = render_missing_pdfs(config, ids, workers=workers)
    seconds = time.perf_counter() - start
    assert sorted(result.rendered) == sorted(ids) and not result.failed, result.failed[:3]
    with build_addon(config) as addon:
        check = verify(addon.db, LocalStorage(store))
    assert check.ok and not check.pending_pdfs and check.checked_pdfs == len(ids), check.problems[:3]
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--quick", action="store_true", help="20 PDFs")
    args = parser.parse_args()
    if args.quick:
        args.count = 20
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source, ids = imported(work, args.count)
        baseline = measure(work, source, ids, 1)
        pooled = measure(work, source, ids, args.workers)
    rate_1, rate_n = args.count / baseline, args.count / pooled
    print(f"{args.count} PDFs, SQLite, {args.workers} CPU(s) available to this process")
    print(f"  baseline, 1 process:  {baseline:7.2f} s  {rate_1:6.1f} PDF/s")
    print(f"  {args.workers} worker processes: {pooled:7.2f} s  {rate_n:6.1f} PDF/s  ({rate_n / rate_1:.2f}×)")
    target = SPEEDUP_PER_WORKER * args.workers
    if args.workers > 1 and rate_n / rate_1 < target:
        print(f"MISSED: {rate_n / rate_1:.2f}× < {target:.2f}× ({SPEEDUP_PER_WORKER} per worker)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
