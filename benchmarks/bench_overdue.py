"""The Overdue filter: one grid page of 25 at several depths, over 1,000,000 invoices.

Each overdue page (``InvoiceFilter(overdue=True)``, keyset paged) is measured beside the same
organization's page without the filter (the baseline) in the same run, on two days: one on which
most unpaid invoices are overdue, and one on which about one in a hundred is. Newest first at
several depths, then the first page in every other order the API offers, both directions.
Target: every overdue page under 5 ms, like every other grid page (bench_listing.py).

    python benchmarks/bench_overdue.py [--count 1000000] [--keep PATH] [--quick]
    python benchmarks/bench_overdue.py --postgresql [--pg-database NAME] [--count …] [--quick]

``--postgresql`` runs it in a throwaway PostgreSQL database (``--pg-database NAME`` keeps and
reuses one), with ``VACUUM ANALYZE`` after the insert, as operations.md advises after a bulk load.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator

from sqlalchemy import func, select

sys.path.insert(0, os.path.dirname(__file__))
from _common import bulk_invoices, median_ms
from _shop_data import ADMIN_URL, throwaway_database

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import SORT_KEYS, InvoiceFilter, apply_filter
from oro_invoices.services.facade import InvoiceService

TARGET_MS = 5.0
PAGE = 25
DUE_DAYS = 30
#: bulk_invoices dates invoices over 2,400 days from 2020-01-01
MANY_LATE = dt.date(2026, 8, 1)     # after every due date: every unpaid posted invoice is late
FEW_LATE = dt.date(2020, 1, 1) + dt.timedelta(days=24 + DUE_DAYS)  # those of the first 24 days: 1 %


def page_at(service: InvoiceService, flt: InvoiceFilter, page_no: int) -> str | None | bool:
    """The cursor of page ``page_no`` (None for the first; False when there are fewer pages)."""
    cursor = None
    for _ in range(page_no - 1):
        cursor = service.list_invoices(flt, limit=PAGE, cursor=cursor).next_cursor
        if cursor is None:
            return False
    return cursor


@contextlib.contextmanager
def database_url(args: argparse.Namespace) -> Iterator[str]:
    """The SQLite file (``--keep``) or PostgreSQL database the run uses."""
    if args.postgresql:
        with throwaway_database(args.pg_url, args.pg_database) as url:
            yield url
    else:
        yield f"sqlite:///{args.keep or os.path.join(tempfile.mkdtemp(), 'overdue.db')}"


def database_arguments(parser: argparse.ArgumentParser) -> None:
    """The options choosing the database and its size (``database_url``, ``filled``)."""
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--keep", help="reuse/keep the database file at this path")
    parser.add_argument("--quick", action="store_true", help="100,000 invoices")
    parser.add_argument("--postgresql", action="store_true", help="in PostgreSQL instead of SQLite")
    parser.add_argument("--pg-url", default=ADMIN_URL, help="the server's maintenance database")
    parser.add_argument("--pg-database", help="keep and reuse this PostgreSQL database")


def filled(db: Database, count: int) -> None:
    """``db`` migrated and holding ``count`` invoices, each due ``DUE_DAYS`` after its date
    (inserted when it is empty)."""
    upgrade(db)
    with db.session() as s:
        have = s.execute(select(func.count()).select_from(Invoice)).scalar_one()
    if have < count:
        if have:
            raise SystemExit(f"the database holds {have} invoices; remove it or give --count {have}")
        t = time.perf_counter()
        bulk_invoices(db, count, due_days=DUE_DAYS)
        if db.dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"inserted {count:,} invoices (due {DUE_DAYS} days after their date) "
              f"in {time.perf_counter() - t:.1f} s")


def run(measure: Callable[[Database, int], int]) -> int:
    """``measure`` on the database the command line chooses (``database_arguments``), of its size."""
    parser = argparse.ArgumentParser()
    database_arguments(parser)
    args = parser.parse_args()
    count = 100_000 if args.quick else args.count
    with database_url(args) as url:
        return measure(Database(url), count)


def measure(db: Database, count: int) -> int:
    filled(db, count)
    service = InvoiceService(db)
    baseline = InvoiceFilter(organization_id=1)
    engine = "PostgreSQL" if db.dialect == "postgresql" else "SQLite"

    print(f"\n{count:,} invoices on {engine}, organization 1, newest first, page size {PAGE}; "
          "median of 30 runs (ms)")
    print(f"{'day judged on':14} {'overdue rows':>13} {'page':>6} {'overdue':>9} {'baseline':>9}")
    worst = 0.0
    for today in (MANY_LATE, FEW_LATE):
        flt = InvoiceFilter(organization_id=1, overdue=True, today=today)
        with db.session() as s:
            late = s.execute(apply_filter(select(func.count()).select_from(Invoice).join(
                PaymentState, PaymentState.invoice_id == Invoice.id), flt)).scalar_one()
        for page_no in (1, 50, 100, 1000):
            cursor, base_cursor = page_at(service, flt, page_no), page_at(service, baseline, page_no)
            if cursor is False or base_cursor is False:
                continue
            ms = median_ms(lambda: service.list_invoices(flt, limit=PAGE, cursor=cursor or None))
            base = median_ms(lambda: service.list_invoices(baseline, limit=PAGE,
                                                           cursor=base_cursor or None))
            worst = max(worst, ms)
            print(f"{today.isoformat():14} {late:>13,} {page_no:>6,} {ms:9.2f} {base:9.2f}")
    print("\nfirst page in every order (ms): overdue ascending, descending; baseline ascending, descending")
    print(f"{'sort':22} {MANY_LATE.isoformat():>21} {FEW_LATE.isoformat():>21} {'baseline':>17}")
    for key in SORT_KEYS:
        cells = []
        for flt in (*(InvoiceFilter(organization_id=1, overdue=True, today=d) for d in (MANY_LATE, FEW_LATE)),
                    baseline):
            pair = [median_ms(lambda: service.list_invoices(flt, sort=sort, limit=PAGE), repeat=9)
                    for sort in (key, f"-{key}")]
            if flt is not baseline:
                worst = max(worst, *pair)
            cells.append(f"{pair[0]:9.2f} {pair[1]:7.2f}")
        print(f"{key:22} {cells[0]:>21} {cells[1]:>21} {cells[2]:>17}")
    verdict = "PASS" if worst < TARGET_MS else "FAIL"
    print(f"\nslowest overdue page: {worst:.2f} ms (target < {TARGET_MS} ms): {verdict}")
    db.dispose()
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(run(measure))
