"""The ``oro-invoices`` command: migrate, verify, complete-pdfs, import, export, deliver-mail, deliver-events,
migrate-storage, demo.

Every command builds the add-on through the composition root
(``oro_invoices.composition.build_addon``); this module only parses arguments and turns
errors into one line and an exit code.

``import`` checks customers and customer users with a host adapter and reads its settings
(``--host NAME``, an ``oro_invoices.hosts`` entry point). The default is the environment
variable ``ORO_INVOICES_HOST``, else ``none``: no host, so settings are the defaults of
``config_schema.yaml`` and customer ids are taken as the files give them (a database that
serves no shop, or a host whose adapter is not installed where the command runs).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import InvoiceError

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.composition import Addon

NO_HOST = "none"
HOST_ENV = "ORO_INVOICES_HOST"
#: What ``demo`` serves with: the reference shop, PDFs and their QR codes, the OpenAPI document.
DEMO_MODULES = ("flask", "weasyprint", "segno", "apispec")


def _addon(args: argparse.Namespace, *, host_object: Any = None, **options: Any) -> Addon:
    """The add-on for a command: its ``--db`` plus ``options`` (``AddonConfig`` fields)."""
    from oro_invoices.composition import AddonConfig, build_addon
    return build_addon(AddonConfig(database_url=args.db, **options), host=host_object)


def _host_name(args: argparse.Namespace) -> str | None:
    name = (args.host or NO_HOST).strip()
    return None if name.lower() == NO_HOST else name


def _cmd_migrate(args: argparse.Namespace) -> int:
    from oro_invoices.persistence.migrate import current_revision, upgrade
    with _addon(args, pdf=False) as addon:
        before = current_revision(addon.db)
        after = upgrade(addon.db, args.revision)
    print(f"schema at revision {after}" + (f" (was {before})" if before != after else " (already current)"))
    return 0


def _expects_pdf(addon: Addon) -> Callable[[int, int | None], bool]:
    """Whether PDF generation at posting is on for an organization and website (the settings)."""
    def expects(organization_id: int, website_id: int | None) -> bool:
        return bool(addon.invoices.setting("oro_invoices.generate_pdf_on_post",
                                           organization_id=organization_id, website_id=website_id))
    return expects


def _cmd_verify(args: argparse.Namespace) -> int:
    from oro_invoices.services.verification import verify
    with _addon(args, host_object=args.host_object, storage_url=args.storage, pdf=False,
                host=_host_name(args)) as addon:
        report = verify(addon.db, addon.storage, expects_pdf=_expects_pdf(addon))
    for note in report.notes:
        print(f"NOTE {note}")
    for problem in report.problems:
        print(f"FAIL {problem}")
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    pdfs = f", {report.checked_pdfs} PDF(s)" if addon.storage is not None else ""
    print(f"{status}: checked {report.checked_invoices} posted invoice(s){pdfs}")
    return 0 if report.ok else 1


def _cmd_complete_pdfs(args: argparse.Namespace) -> int:
    from oro_invoices.services.verification import STRAY_AFTER, posted_without_pdf
    with _addon(args, host_object=args.host_object, storage_url=args.storage,
                host=_host_name(args)) as addon:
        if addon.storage is None or addon.renderer is None:
            print("error: complete-pdfs needs --storage and the pdf extra "
                  "(pip install 'oro-invoices[pdf]')", file=sys.stderr)
            return 2
        failed = 0
        for invoice_id in posted_without_pdf(addon.db, _expects_pdf(addon)):
            try:
                doc = addon.invoices.ensure_pdf(invoice_id, actor=args.actor)
            except InvoiceError as exc:
                failed += 1
                print(f"FAIL invoice id {invoice_id}: {exc.message}")
                continue
            if doc.pdf is not None:
                print(f"made the PDF of invoice {doc.display_number} (id {doc.id}): {doc.pdf.sha256}")
        removed = 0
        if isinstance(addon.storage, LocalStorage):
            removed = addon.storage.remove_stale_temp_files(older_than=STRAY_AFTER)
    print(f"{removed} stray temporary file(s) removed" + (f"; {failed} PDF(s) could not be made" if failed else ""))
    return 1 if failed else 0


def _cmd_import(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from oro_invoices.services.import_progress import ProgressMeter
    from oro_invoices.services.importing import run_import
    meter = ProgressMeter(sys.stderr, what="invoices")
    with _addon(args, host_object=args.host_object, storage_url=args.storage,
                host=_host_name(args)) as addon:
        report = run_import(addon.invoices, [Path(p) for p in args.files], organization_id=args.organization,
                            fmt=args.format, on_error=args.on_error, dry_run=args.dry_run, actor=args.actor,
                            progress=meter)
    meter.finish()
    if args.report:
        Path(args.report).write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
    for problem in report.problems:
        print(f"{problem.where}: {problem.message}", file=sys.stderr)
    if report.problems and not report.written and not args.dry_run:
        print(f"error: nothing imported ({len(report.problems)} problem(s))", file=sys.stderr)
        return 1
    label = "dry run" if args.dry_run else "imported"
    print(f"{label}: {report.summary()}" + (f"; {len(report.problems)} problem(s)" if report.problems else ""))
    return 1 if report.problems else 0


def _cmd_export(args: argparse.Namespace) -> int:
    import contextlib

    from oro_invoices.persistence.queries import InvoiceFilter
    from oro_invoices.services.exporting import export_records, write_csv, write_jsonl
    from oro_invoices.services.import_progress import ProgressMeter
    fmt = args.format or ("csv" if (args.output or "").lower().endswith(".csv") else "jsonl")
    filters = InvoiceFilter(organization_id=args.organization, status=args.status,
                            date_from=args.date_from, date_to=args.date_to)
    meter = ProgressMeter(sys.stderr, what="invoices")
    with _addon(args) as addon, contextlib.ExitStack() as stack:
        total = addon.invoices.list_invoices(filters, limit=1, with_total=True).total
        out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline="")) \
            if args.output else sys.stdout
        write = write_csv if fmt == "csv" else write_jsonl
        count = write(export_records(addon.invoices, filters), out, lambda done: meter("exported", done, total))
    meter.finish()
    print(f"exported: {count} invoice(s)", file=sys.stderr)
    return 0


def _date(text: str) -> Any:
    import datetime as dt
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _cmd_deliver_mail(args: argparse.Namespace) -> int:
    import time
    with _addon(args, storage_url=args.storage, smtp=args.smtp_url, mail_sender=args.sender,
                pdf=False) as addon:
        while True:
            report = addon.mail.deliver_pending(limit=args.limit)
            if report.claimed or not args.every:
                print(f"claimed {report.claimed}: {report.sent} sent, {report.retrying} to retry, "
                      f"{report.failed} failed, {report.unknown} unknown", flush=True)
            if not args.every:
                return 0 if not (report.failed or report.unknown) else 1
            time.sleep(args.every)


def _cmd_migrate_storage(args: argparse.Namespace) -> int:
    from oro_invoices.composition import build_storage
    from oro_invoices.documents.storage import ListableStorage
    from oro_invoices.services.storage_migration import migrate_storage
    source, target = build_storage(args.source), build_storage(args.target)
    if not isinstance(source, ListableStorage):
        print(f"error: the storage {args.source!r} cannot list its PDFs", file=sys.stderr)
        return 2
    report = migrate_storage(source, target,
                             progress=lambda sha256, outcome: print(f"{outcome}: {sha256}", flush=True))
    for problem in report.problems:
        print(f"FAIL {problem}")
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"{status}: {report.copied} PDF(s) copied, {report.already_there} already there")
    return 0 if report.ok else 1


def _cmd_deliver_events(args: argparse.Namespace) -> int:
    import time

    from oro_invoices.domain.errors import ConfigurationError
    with _addon(args, host_object=args.host_object, host=_host_name(args), pdf=False,
                webhook_timeout=args.timeout) as addon:
        if addon.host is None:
            raise ConfigurationError(
                "deliver-events needs the host whose settings list the webhook endpoints and "
                f"their secrets: give --host NAME or set ${HOST_ENV}.")
        while True:
            report = addon.events.deliver_pending(limit=args.limit)
            if report.claimed or not args.every:
                print(report.summary(), flush=True)
            if not args.every:
                return 1 if report.failed else 0
            time.sleep(args.every)


def _number(kind: type[int] | type[float], *, minimum: float, inclusive: bool) -> Any:
    """An argparse type: a number of ``kind`` at least (or above) ``minimum``."""
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if kind is int else ''}"
                                             "number") from None
        if value < minimum or (not inclusive and value == minimum):
            raise argparse.ArgumentTypeError(
                f"{text} is too small: must be {'at least' if inclusive else 'more than'} {minimum:g}")
        return value
    return parse


def _installed(module: str) -> bool:
    import importlib.util
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _cmd_demo(args: argparse.Namespace) -> int:
    missing = [name for name in DEMO_MODULES if not _installed(name)]
    if missing:
        print(f"error: the demo needs the demo extra (missing: {', '.join(missing)}); "
              "install it with: pip install 'oro-invoices[demo]'", file=sys.stderr)
        return 2
    from oro_invoices.hosts.reference.demo import run_demo
    return run_demo(args)


def _host_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--host", default=os.environ.get(HOST_ENV) or NO_HOST,
                        help=f"host adapter (an oro_invoices.hosts entry point) {what}; default: "
                             f"${HOST_ENV}, else '{NO_HOST}' (settings at their defaults)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oro-invoices", description="Invoice management add-on.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="create or upgrade the add-on's database schema")
    p.add_argument("--db", required=True, help="database URL, e.g. sqlite:///invoices.db or postgresql://…")
    p.add_argument("--revision", default="head", help="target revision (default: newest)")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("verify", help="check the posted invoices' hash chain, numbers and stored PDFs")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", help="PDF storage URL, e.g. file:///var/lib/oro-invoices/pdf; "
                                     "with it the stored PDFs are checked too")
    _host_argument(p, "whose settings say where PDF generation is on")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("complete-pdfs", help="make the missing PDFs of posted invoices (PDF generation on) "
                                             "and remove stray temporary files from storage")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", required=True, help="PDF storage URL")
    _host_argument(p, "whose settings apply (generation, locale, page size, seller)")
    p.add_argument("--actor", default="complete-pdfs", help="name recorded in the invoices' activity")
    p.set_defaults(func=_cmd_complete_pdfs)

    p = sub.add_parser("import", help="import invoices from JSON, JSON Lines or CSV files")
    p.add_argument("files", nargs="+", help="files to import (.json, .jsonl, .ndjson, .csv)")
    p.add_argument("--format", choices=("csv", "jsonl", "json"),
                   help="the files' layout (default: by each file's extension)")
    p.add_argument("--dry-run", action="store_true", help="validate everything, write nothing")
    p.add_argument("--on-error", choices=("stop", "skip"), default="stop",
                   help="stop: write nothing when any record is bad (default); skip: import the good ones")
    p.add_argument("--report", metavar="FILE", help="write a JSON report (counts and every problem) to FILE")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", help="PDF storage URL (needed for pdf_file columns and generated PDFs)")
    p.add_argument("--host", default=os.environ.get(HOST_ENV) or NO_HOST,
                   help="host adapter (an oro_invoices.hosts entry point) whose settings apply and "
                        f"which checks customers and customer users; default: ${HOST_ENV}, else "
                        f"'{NO_HOST}' (settings at their defaults, customer ids taken as given)")
    p.add_argument("--organization", type=int, default=None,
                   help="organization the invoices belong to (required unless every record has organization_id)")
    p.add_argument("--actor", default="import", help="name recorded in the invoices' activity")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("export", help="export invoices as CSV or JSON Lines, in the import's layouts")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--format", choices=("csv", "jsonl"),
                   help="layout (default: csv for an --output ending in .csv, else jsonl)")
    p.add_argument("--organization", type=int, default=None, help="only this organization's invoices")
    p.add_argument("--status", choices=("draft", "posted"), help="only drafts or only posted invoices")
    p.add_argument("--date-from", type=_date, help="only invoices dated on or after YYYY-MM-DD")
    p.add_argument("--date-to", type=_date, help="only invoices dated on or before YYYY-MM-DD")
    p.add_argument("--output", metavar="FILE", help="file to write (default: standard output)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("deliver-mail", help="send queued invoice emails over SMTP (with retries)")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", required=True, help="PDF storage URL (attachments are read from it)")
    p.add_argument("--smtp-url", required=True,
                   help="smtp://[user:password@]HOST:PORT[?security=starttls] or smtps://… for TLS")
    p.add_argument("--sender", default=None,
                   help="the From address (default: the oro_invoices.mail.sender setting)")
    p.add_argument("--limit", type=int, default=100, help="messages per run")
    p.add_argument("--every", type=float, default=0,
                   help="keep running, delivering every N seconds (default: one run)")
    p.set_defaults(func=_cmd_deliver_mail)

    p = sub.add_parser("deliver-events",
                       help="send due outgoing events to the webhook endpoints (signed, with retries)")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--host", default=os.environ.get(HOST_ENV) or NO_HOST,
                   help="host adapter (an oro_invoices.hosts entry point) whose settings list the "
                        f"endpoints and their secrets; default: ${HOST_ENV}")
    p.add_argument("--limit", type=_number(int, minimum=1, inclusive=True), default=100,
                   help="events per run (default: 100)")
    p.add_argument("--every", type=_number(float, minimum=0, inclusive=True), default=0,
                   help="keep running, delivering every N seconds (default: one run)")
    p.add_argument("--timeout", type=_number(float, minimum=0, inclusive=False), default=10.0,
                   help="seconds to wait for an endpoint, to connect and for each read (default: 10)")
    p.set_defaults(func=_cmd_deliver_events)

    p = sub.add_parser("migrate-storage", help="copy every stored PDF to another storage, verifying each "
                                               "(run it again to resume)")
    p.add_argument("--from", dest="source", required=True, help="PDF storage URL to copy from")
    p.add_argument("--to", dest="target", required=True,
                   help="PDF storage URL to copy to, e.g. s3://bucket/prefix?endpoint_url=https://…")
    p.set_defaults(func=_cmd_migrate_storage)

    p = sub.add_parser("demo", help="run the reference host with the add-on, seeded")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data-dir", default="./oro-invoices-demo")
    p.add_argument("--smtp-url", default=None, help="smtp://HOST:PORT; without it mail stays in the outbox")
    p.add_argument("--no-seed", action="store_true", help="do not add demo data")
    p.add_argument("--secure-cookies", action="store_true",
                   help="send the session cookie over HTTPS only (behind an HTTPS proxy)")
    p.add_argument("--hosted-page-url", default=None, metavar="URL",
                   help="take payments through OroPay's hosted payment page at URL (or a stand-in); "
                        "demo.json lists its response URL and shared secret under hosted_page")
    p.add_argument("--hosted-page-api-url", default=None, metavar="URL",
                   help="the hosted page's XML API for refunds (default: /epage-remote.cgi next to it)")
    p.add_argument("--stripe-api-base", default=None, metavar="URL",
                   help="take payments with Stripe through the Stripe API at URL (https://api.stripe.com, "
                        "or a local stand-in); demo.json lists the webhook URL and secret under stripe")
    p.add_argument("--stripe-js-url", default=None, metavar="URL",
                   help="where the browser loads Stripe.js (default: Stripe's own for Stripe's API, "
                        "else URL/js.stripe.com/v3/ of the --stripe-api-base)")
    p.add_argument("--stripe-secret-key", default=None, metavar="KEY",
                   help="Stripe secret key (default: sk_test_oro_invoices_demo, which local stand-ins accept)")
    p.add_argument("--stripe-publishable-key", default=None, metavar="KEY",
                   help="Stripe publishable key (default: pk_test_oro_invoices_demo)")
    p.add_argument("--stripe-webhook-secret", default=None, metavar="SECRET",
                   help="the signing secret of the webhook endpoint registered at Stripe "
                        "(default: whsec_oro_invoices_demo)")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None, *, host: Any = None) -> int:
    """Run one command; returns its exit code.

    :param host: a host adapter object for the commands that use one (``import``), instead of
        loading ``--host`` by name: a platform's own command line can run these commands
        against the host it has already built.
    """
    args = build_parser().parse_args(argv)
    args.host_object = host
    try:
        return int(args.func(args))
    except InvoiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
