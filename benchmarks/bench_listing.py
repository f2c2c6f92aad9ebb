"""Listing speed: one page of 25, filtered and sorted, at any depth, over 1,000,000 invoices (SQLite).

Keyset paging (what ``InvoiceService.list`` does) is compared with OFFSET paging
of the same query in the same run. Target: every keyset page under 5 ms.

    python benchmarks/bench_listing.py [--count 1000000] [--keep PATH]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from sqlalchemy import select

sys.path.insert(0, os.path.dirname(__file__))
from _common import bulk_invoices, median_ms

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter, encode_cursor
from oro_invoices.services.facade import InvoiceService

TARGET_MS = 5.0
PAGE = 25

CASES = [
    ("all, newest first", InvoiceFilter(), "-invoice_date"),
    ("posted, newest first", InvoiceFilter(status="posted"), "-invoice_date"),
    ("one customer, newest first", InvoiceFilter(customer_id=42), "-invoice_date"),
    ("organization 1, pending, newest", InvoiceFilter(organization_id=1, payment_status="pending"),
     "-invoice_date"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--keep", help="reuse/keep the database file at this path")
    parser.add_argument("--quick", action="store_true", help="100,000 invoices")
    args = parser.parse_args()
    count = 100_000 if args.quick else args.count
    path = args.keep or os.path.join(tempfile.mkdtemp(), "listing.db")
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.session() as s:
        have = s.execute(select(Invoice.id).order_by(Invoice.id.desc()).limit(1)).scalar() or 0
    if have < count:
        t = time.perf_counter()
        if have:
            raise SystemExit(f"{path} holds {have} invoices; remove it or give --count {have}")
        bulk_invoices(db, count)
        print(f"inserted {count:,} invoices in {time.perf_counter() - t:.1f} s")
    service = InvoiceService(db)

    print(f"\n{count:,} invoices on SQLite, page size {PAGE}; median of 30 runs (ms)")
    print(f"{'query':34} {'depth':>8} {'keyset':>8} {'OFFSET':>9} {'speed-up':>9}")
    worst = 0.0
    for label, flt, sort in CASES:
        with db.session() as s:
            base = apply_filter(select(Invoice.invoice_date, Invoice.id)
                                .join(PaymentState, PaymentState.invoice_id == Invoice.id), flt)
            ordered = base.order_by(Invoice.invoice_date.desc(), Invoice.id.desc())
            total = len(s.execute(ordered.limit(PAGE * 4001)).all())
        for page_no in (1, 50, 100, 1000, 4000):
            depth = (page_no - 1) * PAGE
            if depth >= total:
                continue
            cursor = None
            if depth:
                with db.session() as s:
                    d, i = s.execute(ordered.offset(depth - 1).limit(1)).one()
                cursor = encode_cursor(sort, d, i)
            keyset = median_ms(lambda: service.list_invoices(flt, sort=sort, limit=PAGE, cursor=cursor))

            def offset_page():
                with db.session() as s:
                    rows = s.execute(apply_filter(select(Invoice, PaymentState).join(
                        PaymentState, PaymentState.invoice_id == Invoice.id), flt)
                        .order_by(Invoice.invoice_date.desc(), Invoice.id.desc())
                        .offset(depth).limit(PAGE)).all()
                    return rows
            offset = median_ms(offset_page, repeat=10, warmup=1)
            worst = max(worst, keyset)
            print(f"{label:34} {page_no:>8,} {keyset:8.2f} {offset:9.2f} {offset / keyset:8.1f}×")
    verdict = "PASS" if worst < TARGET_MS else "FAIL"
    print(f"\nslowest keyset page: {worst:.2f} ms (target < {TARGET_MS} ms): {verdict}")
    if not args.keep:
        db.dispose()
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
