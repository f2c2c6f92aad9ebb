"""Payment reminders: one daily run of ``oro-invoices remind`` over 1,000,000 invoices.

The run reads every invoice that can be paid and is due by the last day of the schedule's
reach (90 days ahead), in batches, and decides which step each one is owed. It is run as
cron would run it (``remind --dry-run --date DAY``, settings at their defaults, so that nothing
is queued and the time is the reading), on the two days of ``bench_overdue.py``, beside a
baseline measured in the same run: the same candidates read by one statement, in one go.

    python benchmarks/bench_reminders.py [--count 1000000] [--keep PATH] [--quick]
    python benchmarks/bench_reminders.py --postgresql [--pg-database NAME] [--count …] [--quick]

The database is made as ``bench_overdue.py`` makes it (``--keep PATH`` or ``--pg-database NAME``
reuse one either script made).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time

from sqlalchemy import func, select

sys.path.insert(0, os.path.dirname(__file__))
from bench_overdue import FEW_LATE, MANY_LATE, database_arguments, database_url, filled

from oro_invoices.domain.reminders import MIN_OFFSET
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice, PaymentState


def main() -> int:
    parser = argparse.ArgumentParser()
    database_arguments(parser)
    args = parser.parse_args()
    with database_url(args) as url:
        db = Database(url)
        try:
            filled(db, 100_000 if args.quick else args.count)
            measure(db, url)
        finally:
            db.dispose()
    return 0


def measure(db: Database, url: str) -> None:
    with db.session() as s:
        count = s.execute(select(func.count()).select_from(Invoice)).scalar_one()
    engine = "PostgreSQL" if db.dialect == "postgresql" else "SQLite"
    print(f"{count:,} invoices on {engine}: one `remind --dry-run` (s), beside one statement reading "
          "the same candidates (s)")
    print(f"{'day judged on':14} {'candidates':>11} {'remind':>9} {'baseline':>9} {'ratio':>7}")
    for today in (FEW_LATE, MANY_LATE):
        due_by = today - dt.timedelta(days=MIN_OFFSET)
        t = time.perf_counter()
        with db.session() as s:
            candidates = len(s.execute(select(PaymentState.invoice_id, PaymentState.organization_id,
                                              PaymentState.open_due_date)
                                       .where(PaymentState.open_due_date <= due_by)).all())
        baseline = time.perf_counter() - t
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "oro_invoices", "remind", "--db", url, "--dry-run",
                              "--date", today.isoformat(), "--host", "none"],
                             capture_output=True, text=True, check=True).stdout
        run = time.perf_counter() - t
        if "would queue 0 payment reminder(s)" not in out:
            raise SystemExit(f"unexpected report: {out}")
        print(f"{today.isoformat():14} {candidates:>11,} {run:9.2f} {baseline:9.2f} {run / baseline:6.1f}×")


if __name__ == "__main__":
    sys.exit(main())
