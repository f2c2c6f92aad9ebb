"""The receivables aging (``InvoiceService.receivables_aging``) over 1,000,000 invoices.

One organization's report, and one customer's (the storefront's balance), beside two baselines
measured in the same run: the least any aging must read, a ``count(*)`` of the organization's
open invoices through the same index, and the grid's first page of the organization. Judged on
two days: one on which every unpaid invoice is overdue, and one on which about one in a hundred is
(the data of bench_overdue.py).

    python benchmarks/bench_aging.py [--count 1000000] [--keep PATH] [--quick]
    python benchmarks/bench_aging.py --postgresql [--pg-database NAME] [--count …] [--quick]
"""
from __future__ import annotations

import os
import sys

from sqlalchemy import func, select

sys.path.insert(0, os.path.dirname(__file__))
from _common import median_ms
from bench_overdue import FEW_LATE, MANY_LATE, filled, run

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import PaymentState
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.facade import InvoiceService


def open_count(db: Database) -> int:
    """How many invoices of organization 1 are open: the baseline's own statement."""
    with db.session() as s:
        return s.execute(select(func.count()).select_from(PaymentState).where(
            PaymentState.organization_id == 1, PaymentState.open_due_date.is_not(None))).scalar_one()


def measure(db: Database, count: int) -> int:
    filled(db, count)
    service = InvoiceService(db)
    engine = "PostgreSQL" if db.dialect == "postgresql" else "SQLite"
    organization = InvoiceFilter(organization_id=1)
    one_customer = InvoiceFilter(organization_id=1, customer_id=7)
    opened = open_count(db)
    count_ms = median_ms(lambda: open_count(db), repeat=9)
    grid_ms = median_ms(lambda: service.list_invoices(organization, limit=25), repeat=9)
    print(f"\n{count:,} invoices on {engine}; organization 1 has {opened:,} open; median of 9 runs (ms)")
    print(f"baselines: count(*) of its open invoices {count_ms:.1f}; the grid's first page {grid_ms:.2f}")
    print(f"{'day judged on':14} {'overdue':>10} {'organization':>13} {'× count':>8} {'one customer':>13}")
    for today in (MANY_LATE, FEW_LATE):
        [total] = service.receivables_aging(organization, today=today).totals     # one currency: USD
        overdue = 100 * total.overdue / total.total
        org_ms = median_ms(lambda d=today: service.receivables_aging(organization, today=d), repeat=9)
        customer_ms = median_ms(lambda d=today: service.receivables_aging(one_customer, today=d), repeat=9)
        print(f"{today.isoformat():14} {overdue:>9.1f}% {org_ms:13.1f} {org_ms / count_ms:8.1f} {customer_ms:13.2f}")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(run(measure))
