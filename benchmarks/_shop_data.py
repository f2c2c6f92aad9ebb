"""A reference shop with many invoices of 10 lines each, on SQLite or PostgreSQL, for benchmarks.

PostgreSQL is seeded with ``COPY`` (triggers and foreign-key checks off for the seeding
connection only: ``session_replication_role = replica``), then ``VACUUM ANALYZE``; SQLite with
batched inserts and ``ANALYZE``. ``throwaway_database`` creates a PostgreSQL database and drops
it afterwards.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from oro_invoices.adapters.commerce import InvoiceRole
from oro_invoices.integration.config import Settings
from oro_invoices.persistence.models import Invoice, InvoiceLineRow, PaymentState

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench1234"
BUYER = "buyer@bigcorp.example"
STATUSES = ["pending"] * 7 + ["paid_in_full", "paid_partially", "declined"]
BATCH = 20_000
START = dt.date(2020, 1, 1)
DAYS = 2400


@dataclass(frozen=True)
class Shop:
    """What was seeded: ids the benchmarks filter on, logins, and where the shop lives."""

    database_url: str
    data_dir: Path
    organization_id: int
    corporate_customer_ids: list[int]
    buyer_id: int
    api_token: str
    count: int


@contextlib.contextmanager
def throwaway_database(admin_url: str = ADMIN_URL, name: str | None = None) -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped at the end; with ``name``, that database
    (created if missing), kept."""
    base = make_url(admin_url)
    database = name or f"oro_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        if name is None:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        engine.dispose()


def build_shop(data_dir: Path, database_url: str, count: int, *, lines: int = 10,
               storage_url: str | None = None, seed: int = 7) -> Shop:
    """The reference shop in ``data_dir`` over ``database_url`` with ``count`` invoices.

    Organization "Bench Org" (90 % of the invoices; the rest belong to "Other Org") has an admin
    ``bench`` with an API token, 500 customers and the corporate customer BigCorp with four
    branches (5 % of the invoices), whose buyer ``buyer@bigcorp.example`` sees them all. 90 %
    are posted. A database that already holds the invoices is reused as it is.
    """
    from oro_invoices.hosts.reference.app import create_app
    app = create_app(data_dir, database_url=database_url, storage_url=storage_url, migrate=True,
                     testing=True)
    host = app.extensions["oro_reference_host"]
    rec = host.records
    try:
        existing = _existing(app, data_dir)
        if existing is not None:
            return existing
        org = rec.add_organization("Bench Org")
        other_org = rec.add_organization("Other Org")
        web = rec.add_website(org, "Bench Store")
        rec.add_website(other_org, "Other Store")
        admin_id = rec.add_admin("bench", PASSWORD, organization_id=org)
        token = rec.add_api_token(admin_id, "bench")
        big = rec.add_customer("BigCorp", organization_id=org)
        corporate = [big] + [rec.add_customer(f"BigCorp Branch {n}", parent_id=big, organization_id=org)
                             for n in range(4)]
        others = [rec.add_customer(f"Customer {n}", organization_id=org) for n in range(500)]
        foreign = [rec.add_customer(f"Other Customer {n}", organization_id=other_org) for n in range(50)]
        buyer = rec.add_customer_user(big, BUYER, "Bea Buyer", password=PASSWORD,
                                      invoice_role=InvoiceRole.CORPORATE)
        Settings.of_host(host).set("oro_invoices.enabled", True)
        db = app.extensions["oro_invoices"].service.db
        started = time.perf_counter()
        rows = _rows(count, lines, random.Random(seed), org=org, web=web, other_org=other_org,
                     corporate=corporate, buyer=buyer, others=others, foreign=foreign)
        if db.dialect == "postgresql":
            _copy(db.engine, rows)
        else:
            _insert(db.engine, rows)
        print(f"seeded {count:,} invoices × {lines} lines in {time.perf_counter() - started:.0f} s "
              f"({db.dialect})", flush=True)
        return Shop(database_url, data_dir, org, corporate, buyer, token, count)
    finally:
        app.extensions["oro_invoices"].addon.close()
        host.engine.dispose()


def _existing(app: Any, data_dir: Path) -> Shop | None:
    """The shop already seeded in this database (with a new API token), or None."""
    from oro_invoices.hosts.reference import models as m
    host = app.extensions["oro_reference_host"]
    db = app.extensions["oro_invoices"].service.db
    with db.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM oro_invoice_invoice")).scalar_one()
    if not count:
        return None
    with host.engine.connect() as conn:
        org = conn.execute(m.organizations.select().where(m.organizations.c.name == "Bench Org")).one().id
        big = conn.execute(m.customers.select().where(m.customers.c.name == "BigCorp")).one().id
        corporate = [big] + [r.id for r in conn.execute(
            m.customers.select().where(m.customers.c.parent_id == big).order_by(m.customers.c.id))]
        buyer = conn.execute(m.customer_users.select().where(m.customer_users.c.email == BUYER)).one().id
        admin = conn.execute(m.admin_users.select().where(m.admin_users.c.username == "bench")).one().id
    print(f"reusing the seeded shop: {count:,} invoices", flush=True)
    return Shop(db.url, data_dir, org, corporate, buyer, host.records.add_api_token(admin, "bench"), count)


def _rows(count: int, lines: int, rng: random.Random, *, org: int, web: int, other_org: int,
          corporate: list[int], buyer: int, others: list[int],
          foreign: list[int]) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Batches of (invoice rows, payment-state rows, line rows) in column order of ``_COLUMNS``."""
    now = dt.datetime.now(dt.UTC)
    line_id = 1
    for first in range(1, count + 1, BATCH):
        invoices, states, items = [], [], []
        for i in range(first, min(first + BATCH, count + 1)):
            pick = rng.random()
            if pick < 0.05:
                organization, customer = org, rng.choice(corporate)
            elif pick < 0.90:
                organization, customer = org, rng.choice(others)
            else:
                organization, customer = other_org, rng.choice(foreign)
            posted = rng.random() < 0.9
            day = START + dt.timedelta(days=rng.randrange(DAYS))
            subtotal = tax = 0
            for position in range(1, lines + 1):
                quantity, price = rng.randrange(1, 20), rng.randrange(100, 100_000)
                total = quantity * price
                row_tax = total * 19 // 100
                subtotal, tax = subtotal + total, tax + row_tax
                items.append((line_id, i, position, f"Article {rng.randrange(10_000)}", f"SKU-{position}",
                              "item", str(quantity), f"{price / 100:.2f}", "0.19", total, row_tax))
                line_id += 1
            invoices.append((
                i, "posted" if posted else "draft", f"B-{i:09d}" if posted else None, f"ext-{i}",
                organization, web if organization == org else None, customer,
                buyer if customer == corporate[0] else None, f"Customer #{customer}", "", "",
                day, day + dt.timedelta(days=30), "EUR", subtotal, tax, subtotal + tax,
                uuid.UUID(int=rng.getrandbits(128)).hex, "bench", now, now, now if posted else None))
            states.append((i, rng.choice(STATUSES), False, 0, "", now))
        yield invoices, states, items


_COLUMNS = {
    Invoice.__table__: ("id", "status", "invoice_number", "external_id", "organization_id", "website_id",
                        "customer_id", "customer_user_id", "customer_name", "customer_user_email",
                        "order_identifier", "invoice_date", "due_date", "currency", "subtotal",
                        "tax_amount", "total_amount", "payment_token", "created_by", "created_at",
                        "updated_at", "posted_at"),
    PaymentState.__table__: ("invoice_id", "payment_status", "forced", "amount_paid", "payment_method",
                             "updated_at"),
    InvoiceLineRow.__table__: ("id", "invoice_id", "position", "description", "sku", "unit", "quantity",
                               "unit_price", "tax_rate", "row_total", "row_tax"),
}


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _copy(engine: Any, batches: Iterator[tuple[list[tuple[Any, ...]], ...]]) -> None:
    tables = list(_COLUMNS)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET session_replication_role = replica")  # no triggers or FK checks while seeding
        for batch in batches:
            for table, rows in zip(tables, batch, strict=True):
                buffer = io.StringIO()
                for row in rows:
                    buffer.write("\t".join(map(_text, row)))
                    buffer.write("\n")
                columns = ", ".join(_COLUMNS[table])
                with cur.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
        cur.execute("SET session_replication_role = DEFAULT")
        for table in tables:
            if "id" in _COLUMNS[table]:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT max(id) FROM {table.name}))")
        raw.commit()
        raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
        for table in tables:
            cur.execute(f"VACUUM ANALYZE {table.name}")
    finally:
        raw.close()


def _insert(engine: Any, batches: Iterator[tuple[list[tuple[Any, ...]], ...]]) -> None:
    """Batched inserts; invoices go in as drafts and are marked posted once their lines are in
    (the triggers refuse lines of a posted invoice)."""
    with engine.begin() as conn:
        for batch in batches:
            for table, rows in zip(_COLUMNS, batch, strict=True):
                columns = _COLUMNS[table]
                values = [dict(zip(columns, row, strict=True)) for row in rows]
                if table is Invoice.__table__:
                    values = [{**v, "status": "draft"} for v in values]
                conn.execute(insert(table), values)
        conn.execute(text("UPDATE oro_invoice_invoice SET status = 'posted' WHERE posted_at IS NOT NULL"))
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
