"""Posting throughput on PostgreSQL: 10,000 invoices of 10 lines posted by 8 concurrent workers.

Checks that every number is unique and the counters are gapless, and prints
invoices per second for (a) all workers posting into one organization's
counter (they queue on its row lock) and (b) each worker in its own
organization (nothing is shared, so nothing waits), with one worker as the
baseline in the same run.

    python benchmarks/bench_posting.py [--count 10000] [--workers 8] [--pg postgresql://…/postgres]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import sys
import time
import uuid
from collections import defaultdict

from sqlalchemy import create_engine, text

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.services.facade import InvoiceService

LINES = [{"description": f"Item {n}", "sku": f"SKU-{n}", "quantity": str(n), "unit_price": "9.99",
          "tax_rate": "0.19" if n % 2 else "0.07"} for n in range(1, 11)]


def _payload(org: int) -> dict:
    return {"invoice_date": "2026-11-02", "currency": "EUR", "organization_id": org,
            "customer_id": 1, "lines": LINES}


def _create(args):
    url, orgs = args
    svc = InvoiceService(Database(url))
    ids = [svc.create(_payload(org)).id for org in orgs]
    svc.db.dispose()
    return ids


def _post(args):
    url, ids = args
    svc = InvoiceService(Database(url), plugins=get_plugin_manager(False))
    numbers = []
    for invoice_id in ids:
        inv = svc.post(invoice_id)
        numbers.append((inv.organization_id, inv.invoice_number))
    svc.db.dispose()
    return numbers


def run(url: str, count: int, workers: int, orgs_of, pool) -> tuple[float, list]:
    orgs = [orgs_of(i) for i in range(count)]
    chunks = [orgs[i::workers] for i in range(workers)]
    ids = [i for part in pool.map(_create, [(url, c) for c in chunks]) for i in part]
    id_chunks = [ids[i::workers] for i in range(workers)]
    start = time.perf_counter()
    results = pool.map(_post, [(url, c) for c in id_chunks])
    elapsed = time.perf_counter() - start
    return elapsed, [n for part in results for n in part]


def check(numbers: list) -> str:
    by_org = defaultdict(list)
    for org, number in numbers:
        by_org[org].append(int(re.search(r"(\d+)$", number).group(1)))
    for org, seq in by_org.items():
        if sorted(seq) != list(range(1, len(seq) + 1)):
            return f"FAIL: organization {org} has gaps or duplicates"
    if len(set(numbers)) != len(numbers):
        return "FAIL: duplicate numbers"
    return "unique and gapless"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--pg", default=os.environ.get(
        "ORO_INVOICES_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--quick", action="store_true", help="2,000 invoices")
    args = parser.parse_args()
    count = 2_000 if args.quick else args.count
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    ok = True
    print(f"posting {count:,} invoices of 10 lines on PostgreSQL")
    print(f"{'scenario':44} {'workers':>7} {'seconds':>8} {'inv/s':>8}  numbers")
    ctx = mp.get_context("spawn")
    for label, workers, orgs_of in (
        ("baseline: one worker", 1, lambda i: 1),
        ("one organization and month (shared counter)", args.workers, lambda i: 1),
        ("one organization per worker", args.workers, lambda i: 1 + i % args.workers),
    ):
        name = f"oro_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = args.pg.rsplit("/", 1)[0] + f"/{name}"
        try:
            upgrade(Database(url))
            n = count if workers > 1 else max(count // 8, 250)
            with ctx.Pool(workers) as pool:
                elapsed, numbers = run(url, n, workers, orgs_of, pool)
            verdict = check(numbers)
            ok &= not verdict.startswith("FAIL") and len(numbers) == n
            print(f"{label:44} {workers:>7} {elapsed:8.2f} {n / elapsed:8.0f}  {verdict} ({len(numbers):,})")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
