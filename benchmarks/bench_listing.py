"""Listing speed: one page of 25, filtered and sorted, at any depth, over 1,000,000 invoices.

Keyset paging (what ``InvoiceService.list`` does) is compared with OFFSET paging
of the same query in the same run. Target: every keyset page under 5 ms.

    python benchmarks/bench_listing.py [--count 1000000] [--keep PATH]          # SQLite
    python benchmarks/bench_listing.py --postgresql [--count 1000000] [--pg-database NAME] [--no-offset]

The SQLite run then times the back-office grid's page query (with its capped count) for every
sortable column in both directions, at page 1 and page 1,000, within one organization, and the
jump to the last page (``--no-grid`` skips it). Totals are sorted within one currency, as the grid
sorts them.

``--postgresql`` seeds the reference shop with ``--count`` invoices of 10 lines each (COPY) in a
throwaway PostgreSQL database (created and dropped by the script; ``--pg-database NAME`` keeps
and reuses one), measures the back-office grid's and the storefront list's queries at several
page depths and the grid's page query for every sort (target < 5 ms through the service, printed
beside the time inside the database), then the grid, a view page and the storefront list over
HTTP from the reference shop served by werkzeug (target < 50 ms), with the statements and pool
checkouts each page makes. ``--no-offset`` skips the OFFSET baseline (seconds per deep page).
The load average is printed with the figures: on a shared machine the time outside the
database grows with it.
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
from _shop_data import ADMIN_URL, PASSWORD, Shop, build_shop, throwaway_database

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter, encode_cursor, sort_columns
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web.backoffice import GRID_SORTS
from oro_invoices.web.listing import COUNT_CAP

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
    parser.add_argument("--postgresql", action="store_true",
                        help="PostgreSQL: the reference shop, invoices of 10 lines, queries and HTTP")
    parser.add_argument("--pg-url", default=ADMIN_URL, help=f"a PostgreSQL server to create the "
                        f"database on (default {ADMIN_URL})")
    parser.add_argument("--pg-database", help="use (create if missing) and keep this database")
    parser.add_argument("--no-grid", action="store_true", help="skip the grid's sorts")
    parser.add_argument("--no-offset", action="store_true", help="PostgreSQL: skip the OFFSET baseline")
    args = parser.parse_args()
    count = 100_000 if args.quick else args.count
    if args.postgresql:
        return postgresql(count, args.pg_url, args.pg_database, offset=not args.no_offset,
                          grid=not args.no_grid)
    path = args.keep or os.path.join(tempfile.mkdtemp(), "listing.db")
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.session() as s:
        have = s.execute(select(Invoice.id).order_by(Invoice.id.desc()).limit(1)).scalar() or 0
    if have < count:
        t = time.perf_counter()
        if have:
            raise SystemExit(f"{path} holds {have} invoices; remove it or give --count {have}")
        bulk_invoices(db, count, varied=True)
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
    if not args.no_grid:
        worst = max(worst, grid_sorts(service))
    verdict = "PASS" if worst < TARGET_MS else "FAIL"
    print(f"\nslowest keyset page: {worst:.2f} ms (target < {TARGET_MS} ms): {verdict}")
    if not args.keep:
        db.dispose()
    return 0 if verdict == "PASS" else 1


def grid_sorts(service: InvoiceService, organization_id: int = 1, *, in_database: bool = False) -> float:
    """The grid's page query (rows plus the count capped at ``COUNT_CAP``, one statement) for every
    sortable column, both directions, at page 1 and 1,000 of one organization; the slowest (ms).
    ``in_database`` adds each page's planning + execution time (PostgreSQL)."""
    print(f"\nback-office grid, organization {organization_id}, page size {PAGE}, count capped at "
          f"{COUNT_CAP:,}; median of 30 runs (ms)" + ("; in db: EXPLAIN ANALYZE" if in_database else ""))
    print(f"{'sort':30} {'page 1':>8} {'page 1,000':>11} {'count only':>11}"
          + (f" {'in db p1':>9} {'in db p1k':>10}" if in_database else ""))
    worst = 0.0
    db = service.db
    for key in GRID_SORTS:
        flt = InvoiceFilter(organization_id=organization_id,
                            currency="EUR" if key == "total_amount" else None)
        col, tie = sort_columns(key)
        for sort in (key, "-" + key):
            order = (col.desc(), tie.desc()) if sort.startswith("-") else (col.asc(), tie.asc())
            with db.session() as s:
                deep = s.execute(apply_filter(select(col, tie).select_from(Invoice).join(
                    PaymentState, PaymentState.invoice_id == Invoice.id), flt)
                    .order_by(*order).offset(999 * PAGE - 1).limit(1)).first()
            times, db_times = [], []
            for cursor in (None, encode_cursor(sort, deep[0], deep[1]) if deep else "none"):
                if cursor == "none":  # fewer than 1,000 pages
                    times.append(float("nan"))
                    db_times.append(float("nan"))
                    continue

                def page(cursor=cursor, sort=sort, flt=flt):
                    return service.list_invoices(flt, sort=sort, limit=PAGE, cursor=cursor,
                                                 with_total=True, total_cap=COUNT_CAP)
                ms = median_ms(page)
                worst = max(worst, ms)
                times.append(ms)
                if in_database:
                    db_times.append(_database_ms(db, page))
            label = sort + (" (EUR)" if key == "total_amount" else "")
            counting = median_ms(lambda flt=flt: service.count_invoices(flt, cap=COUNT_CAP))
            extra = f" {db_times[0]:9.2f} {db_times[1]:10.2f}" if in_database else ""
            print(f"{label:30} {times[0]:8.2f} {times[1]:11.2f} {counting:11.2f}{extra}", flush=True)
    return worst


HTTP_TARGET_MS = 50.0


def _load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())
DEPTHS = (1, 50, 100, 1000, 4000)


def _keyset_vs_offset(service: InvoiceService, flt: InvoiceFilter, page_no: int,
                      offset: bool = True) -> tuple[float, float, float] | None:
    """Median ms of the keyset page ``page_no`` through the service and in the database, and of
    the same page by OFFSET (NaN without ``offset``); None past the end."""
    db, depth = service.db, (page_no - 1) * PAGE
    base = apply_filter(select(Invoice.invoice_date, Invoice.id)
                        .join(PaymentState, PaymentState.invoice_id == Invoice.id), flt)
    cursor = None
    if depth:
        with db.session() as s:
            row = s.execute(base.order_by(Invoice.invoice_date.desc(), Invoice.id.desc())
                            .offset(depth - 1).limit(1)).first()
        if row is None:
            return None
        cursor = encode_cursor("-invoice_date", row[0], row[1])
    keyset = median_ms(lambda: service.list_invoices(flt, sort="-invoice_date", limit=PAGE, cursor=cursor))
    in_database = _database_ms(db, lambda: service.list_invoices(flt, sort="-invoice_date", limit=PAGE,
                                                                 cursor=cursor))

    def offset_page():
        with db.session() as s:
            return s.execute(apply_filter(select(Invoice, PaymentState).join(
                PaymentState, PaymentState.invoice_id == Invoice.id), flt)
                .order_by(Invoice.invoice_date.desc(), Invoice.id.desc()).offset(depth).limit(PAGE)).all()
    return keyset, in_database, median_ms(offset_page, repeat=10, warmup=1) if offset else float("nan")


def _database_ms(db, read) -> float:
    """Median planning + execution time (``EXPLAIN ANALYZE``) of the query ``read`` sends."""
    import statistics

    from sqlalchemy import event
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = next(s for s in reversed(sent) if s[0].lstrip().upper().startswith("SELECT"))
    raw = db.engine.raw_connection()
    try:
        cursor, times = raw.cursor(), []
        for _ in range(10):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]
            times.append(plan["Planning Time"] + plan["Execution Time"])
    finally:
        raw.close()
    return statistics.median(times)


def _per_page(app, client, path: str) -> tuple[int, int]:
    """The SQL statements and pool checkouts (both engines) of one GET of ``path``."""
    from sqlalchemy import event
    sent = [0, 0]

    def statement(*_args):
        sent[0] += 1

    def checkout(*_args):
        sent[1] += 1
    engines = (app.extensions["oro_reference_host"].engine, app.extensions["oro_invoices"].service.db.engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "checkout", checkout)
    try:
        assert client.request("GET", path)[0] == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", statement)
            event.remove(engine, "checkout", checkout)
    return sent[0], sent[1]


def _http(shop: Shop, repeat: int = 30) -> list[tuple[str, int, float, tuple[int, int]]]:
    """Median ms of the grid and the storefront list over HTTP at page 1 and deep pages, and of
    an invoice's view page; with the statements and checkouts of each page."""
    import threading
    from pathlib import Path

    from bench_web import Client, deep_cursor
    from werkzeug.serving import make_server

    from oro_invoices.hosts.reference.app import create_app
    app = create_app(Path(shop.data_dir), database_url=shop.database_url, migrate=False, install=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    results = []
    try:
        admin, buyer = Client(server.server_port), Client(server.server_port)
        admin.login("/admin/login", {"username": "bench", "password": PASSWORD})
        buyer.login("/customer/login", {"email": "buyer@bigcorp.example", "password": PASSWORD})
        cases = [("back-office grid, posted", admin, "/admin/invoices?status=posted&sort=-invoice_date",
                  InvoiceFilter(organization_id=shop.organization_id, status="posted")),
                 ("storefront list, corporate buyer", buyer, "/customer/invoices?sort=-invoice_date",
                  InvoiceFilter(status="posted", customer_ids=shop.corporate_customer_ids))]
        floor, _ = Client(server.server_port).timed("/admin/login", repeat)  # a page without a listing
        results.append(("baseline: login page, no listing", 1, floor, (0, 0)))
        for label, client, path, flt in cases:
            for page_no in (1, 100, 1000):
                target = path
                if page_no > 1:
                    try:
                        target = f"{path}&after={deep_cursor(app, flt, page_no)}&page={page_no}"
                    except Exception:  # fewer pages than that
                        continue
                ms, page = client.timed(target, repeat)
                assert page.count('<tr data-invoice-id="') == PAGE, f"{label} p{page_no}: not {PAGE} rows"
                results.append((label, page_no, ms, _per_page(app, client, target)))
        first = InvoiceService(app.extensions["oro_invoices"].service.db).list_invoices(
            InvoiceFilter(organization_id=shop.organization_id, status="posted"), limit=1).items[0]
        view = f"/admin/invoices/{first.id}"
        ms, page = admin.timed(view, repeat)
        assert first.display_number in page, f"{view} does not show {first.display_number}"
        results.append(("back-office view page", 1, ms, _per_page(app, admin, view)))
    finally:
        server.shutdown()
        app.extensions["oro_invoices"].addon.close()
        app.extensions["oro_reference_host"].engine.dispose()
    return results


def postgresql(count: int, admin_url: str, name: str | None, *, offset: bool = True,
               grid: bool = True) -> int:
    """The PostgreSQL run: seed (or reuse), queries at several depths, then HTTP."""
    import tempfile as _tempfile
    from pathlib import Path

    from oro_invoices.persistence.engine import Database
    with throwaway_database(admin_url, name) as url, _tempfile.TemporaryDirectory(prefix="oro-bench-pg-") as tmp:
        shop = build_shop(Path(tmp), url, count)
        db = Database(url)
        service = InvoiceService(db)
        with db.engine.connect() as conn:
            server = conn.exec_driver_sql("SHOW server_version").scalar()
            lines = conn.exec_driver_sql("SELECT count(*) FROM oro_invoice_line").scalar()
        cases = [
            ("grid: organization, posted", InvoiceFilter(organization_id=shop.organization_id, status="posted")),
            ("grid: organization, pending", InvoiceFilter(organization_id=shop.organization_id,
                                                           payment_status="pending")),
            ("grid: one customer", InvoiceFilter(organization_id=shop.organization_id,
                                                 customer_id=shop.corporate_customer_ids[0])),
            ("storefront: corporate buyer", InvoiceFilter(status="posted",
                                                          customer_ids=shop.corporate_customer_ids)),
            ("all, newest first", InvoiceFilter()),
        ]
        print(f"\n{shop.count:,} invoices, {lines:,} lines on PostgreSQL {server}, page size {PAGE}; "
              f"median of 30 runs (ms); load average {_load()} on {os.cpu_count()} CPUs")
        print("keyset: the page through InvoiceService.list_invoices (query, round trips, rows to read "
              "models); in db: its planning + execution (EXPLAIN ANALYZE); OFFSET: the same page by OFFSET")
        print(f"{'query':34} {'page':>8} {'keyset':>8} {'in db':>8} {'OFFSET':>9}")
        worst = worst_db = 0.0
        for label, flt in cases:
            for page_no in DEPTHS:
                measured = _keyset_vs_offset(service, flt, page_no, offset)
                if measured is None:
                    continue
                keyset, in_db, by_offset = measured
                worst, worst_db = max(worst, keyset), max(worst_db, in_db)
                print(f"{label:34} {page_no:>8,} {keyset:8.2f} {in_db:8.2f} {by_offset:9.2f}", flush=True)
        if grid:
            worst = max(worst, grid_sorts(service, shop.organization_id, in_database=True))
        db.dispose()
        print(f"\nslowest keyset page query: {worst:.2f} ms through the service, {worst_db:.2f} ms in the "
              f"database (target < {TARGET_MS} ms); load average {_load()} on {os.cpu_count()} CPUs")
        print("\nover HTTP (reference shop on werkzeug, one thread per request), median of 30; "
              "statements and pool checkouts of one request:")
        slowest_http = 0.0
        for label, page_no, ms, (statements, checkouts) in _http(shop):
            if not label.startswith("baseline"):
                slowest_http = max(slowest_http, ms)
            print(f"{label:34} {page_no:>8,} {ms:8.1f} ms {statements:4} statements {checkouts:2} checkouts",
                  flush=True)
        print(f"slowest page over HTTP: {slowest_http:.1f} ms (target < {HTTP_TARGET_MS:.0f} ms); "
              f"load average {_load()}")
    ok = worst < TARGET_MS and slowest_http < HTTP_TARGET_MS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
