"""Requests/s of the back-office grid, the view page and the storefront list under load.

    python benchmarks/bench_throughput.py                # 3 rounds of 10 s per figure
    python benchmarks/bench_throughput.py --quick        # 3 rounds of 3 s per figure
    python benchmarks/bench_throughput.py --rounds 5 --seconds 5

The seeded reference shop, with 30 more posted invoices so that the grid and a department
user's storefront list show 25 rows, is served by gunicorn (2 worker processes of one thread
each, as the shop's own gunicorn settings; ``--threads T`` for more) in a subprocess bound to
127.0.0.1. The baseline is a one-line WSGI app (``/hello``) on the same server in the same
run; a one-line view of the shop's Flask application
(``/hello-flask``) shows what Flask's request handling alone costs. Load: Debian's ``wrk``
when installed (``apt-get install wrk``), else a threaded Python client; 8 connections, a
fixed duration per figure. Every round measures every figure in turn, so that other work on
the machine weighs on all of them alike; each share of the baseline is the median over the
rounds of the share within a round. Prints requests/s (medians) and each page's share of the
baseline, and the CPU time the server's processes spent per request (read from ``/proc``; it
depends far less than the rates on what else runs on the machine); exits 1 if a page is under
25 % of the baseline's requests/s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oro_invoices.hosts.reference.testing import make_shop  # noqa: E402

TARGET = 0.25
CONNECTIONS = 8
ROWS = 25
BUYER = "ben.ortiz@acme.example"  # department role: Acme's invoices
CORPORATE = "amanda.cole@acme.example"  # corporate role: Acme's and Acme Berlin's invoices
REFERENCES = ("one-line WSGI app", "one-line Flask view")


def build(data_dir: Path) -> int:
    """The seeded shop in ``data_dir`` with 30 more posted Acme invoices; returns one's id."""
    app, info = make_shop(data_dir)
    service = app.extensions["oro_invoices"].service
    acme = next(c for c in info["customers"] if c["name"] == "Acme Industries AG")
    buyers = [u["id"] for u in info["customer_users"] if u["customer_id"] == acme["id"]]
    bill_to = {"name": "Accounts Payable", "street": "Industriestraße 5", "city": "Stuttgart",
               "postal_code": "70565", "country": "DE"}
    last = 0
    for n in range(30):
        day = dt.date.today() - dt.timedelta(days=n)
        doc = service.create({
            "external_id": f"BENCH-{n}", "invoice_date": day.isoformat(),
            "due_date": (day + dt.timedelta(days=30)).isoformat(), "bill_to": bill_to,
            "currency": "EUR", "organization_id": acme["organization_id"],
            "customer_id": acme["id"], "customer_user_id": buyers[n % len(buyers)],
            "lines": [{"description": "Hex bolt M8x40", "quantity": str(n + 1),
                       "unit_price": "12.60", "tax_rate": "0.19"}]}, actor="bench")
        last = service.post(doc.id, actor="bench").id
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].addon.close()
    return last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data_dir: Path, port: int, threads: int = 1) -> subprocess.Popen[bytes]:
    """gunicorn serving ``_throughput_app.make(data_dir)`` on 127.0.0.1:``port``."""
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
           "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning",
           "--chdir", str(Path(__file__).parent), f"_throughput_app:make({str(data_dir)!r})"]
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {proc.returncode}") from None
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def login(port: int, path: str, fields: dict[str, str]) -> str:
    """The session cookie of a login at ``path``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    html = resp.read().decode()
    cookie = (resp.getheader("Set-Cookie") or "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if token is None:
        raise SystemExit(f"no CSRF token on {path}")
    conn.request("POST", path, body=urlencode({**fields, "csrf_token": token.group(1)}),
                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 302:
        raise SystemExit(f"login at {path} answered {resp.status}")
    return (resp.getheader("Set-Cookie") or cookie).split(";", 1)[0]


def check(port: int, path: str, cookie: str, rows: int | None) -> None:
    """One GET: 200 and, for a list, ``rows`` rows."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie})
    resp = conn.getresponse()
    html = resp.read().decode()
    if resp.status != 200:
        raise SystemExit(f"GET {path} answered {resp.status}")
    shown = len(re.findall(r'<tr data-invoice-id="\d+">', html))
    if rows is not None and shown != rows:
        raise SystemExit(f"GET {path} shows {shown} rows, not {rows}")


def server_cpu(server: subprocess.Popen[bytes]) -> float | None:
    """CPU seconds the gunicorn master and its workers have used so far (None without /proc)."""
    clock = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            pid, ppid = int(entry.name), int(fields[1])
            if pid == server.pid or ppid == server.pid:
                total += (int(fields[11]) + int(fields[12])) / clock  # utime + stime
    except OSError:
        return None
    return total


def measured(server: subprocess.Popen[bytes], rate: Callable[..., float], port: int, path: str,
             cookie: str, seconds: float) -> tuple[float, float | None]:
    """Requests/s of ``path`` and the server's CPU milliseconds per request meanwhile."""
    before = server_cpu(server)
    value = rate(port, path, cookie, seconds)
    after = server_cpu(server)
    if before is None or after is None or value <= 0:
        return value, None
    return value, (after - before) * 1000 / (value * seconds)


def wrk_rate(port: int, path: str, cookie: str, seconds: float) -> float:
    cmd = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True, timeout=seconds + 60).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise SystemExit(f"wrk {path}: failed requests\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(f"wrk printed no rate:\n{out}")
    return float(found.group(1))


def python_rate(port: int, path: str, cookie: str, seconds: float) -> float:
    """Requests/s of ``CONNECTIONS`` keep-alive clients in threads for ``seconds``."""
    counts = [0] * CONNECTIONS
    failures: list[str] = []
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop and not failures:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                failures.append(f"{path} answered {resp.status}")
            counts[n] += 1
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(failures[0])
    return sum(counts) / (time.monotonic() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per figure")
    parser.add_argument("--seconds", type=float, help="seconds per figure (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every figure (3)")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker process (1)")
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    if seconds <= 0 or args.rounds < 1 or args.threads < 1:
        parser.error("--seconds, --rounds and --threads must be positive")
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    rate = wrk_rate if use_wrk else python_rate

    with tempfile.TemporaryDirectory(prefix="oro-bench-rps-") as tmp:
        data_dir = Path(tmp) / "shop"
        invoice = build(data_dir)
        port = free_port()
        server = serve(data_dir, port, args.threads)
        try:
            admin = login(port, "/admin/login", {"username": "admin", "password": "admin1234"})
            buyer = login(port, "/customer/login", {"email": BUYER, "password": "demo1234"})
            corporate = login(port, "/customer/login", {"email": CORPORATE, "password": "demo1234"})
            cases = [(REFERENCES[0], "/hello", "", None),
                     (REFERENCES[1], "/hello-flask", "", None),
                     ("back-office grid", "/admin/invoices", admin, ROWS),
                     ("view page", f"/admin/invoices/{invoice}", admin, None),
                     ("storefront list", "/customer/invoices", buyer, ROWS),
                     ("corporate list", "/customer/invoices", corporate, ROWS)]
            for _name, path, cookie, rows in cases:
                check(port, path, cookie, rows)
                rate(port, path, cookie, 1.0)  # warm-up
            rounds = [[measured(server, rate, port, path, cookie, seconds)
                       for _name, path, cookie, _rows in cases] for _ in range(args.rounds)]
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"\ngunicorn (2 workers × {args.threads} thread(s)) on 127.0.0.1, {CONNECTIONS} connections, "
          f"{args.rounds} rounds of {seconds:g} s per figure, load by "
          f"{'wrk' if use_wrk else 'a threaded Python client'}; medians; "
          f"target ≥ {TARGET:.0%} of the one-line app\n")
    print(f"{'page':<20} {'requests/s':>11} {'of baseline':>12} {'server CPU/request':>19}"
          f" {'of baseline':>12}  result")
    failed = False
    for n, (name, *_rest) in enumerate(cases):
        value = statistics.median(r[n][0] for r in rounds)
        share = statistics.median(r[n][0] / r[0][0] for r in rounds)
        cpu = [r[n][1] for r in rounds if r[n][1] is not None]
        cpu_share = [r[0][1] / r[n][1] for r in rounds if r[n][1] and r[0][1]]
        verdict = "" if name in REFERENCES else ("PASS" if share >= TARGET else "FAIL")
        failed |= verdict == "FAIL"
        shown_cpu = f"{statistics.median(cpu):>16.3f} ms" if cpu else f"{'n/a':>19}"
        shown_share = f"{statistics.median(cpu_share):>11.1%}" if cpu_share else f"{'n/a':>11}"
        print(f"{name:<20} {value:>11.1f} {share:>11.1%} {shown_cpu} {shown_share}  {verdict}")
    print("\nServer CPU/request: CPU time of the gunicorn processes per answered request; its "
          "share is the baseline's CPU/request over the page's (what the rate would be with the "
          "CPUs to themselves).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
