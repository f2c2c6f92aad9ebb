"""How long posting takes when the PDF is made in the background (docs/jobs.md).

Posts invoices one after the other on SQLite with real PDF rendering and storage, and prints
the median time of one posting: with the PDF rendered in the posting (``InlineJobs``, the
baseline, measured in the same run) and with Celery jobs on the local Redis (the posting sends
a ``render_pdf`` job; no worker runs here, so only the sending is measured). Then a Celery
worker in this process makes the queued PDFs, and the time until the last one is stored is
printed as PDFs per second.

    python benchmarks/bench_jobs.py [--count 20] [--broker redis://127.0.0.1:6379/13]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from celery.contrib.testing.worker import start_worker

from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.jobs.celery_app import create_celery

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
    drafts = [addon.invoices.create(PAYLOAD).id for _ in range(count + 2)]
    for invoice_id in drafts[:2]:  # warm-up: templates, fonts, connections
        addon.invoices.post(invoice_id)
    samples = []
    for invoice_id in drafts[2:]:
        start = time.perf_counter()
        addon.invoices.post(invoice_id)
        samples.append((time.perf_counter() - start) * 1000)
    return samples, drafts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    queue = f"oro-bench-{uuid.uuid4().hex[:8]}"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, broker in (("inline (baseline)", None), ("celery", args.broker)):
            db_url = f"sqlite:///{Path(tmp) / (label.split()[0] + '.db')}"
            addon = build_addon(AddonConfig(database_url=db_url, storage_url=str(Path(tmp) / "pdfs"),
                                            migrate=True, load_entrypoints=False, jobs_broker_url=broker,
                                            jobs_queue=queue))
            samples, drafts = post_times(addon, args.count)
            results[label] = statistics.median(samples)
            if broker is not None:
                app = create_celery(lambda addon=addon: addon, broker_url=broker, queue=queue)
                app.conf.update(worker_hijack_root_logger=False, worker_redirect_stdouts=False)
                start = time.perf_counter()
                with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING",
                                  shutdown_timeout=60, queues=[queue]):
                    while not all(addon.invoices.get(i).pdf for i in drafts):
                        time.sleep(0.05)
                drained = time.perf_counter() - start
                print(f"worker: {len(drafts)} queued PDFs made in {drained:.1f} s "
                      f"({len(drafts) / drained:.1f} PDFs/s, one solo worker)")
                delete_queue(broker, queue)
            addon.close()
    for label, median in results.items():
        print(f"post(), median of {args.count}: {label:18s} {median:8.1f} ms")
    base = results["inline (baseline)"]
    print(f"posting with the PDF in the background takes {results['celery'] / base:.0%} of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
