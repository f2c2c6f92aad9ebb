"""The ``oro-invoices`` command: migrate, verify, import, deliver-mail, demo."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oro_invoices.domain.errors import InvoiceError


def _cmd_migrate(args) -> int:
    from oro_invoices.persistence.engine import Database
    from oro_invoices.persistence.migrate import current_revision, upgrade
    db = Database(args.db)
    before = current_revision(db)
    after = upgrade(db, args.revision)
    print(f"schema at revision {after}" + (f" (was {before})" if before != after else " (already current)"))
    return 0


def _cmd_verify(args) -> int:
    from oro_invoices.persistence.engine import Database
    from oro_invoices.services.verification import verify
    storage = None
    if args.storage:
        from oro_invoices.documents.storage import storage_from_url
        storage = storage_from_url(args.storage)
    report = verify(Database(args.db), storage)
    for problem in report.problems:
        print(f"FAIL {problem}")
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    pdfs = f", {report.checked_pdfs} PDF(s)" if storage is not None else ""
    print(f"{status}: checked {report.checked_invoices} posted invoice(s){pdfs}")
    return 0 if report.ok else 1


def _cmd_import(args) -> int:
    from pathlib import Path

    from oro_invoices.domain.errors import ValidationError
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.persistence.engine import Database
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.importing import import_files
    storage = renderer = None
    if args.storage:
        from oro_invoices.documents.render import PdfRenderer
        from oro_invoices.documents.storage import storage_from_url
        storage, renderer = storage_from_url(args.storage), PdfRenderer()
    service = InvoiceService(Database(args.db), plugins=get_plugin_manager(), storage=storage,
                             renderer=renderer)
    try:
        report = import_files(service, [Path(p) for p in args.files],
                              organization_id=args.organization, actor=args.actor)
    except ValidationError as exc:
        for where, message in exc.errors:
            print(f"{where}: {message}", file=sys.stderr)
        print(f"error: nothing imported ({len(exc.errors)} problem(s))", file=sys.stderr)
        return 1
    print(f"imported: {report.summary()}")
    return 0


def _cmd_deliver_mail(args) -> int:
    import time

    from oro_invoices.documents.storage import storage_from_url
    from oro_invoices.persistence.engine import Database
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService
    invoices = InvoiceService(Database(args.db), storage=storage_from_url(args.storage))
    mail = MailService(invoices.db, invoices, smtp=args.smtp_url, sender=args.sender)
    while True:
        report = mail.deliver_pending(limit=args.limit)
        if report.claimed or not args.every:
            print(f"claimed {report.claimed}: {report.sent} sent, {report.retrying} to retry, "
                  f"{report.failed} failed, {report.unknown} unknown", flush=True)
        if not args.every:
            return 0 if not (report.failed or report.unknown) else 1
        time.sleep(args.every)


def _cmd_demo(args) -> int:
    from oro_invoices.hosts.reference.demo import run_demo
    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oro-invoices", description="Invoice management add-on.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="create or upgrade the add-on's database schema")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///invoices.db or postgresql://…")
    p.add_argument("--revision", default="head", help="target revision (default: newest)")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("verify", help="check the posted invoices' hash chain and stored PDFs")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", help="PDF storage URL, e.g. file:///var/lib/oro-invoices/pdf")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("import", help="import invoices from JSON, JSON Lines or CSV files (all or nothing)")
    p.add_argument("files", nargs="+", help="files to import (.json, .jsonl, .ndjson, .csv)")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", help="PDF storage URL (needed for pdf_file columns and generated PDFs)")
    p.add_argument("--organization", type=int, default=1, help="organization the invoices belong to")
    p.add_argument("--actor", default="import", help="name recorded in the invoices' activity")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("deliver-mail", help="send queued invoice emails over SMTP (with retries)")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", required=True, help="PDF storage URL (attachments are read from it)")
    p.add_argument("--smtp-url", required=True,
                   help="smtp://[user:password@]HOST:PORT[?security=starttls] or smtps://… for TLS")
    p.add_argument("--sender", default="invoices@example.com", help="the From address")
    p.add_argument("--limit", type=int, default=100, help="messages per run")
    p.add_argument("--every", type=float, default=0,
                   help="keep running, delivering every N seconds (default: one run)")
    p.set_defaults(func=_cmd_deliver_mail)

    p = sub.add_parser("demo", help="run the reference host with the add-on, seeded")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data-dir", default="./oro-invoices-demo")
    p.add_argument("--smtp-url", default=None, help="smtp://HOST:PORT; without it mail stays in the outbox")
    p.add_argument("--no-seed", action="store_true", help="do not add demo data")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InvoiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
