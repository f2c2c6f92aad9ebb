"""Work per page, counted in instructions: the back-office grid, the view page and the
storefront lists, beside a one-line view of the same Flask application in the same run.

    python benchmarks/bench_page_work.py [--requests 40] [--customer-values N]

Times per request move with the machine (on a shared or throttled VM by a third between runs
minutes apart); the instructions a request executes do not. Each page is requested in a
process of its own under valgrind's callgrind, through the Flask test client over the seeded
reference shop with 30 more posted invoices (as ``bench_throughput.py`` serves it): 30
requests to warm up, then callgrind's counting is switched on (``callgrind_control``) for
``--requests`` requests and off again. The figure is the instructions counted ÷ the requests.
The one-line view (``/hello-flask``) is the baseline: what Flask's request handling and the
test client cost before any page's work. ``--customer-values N`` first stores a document
language for each of N other customers (``oro_invoices.locale`` at customer scope), as a shop
that sends each customer documents in their own language does: a page reads only its own
customer's values, so the figures should stay those without. Needs ``valgrind`` (Debian package).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from flask.testing import FlaskClient

sys.path.insert(0, os.path.dirname(__file__))
from bench_throughput import BUYER, CORPORATE, build

WARM_UP = 30
PAGES = ("one-line Flask view", "back-office grid (25 rows)", "view page",
         "storefront list, department (25 rows)", "storefront list, corporate (25 rows)")


def child(page: str, data_dir: str, requests: int) -> None:
    """Request ``page`` under callgrind, counting only the ``requests`` after the warm-up."""
    from oro_invoices.hosts.reference.app import create_app
    app = create_app(Path(data_dir), migrate=False, install=False)
    app.add_url_rule("/hello-flask", "bench_hello", lambda: "ok")
    service = app.extensions["oro_invoices"].service
    invoice = max(i.id for i in service.list_invoices({"status": "posted"}, limit=100).items)

    def logged_in(path: str, fields: dict[str, str]) -> FlaskClient:
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
        if token is None:
            raise SystemExit(f"no CSRF token on {path}")
        if client.post(path, data={**fields, "csrf_token": token.group(1)}).status_code != 302:
            raise SystemExit(f"the login at {path} failed")
        return client

    admin = ("/admin/login", {"username": "admin", "password": "admin1234"})
    who, path = {
        PAGES[0]: (None, "/hello-flask"),
        PAGES[1]: (admin, "/admin/invoices"),
        PAGES[2]: (admin, f"/admin/invoices/{invoice}"),
        PAGES[3]: (("/customer/login", {"email": BUYER, "password": "demo1234"}), "/customer/invoices"),
        PAGES[4]: (("/customer/login", {"email": CORPORATE, "password": "demo1234"}), "/customer/invoices"),
    }[page]
    client = app.test_client() if who is None else logged_in(*who)
    for _ in range(WARM_UP):
        if client.get(path).status_code != 200:
            raise SystemExit(f"{page}: {path} did not answer 200")
    control = ["callgrind_control", "-i"]
    subprocess.run([*control, "on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(requests):
        client.get(path)
    subprocess.run([*control, "off", str(os.getpid())], check=True, capture_output=True)


def counted(page: str, data_dir: Path, requests: int, work: Path) -> float:
    """Instructions per request of ``page`` (a child process under callgrind)."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={work / 'callgrind.out'}",
         sys.executable, __file__, "--child", page, str(data_dir), str(requests)],
        capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"{page}: valgrind failed:\n{out.stderr[-2000:]}")
    return int(found.group(1)) / requests


def store_customer_values(database: Path, count: int) -> None:
    """A document language stored for each of ``count`` customers the pages do not show (ids
    after the shop's own), straight into the reference host's config table."""
    with sqlite3.connect(database) as db:
        db.executemany("INSERT INTO host_config (key, scope, scope_id, value) VALUES (?, 'customer', ?, ?)",
                       [("oro_invoices.locale", 100_000 + n, '"de_DE"') for n in range(count)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests counted per page (40)")
    parser.add_argument("--customer-values", type=int, default=0, metavar="N",
                        help="store a document language for N other customers first (0)")
    parser.add_argument("--child", nargs=3, metavar=("PAGE", "DATA_DIR", "REQUESTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if args.requests < 1:
        parser.error("--requests must be positive")
    if args.customer_values < 0:
        parser.error("--customer-values must not be negative")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("bench_page_work.py needs valgrind (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="oro-bench-work-") as tmp:
        data_dir = Path(tmp) / "shop"
        build(data_dir)
        if args.customer_values:
            store_customer_values(data_dir / "shop.db", args.customer_values)
        figures = {page: counted(page, data_dir, args.requests, Path(tmp)) for page in PAGES}
    baseline = figures[PAGES[0]]
    print(f"\ninstructions per request (callgrind, {args.requests} requests after {WARM_UP} to warm up; "
          "Flask test client"
          + (f"; {args.customer_values:,} other customers with a document language of their own"
             if args.customer_values else "") + ")\n")
    print(f"{'page':40} {'instructions':>14} {'× the one-line view':>20}")
    for page, value in figures.items():
        print(f"{page:40} {value / 1e6:12.2f} M {value / baseline:19.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
