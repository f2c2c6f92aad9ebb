"""Account Activity: a customer's activity statement (balance forward) over a long history.

In a SQLite database of N invoices (``_common.bulk_invoices``: C customers, two organizations,
dated over six and a half years) with a payment recorded for every other posted invoice, the
busiest customer's activity statement of the last month and of the whole history
(``services.activity_statement``), beside a baseline in the same run: their open-item
statement (``statement_of``), which the page beside it shows.

    python benchmarks/bench_activity.py [--invoices 200000] [--customers 40]
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from _common import bulk_invoices, median_ms
from sqlalchemy import func, insert, select

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.persistence.models import Invoice, PaymentTransaction
from oro_invoices.services.facade import InvoiceService


def with_payments(db: Database) -> int:
    """A successful charge of half its total on every other posted invoice; how many."""
    with db.engine.begin() as conn:
        rows = conn.execute(select(Invoice.id, Invoice.total_amount, Invoice.currency, Invoice.invoice_date)
                            .where(Invoice.status == "posted", Invoice.id % 2 == 0)).all()
        now = dt.datetime.now(dt.UTC)
        conn.execute(insert(PaymentTransaction), [
            dict(invoice_id=i, method="bank", action="charge", amount=total // 2, currency=currency, successful=True,
                 provider_reference=f"bench-{i}", notes="", actor="bench", data=None,
                 created_at=dt.datetime.combine(day + dt.timedelta(days=20), dt.time(12), tzinfo=dt.UTC)
                 if day + dt.timedelta(days=20) < now.date() else now)
            for i, total, currency, day in rows])
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(db)
        bulk_invoices(db, args.invoices, customers=args.customers, due_days=30)
        payments = with_payments(db)
        with db.engine.begin() as conn:       # measure the database as it stands, not its write-ahead log
            conn.exec_driver_sql("ANALYZE")
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with db.session() as s:
            customer, count = s.execute(select(Invoice.customer_id, func.count()).where(
                Invoice.organization_id == 1, Invoice.status == "posted").group_by(Invoice.customer_id)
                .order_by(func.count().desc()).limit(1)).one()
        service = InvoiceService(db)
        today = dt.datetime.now(dt.UTC).date()
        month = today.replace(day=1)

        def activity(start: dt.date) -> object:
            return service.activity_statement(customer, start=start, end=today, organization_id=1)

        started = time.perf_counter()
        whole = service.activity_statement(customer, start=today - dt.timedelta(days=3 * 365), end=today,
                                           organization_id=1)
        entries = sum(len(s.lines) for s in whole.sections)
        first = time.perf_counter() - started
        baseline = median_ms(lambda: service.statement_of(customer, organization_id=1), repeat=10)
        last_month = median_ms(lambda: activity(month), repeat=10)
        three_years = median_ms(lambda: activity(today - dt.timedelta(days=3 * 365)), repeat=10)
        db.dispose()
    print(f"{args.invoices} invoices, {payments} payments; customer {customer} of organization 1: {count} posted "
          f"invoices, {entries} entries in three years (first call {first * 1000:.0f} ms), SQLite")
    print(f"{'':46} {'median ms':>10}")
    print(f"{'baseline: the open-item statement':46} {baseline:10.1f}")
    print(f"{'activity statement, this month':46} {last_month:10.1f}")
    print(f"{'activity statement, three years':46} {three_years:10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
