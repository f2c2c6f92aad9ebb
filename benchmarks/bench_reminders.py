"""Payment reminders: one daily run of ``oro-invoices remind`` over 1,000,000 invoices.

Two runs on each of the two days of ``bench_overdue.py``, nothing queued in either, so that
the time is what a run reads and decides:

- **off**: as cron runs it, ``remind --dry-run --date DAY`` without a host: settings at their
  defaults, reminders off everywhere;
- **on, all sent**: ``send_due_reminders(dry_run=True)`` in this process, reminders on with the
  default schedule (-3, 0, 7, 14), every payable invoice already sent step 14 (rows written
  for the run and removed after it): the hourly run of a shop whose unpaid invoices have
  all had their reminders; and the same for organization 1 alone (of the two), as
  ``remind --organization 1`` reads it.

Beside a baseline measured in the same run: every payable invoice due up to 90 days after the
day (the most any schedule reaches), read by one statement in one go.

    python benchmarks/bench_reminders.py [--count 1000000] [--keep PATH] [--quick]
    python benchmarks/bench_reminders.py --postgresql [--pg-database NAME] [--count …] [--quick]

The database is made as ``bench_overdue.py`` makes it (``--keep PATH`` or ``--pg-database NAME``
reuse one either script made).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator

from sqlalchemy import delete, func, insert, literal, select

sys.path.insert(0, os.path.dirname(__file__))
from bench_overdue import FEW_LATE, MANY_LATE, database_arguments, database_url, filled

from oro_invoices.domain.reminders import MIN_OFFSET
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.reminders import ReminderRow
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.reminders import send_due_reminders

BENCH_ACTOR = "bench_reminders"


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
    print(f"{count:,} invoices on {engine}: one run, reminders off (`remind --dry-run`) and on with "
          "every step sent (s), beside one statement reading every invoice due up to 90 days ahead (s)")
    print(f"{'day judged on':14} {'candidates':>11} {'off':>9} {'on, sent':>9} {'org 1':>9} {'baseline':>9}")
    invoices, mail = reminders_on(db)
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
        times = []
        with all_sent(db):
            for organization_id in (None, 1):
                t = time.perf_counter()
                report = send_due_reminders(invoices, mail, today=today, dry_run=True,
                                            organization_id=organization_id)
                times.append(time.perf_counter() - t)
                if report.queued or report.problems:
                    raise SystemExit(f"unexpected report: {report.summary()}")
        sent, one = times
        print(f"{today.isoformat():14} {candidates:>11,} {run:9.2f} {sent:9.2f} {one:9.2f} {baseline:9.2f}")


def reminders_on(db: Database) -> tuple[InvoiceService, MailService]:
    """The services of a shop with invoices and payment reminders on everywhere."""
    settings = Settings(MemoryConfigStore())
    settings.set("oro_invoices.enabled", True)
    settings.set("oro_invoices.reminders.enabled", True)
    invoices = InvoiceService(db, settings=settings)
    return invoices, MailService(db, invoices)


@contextlib.contextmanager
def all_sent(db: Database) -> Iterator[None]:
    """Every payable invoice recorded as sent step 14 (the default schedule's last) meanwhile."""
    def remove() -> None:
        with db.transaction() as s:
            s.execute(delete(ReminderRow).where(ReminderRow.actor == BENCH_ACTOR))
    remove()
    payable = select(PaymentState.invoice_id, literal(14), PaymentState.open_due_date, PaymentState.open_due_date,
                     literal(0), literal(BENCH_ACTOR), literal(dt.datetime(2026, 1, 1))) \
        .where(PaymentState.open_due_date.is_not(None))
    with db.transaction() as s:
        s.execute(insert(ReminderRow).from_select(
            ["invoice_id", "step", "due_date", "sent_on", "email_id", "actor", "created_at"], payable))
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {ReminderRow.__tablename__}")
    try:
        yield
    finally:
        remove()


if __name__ == "__main__":
    sys.exit(main())
