"""Benchmark of the invoice pages over real HTTP at 100,000 invoices: keyset vs OFFSET paging.

    python benchmarks/bench_web.py            # 100,000 invoices, 30 requests per figure
    python benchmarks/bench_web.py --quick    # 20,000 invoices, 10 requests per figure

The reference shop is served by werkzeug in a thread; http.client fetches the
back-office grid and the storefront list (filtered and sorted) at page 1 and
at page 2,000, following the pages' own cursors (the cursor of page 2,000 is
built from the row at that depth). The baseline serves the same template from
an OFFSET query, in the same run. Prints medians; exits 1 if a keyset page
misses the 50 ms target.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

from sqlalchemy import insert, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from oro_invoices.adapters.commerce import InvoiceRole  # noqa: E402
from oro_invoices.domain.invoice import PAYMENT_STATUS_LABELS  # noqa: E402
from oro_invoices.hosts.reference.testing import make_shop  # noqa: E402
from oro_invoices.integration.config import Settings  # noqa: E402
from oro_invoices.persistence.models import Invoice, PaymentState  # noqa: E402
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter, encode_cursor  # noqa: E402
from oro_invoices.persistence.read_models import summary  # noqa: E402
from oro_invoices.web import listing  # noqa: E402
from oro_invoices.web.http import Request  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)
TARGET_MS = 50.0
WARMUP = 5
PAGE_SIZE = 25
DEEP_PAGE = 2000
STATUSES = ["pending"] * 7 + ["paid_in_full", "paid_partially", "declined"]


def build_shop(data_dir: Path, count: int):
    """A reference shop with one corporate buyer and ``count`` invoices (core inserts)."""
    app, _ = make_shop(data_dir, seeded=False)
    host = app.extensions["oro_reference_host"]
    rec = host.records
    org = rec.add_organization("Bench Org")
    web = rec.add_website(org, "Bench Store")
    rec.add_admin("bench", "bench1234", organization_id=org)
    big = rec.add_customer("BigCorp", organization_id=org)
    subs = [rec.add_customer(f"BigCorp Branch {n}", parent_id=big, organization_id=org) for n in range(4)]
    others = [rec.add_customer(f"Customer {n}", organization_id=org) for n in range(45)]
    buyer = rec.add_customer_user(big, "buyer@bigcorp.example", "Bea Buyer", password="bench1234",
                                  invoice_role=InvoiceRole.CORPORATE)
    Settings.of_host(host).set("oro_invoices.enabled", True)

    rng = random.Random(7)
    corporate = [big] + subs
    start = dt.date(2023, 1, 1)
    now = dt.datetime.now(dt.UTC)
    db = app.extensions["oro_invoices"].service.db
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        for first in range(1, count + 1, 20_000):
            rows, states = [], []
            for i in range(first, min(first + 20_000, count + 1)):
                posted = rng.random() < 0.9
                cid = rng.choice(corporate) if rng.random() < 0.7 else rng.choice(others)
                day = start + dt.timedelta(days=rng.randrange(1000))
                rows.append(dict(
                    id=i, status="posted" if posted else "draft",
                    invoice_number=f"INV-{i:08d}" if posted else None, external_id=None,
                    organization_id=org, website_id=web, customer_id=cid,
                    customer_user_id=buyer if cid == big else None,
                    customer_name=f"Customer #{cid}", customer_user_email="", order_id=None,
                    order_identifier="", invoice_date=day, due_date=day + dt.timedelta(days=30),
                    currency="EUR", bill_to=None, ship_to=None, seller=None, subtotal=0,
                    tax_amount=0, total_amount=rng.randrange(1_000, 5_000_000),
                    external_payment_url=None, payment_token=secrets.token_urlsafe(18),
                    created_by="bench", created_at=now, updated_at=now,
                    posted_at=now if posted else None, chain_key=None, chain_seq=None,
                    prev_hash=None, content_hash=None))
                states.append(dict(invoice_id=i, payment_status=rng.choice(STATUSES), forced=False,
                                   amount_paid=0, payment_method="", updated_at=now))
            conn.execute(insert(Invoice), rows)
            conn.execute(insert(PaymentState), states)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"inserted {count:,} invoices in {time.perf_counter() - t0:.1f} s")
    return app, org, buyer


def add_offset_routes(app):
    """The baseline: the same grid and list templates, paged with LIMIT/OFFSET."""
    ext = app.extensions["oro_invoices"]
    ctx, pages = ext.ctx, ext.pages

    def offset_page(base: InvoiceFilter, sort_col, page: int):
        with ext.service.db.session() as s:
            stmt = apply_filter(select(Invoice, PaymentState).join(
                PaymentState, PaymentState.invoice_id == Invoice.id), base)
            rows = s.execute(stmt.order_by(sort_col.desc(), Invoice.id.desc())
                             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
            return [summary(inv, st) for inv, st in rows]

    def grid():
        import flask
        user = ext.host.users.current()
        page = int(flask.request.args.get("page", 1))
        items = offset_page(InvoiceFilter(organization_id=user.organization_id, status="posted"),
                            Invoice.invoice_date, page)
        gp = listing.GridPage(items=items, sort="-invoice_date", next_cursor=None,
                              prev_cursor=None, page_number=page)
        req = Request(method="GET", path=flask.request.path, user=user)
        scope = ctx.backoffice_scope(req)
        html = ctx.render("admin/grid.html", req, page=gp, names=pages.backoffice.names(),
                          show_method=False, statuses=PAYMENT_STATUS_LABELS,
                          customers=ctx.customer_choices(scope), can_delete=True)
        return ext.host.layout.wrap(html, title="Invoices")

    def storefront():
        import flask

        from oro_invoices.web.storefront import Viewer, can_pay
        user = ext.host.users.current()
        req = Request(method="GET", path=flask.request.path, user=user)
        viewer = Viewer(ctx, req)
        page = int(flask.request.args.get("page", 1))
        base = viewer.visibility()
        base = InvoiceFilter(**{**base.__dict__, "date_from": dt.date(2023, 1, 1)})
        items = offset_page(base, Invoice.invoice_date, page)
        gp = listing.GridPage(items=items, sort="-invoice_date", next_cursor=None,
                              prev_cursor=None, page_number=page)
        html = ctx.render("storefront/list.html", req, page=gp, statuses=PAYMENT_STATUS_LABELS,
                          can_pay=can_pay)
        return ext.host.layout.wrap(html, title="Invoices", area="storefront")

    app.add_url_rule("/admin/bench-offset-grid", "bench_offset_grid", grid)
    app.add_url_rule("/customer/bench-offset-list", "bench_offset_list", storefront)


class Client:
    """http.client with a cookie and CSRF-token form posts."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read().decode()
        cookie = resp.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return resp.status, data

    def login(self, path: str, fields: dict) -> None:
        _, html = self.request("GET", path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        status, _ = self.request("POST", path, urlencode({**fields, "csrf_token": token}))
        assert status == 302, f"login at {path} failed ({status})"

    def timed(self, path: str, repeat: int) -> tuple[float, str]:
        samples, html = [], ""
        for n in range(repeat + WARMUP):
            t0 = time.perf_counter()
            status, html = self.request("GET", path)
            elapsed = (time.perf_counter() - t0) * 1000
            assert status == 200, f"GET {path} answered {status}: {html[:300]}"
            if n >= WARMUP:
                samples.append(elapsed)
        return statistics.median(samples), html


def deep_cursor(app, base: InvoiceFilter, page: int) -> str:
    """The ``after`` cursor that opens ``page``: built from the last row of the page before."""
    db = app.extensions["oro_invoices"].service.db
    with db.session() as s:
        stmt = apply_filter(select(Invoice.invoice_date, Invoice.id).join(
            PaymentState, PaymentState.invoice_id == Invoice.id), base)
        date, inv_id = s.execute(stmt.order_by(Invoice.invoice_date.desc(), Invoice.id.desc())
                                 .offset((page - 1) * PAGE_SIZE - 1).limit(1)).one()
    return encode_cursor("-invoice_date", date, inv_id)


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-invoice-id="(\d+)">', html)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 invoices, 10 requests each")
    args = parser.parse_args()
    count, repeat = (20_000, 10) if args.quick else (100_000, 30)
    deep = min(DEEP_PAGE, int(count * 0.55) // PAGE_SIZE)

    with tempfile.TemporaryDirectory(prefix="oro-bench-web-") as tmp:
        app, org, buyer = build_shop(Path(tmp) / "shop", count)
        add_offset_routes(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_port
        admin, shopper = Client(port), Client(port)
        admin.login("/admin/login", {"username": "bench", "password": "bench1234"})
        shopper.login("/customer/login", {"email": "buyer@bigcorp.example", "password": "bench1234"})

        grid_filter = InvoiceFilter(organization_id=org, status="posted")
        host = app.extensions["oro_reference_host"]
        subs = [c.id for c in host.customers.descendants(host.customers.get_customer_user(buyer).customer_id)]
        store_filter = InvoiceFilter(status="posted", date_from=dt.date(2023, 1, 1),
                                     customer_ids=[host.customers.get_customer_user(buyer).customer_id] + subs)
        grid = "/admin/invoices?status=posted&sort=-invoice_date"
        store = "/customer/invoices?date_from=2023-01-01&sort=-invoice_date"
        cases = [
            ("back-office grid", admin, grid, grid_filter, "/admin/bench-offset-grid"),
            ("storefront list", shopper, store, store_filter, "/customer/bench-offset-list"),
        ]
        results, failed = [], False
        for name, client, path, flt, offset_path in cases:
            first_ms, first_html = client.timed(path, repeat)
            # follow the page's own Next link once, to prove the cursors chain
            nxt = re.search(r'rel="next" href="(\?[^"]*)"', first_html).group(1).replace("&amp;", "&")
            _, second = client.request("GET", path.split("?")[0] + nxt)
            assert not set(rows_of(first_html)) & set(rows_of(second)), "page 2 repeats page 1"
            cursor = deep_cursor(app, flt, deep)
            deep_path = f"{path}&{urlencode({'after': cursor, 'page': deep})}"
            deep_ms, deep_html = client.timed(deep_path, repeat)
            off1_ms, off1_html = client.timed(f"{offset_path}?page=1", repeat)
            offd_ms, offd_html = client.timed(f"{offset_path}?page={deep}", repeat)
            assert rows_of(deep_html) == rows_of(offd_html), f"{name}: keyset and OFFSET disagree"
            assert rows_of(first_html) == rows_of(off1_html) and len(rows_of(deep_html)) == PAGE_SIZE
            results.append((name, first_ms, deep_ms, off1_ms, offd_ms))
            failed |= first_ms >= TARGET_MS or deep_ms >= TARGET_MS
        other_sorts = []
        for label, sort in (("grid by total amount", "-total_amount"),
                            ("grid by invoice number", "invoice_number"),
                            ("grid by payment status", "payment_status")):
            ms, html = admin.timed(f"/admin/invoices?status=posted&sort={sort}", repeat)
            nxt = re.search(r'rel="next" href="(\?[^"]*)"', html).group(1).replace("&amp;", "&")
            ms2, _ = admin.timed("/admin/invoices" + nxt, repeat)
            other_sorts.append((label, ms, ms2))
        server.shutdown()
        host.engine.dispose()
        app.extensions["oro_invoices"].service.db.dispose()

    print(f"\n{count:,} invoices, page size {PAGE_SIZE}, median of {repeat} requests over HTTP "
          f"(target < {TARGET_MS:.0f} ms for keyset pages)\n")
    print(f"{'page':<18} {'keyset p1':>10} {f'keyset p{deep}':>13} {'OFFSET p1':>10} "
          f"{f'OFFSET p{deep}':>13}  result")
    for name, k1, kd, o1, od in results:
        verdict = "PASS" if k1 < TARGET_MS and kd < TARGET_MS else "FAIL"
        print(f"{name:<18} {k1:>8.1f}ms {kd:>11.1f}ms {o1:>8.1f}ms {od:>11.1f}ms  {verdict}")
    print("\nInformational: the grid under its other sorts (posted invoices):")
    for label, p1, p2 in other_sorts:
        print(f"{label:<24} page 1 {p1:>7.1f}ms   page 2 {p2:>7.1f}ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
