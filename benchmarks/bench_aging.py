"""The receivables aging (``InvoiceService.receivables_aging``) over 1,000,000 invoices.

One organization's report, and one customer's (the storefront's balance), beside two baselines
measured in the same run: the least any aging must read, a ``count(*)`` of the organization's
open invoices through the same index, and the grid's first page of the organization. Judged on
two days: one on which every unpaid invoice is overdue, and one on which about one in a hundred is
(the data of bench_overdue.py). Then the aging at the end of a past day (a month-end): first
with nothing recorded since, then after ``PAID_SINCE`` of the invoices open that day were paid in
the month after it, which the report must take back out of today's state (the figures must not
move), beside today's aging judged on that day.

    python benchmarks/bench_aging.py [--count 1000000] [--keep PATH] [--quick]
    python benchmarks/bench_aging.py --postgresql [--pg-database NAME] [--count …] [--quick]
"""
from __future__ import annotations

import datetime as dt
import os
import sys

from sqlalchemy import func, insert, select, update

sys.path.insert(0, os.path.dirname(__file__))
from _common import median_ms
from bench_overdue import FEW_LATE, MANY_LATE, filled, run

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice, PaymentState, PaymentTransaction
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.facade import InvoiceService

#: The month-end judged on, as on the first day judged (``MANY_LATE``), and how many of the
#: invoices open then are paid in the month after it.
MONTH_END, PAID_SINCE = dt.date(2026, 6, 30), 2_000


def open_count(db: Database) -> int:
    """How many invoices of organization 1 are open: the baseline's own statement."""
    with db.session() as s:
        return s.execute(select(func.count()).select_from(PaymentState).where(
            PaymentState.organization_id == 1, PaymentState.open_due_date.is_not(None))).scalar_one()


def measure(db: Database, count: int) -> int:
    filled(db, count)
    service = InvoiceService(db, clock=lambda: dt.datetime.combine(MANY_LATE, dt.time(12), tzinfo=dt.UTC))
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
        on_day = InvoiceService(db, clock=lambda d=today: dt.datetime.combine(d, dt.time(12), tzinfo=dt.UTC))
        [total] = on_day.receivables_aging(organization).totals     # one currency: USD
        overdue = 100 * total.overdue / total.total
        org_ms = median_ms(lambda: on_day.receivables_aging(organization), repeat=9)
        customer_ms = median_ms(lambda: on_day.receivables_aging(one_customer), repeat=9)
        print(f"{today.isoformat():14} {overdue:>9.1f}% {org_ms:13.1f} {org_ms / count_ms:8.1f} {customer_ms:13.2f}")
    past_day(db, service, organization, one_customer)
    db.dispose()
    return 0


def past_day(db: Database, service: InvoiceService, organization: InvoiceFilter, one_customer: InvoiceFilter) -> None:
    """The aging at the end of ``MONTH_END`` seen on ``MANY_LATE``, before and after ``PAID_SINCE``
    of its open invoices are paid after it (the payments are removed again at the end)."""
    today_ms = median_ms(lambda: service.receivables_aging(organization, today=MANY_LATE), repeat=9)
    before = service.receivables_aging(organization, today=MONTH_END)
    quiet_ms = median_ms(lambda: service.receivables_aging(organization, today=MONTH_END), repeat=9)
    paid = paid_since(db, PAID_SINCE)
    try:
        after = service.receivables_aging(organization, today=MONTH_END)
        assert after.totals == before.totals, "the payments after the month-end moved its aging"
        moved_ms = median_ms(lambda: service.receivables_aging(organization, today=MONTH_END), repeat=9)
        customer_ms = median_ms(lambda: service.receivables_aging(one_customer, today=MONTH_END), repeat=9)
    finally:
        unpaid(db, paid)
    print(f"\nthe aging at the end of {MONTH_END.isoformat()}, judged on {MANY_LATE.isoformat()} (ms): "
          f"today's aging {today_ms:.1f} (baseline); nothing recorded since {quiet_ms:.1f}; "
          f"{len(paid):,} of its open invoices paid since {moved_ms:.1f} (one customer {customer_ms:.2f}); "
          f"the same totals before and after")


def paid_since(db: Database, count: int) -> list[int]:
    """Pay in full, in the days after ``MONTH_END``, ``count`` of organization 1's invoices open
    on it (as a payment recorded by hand then would: a charge, and the state paid)."""
    with db.engine.begin() as conn:
        chosen = conn.execute(select(Invoice.id, Invoice.total_amount).join(
            PaymentState, PaymentState.invoice_id == Invoice.id).where(
            Invoice.organization_id == 1, Invoice.invoice_date <= MONTH_END,
            PaymentState.open_due_date.is_not(None)).order_by(Invoice.id.desc()).limit(count)).all()
        recorded = dt.datetime.combine(MONTH_END + dt.timedelta(days=10), dt.time(9), tzinfo=dt.UTC)
        conn.execute(insert(PaymentTransaction), [dict(
            invoice_id=invoice_id, method="bank", action="charge", amount=total, currency="USD", successful=True,
            provider_reference=f"bench-paid-since-{invoice_id}", created_at=recorded) for invoice_id, total in chosen])
        for invoice_id, total in chosen:
            conn.execute(update(PaymentState).where(PaymentState.invoice_id == invoice_id).values(
                payment_status="paid_in_full", amount_paid=total))
    return [invoice_id for invoice_id, _ in chosen]


def unpaid(db: Database, ids: list[int]) -> None:
    """Undo ``paid_since``."""
    with db.engine.begin() as conn:
        conn.execute(PaymentTransaction.__table__.delete().where(
            PaymentTransaction.provider_reference.like("bench-paid-since-%")))
        conn.execute(update(PaymentState).where(PaymentState.invoice_id.in_(ids)).values(
            payment_status="pending", amount_paid=0))


if __name__ == "__main__":
    sys.exit(run(measure))
