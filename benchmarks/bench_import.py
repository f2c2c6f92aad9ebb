"""Bulk import speed and memory: 100,000 invoices of 10 lines from JSON Lines, SQLite and PostgreSQL.

The import (``run_import``: read, check every record, write, commit; PDFs are not rendered)
runs in a subprocess, which reports its time, its CPU time and its peak resident memory
(``VmHWM``) with that of the process that checks the file while it writes (a file this large is
checked apart, see ``import_check_process``). Measured in the same run:

- the raw baseline: the same rows written by the database driver's ``executemany`` (the JSON
  parsed and the totals computed with the domain's ``compute_lines``, posted invoices inserted
  as drafts and updated, as the freeze triggers require), in batches of 1,000 in one transaction;
- ``InvoiceService.create`` per invoice on a sample (the first 1,000 records; ``--quick`` 500),
  extrapolated per invoice;
- the import checked in the importing process before writing (``--one-process``);
- peak memory of an import of a file ten times smaller (10,000 against 100,000 invoices);
- export of the imported invoices to JSON Lines.

After the import ``verify`` must pass and every automatic number series must be gapless.
Targets: import ≤ 2× the raw baseline, ≥ 20× faster than ``create`` per invoice, peak memory
(both processes together) ≤ 300 MB and no larger (within 10 %) for the ten times larger file, export at least as fast as
import. Exits 1 when one is missed.

    python benchmarks/bench_import.py [--count 100000] [--quick] [--sqlite-only | --postgresql-only]
        [--pg postgresql://…/postgres]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from oro_invoices.domain.invoice import LineInput, compute_lines
from oro_invoices.domain.money import to_minor
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.persistence.models import Invoice

RAW_TARGET = 2.0          # import time / raw executemany time, at most
SERVICE_TARGET = 20.0     # create() per invoice / import per invoice, at least
MEMORY_MB = 300.0
MEMORY_GROWTH = 1.10      # peak of the 10× file / peak of the small one, at most
RAW_BATCH = 1_000
RATES = ("0", "0.07", "0.19")


# ---- the file ------------------------------------------------------------------------------

def generate(path: Path, count: int, seed: int = 11) -> None:
    """``count`` invoices of 10 lines, deterministic: 70 % posted with their historical number,
    10 % posted and numbered by the import, 20 % drafts; 500 customers."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(1, count + 1):
            day, month = 1 + i % 28, 1 + i % 12
            record: dict[str, Any] = {
                "external_id": f"B-{i:08d}", "invoice_date": f"2024-{month:02d}-{day:02d}",
                "due_date": f"2025-{month:02d}-{day:02d}", "currency": "EUR", "customer_id": 1 + i % 500,
                "customer_name": f"Customer {i % 500}",
                "bill_to": {"name": f"Customer {i % 500}", "street": f"{i % 90 + 1} Main St", "city": "Berlin",
                            "postal_code": "10117", "country": "DE"},
                "lines": [{"description": f"Item {j}", "sku": f"SKU-{(i * 7 + j) % 1000}", "unit": "pc",
                           "quantity": str(rng.randint(1, 20)),
                           "unit_price": f"{rng.randint(100, 99_999) / 100:.2f}",
                           "tax_rate": rng.choice(RATES)} for j in range(10)]}
            if i % 10 < 7:
                record.update(status="posted", invoice_number=f"LEG-{i:08d}", payment_status="paid_in_full")
            elif i % 10 == 7:
                record["status"] = "posted"
            fh.write(json.dumps(record) + "\n")


def head(path: Path, count: int) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for _, line in zip(range(count), fh, strict=False):
            yield json.loads(line)


# ---- the raw baseline ----------------------------------------------------------------------

INVOICE_COLUMNS = ("id", "status", "invoice_number", "external_id", "organization_id", "customer_id",
                   "customer_name", "customer_user_email", "order_identifier", "invoice_date", "due_date",
                   "currency", "bill_to", "subtotal", "tax_amount", "total_amount", "payment_token",
                   "created_by", "created_at", "updated_at")
LINE_COLUMNS = ("invoice_id", "position", "description", "sku", "unit", "quantity", "unit_price", "tax_rate",
                "row_total", "row_tax")
STATE_COLUMNS = ("invoice_id", "payment_status", "forced", "amount_paid", "payment_method", "updated_at")
ACTIVITY_COLUMNS = ("invoice_id", "kind", "actor", "summary", "data", "created_at")
POST_COLUMNS = ("status", "invoice_number", "posted_at", "chain_key", "chain_seq", "prev_hash", "content_hash",
                "seller")


def _insert_sql(table: str, columns: tuple[str, ...], mark: str) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"


def raw_rows(path: Path) -> Iterator[tuple[list[tuple], list[tuple], list[tuple], list[tuple], list[tuple]]]:
    """Batches of rows of the five statements, made from the file: JSON parsed, totals computed."""
    now = dt.datetime.now(dt.UTC).isoformat(" ")
    invoices: list[tuple] = []
    lines: list[tuple] = []
    states: list[tuple] = []
    activities: list[tuple] = []
    posts: list[tuple] = []
    with path.open(encoding="utf-8") as fh:
        for invoice_id, raw in enumerate(fh, start=1):
            r = json.loads(raw)
            currency = r["currency"]
            computed, totals = compute_lines((LineInput(
                description=line["description"], quantity=Decimal(line["quantity"]),
                unit_price=Decimal(line["unit_price"]), tax_rate=Decimal(line["tax_rate"]), sku=line["sku"],
                unit=line["unit"]) for line in r["lines"]), currency)
            invoices.append((invoice_id, "draft", r.get("invoice_number"), r["external_id"], 1, r["customer_id"],
                             r["customer_name"], "", "", r["invoice_date"], r["due_date"], currency,
                             json.dumps(r["bill_to"]), to_minor(totals.subtotal, currency),
                             to_minor(totals.tax_amount, currency), to_minor(totals.total_amount, currency),
                             secrets.token_urlsafe(24), "import", now, now))
            lines += [(invoice_id, c.position, c.description, c.sku, c.unit, str(c.quantity), str(c.unit_price),
                       str(c.tax_rate), to_minor(c.row_total, currency), to_minor(c.row_tax, currency))
                      for c in computed]
            states.append((invoice_id, r.get("payment_status") or "pending", bool(r.get("payment_status")), 0, "",
                           now))
            activities.append((invoice_id, "created", "import", f"Created with {len(computed)} line(s)",
                               json.dumps({"external_id": r["external_id"]}), now))
            if r.get("status") == "posted":
                number = r.get("invoice_number") or f"INV-2026-11-{invoice_id:06d}"
                posts.append(("posted", number, now, "1:2026-11", invoice_id, "0" * 64, "f" * 64, "{}", invoice_id))
                activities.append((invoice_id, "posted", "import", f"Posted as {number}",
                                   json.dumps({"invoice_number": number, "skipped": []}), now))
            if len(invoices) == RAW_BATCH:
                yield invoices, lines, states, activities, posts
                invoices, lines, states, activities, posts = [], [], [], [], []
    if invoices:
        yield invoices, lines, states, activities, posts


def raw_statements(mark: str) -> list[str]:
    update = ", ".join(f"{c} = {mark}" for c in POST_COLUMNS)
    return [_insert_sql("oro_invoice_invoice", INVOICE_COLUMNS, mark),
            _insert_sql("oro_invoice_line", LINE_COLUMNS, mark),
            _insert_sql("oro_invoice_payment_state", STATE_COLUMNS, mark),
            _insert_sql("oro_invoice_activity", ACTIVITY_COLUMNS, mark),
            f"UPDATE oro_invoice_invoice SET {update} WHERE id = {mark}"]


def raw_sqlite(db_path: str, path: Path) -> float:
    start = time.perf_counter()
    con = sqlite3.connect(db_path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "recursive_triggers = ON"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("BEGIN IMMEDIATE")
    statements = raw_statements("?")
    for batch in raw_rows(path):
        for sql, rows in zip(statements, batch, strict=True):
            if rows:
                con.executemany(sql, rows)
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start


def raw_postgresql(url: str, path: Path) -> float:
    import psycopg
    start = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con, con.cursor() as cur:
        statements = raw_statements("%s")
        for batch in raw_rows(path):
            for sql, rows in zip(statements, batch, strict=True):
                if rows:
                    cur.executemany(sql, rows)
        con.commit()
    return time.perf_counter() - start


# ---- the import, in a subprocess -----------------------------------------------------------

CHILD = """
import json, resource, sys, time
from pathlib import Path
from oro_invoices.persistence.engine import Database
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import
url, path, one_process = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "one-process"
service = InvoiceService(Database(url))
start = time.perf_counter()
report = run_import(service, [path], organization_id=1, check_apart=False if one_process else None)
seconds = time.perf_counter() - start
try:  # this process's own peak (ru_maxrss would count the parent's memory at the fork)
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
except (OSError, StopIteration):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
own, checker = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "checker_peak_mb": checker.ru_maxrss / 1024,
                  "cpu": own.ru_utime + own.ru_stime + checker.ru_utime + checker.ru_stime,
                  "created": report.count("created"), "problems": [p.as_dict() for p in report.problems[:5]]}))
"""


def import_in_child(url: str, path: Path, one_process: bool = False) -> dict[str, Any]:
    """The import's time, CPU time (with its checking process) and peak memory: its own and
    the checking process's (0 when it checked alone), both counted against the target."""
    out = subprocess.run([sys.executable, "-c", CHILD, url, str(path), "one-process" if one_process else "auto"],
                         check=True, capture_output=True, text=True)
    run = dict(json.loads(out.stdout.strip().splitlines()[-1]))
    run["total_mb"] = run["peak_mb"] + run["checker_peak_mb"]
    return run


def service_per_invoice(url: str, path: Path, sample: int) -> float:
    """Seconds per invoice of one ``InvoiceService.create`` each (posting those marked posted)."""
    from oro_invoices.services.facade import InvoiceService
    service = InvoiceService(Database(url))
    records = [dict(r, organization_id=1) for r in head(path, sample)]
    start = time.perf_counter()
    for record in records:
        service.create(record, actor="import")
    seconds = time.perf_counter() - start
    service.db.dispose()
    return seconds / sample


def export_seconds(url: str, out: Path) -> tuple[float, int]:
    from oro_invoices.persistence.queries import InvoiceFilter
    from oro_invoices.services.exporting import export_records, write_jsonl
    from oro_invoices.services.facade import InvoiceService
    service = InvoiceService(Database(url))
    start = time.perf_counter()
    with out.open("w", encoding="utf-8") as fh:
        count = write_jsonl(export_records(service, InvoiceFilter(organization_id=1)), fh)
    seconds = time.perf_counter() - start
    service.db.dispose()
    return seconds, count


def checks(url: str, count: int) -> str:
    """``verify`` and the automatic numbers: every series gapless from 1."""
    from oro_invoices.services.verification import verify
    db = Database(url)
    report = verify(db)
    with db.session() as s:
        numbers = s.execute(select(Invoice.number_sequence).where(Invoice.number_sequence.is_not(None))
                            .order_by(Invoice.number_sequence)).scalars().all()
        total = s.execute(select(text("count(*)")).select_from(Invoice)).scalar_one()
    db.dispose()
    problems = list(report.problems[:3])
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append("automatic numbers have gaps")
    if total != count:
        problems.append(f"{total} invoices stored, {count} expected")
    return "; ".join(problems) or f"verify ok, {len(numbers):,} automatic numbers gapless"


# ---- running it ----------------------------------------------------------------------------

Database_ = Callable[[], tuple[str, Callable[[], None]]]


def sqlite_databases(workdir: Path) -> Database_:
    def fresh() -> tuple[str, Callable[[], None]]:
        path = workdir / f"{uuid.uuid4().hex[:8]}.db"
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        db.dispose()

        def drop() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", drop
    return fresh


def pg_databases(admin_url: str) -> Database_:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def fresh() -> tuple[str, Callable[[], None]]:
        name = f"oro_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        db = Database(url)
        upgrade(db)
        db.dispose()

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return url, drop
    return fresh


def bench(label: str, fresh: Database_, raw: Callable[[str, Path], float], big: Path, small: Path,
          count: int, sample: int, workdir: Path) -> bool:
    print(f"\n{label}: {count:,} invoices of 10 lines ({big.stat().st_size / 1e6:,.0f} MB of JSON Lines)")
    url, drop = fresh()
    try:
        raw_s = raw(url.replace("sqlite:///", "") if url.startswith("sqlite") else url, big)
    finally:
        drop()
    url, drop = fresh()
    try:
        per_create = service_per_invoice(url, big, sample)
    finally:
        drop()
    url, drop = fresh()
    try:
        run = import_in_child(url, big)
        verdict = checks(url, count)
        export_s, exported = export_seconds(url, workdir / "export.jsonl")
    finally:
        drop()
    url, drop = fresh()
    try:
        small_run = import_in_child(url, small)
    finally:
        drop()
    url, drop = fresh()
    try:
        alone = import_in_child(url, big, one_process=True)
    finally:
        drop()
    for done in (run, alone):
        if done["problems"] or done["created"] != count:
            print(f"  import FAILED: created {done['created']:,}, problems {done['problems']}")
            return False
    import_s = run["seconds"]
    per_import = import_s / count
    rows = [
        ("raw executemany (baseline)", f"{raw_s:8.1f} s", f"{count / raw_s:9,.0f}/s", "", ""),
        (f"InvoiceService.create × {sample:,}, extrapolated", f"{per_create * count:8.1f} s",
         f"{1 / per_create:9,.0f}/s", "", ""),
        ("import (run_import)", f"{import_s:8.1f} s", f"{count / import_s:9,.0f}/s",
         f"{import_s / raw_s:.2f}× raw (≤ {RAW_TARGET:g}×)",
         f"{per_create / per_import:.1f}× faster than create (≥ {SERVICE_TARGET:g}×)"),
        ("import checked in one process (--one-process)", f"{alone['seconds']:8.1f} s",
         f"{count / alone['seconds']:9,.0f}/s", f"{alone['seconds'] / raw_s:.2f}× raw", ""),
        ("export (JSON Lines)", f"{export_s:8.1f} s", f"{exported / export_s:9,.0f}/s",
         f"{import_s / export_s:.2f}× import speed (≥ 1×)", ""),
    ]
    print(f"  {'what':44} {'time':>10} {'rate':>11}  comparison")
    for what, secs, rate, vs_raw, vs_service in rows:
        print(f"  {what:44} {secs:>10} {rate:>11}  {vs_raw}{'; ' if vs_raw and vs_service else ''}{vs_service}")
    small_count = count // 10
    print(f"  CPU time: import {run['cpu']:.1f} s (with its checking process), in one process "
          f"{alone['cpu']:.1f} s, raw {raw_s:.1f} s of wall time")
    print(f"  peak memory of the import: {run['total_mb']:.0f} MB for {count:,} invoices "
          f"({run['peak_mb']:.0f} MB writing + {run['checker_peak_mb']:.0f} MB checking), "
          f"{small_run['total_mb']:.0f} MB for {small_count:,}; in one process {alone['peak_mb']:.0f} MB "
          f"(≤ {MEMORY_MB:g} MB, growth ≤ {(MEMORY_GROWTH - 1) * 100:.0f} %)")
    print(f"  after the import: {verdict}")
    results = {
        "import ≤ 2× raw": import_s <= RAW_TARGET * raw_s,
        "≥ 20× create": per_create / per_import >= SERVICE_TARGET,
        "memory ≤ 300 MB": max(run["total_mb"], alone["peak_mb"]) <= MEMORY_MB,
        "memory flat for 10× the file": run["total_mb"] <= small_run["total_mb"] * MEMORY_GROWTH,
        "export ≥ import speed": export_s <= import_s,
        "verify and numbers": verdict.startswith("verify ok"),
    }
    missed = [name for name, ok in results.items() if not ok]
    print(f"  {'PASS' if not missed else 'FAIL: ' + ', '.join(missed)}")
    return not missed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 invoices (create sampled on 500)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sqlite-only", action="store_true")
    which.add_argument("--postgresql-only", action="store_true")
    parser.add_argument("--pg", default=os.environ.get(
        "ORO_INVOICES_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    count = 10_000 if args.quick else args.count
    sample = min(500 if args.quick else 1_000, count)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        big, small = workdir / "invoices.jsonl", workdir / "small.jsonl"
        generate(big, count)
        generate(small, count // 10)
        if not args.postgresql_only:
            ok &= bench("SQLite", sqlite_databases(workdir), lambda url, path: raw_sqlite(url, path), big, small,
                        count, sample, workdir)
        if not args.sqlite_only:
            ok &= bench("PostgreSQL", pg_databases(args.pg), raw_postgresql, big, small, count, sample, workdir)
    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
