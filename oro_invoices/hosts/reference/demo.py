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
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from werkzeug.serving import make_server

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger("oro_invoices.demo")
DELIVERY_INTERVAL = 3.0  # seconds between outbox deliveries when --smtp-url is given


def _write_private(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


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
    for noisy in ("weasyprint", "fontTools", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{data / 'shop.db'}"
    storage_url = (data / "pdf").as_uri()
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    base_url = f"http://{shown_host}:{args.port}"

    app = create_app(data, database_url=database_url, storage_url=storage_url, base_url=base_url,
                     smtp_url=args.smtp_url, migrate=True)
    seed_file = data / "seed.json"
    seeded: dict[str, Any] = {}
    if not args.no_seed and not is_seeded(app):
        print("Seeding demo data (two organizations, customers, orders, invoices)…", flush=True)
        seeded = seed(app)
        _write_private(seed_file, seeded)
    elif seed_file.exists():
        seeded = json.loads(seed_file.read_text())

    server = make_server(args.host, args.port, app, threaded=True)
    port = server.server_port
    base_url = f"http://{shown_host}:{port}"
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
        "database_url": database_url, "storage_url": storage_url,
    }
    _write_private(data / "demo.json", info)
    _print_banner(info, seeded, args.smtp_url)

    def _stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
    finally:
        stop.set()
        server.server_close()
        addon.close()
        app.extensions["oro_reference_host"].engine.dispose()
    return 0


def _print_banner(info: dict[str, Any], seeded: dict[str, Any], smtp_url: str | None) -> None:
    lines = [
        "", "oro-invoices demo is running", "",
        f"  Back-office:  {info['backoffice_url']}",
        f"  Storefront:   {info['storefront_url']}",
        f"  API:          {info['api_url']}  (Authorization: Bearer {info['api_token']})", "",
    ]
    for admin in seeded.get("admins", [info["admin"]] if info.get("admin") else []):
        lines.append(f"  Admin login:  {admin['username']} / {admin['password']}")
    for user in info["customer_users"]:
        lines.append(f"  Customer:     {user['email']} / {user['password']}  (invoice role: {user['role']})")
    lines += ["", "  Mail: " + (f"delivered through {smtp_url}" if smtp_url
                               else "kept in the outbox (shown on each invoice's Emails section)"),
              "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)
