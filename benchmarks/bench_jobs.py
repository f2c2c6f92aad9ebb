"""How long posting takes when the PDF is made in the background, and that every posted
invoice then gets exactly one PDF (docs/jobs.md).

Posts invoices one after the other on SQLite with real PDF rendering and storage:

- the baseline, measured in the same run: the PDF rendered in the posting (``InlineJobs``),
  ``--count`` postings;
- Celery jobs on the local Redis: ``--background`` postings (default 1,000), each sending a
  ``render_pdf`` job while no worker runs, so only the posting itself is timed. Target: p95
  under 50 ms.

Then ``oro-invoices worker`` (``--concurrency`` processes, default 2) makes the queued PDFs;
the time until the last one is stored is printed as PDFs per second, and the run checks that
every posted invoice has its PDF and the storage holds one PDF per invoice, none made twice.
Exits 1 if the target or a check fails.

    python benchmarks/bench_jobs.py [--count 20] [--background 1000] [--concurrency 2]
                                    [--broker redis://127.0.0.1:6379/13]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import stop  # noqa: E402

from oro_invoices.composition import AddonConfig, build_addon  # noqa: E402

TARGET_P95_MS = 50.0

PAYLOAD = {"invoice_date": "2026-11-02", "due_date": "2026-12-02", "currency": "USD", "organization_id": 1,
           "customer_id": 10, "customer_name": "Acme Corp",
           "bill_to": {"name": "Acme Corp", "street": "1 Main St", "city": "Springfield",
                       "postal_code": "12345", "country": "US"},
           "lines": [{"description": f"Item {n}", "quantity": str(n), "unit_price": "9.99",
                      "tax_rate": "0.19"} for n in range(1, 11)]}


def delete_queue(broker: str, queue: str) -> None:
    """Remove the benchmark's queue and the keys the Redis transport keeps for it."""
    import redis
    client = redis.Redis.from_url(broker)
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)
    client.close()


def post_times(addon, count: int) -> tuple[list[float], list[int]]:
    """The time of each of ``count`` postings (ms), after two to warm up; every invoice posted."""
    drafts = [addon.invoices.create(PAYLOAD).id for _ in range(count + 2)]
    for invoice_id in drafts[:2]:  # warm-up: templates, fonts, connections
        addon.invoices.post(invoice_id)
    samples = []
    for invoice_id in drafts[2:]:
        start = time.perf_counter()
        addon.invoices.post(invoice_id)
        samples.append((time.perf_counter() - start) * 1000)
    return samples, drafts


def percentile(samples: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


_PENDING = text("SELECT count(*) FROM oro_invoice_invoice i WHERE i.status = 'posted' "
                "AND NOT EXISTS (SELECT 1 FROM oro_invoice_document d WHERE d.invoice_id = i.id)")


def pending(addon) -> int:
    """Posted invoices without a stored PDF yet."""
    with addon.invoices.db.engine.connect() as conn:
        return conn.execute(_PENDING).scalar_one()


def made_once(addon, pdfs: Path) -> list[str]:
    """What is wrong with the PDFs: an invoice without one, one shared, or more stored than made."""
    with addon.invoices.db.engine.connect() as conn:
        posted = conn.execute(text("SELECT count(*) FROM oro_invoice_invoice WHERE status = 'posted'")).scalar_one()
        records, distinct = conn.execute(text(
            "SELECT count(*), count(DISTINCT sha256) FROM oro_invoice_document")).one()
    stored = sum(1 for f in pdfs.rglob("*") if f.is_file() and not f.name.startswith("."))
    problems = []
    if records != posted:
        problems.append(f"{posted - records} of {posted} posted invoices have no PDF")
    if distinct != records:
        problems.append(f"{records - distinct} invoices share a PDF with another")
    if stored != records:
        problems.append(f"{stored} PDFs stored for {records} invoices")
    return problems


@contextlib.contextmanager
def worker(db_url: str, storage: Path, broker: str, queue: str, concurrency: int, log: Path) -> Iterator[None]:
    """``oro-invoices worker`` for ``queue``, stopped at the end."""
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "oro_invoices", "worker", "--db", db_url,
                                    "--storage", str(storage), "--broker", broker, "--queue", queue,
                                    "--concurrency", str(concurrency), "--loglevel", "WARNING"],
                                   stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        yield
    finally:
        stop(process, timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20, help="postings of the baseline (default 20)")
    parser.add_argument("--background", type=int, default=1000,
                        help="postings with the PDF in the background (default 1,000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    queue = f"oro-bench-{uuid.uuid4().hex[:8]}"
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        inline = build_addon(AddonConfig(database_url=f"sqlite:///{work / 'inline.db'}",
                                         storage_url=str(work / "inline-pdfs"), migrate=True,
                                         load_entrypoints=False))
        base, _ = post_times(inline, args.count)
        inline.close()
        db_url = f"sqlite:///{work / 'celery.db'}"
        pdfs = work / "celery-pdfs"
        addon = build_addon(AddonConfig(database_url=db_url, storage_url=str(pdfs), migrate=True,
                                        load_entrypoints=False, jobs_broker_url=args.broker, jobs_queue=queue))
        try:
            samples, drafts = post_times(addon, args.background)
            start = time.perf_counter()
            with worker(db_url, pdfs, args.broker, queue, args.concurrency, work / "worker.log"):
                deadline = start + max(600.0, 2.0 * len(drafts))
                while pending(addon) and time.perf_counter() < deadline:
                    time.sleep(0.2)
                drained = time.perf_counter() - start
            problems = made_once(addon, pdfs)
        finally:
            addon.close()
            delete_queue(args.broker, queue)
    print(f"post() with the PDF rendered in it (baseline), {args.count} postings: "
          f"p50 {statistics.median(base):.1f} ms, p95 {percentile(base, 95):.1f} ms")
    p95 = percentile(samples, 95)
    print(f"post() with the PDF in the background (Celery, Redis), {args.background:,} postings: "
          f"p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, p99 {percentile(samples, 99):.1f} ms, "
          f"max {max(samples):.1f} ms ({statistics.median(samples) / statistics.median(base):.0%} of the "
          f"baseline's p50); target p95 < {TARGET_P95_MS:.0f} ms: {'PASS' if p95 < TARGET_P95_MS else 'FAIL'}")
    failed |= p95 >= TARGET_P95_MS
    print(f"worker ({args.concurrency} processes): {len(drafts):,} PDFs in {drained:.1f} s "
          f"({len(drafts) / drained:.1f} PDFs/s)")
    if problems:
        print("PDFs: FAIL: " + "; ".join(problems))
        failed = True
    else:
        print(f"PDFs: PASS: each of the {len(drafts):,} posted invoices has its PDF, "
              f"and {len(drafts):,} PDFs are stored (none made twice)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
