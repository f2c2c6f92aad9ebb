"""CPU per listing call: ``InvoiceService.list_invoices`` for the grid's page query (with its
capped count), a page after a cursor, a corporate buyer's storefront list and the list of all.

    python benchmarks/bench_listing_cpu.py [--count 50000] [--url sqlite:///PATH | postgresql://...]

Time is ``time.process_time`` of this process per call (best of ``--rounds`` rounds of ``-n``
calls), on a connection of the call's own and on one shared as within a web request
(``one_connection_per_engine``). It does not count the database server's time, so on PostgreSQL
it is the Python side of a call (statement, pool checkout, rows to read models) and depends
little on the machine's load; on SQLite it includes the query itself, which runs in-process.
An empty database is seeded with ``--count`` invoices first.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from sqlalchemy import func, select

sys.path.insert(0, os.path.dirname(__file__))
from _common import bulk_invoices

from oro_invoices.persistence.engine import Database, one_connection_per_engine
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.persistence.models import Invoice
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web.listing import COUNT_CAP


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'cpu.db')}")
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("-n", type=int, default=300, help="calls per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = Database(args.url)
    upgrade(db)
    with db.session() as s:
        have = s.execute(select(func.count()).select_from(Invoice)).scalar_one()
    if not have:
        bulk_invoices(db, args.count, varied=True)
        have = args.count
    service = InvoiceService(db)
    grid = InvoiceFilter(organization_id=1, status="posted")
    second = service.list_invoices(grid, sort="-invoice_date", limit=25).next_cursor
    cases = {
        "grid, newest first, count": lambda: service.list_invoices(
            grid, sort="-invoice_date", limit=25, with_total=True, total_cap=COUNT_CAP),
        "grid, payment status, count": lambda: service.list_invoices(
            InvoiceFilter(organization_id=1), sort="payment_status", limit=25, with_total=True,
            total_cap=COUNT_CAP),
        "grid, page 2 (cursor)": lambda: service.list_invoices(grid, sort="-invoice_date", limit=25,
                                                               cursor=second),
        "storefront, 5 customers": lambda: service.list_invoices(
            InvoiceFilter(customer_ids=[1, 2, 3, 4, 5], status="posted"), sort="-invoice_date", limit=25),
        "all, newest first": lambda: service.list_invoices(None, sort="-invoice_date", limit=25),
    }
    print(f"{have:,} invoices on {db.dialect}; CPU ms per call, best of {args.rounds} rounds of "
          f"{args.n}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'call':30} {'own connection':>15} {'shared':>8}")
    for label, call in cases.items():
        assert len(call().items) == 25, label
        best = []
        for shared in (False, True):
            fastest = float("inf")
            for _ in range(args.rounds):
                for _ in range(10):
                    call()
                start = time.process_time()
                for _ in range(args.n):
                    if shared:
                        with one_connection_per_engine():
                            call()
                    else:
                        call()
                fastest = min(fastest, (time.process_time() - start) * 1000 / args.n)
            best.append(fastest)
        print(f"{label:30} {best[0]:15.3f} {best[1]:8.3f}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
