"""Helpers shared by the benchmarks: timing, memory, bulk data, subprocesses."""
from __future__ import annotations

import contextlib
import datetime as dt
import random
import secrets
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from oro_invoices.persistence.models import Invoice, PaymentState

STATUSES = ["pending", "paid_in_full", "paid_partially", "pending", "pending", "declined"]
VARIED_CURRENCIES = ("USD", "EUR", "JPY")
VARIED_METHODS = ("", "stripe", "bank_transfer")


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Stop ``process`` gracefully (SIGTERM), killing it when it has not ended after ``timeout`` s."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def median_ms(fn: Callable[[], object], repeat: int = 30, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def bulk_invoices(db, count: int, *, customers: int = 500, organizations: int = 2, batch: int = 20_000,
                  seed: int = 7, due_days: int | None = None, varied: bool = False) -> None:
    """Insert ``count`` invoices with core inserts (no lines: listing does not read them).

    ``due_days``: each invoice is due that many days after its date (None: no due date).
    ``varied``: the grid's columns vary (customer users, three currencies, payment methods);
    otherwise one currency and no customer users."""
    rng = random.Random(seed)
    start = dt.date(2020, 1, 1)
    now = dt.datetime.now(dt.UTC)
    next_id = 1
    with db.engine.begin() as conn:
        while next_id <= count:
            rows, states = [], []
            for i in range(next_id, min(next_id + batch, count + 1)):
                posted = rng.random() < 0.8
                org = 1 + i % organizations
                customer_id = 1 + rng.randrange(customers)
                invoice_date = start + dt.timedelta(days=rng.randrange(2400))
                rows.append(dict(
                    id=i, status="posted" if posted else "draft",
                    invoice_number=f"INV-{i:09d}" if posted else None, external_id=f"ext-{i}",
                    organization_id=org, website_id=org, customer_id=customer_id,
                    customer_user_id=(customer_id * 4 + i % 4) if varied else None,
                    customer_name=f"Customer {i % customers}",
                    customer_user_email=f"user{i % 4}.c{customer_id}@example.com" if varied else "",
                    order_id=i, order_identifier=f"SO-{i}",
                    invoice_date=invoice_date,
                    due_date=None if due_days is None else invoice_date + dt.timedelta(days=due_days),
                    currency=VARIED_CURRENCIES[i % 3] if varied else "USD",
                    bill_to=None, ship_to=None, seller=None,
                    subtotal=10_000, tax_amount=1_900, total_amount=rng.randrange(1000, 10_000_000),
                    external_payment_url=None, payment_token=secrets.token_hex(12), created_by="bench",
                    created_at=now, updated_at=now, posted_at=now if posted else None,
                    chain_key=f"bench:{i}" if posted else None, chain_seq=1 if posted else None,
                    prev_hash=None, content_hash=None))
                states.append(dict(invoice_id=i, payment_status=rng.choice(STATUSES), forced=False,
                                   amount_paid=0, updated_at=now,
                                   payment_method=VARIED_METHODS[i % 3] if varied else ""))
            conn.execute(insert(Invoice), rows)
            conn.execute(insert(PaymentState), states)
            next_id += batch
    if db.dialect == "sqlite":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


#: Ten lines as the API takes them, for invoices made through the service in a benchmark.
TEN_LINES = [{"description": f"Item {n}", "sku": f"SKU-{n}", "quantity": str(n), "unit_price": "9.99",
              "tax_rate": "0.19"} for n in range(1, 11)]


def drafts_like(service, count: int, template: int) -> list[int]:
    """``count`` drafts of ``TEN_LINES`` for the customer (user) of the invoice ``template``."""
    source = service.get(template)
    payload = {"organization_id": source.organization_id, "customer_id": source.customer_id,
               "customer_user_id": source.customer_user_id, "currency": source.currency,
               "invoice_date": "2026-12-01", "due_date": "2026-12-31",
               "bill_to": {"name": "Bench Buyer", "street": "1 Bench Street", "city": "Berlin",
                           "postal_code": "10115", "country": "DE"}, "lines": TEN_LINES}
    return [service.create(payload, actor="bench").id for _ in range(count)]


def print_per_invoice(title: str, count: int, timings: list[tuple[str, float]], *, per: str = "invoice") -> None:
    """``timings`` (label, seconds for ``count`` invoices, or other ``per``) as a table of totals
    and ms each."""
    print(title)
    print(f"{'':34} {'total s':>8} {'ms per ' + per:>15}")
    for label, seconds in timings:
        print(f"{label:34} {seconds:8.2f} {seconds / count * 1000:15.2f}")


@contextlib.contextmanager
def seeded_shop(*, pdfs_at_posting: bool = True) -> Iterator[Any]:
    """The seeded reference shop in a folder of its own: its add-on extension (``service``,
    ``mail``, ``settings``); PDFs at posting off unless ``pdfs_at_posting``. Its engines are
    disposed and the folder removed afterwards."""
    from oro_invoices.hosts.reference.testing import make_shop
    with tempfile.TemporaryDirectory() as folder:
        app, _ = make_shop(Path(folder) / "shop")
        addon = app.extensions["oro_invoices"]
        if not pdfs_at_posting:
            addon.settings.set("oro_invoices.generate_pdf_on_post", False)
        try:
            yield addon
        finally:
            app.extensions["oro_reference_host"].engine.dispose()
            addon.service.db.dispose()


def posted_like(service, count: int, template: int) -> list[int]:
    """``count`` invoices as ``drafts_like`` makes them, posted."""
    return [service.post(invoice_id, actor="bench").id for invoice_id in drafts_like(service, count, template)]
