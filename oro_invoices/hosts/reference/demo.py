"""``oro-invoices demo``: the reference shop with oro-invoices, seeded, in the foreground.

Everything lives in the data directory: ``shop.db`` (SQLite, host and add-on
tables), ``pdf/`` (stored invoice PDFs), ``secret_key``, ``seed.json`` (the demo
logins, kept so a restart shows the same ones) and ``demo.json`` (written once
the server is listening). Running it again on the same directory keeps the data.
The add-on is built by ``create_app`` through the composition root, which also
creates or upgrades its tables.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from werkzeug.serving import make_server

if TYPE_CHECKING:  # pragma: no cover
    import flask

    from oro_invoices.services.mail.service import MailService

log = logging.getLogger("oro_invoices.demo")
DELIVERY_INTERVAL = 3.0  # seconds between outbox deliveries when --smtp-url is given
SOCKET_BACKLOG = 2048  # gunicorn's default
GRACEFUL_STOP = 30.0  # seconds gunicorn gets to stop (its own graceful timeout is 20)


def _write_private(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def _previous_base_url(demo_file: Path) -> str | None:
    """The base URL the last run on this data directory listened on (from ``demo.json``)."""
    try:
        value = json.loads(demo_file.read_text()).get("base_url")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def configure_base_url(app: flask.Flask, base_url: str, *, replacing: str | None = None) -> None:
    """Set the global ``oro_invoices.storefront_base_url`` to ``base_url``.

    Only when it is not set, or still holds ``replacing`` (what an earlier run set): a value
    an admin configured is kept.
    """
    from oro_invoices.integration.config import Settings
    from oro_invoices.integration.links import STOREFRONT_BASE_URL
    settings = Settings.of_host(app.extensions["oro_reference_host"])
    if settings.stored(STOREFRONT_BASE_URL) in (None, replacing):
        settings.set(STOREFRONT_BASE_URL, base_url)


def _deliver_loop(mail: MailService, stop: threading.Event) -> None:
    while not stop.wait(DELIVERY_INTERVAL):
        try:
            report = mail.deliver_pending()
            if getattr(report, "sent", None):
                log.info("delivered %s", report.sent)
        except Exception:  # keep delivering; the outbox shows each message's error
            log.exception("mail delivery failed")


def run_demo(args: argparse.Namespace) -> int:
    """Start the demo shop; returns the exit code once stopped (Ctrl-C)."""
    from oro_invoices.hosts.reference.app import create_app
    from oro_invoices.hosts.reference.seed import is_seeded, seed

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("weasyprint", "fontTools", "alembic", "pikepdf"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    hosted_page_url = getattr(args, "hosted_page_url", None)
    hosted_page_api_url = getattr(args, "hosted_page_api_url", None)
    if hosted_page_url is not None or hosted_page_api_url is not None:
        from oro_invoices.hosts.reference.demo_payments import check_url
        try:
            check_url(hosted_page_url or "", "--hosted-page-url")
            if hosted_page_api_url is not None:
                check_url(hosted_page_api_url, "--hosted-page-api-url")
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    stripe_demo = None
    if getattr(args, "stripe_api_base", None) is not None or getattr(args, "stripe_js_url", None) is not None:
        from oro_invoices.hosts.reference import demo_stripe
        try:
            if hosted_page_url is not None:
                raise ValueError("--stripe-api-base and --hosted-page-url each choose the payment method; "
                                 "give one of them.")
            keys = {name: getattr(args, f"stripe_{name}", None)
                    for name in ("secret_key", "publishable_key", "webhook_secret")}
            stripe_demo = demo_stripe.stripe_demo(args.stripe_api_base or "", js_url=args.stripe_js_url,
                                                  **{name: value for name, value in keys.items() if value is not None})
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    workers = getattr(args, "workers", 1)
    # Listening before anything is written: a port in use or an unknown host stops the run at
    # once, without an empty data directory or a half-seeded shop left behind.
    try:
        listener = listen(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} (--host, --port): "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    data = Path(args.data_dir).resolve()
    try:
        _data_directory(data)
    except OSError as exc:
        listener.close()
        print(f"error: cannot use the data directory {data} (--data-dir): {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    database_url = f"sqlite:///{data / 'shop.db'}"
    storage_url = (data / "pdf").as_uri()
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    base_url = f"http://{shown_host}:{args.port}"

    new_shop = not (data / "shop.db").exists()
    app = create_app(data, database_url=database_url, storage_url=storage_url, base_url=base_url,
                     smtp_url=args.smtp_url, migrate=True,
                     secure_cookies=getattr(args, "secure_cookies", False))
    previous_base_url = _previous_base_url(data / "demo.json")
    configure_base_url(app, base_url, replacing=previous_base_url)  # before seeding: PDFs link to it
    seed_file = data / "seed.json"
    seeded: dict[str, Any] = {}
    if not args.no_seed and not is_seeded(app):
        print("Seeding demo data (two organizations, customers, orders, invoices)…", flush=True)
        try:
            seeded = seed(app, languages=True, einvoices=True)
            _write_private(seed_file, seeded)
        except BaseException:
            listener.close()
            if new_shop:  # Ctrl-C or a failure while seeding: the next run starts afresh
                _remove_shop(app, data)
            raise
    elif seed_file.exists():
        seeded = json.loads(seed_file.read_text())

    port = int(listener.getsockname()[1])
    if workers == 1:
        server = make_server(args.host, port, app, threaded=True, fd=listener.fileno())
    if port != args.port:
        listening = f"http://{shown_host}:{port}"
        configure_base_url(app, listening, replacing=base_url)
        base_url = listening
    app.extensions["oro_reference_host"].urls.base_url = base_url

    stop = threading.Event()
    addon = app.extensions["oro_invoices"].addon
    mail = addon.mail
    if args.smtp_url and mail is not None:
        threading.Thread(target=_deliver_loop, args=(mail, stop), name="mail-delivery",
                         daemon=True).start()

    info = {
        "base_url": base_url, "backoffice_url": f"{base_url}/admin/",
        "storefront_url": f"{base_url}/", "api_url": f"{base_url}/api",
        "api_token": seeded.get("api_token"), "admin": seeded.get("admin"),
        "customer_users": seeded.get("customer_users", []),
        "customers": seeded.get("customers", []), "orders": seeded.get("orders", []),
        "organizations": seeded.get("organizations", []),
        "database_url": database_url, "storage_url": storage_url,
    }
    if hosted_page_url:
        from oro_invoices.hosts.reference.demo_payments import configure_hosted_page
        info["hosted_page"] = configure_hosted_page(
            app, page_url=hosted_page_url, api_url=hosted_page_api_url, base_url=base_url,
            data_dir=data, organization_ids=[int(o["id"]) for o in info["organizations"]
                                             if isinstance(o, dict) and "id" in o])
    if stripe_demo is not None:
        from oro_invoices.hosts.reference.demo_stripe import configure_stripe
        info["stripe"] = configure_stripe(
            app, stripe_demo, base_url=base_url,
            organization_ids=[int(o["id"]) for o in info["organizations"] if isinstance(o, dict) and "id" in o])
    _write_private(data / "demo.json", info)
    _print_banner(info, seeded, args.smtp_url, data / "demo.json")
    if workers > 1:
        print(f"  Served by gunicorn with {workers} worker processes.\n", flush=True)
    if "stripe" in info:
        print(f"  Payments: Stripe at {info['stripe']['api_base']}; its webhooks go to "
              f"{info['stripe']['webhook_url']} (signing secret in demo.json)\n", flush=True)
    if "hosted_page" in info:
        print(f"  Payments: OroPay through the hosted page at {info['hosted_page']['url']}; it answers to "
              f"{info['hosted_page']['response_url']} (secrets in demo.json)\n", flush=True)

    def _stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _stop)
    if workers > 1:
        addon.close()  # the workers open their own connections
        app.extensions["oro_reference_host"].engine.dispose()
        environ = {"DATA_DIR": str(data), "DATABASE_URL": database_url, "STORAGE_URL": storage_url,
                   "BASE_URL": base_url, "SMTP_URL": args.smtp_url or "",
                   "SECURE_COOKIES": "1" if getattr(args, "secure_cookies", False) else "0"}
        gunicorn = start_gunicorn(listener, workers, environ)
    code = 0
    try:
        if workers > 1:
            code = gunicorn.wait()
        else:
            server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
    finally:
        stop.set()
        if workers > 1:
            stop_gunicorn(gunicorn)
        else:
            server.server_close()
        listener.close()
        addon.close()
        app.extensions["oro_reference_host"].engine.dispose()
    return code


def _remove_shop(app: flask.Flask, data: Path) -> None:
    """Remove the shop this run created in ``data`` (its database and PDFs), whose seeding did
    not finish: a partly seeded shop counts as seeded, and its logins were never written."""
    import shutil
    app.extensions["oro_invoices"].addon.close()
    app.extensions["oro_reference_host"].engine.dispose()
    for name in ("shop.db", "shop.db-wal", "shop.db-shm", "shop.db-journal", "seed.json"):
        (data / name).unlink(missing_ok=True)
    shutil.rmtree(data / "pdf", ignore_errors=True)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: any free port) for the server processes.

    :raises OSError: the port is in use, or the host is not an address of this machine.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(SOCKET_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _data_directory(folder: Path) -> None:
    """Create ``folder`` unless it exists; raise ``OSError`` if it is not a folder files can be
    created in."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(20, "it is a file, not a folder", str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied", str(folder))


def start_gunicorn(listener: socket.socket, workers: int, environ: dict[str, str]) -> subprocess.Popen[bytes]:
    """gunicorn with ``workers`` processes serving the shop on ``listener`` (handed over as a
    file descriptor); ``environ`` are the ``ORO_REFERENCE_*`` settings without the prefix."""
    fd = listener.fileno()
    command = [sys.executable, "-m", "gunicorn", "-c", "python:oro_invoices.hosts.reference.gunicorn_conf",
               "--workers", str(workers), "--bind", f"fd://{fd}", "--access-logfile", "-"]
    env = {**os.environ, **{f"ORO_REFERENCE_{name}": value for name, value in environ.items()}}
    return subprocess.Popen(command, env=env, pass_fds=(fd,))


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully (SIGTERM: workers finish their requests), killing it if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=GRACEFUL_STOP)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _print_banner(info: dict[str, Any], seeded: dict[str, Any], smtp_url: str | None,
                  info_file: Path) -> None:
    lines = [
        "", "oro-invoices demo is running", "",
        f"  Back-office:  {info['backoffice_url']}",
        f"  Storefront:   {info['storefront_url']}",
        f"  API:          {info['api_url']}  (Authorization: Bearer {info['api_token']})", "",
    ]
    organizations = [o for o in info.get("organizations", []) if isinstance(o.get("admin"), dict)]
    for org in organizations:
        lines.append(f"  Admin login:  {org['admin']['username']} / {org['admin']['password']}  "
                     f"({org['name']}; API token {org.get('api_token')})")
    if not organizations:
        for admin in seeded.get("admins", [info["admin"]] if info.get("admin") else []):
            lines.append(f"  Admin login:  {admin['username']} / {admin['password']}")
    for user in info["customer_users"]:
        lines.append(f"  Customer:     {user['email']} / {user['password']}  (invoice role: {user['role']})")
    lines += ["", "  Mail: " + (f"delivered through {smtp_url}" if smtp_url
                               else "kept in the outbox (shown on each invoice's Emails section)"),
              f"  All of the above, and the secrets: {info_file.resolve()}",
              "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)
