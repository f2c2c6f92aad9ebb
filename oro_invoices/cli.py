"""The ``oro-invoices`` command: migrate, verify, complete-pdfs, import, export, aging, statement, deliver-mail,
deliver-events, remind, send-statements, send-aging-reports, reauthorize, worker, beat, migrate-storage,
check-einvoice, demo.

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
import contextlib
import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import DatabaseNotMigrated, InvoiceError
from oro_invoices.domain.limits import (
    MAX_INT64,
    MOMENT_YEARS,
    is_storable_text,
    moment_outside_years,
    parse_day,
    parse_moment,
)
from oro_invoices.services import follow_ups
from oro_invoices.services.aging import SORTS as AGING_SORTS
from oro_invoices.services.einvoice_check import CHECKED_PROFILES

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.composition import Addon, AddonConfig

NO_HOST = "none"
HOST_ENV = "ORO_INVOICES_HOST"
#: What ``demo`` serves with: the reference shop, PDFs and their QR codes, the OpenAPI document.
DEMO_MODULES = ("flask", "weasyprint", "segno", "apispec")
#: Options that a deployment may set once in the environment instead of on every command.
ENVIRONMENT_DEFAULTS = {"db": "ORO_INVOICES_DB", "storage": "ORO_INVOICES_STORAGE"}
#: The Celery broker of ``worker`` and ``beat`` when ``--broker`` is not given.
BROKER_ENV = "ORO_INVOICES_BROKER_URL"


def _config(args: argparse.Namespace, **options: Any) -> AddonConfig:
    """The add-on's configuration for a command: its ``--db`` plus ``options`` (``AddonConfig`` fields)."""
    from oro_invoices.composition import AddonConfig
    return AddonConfig(database_url=args.db, **options)


def _addon(args: argparse.Namespace, *, host_object: Any = None, **options: Any) -> Addon:
    """The add-on for a command: its ``--db`` plus ``options`` (``AddonConfig`` fields)."""
    from oro_invoices.composition import build_addon
    return build_addon(_config(args, **options), host=host_object)


@contextlib.contextmanager
def _addon_storing_pdfs(args: argparse.Namespace, host: str | None) -> Iterator[tuple[Addon, Path | None]]:
    """The add-on of a command that stores PDFs for ``deliver-mail`` to attach (statements, Aging
    Reports), its ``--storage`` asked first: a local folder that does not exist is taken only
    while no invoice PDF is stored (a first run); else it is a mistyped path, whose PDFs
    ``deliver-mail`` would never find in the real storage. Yields the add-on and that new
    folder (None: the storage exists, or is not a local folder), which only the first PDF
    stored makes (``_new_folder_note``)."""
    from sqlalchemy import literal, select

    from oro_invoices.documents.reachability import ensure_reachable
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.persistence.models import InvoiceDocumentRow
    if not (args.storage or "").strip():   # else no storage: every message refused, one by one
        raise UsageError("--storage is empty: give the URL of the PDF storage deliver-mail reads the "
                         f"attachments from (or set ${ENVIRONMENT_DEFAULTS['storage']})")
    with _addon(args, host_object=args.host_object, host=host, storage_url=args.storage) as addon:
        new_folder = None
        if addon.storage is not None:
            with addon.db.session() as s:
                stored = s.execute(select(literal(1)).select_from(InvoiceDocumentRow).limit(1)).first()
            ensure_reachable(addon.storage, may_be_new=stored is None)
            if isinstance(addon.storage, LocalStorage) and not addon.storage.root.exists():
                new_folder = addon.storage.root
        outermost = _outermost_missing(new_folder) if new_folder is not None else None
        try:
            yield addon, new_folder
        finally:
            if new_folder is not None and outermost is not None:
                _remove_empty_folders(new_folder, outermost)


def _outermost_missing(folder: Path) -> Path:
    """The outermost of ``folder`` and its parents that does not exist (what storing makes)."""
    while not folder.parent.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _remove_empty_folders(root: Path, outermost: Path) -> None:
    """Remove the folders a run made for the storage ``root`` (up to ``outermost``) and left
    empty, as every message whose PDF it stored could not be queued: only empty folders go."""
    if root.is_dir():
        for inside, _, _ in sorted(os.walk(root), key=lambda found: -len(found[0])):   # the deepest first
            with contextlib.suppress(OSError):
                os.rmdir(inside)
    folder = root
    while not folder.exists() and folder != outermost:
        folder = folder.parent
        with contextlib.suppress(OSError):
            folder.rmdir()


def _new_folder_note(args: argparse.Namespace, folder: Path | None, queued: int) -> None:
    """Say on stderr that the run made the storage folder ``folder`` (that did not exist) for
    the PDFs of its ``queued`` messages, or, with ``--dry-run``, that such a run would; a run
    that stores nothing makes no folder and says nothing."""
    if folder is None or not queued:
        return
    if args.dry_run:
        print(f"note: the PDF storage folder {folder} does not exist; a run without --dry-run makes it "
              f"to store the PDFs of {queued} message(s)", file=sys.stderr)
    elif folder.exists():
        print(f"note: made the PDF storage folder {folder}, which did not exist, to store the PDFs of "
              f"{queued} message(s)", file=sys.stderr)


def _host_name(args: argparse.Namespace) -> str | None:
    name = (args.host or NO_HOST).strip()
    return None if name.lower() == NO_HOST else name


def _sqlite_file(url: str | None) -> Path | None:
    """The file of a ``sqlite:///`` URL; ``None`` for another database or an in-memory one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        parsed = make_url(url or "")
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _missing_sqlite_file(args: argparse.Namespace) -> Path | None:
    """The SQLite file of a command's ``--db`` that does not exist; only ``migrate`` creates one."""
    if args.command == "migrate":
        return None
    path = _sqlite_file(getattr(args, "db", None))
    return path if path is not None and not path.exists() else None


def _cmd_migrate(args: argparse.Namespace) -> int:
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.persistence.migrate import current_revision, head_revision, is_before, is_known, upgrade
    created = _sqlite_file(args.db)
    if created is not None and created.exists():
        created = None
    try:
        with _addon(args, pdf=False) as addon:
            before = current_revision(addon.db)
            if before is not None and not is_known(before):
                raise UsageError(f"the schema is at revision {before}, which a newer release of oro-invoices "
                                 f"wrote (this one's newest is {head_revision()}): upgrade oro-invoices; "
                                 "nothing was changed")
            if before is not None and is_before(args.revision, before):
                raise UsageError(f"the schema is at revision {before}, past --revision {args.revision}: "
                                 "migrate only upgrades; nothing was changed")
            after = upgrade(addon.db, args.revision, progress=lambda revision, doc: print(
                f"applied {revision}: {doc.strip().splitlines()[0] if doc.strip() else ''}".rstrip(": "),
                file=sys.stderr, flush=True))
    except BaseException:
        if created is not None:  # a failed first migration leaves no empty database behind
            for leftover in (created, *(created.with_name(created.name + end) for end in ("-journal", "-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        raise
    if before is None:
        print(f"schema created at revision {after}")
    else:
        print(f"schema at revision {after}" + (f" (upgraded from {before})" if before != after else " (already current)"))
    return 0


def _expects_pdf(addon: Addon) -> Callable[[int, int | None], bool]:
    """Whether PDF generation at posting is on for an organization and website (the settings,
    read once for each)."""
    from oro_invoices.services.pdf_backlog import expects_pdf
    return expects_pdf(addon.invoices)


def _cmd_verify(args: argparse.Namespace) -> int:
    from oro_invoices.documents.reachability import ensure_reachable
    from oro_invoices.services.import_progress import ProgressMeter
    from oro_invoices.services.pdf_backlog import pending_pdfs
    from oro_invoices.services.verification import verify
    with _addon(args, host_object=args.host_object, storage_url=args.storage, pdf=False,
                host=_host_name(args)) as addon:
        if addon.storage is not None:   # else every PDF reads as missing, or, with none, all is OK
            ensure_reachable(addon.storage, may_be_new=bool(pending_pdfs(addon.invoices, limit=1)))
        meter = ProgressMeter(sys.stderr, what="checked")
        report = verify(addon.db, addon.storage, expects_pdf=_expects_pdf(addon), progress=meter)
        meter.finish()
    for note in report.notes:
        print(f"NOTE {note}")
    for pending in report.pending:
        print(f"PENDING {pending}")
    for problem in report.problems:
        print(f"FAIL {problem}")
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    pdfs = f", {report.checked_pdfs} PDF(s)" if addon.storage is not None else ""
    pending = f"; {len(report.pending)} PDF(s) pending" if report.pending else ""
    print(f"{status}: checked {report.checked_invoices} posted invoice(s){pdfs}{pending}")
    return 0 if report.ok else 1


def _cmd_complete_pdfs(args: argparse.Namespace) -> int:
    from oro_invoices.documents.reachability import ensure_reachable
    from oro_invoices.services.pdf_backlog import pending_pdfs
    from oro_invoices.services.verification import STRAY_AFTER
    with _addon(args, host_object=args.host_object, storage_url=args.storage,
                host=_host_name(args)) as addon:
        if addon.storage is None or addon.renderer is None:
            print("error: complete-pdfs needs --storage and the pdf extra "
                  "(pip install 'oro-invoices[pdf]')", file=sys.stderr)
            return 2
        pending = pending_pdfs(addon.invoices)
        ensure_reachable(addon.storage, may_be_new=bool(pending))
        failed = 0
        for invoice_id in pending:
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


def _writable_output(path: str, option: str) -> str | None:
    """Why the file ``path`` could not be written (before any work is done), or None."""
    target = Path(path)
    if target.is_dir():
        return f"{option} {path}: is a folder, not a file"
    folder = target.resolve().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return f"{option} {path}: the folder {folder} does not exist or is not writable"
    return None


#: ``import``'s exit code when good records were not imported because the database was busy or
#: out of reach, and no record was bad: running the import again imports them.
NOT_IMPORTED_EXIT = 3


def _cmd_import(args: argparse.Namespace) -> int:
    from oro_invoices.composition import build_addon
    from oro_invoices.services.import_check_process import CheckingFailed
    from oro_invoices.services.import_progress import ProgressMeter
    from oro_invoices.services.importing import run_import
    unwritable = _writable_output(args.report, "--report") if args.report else None
    if unwritable:  # said before importing, not after the invoices are written
        print(f"error: {unwritable}", file=sys.stderr)
        return 2
    meter = ProgressMeter(sys.stderr, what="invoices")
    config = _config(args, storage_url=args.storage, host=_host_name(args))
    with _said_if_interrupted(lambda: _import_interrupted(args), meter), \
            build_addon(config, host=args.host_object) as addon:
        try:
            report = run_import(addon.invoices, [Path(p) for p in args.files], organization_id=args.organization,
                                fmt=args.format, on_error=args.on_error, dry_run=args.dry_run, actor=args.actor,
                                progress=meter, pdfs=Path(args.pdfs) if args.pdfs else None,
                                check_apart=False if args.one_process else None)
        except CheckingFailed as exc:
            meter.finish()
            print(f"error: {exc}", file=sys.stderr)
            return 1
        renders = addon.renderer is not None
    not_rendered: list[tuple[int, str]] = []
    pending = report.count("pending_pdfs")
    if pending and not args.no_pdf and renders:    # after the import's commit, never inside it
        with _said_if_interrupted(lambda: "import interrupted while rendering PDFs: the invoices were imported; "
                                          "the PDFs not rendered yet stay pending (run complete-pdfs)", meter):
            not_rendered = _render_imported_pdfs(args, config, report, meter)
    meter.finish()
    if pending and not args.no_pdf and not renders:
        print("note: the PDFs stay pending: rendering needs the pdf extra (pip install 'oro-invoices[pdf]'); "
              "run complete-pdfs where it is installed", file=sys.stderr)
    for invoice_id, message in not_rendered:
        print(f"invoice id {invoice_id}: its PDF was not rendered (it stays pending): {message}", file=sys.stderr)
    if args.report:
        with _said_if_interrupted(lambda: _report_interrupted(args, report)), \
                _replacing(args.report, "w", encoding="utf-8") as out:
            report.write_json(cast(TextIO, out))
    for problem in report.problems:
        print(f"{problem.where}: {problem.message}", file=sys.stderr)
    for outage in report.outages:
        print(f"{outage.where}: {outage.message}", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {warning.where}: {warning.message}", file=sys.stderr)
    if report.problems and not report.written and not args.dry_run:
        print(f"error: nothing imported ({len(report.problems)} problem(s))", file=sys.stderr)
        return 1
    label = "dry run" if args.dry_run else "imported"
    print(f"{label}: {report.summary()}" + (f"; {len(report.problems)} problem(s)" if report.problems else ""))
    if report.problems or not_rendered:
        return 1
    return NOT_IMPORTED_EXIT if report.outages else 0


def _import_interrupted(args: argparse.Namespace) -> str:
    """What an import stopped with Ctrl-C before its PDFs are rendered leaves written."""
    if args.dry_run:
        return "import interrupted: nothing was written (a dry run)"
    if args.on_error == "stop":
        return "import interrupted: nothing was written (with --on-error stop the import is one transaction)"
    return ("import interrupted: the transactions it committed (500 records each) stay written and the one "
            "under way was rolled back; importing the file again writes the rest")


def _report_interrupted(args: argparse.Namespace, report: Any) -> str:
    """What an import stopped with Ctrl-C while writing its ``--report`` leaves: the import is over."""
    if args.dry_run:
        done = "the dry run is over and wrote nothing"
    elif not report.written:
        done = f"nothing was imported ({len(report.problems)} problem(s))"
    else:
        done = f"the import is done and stays written ({report.summary()})"
    return (f"import interrupted while writing its report: {done}; {args.report} was not written "
            "(an earlier file of that name is as it was)")


def _render_imported_pdfs(args: argparse.Namespace, config: AddonConfig, report: Any,
                          meter: Callable[[str, int, int | None], None]) -> list[tuple[int, str]]:
    """Render the pending PDFs of the imported invoices in ``--pdf-workers`` processes; update
    ``report``; return the invoices whose PDF could not be rendered."""
    from oro_invoices.pdf_workers import render_missing_pdfs
    workers = 1 if args.host_object is not None else args.pdf_workers  # a host object stays here
    result = render_missing_pdfs(config, report.ids("pending_pdfs"), workers=workers, actor=args.actor,
                                 host=args.host_object, progress=lambda done, total: meter("rendered", done, total))
    report.pdfs_rendered += len(result.rendered)
    stored = set(result.rendered) | set(result.already)
    report.settle_pending(lambda ids: [i for i in ids if i not in stored])
    return result.failed


def _cmd_export(args: argparse.Namespace) -> int:
    from oro_invoices.persistence.queries import InvoiceFilter
    from oro_invoices.services.exporting import export_records, write_csv, write_jsonl
    from oro_invoices.services.import_progress import ProgressMeter
    fmt = args.format or ("csv" if (args.output or "").lower().endswith(".csv") else "jsonl")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        from oro_invoices.domain.errors import UsageError
        raise UsageError(f"--date-to {args.date_to} is before --date-from {args.date_from}: no invoice is dated "
                         "between them.")
    filters = InvoiceFilter(organization_id=args.organization, status=args.status,
                            date_from=args.date_from, date_to=args.date_to)
    if fmt == "pdfs":
        return _export_pdfs(args, filters)
    meter = ProgressMeter(sys.stderr, what="invoices")
    exported = [0]

    def progress(done: int) -> None:
        exported[0] = done
        meter("exported", done, total)

    with _said_if_interrupted(lambda: _export_interrupted(args.output, f"{exported[0]} invoice(s)"), meter), \
            _addon(args) as addon, contextlib.ExitStack() as stack:
        total = addon.invoices.list_invoices(filters, limit=1, with_total=True).total
        out = cast(TextIO, stack.enter_context(_replacing(args.output, "w", encoding="utf-8", newline=""))) \
            if args.output else sys.stdout
        write = write_csv if fmt == "csv" else write_jsonl
        count = write(export_records(addon.invoices, filters), out, progress)
    meter.finish()
    print(f"exported: {count} invoice(s)", file=sys.stderr)
    return 0


def _export_pdfs(args: argparse.Namespace, filters: Any) -> int:
    """``export --format pdfs``: the stored PDFs of the posted invoices, one ZIP archive."""
    from oro_invoices.documents.reachability import ensure_reachable
    from oro_invoices.services.import_progress import ProgressMeter
    from oro_invoices.services.pdf_archive import MISSING_NAME, pdf_archive
    if not args.storage:
        print("error: --format pdfs needs --storage, the URL of the PDF storage", file=sys.stderr)
        return 2
    if not args.output and sys.stdout.isatty():
        print("error: --format pdfs writes a ZIP archive: give --output FILE (or redirect standard output)",
              file=sys.stderr)
        return 2
    meter = ProgressMeter(sys.stderr, what="PDFs")
    missing: list[str] = []
    written = 0
    with _said_if_interrupted(lambda: _export_interrupted(args.output, "the ZIP archive (it has no directory yet, "
                                                                      "so it cannot be opened)"), meter), \
            _addon(args, storage_url=args.storage, pdf=False) as addon:
        if addon.storage is not None:   # before the archive is begun: else each PDF is listed missing
            ensure_reachable(addon.storage)
        posted = addon.invoices.list_invoices(filters, limit=1, with_total=True).total \
            if filters.status in (None, "posted") else 0
        with _replacing(args.output, "wb") if args.output else contextlib.nullcontext(sys.stdout.buffer) as out:
            for piece in pdf_archive(addon.invoices, filters, missing=missing):
                out.write(piece)
                written += 1
                meter("exported", min(written + len(missing), posted or 0), posted)
    meter.finish()
    pdfs = max(written - 1, 0)                    # the last piece is the archive's directory
    print(f"exported: {pdfs} PDF(s)" + (f"; {len(missing)} posted invoice(s) without a readable PDF, "
                                        f"listed in {MISSING_NAME}" if missing else ""), file=sys.stderr)
    for line in missing:
        print(f"MISSING {line}", file=sys.stderr)
    return 1 if missing else 0


def _export_interrupted(output: str | None, written: str) -> str:
    """What an export stopped with Ctrl-C leaves: ``--output`` takes its name only once complete."""
    if output:
        return f"export interrupted: {output} was not written (an earlier file of that name is as it was)"
    return f"export interrupted: standard output is incomplete: it got only {written}"


def _date(text: str) -> Any:
    day = parse_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}")
    return day


def _moment(text: str) -> dt.datetime:
    """An argparse type: a day (its start in UTC) or a time with its offset, as the API's
    ``occurred_from`` takes them."""
    moment = parse_moment(text)
    outside = moment_outside_years(text)
    if outside:
        raise argparse.ArgumentTypeError(f"out of range: {text!r} is {outside} the years {MOMENT_YEARS} in UTC "
                                         "(once its offset is applied), the ones a time can be in")
    if moment is None:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD) or a time with its offset "
                                         f"(2026-12-01T09:30:00+01:00, or Z for UTC): {text!r}")
    return moment


def _endpoint_url(text: str) -> str:
    """An argparse type: a webhook endpoint's URL as configured: not blank (an unset shell variable
    would choose no event, silently), nor holding NUL or bytes that are not UTF-8, which no URL
    stored has."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give the URL of a configured webhook endpoint, exactly as configured, "
                                         "not an empty value")
    if not is_storable_text(text):
        raise argparse.ArgumentTypeError(f"not an endpoint URL: it holds a NUL or a byte that is not UTF-8: {text!r}")
    return text


def _queue_name(text: str) -> str:
    """A broker queue's name: not empty (Celery would take its default queue, which the web
    processes send no job to)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("a queue needs a name (the web processes' jobs_queue; default oro_invoices)")
    return text


#: The options of fields a service names otherwise in its ``ValidationError``.
_FIELD_OPTIONS = {"organization_id": "--organization", "start": "--from", "end": "--to"}


@contextlib.contextmanager
def _naming_options() -> Iterator[None]:
    """Turn a ``ValidationError`` of the command's input into a ``UsageError`` naming each
    option (``--as-of: …``), not the service's field (``as_of: …``)."""
    from oro_invoices.domain.errors import UsageError, ValidationError
    try:
        yield
    except ValidationError as exc:
        if not exc.errors:
            raise
        raise UsageError("; ".join(f"{_FIELD_OPTIONS.get(field, '--' + field.replace('_', '-'))}: {message}"
                                   if field else message for field, message in exc.errors)) from None


def _cmd_aging(args: argparse.Namespace) -> int:
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.persistence.queries import InvoiceFilter
    from oro_invoices.services.aging import aging_csv_text, aging_text
    pdf = args.format == "pdf"
    if pdf and (not args.output or args.organization is None):
        raise UsageError("An aging report as PDF is one organization's, written to a file: give --organization ID "
                         "and --output FILE.")
    with _addon(args, host_object=args.host_object, pdf=pdf, host=_host_name(args)) as addon, _naming_options():
        if args.format == "detail":
            from oro_invoices.services.aging_detail import aging_detail_csv
            day, rows = addon.invoices.aging_detail(
                InvoiceFilter(organization_id=args.organization, currency=args.currency), today=args.as_of)
            _write_text(args.output, "".join(aging_detail_csv(day, rows)))
            return 0
        report = addon.invoices.receivables_aging(
            InvoiceFilter(organization_id=args.organization, currency=args.currency), today=args.as_of)
        if pdf:
            from oro_invoices.services.aging import PDF_LINES_MAX
            listed = (f"{len(report.lines)} customer line(s)" if len(report.lines) <= PDF_LINES_MAX else
                      f"the first {PDF_LINES_MAX} of {len(report.lines)} customer lines (a PDF lists at most "
                      f"{PDF_LINES_MAX}; the totals count them all, and --format csv lists them all)")
            return _write_pdf(args.output, addon.invoices.aging_pdf(report.sorted_by(args.sort),
                                                                    organization_id=args.organization), listed)
    ordered = report.sorted_by(args.sort)
    _write_text(args.output, aging_csv_text(ordered) if args.format == "csv" else aging_text(ordered))
    return 0


def _cmd_statement(args: argparse.Namespace) -> int:
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.services.statement import statement_csv_text, statement_text
    pdf = args.format == "pdf"
    if pdf and not args.output:
        raise UsageError("A PDF statement is written to a file: give --output FILE.")
    if args.start is not None or args.end is not None:
        return _activity(args, pdf)
    with _addon(args, host_object=args.host_object, pdf=pdf, host=_host_name(args)) as addon, _naming_options():
        found = addon.invoices.statement_of(args.customer, organization_id=args.organization,
                                            currency=args.currency, today=args.as_of)
        if pdf:
            return _write_pdf(args.output, addon.invoices.statement_pdf(found), f"{found.invoices} open invoice(s)")
    _write_text(args.output, statement_csv_text(found) if args.format == "csv" else statement_text(found))
    return 0


def _activity(args: argparse.Namespace, pdf: bool) -> int:
    """``statement --from``: the customer's activity statement of a period (its CSV and PDF in the
    customer's language, the table in English)."""
    from oro_invoices import i18n
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.services.activity_statement import activity_csv_text, activity_text
    if args.as_of is not None:
        raise UsageError("--as-of judges the open-item statement; an activity statement takes --from and --to.")
    with _addon(args, host_object=args.host_object, pdf=pdf, host=_host_name(args)) as addon:
        with _naming_options():
            end = args.end or _customer_today(addon, args.customer, args.organization)
            found = addon.invoices.activity_statement(args.customer, start=args.start or end.replace(day=1), end=end,
                                                      organization_id=args.organization, currency=args.currency)
        if pdf:
            return _write_pdf(args.output, addon.invoices.activity_pdf(found),
                              f"{sum(len(s.lines) for s in found.sections)} entries")
        if args.format == "csv":  # in the customer's language, as the PDF and the pages write it
            with i18n.using(addon.invoices.activity_locale(found)):
                text = activity_csv_text(found)
        else:
            text = activity_text(found)
    _write_text(args.output, text)
    return 0


def _customer_today(addon: Addon, customer_id: int, organization_id: int | None) -> dt.date:
    """The day of the books of the organization a statement of ``customer_id`` is of (given, or
    the customer's: ``InvoiceService.statement_customer``; ``InvoiceService.books_today``)."""
    from oro_invoices.adapters.config_store import ScopeContext
    organization_id, _name = addon.invoices.statement_customer(customer_id, organization_id, infer=True)
    return addon.invoices.books_today(ScopeContext(organization_id=organization_id))


@contextlib.contextmanager
def _said_if_interrupted(say: Callable[[], str], meter: Any = None) -> Iterator[None]:
    """Ctrl-C in the block says in one line (``say()``) what was and was not done; the command
    still ends with 130, as an interrupted command does. ``meter``: a progress line to end first."""
    try:
        yield
    except KeyboardInterrupt:
        if meter is not None:
            meter.finish()
        print(say(), file=sys.stderr, flush=True)
        raise


@contextlib.contextmanager
def _replacing(path: str, mode: str, **options: Any) -> Iterator[IO[Any]]:
    """A file to write that becomes ``path`` only when the block completes: an error or Ctrl-C
    midway leaves no partial file (and an earlier file of that name as it was)."""
    import tempfile
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", path)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:  # named by the file asked for, not the temporary one
        raise type(exc)(exc.errno, exc.strerror, path) from None
    try:
        with open(fd, mode, **options) as out:
            yield out
        # mkstemp's file is private (0600): give it the mode the file it replaces had, else the
        # one a newly created file gets (the umask's), as a shell redirection would
        os.chmod(temp, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it: it is set back at once)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _write_pdf(path: str, pdf: bytes, what: str) -> int:
    """Write a statement's ``pdf`` to ``path`` and say so on standard error (``what`` it holds)."""
    with _replacing(path, "wb") as out:
        out.write(pdf)
    print(f"wrote {path}: {what}", file=sys.stderr)
    return 0


def _cmd_match_payments(args: argparse.Namespace) -> int:
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.services.bank_matching import MATCHED, MORE, MatchedPayment, match_entries, record_matched
    from oro_invoices.services.bank_statement_files import UnreadableStatement, read_statement
    try:
        with open(args.file, "rb") as source:
            statement = read_statement(args.file, source.read())
    except OSError as exc:
        raise UsageError(f"{args.file}: {exc.strerror or exc}") from None
    except UnreadableStatement as exc:
        raise UsageError(f"{args.file}: {exc.message}") from None
    for problem in statement.problems:
        print(f"FAIL {problem}")
    with _addon(args, host_object=args.host_object, host=_host_name(args), pdf=False) as addon:
        matches = match_entries(addon.invoices, statement.entries, organization_id=args.organization)
        for match in matches:
            entry = match.entry
            named = ", ".join(d.invoice_number or f"#{d.id}" for d in match.invoices) or "no invoice"
            suggested = ", ".join(d.invoice_number or f"#{d.id}" for d in match.suggested)
            print(f"{entry.where}: {entry.booked_on} {entry.amount} {entry.currency} {entry.reference!r} → {named}: "
                  f"{_MATCH_WORDS[match.outcome].format(due=match.due, currency=entry.currency)}"
                  + (f" (suggested by its amount: {suggested} of {match.suggested[0].customer_name!r}, not recorded "
                     f"by --record)" if match.suggested else ""))
        exact = [MatchedPayment.of(m) for m in matches if m.outcome == MATCHED]
        more = [MatchedPayment.of(m, keep_surplus=True) for m in matches if m.outcome == MORE] \
            if args.keep_surplus else []
        failed = 0
        if args.record and (exact or more):
            for done in record_matched(addon.invoices, exact + more, organization_id=args.organization,
                                       actor=args.actor):
                what = f"{done.payment.booked_on} {done.payment.amount} {done.payment.currency}"
                if done.outcome == "not_recorded":
                    failed += 1
                    print(f"FAIL {what}: {done.why}")
                    continue
                numbers = ", ".join(s.invoice.invoice_number or str(s.invoice_id) for s in done.recorded_shares
                                    if s.invoice)
                kept = f" ({done.kept} {done.payment.currency} kept as the customer's credit)" if done.kept else ""
                print(f"{'recorded before' if done.outcome == 'before' else 'recorded'}: {what} for {numbers}{kept}")
    print(f"{len(statement.entries)} payment(s) received, {statement.skipped} other booking(s) left out; "
          f"{len(exact)} pay exactly what their invoices owe"
          + (f", {len(more)} more than they owe (what is over kept as credit)" if more else "")
          + ("" if args.record else " (--record records them)"))
    return 1 if statement.problems or failed else 0


_MATCH_WORDS = {"matched": "pays what they owe", "partly": "pays part of what they owe ({due} {currency})",
                "more": "more than they owe ({due} {currency})", "not_found": "no invoice found",
                "suggested": "no invoice named",
                "recorded": "recorded before"}


def _write_text(output: str | None, text: str) -> None:
    """``text`` into the file ``output`` (as it is: CSV line ends kept), else to standard output."""
    with _replacing(output, "w", encoding="utf-8", newline="") if output else contextlib.nullcontext(sys.stdout) as out:
        out.write(text)


def _cmd_deliver_mail(args: argparse.Namespace) -> int:
    import time

    from oro_invoices.services.mail.delivery_progress import DeliveryTally, next_attempt
    with _addon(args, storage_url=args.storage, smtp=args.smtp_url, mail_sender=args.sender,
                pdf=False) as addon:
        tally = DeliveryTally()
        rounds = _Rounds("deliver-mail", "a message being sent at that moment stays 'sending' until its lease "
                                         "expires")
        while True:
            with rounds.one():
                report = addon.mail.deliver_pending(limit=args.limit)
            tally.add(report)
            if report.claimed or not args.every:
                print(f"claimed {report.claimed}: {report.sent} sent, {report.retrying} to retry, "
                      f"{report.failed} failed, {report.unknown} unknown", flush=True)
            delivered_nothing = report.claimed > report.sent + report.waiting and not report.sent
            if delivered_nothing:
                _explain_undelivered(addon)
            if not args.every:
                if not report.claimed:
                    waiting, due = addon.mail.waiting()
                    print(f"nothing was due: {next_attempt(waiting, due)}", flush=True)
                return 1 if report.failed or report.unknown or delivered_nothing else 0
            if report.claimed:
                print(tally.line(addon.mail.waiting()[0]), file=sys.stderr, flush=True)
            with rounds.between():
                time.sleep(args.every)


def _explain_undelivered(addon: Addon) -> None:
    """Why the last run delivered nothing, and when the message is tried again."""
    problem = addon.mail.latest_problem()
    if problem is None:
        return
    retry = (f"; next attempt at {problem.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
             if problem.status == "retry" and problem.next_attempt_at else "; it is not retried")
    about = (f"invoice {problem.invoice_id}" if problem.invoice_id is not None
             else f"statement of customer {problem.customer_id}")
    print(f"error: nothing was delivered; the last problem (message {problem.id}, {about}): "
          f"{problem.last_error}{retry}", file=sys.stderr)


class _Rounds:
    """The delivery rounds of ``deliver-mail`` and ``deliver-events``: what Ctrl-C stopped."""

    def __init__(self, command: str, cut_short: str):
        self.command, self.cut_short, self.finished = command, cut_short, 0

    @contextlib.contextmanager
    def one(self) -> Iterator[None]:
        """A round: interrupted, what it had delivered is recorded, and ``cut_short`` is said."""
        with _said_if_interrupted(lambda: f"{self.command} interrupted during a round, after {self.finished} "
                                          f"finished round(s): what it delivered is recorded; {self.cut_short}"):
            yield
        self.finished += 1

    def between(self) -> contextlib.AbstractContextManager[None]:
        """The wait for the next round."""
        return _said_if_interrupted(lambda: f"{self.command} stopped after its last finished round "
                                            f"({self.finished} round(s)); nothing was cut short")


def _cmd_migrate_storage(args: argparse.Namespace) -> int:
    from oro_invoices.composition import build_storage
    from oro_invoices.documents.reachability import ensure_reachable
    from oro_invoices.documents.storage import ListableStorage
    from oro_invoices.services.storage_migration import migrate_storage
    source, target = build_storage(args.source), build_storage(args.target)
    if not isinstance(source, ListableStorage):
        print(f"error: the storage {args.source!r} cannot list its PDFs", file=sys.stderr)
        return 2
    if isinstance(source, LocalStorage) and not source.root.is_dir():
        print(f"error: --from {args.source!r}: the folder {source.root} does not exist", file=sys.stderr)
        return 2
    ensure_reachable(source)
    ensure_reachable(target, may_be_new=True)
    report = migrate_storage(source, target,
                             progress=lambda sha256, outcome: print(f"{outcome}: {sha256}", flush=True))
    for problem in report.problems:
        print(f"FAIL {problem}")
    status = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"{status}: {report.copied} PDF(s) copied, {report.already_there} already there")
    return 0 if report.ok else 1


def _cmd_check_einvoice(args: argparse.Namespace) -> int:
    from oro_invoices.services.einvoice_check import check_file
    from oro_invoices.services.einvoicing import PROFILE_LABELS
    worst = 0
    for path in args.files:
        try:
            with open(path, "rb") as f:
                found = check_file(f.read(), args.profile)
        except (OSError, ValueError) as exc:
            print(f"{path}: error: {getattr(exc, 'strerror', None) or exc}")
            worst = 2
            continue
        counts = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in
                           ((len(found.errors), "error"), (len(found.warnings), "warning")) if n)
        print(f"{path}: {PROFILE_LABELS[found.profile]}: {'valid' if found.valid else 'NOT valid'}"
              f"{f' ({counts})' if counts else ''}")
        for kind, listed in (("ERROR", found.errors), ("WARNING", found.warnings)):
            for rule, message in listed:
                print(f"  {kind} [{rule}] {message}")
        if found.note:
            print(f"  NOTE {found.note}")
        worst = max(worst, 0 if found.valid else 1)
    return worst


def _cmd_deliver_events(args: argparse.Namespace) -> int:
    import time

    from oro_invoices.domain.errors import ConfigurationError, UsageError
    narrowing = [option for option, value in (("--organization", args.organization), ("--since", args.since),
                                              ("--endpoint", args.endpoint)) if value is not None]
    if not args.redeliver_failed and narrowing:
        raise UsageError(f"{narrowing[0]} chooses the failed events to send again: give it with --redeliver-failed.")
    with _addon(args, host_object=args.host_object, host=_host_name(args), pdf=False,
                webhook_timeout=args.timeout) as addon:
        if addon.host is None:
            raise ConfigurationError(
                "deliver-events needs the host whose settings list the webhook endpoints and "
                f"their secrets: give --host NAME or set ${HOST_ENV}.")
        if args.redeliver_failed:
            _requeue_failed_events(addon, args)
        waiting = addon.events.due_count()
        if waiting and not addon.events.endpoints_anywhere():
            # a host without the shop's settings would mark every event failed for good
            raise ConfigurationError(
                f"{waiting} event(s) wait for delivery, but the settings of host {addon.host.name!r} list no "
                "webhook endpoint in any scope; nothing was sent or marked. Give the shop's own host "
                f"(--host NAME or ${HOST_ENV}), whose settings hold the endpoints.")
        rounds = _Rounds("deliver-events", "an event being posted at that moment is posted again, with the same "
                                           "event id, once its lease expires")
        while True:
            with rounds.one():
                report = addon.events.deliver_pending(limit=args.limit)
            if report.claimed or not args.every:
                print(report.summary(), flush=True)
            if not args.every:
                return 1 if report.failed else 0
            with rounds.between():
                time.sleep(args.every)


def _requeue_failed_events(addon: Addon, args: argparse.Namespace) -> None:
    """``deliver-events --redeliver-failed``: put the failed events back, due now, and say how many
    (and which endpoints, no longer configured, keep theirs failed)."""
    from oro_invoices.services.event_log import CLI, redeliver_failed
    found = redeliver_failed(addon.events.ctx, organization_id=args.organization, since=args.since,
                             endpoint_url=args.endpoint, by=CLI)
    line = f"re-queued {found.requeued} failed event(s)"
    if found.unconfigured:
        left = ", ".join(f"{url} ({count})" for url, count in sorted(found.unconfigured.items()))
        line += f"; {sum(found.unconfigured.values())} left failed: their endpoint is no longer configured: {left}"
    print(line, flush=True)


def _cmd_remind(args: argparse.Namespace) -> int:
    from oro_invoices.services.reminders import send_due_reminders, send_todays_reminders
    host = _host_name(args)
    if host is None and args.host_object is None:
        print("note: no host: settings are at their defaults, so reminders are off "
              "(give --host NAME or set $" + HOST_ENV + ")", file=sys.stderr)
    with _addon(args, host_object=args.host_object, host=host, storage_url=args.storage,
                pdf=False) as addon:
        if args.date is None:                       # each invoice's today, in its time zone: a line per day
            reports = send_todays_reminders(addon.invoices, addon.mail, dry_run=args.dry_run, actor=args.actor,
                                            organization_id=args.organization)
        else:
            reports = [send_due_reminders(addon.invoices, addon.mail, today=args.date, dry_run=args.dry_run,
                                          actor=args.actor, organization_id=args.organization)]
    verb = "would queue" if args.dry_run else "queued"
    for report in reports:                          # one summary line per day
        for reminder in report.queued:
            print(f"{verb}: invoice {reminder.invoice_number} (id {reminder.invoice_id}): "
                  f"{reminder.label} to {', '.join(reminder.to)}")
        for invoice_id, number in report.waiting_for_pdf:
            print(f"WAIT invoice {number} (id {invoice_id}): its PDF is not made yet; its reminder goes out on "
                  "a run after oro-invoices complete-pdfs (or a worker) has made it")
        for problem in report.problems:
            print(f"FAIL invoice {problem.invoice_number} (id {problem.invoice_id}): {problem.message}")
        print(report.summary())
    return 1 if any(report.problems for report in reports) else 0


def _cmd_send_statements(args: argparse.Namespace) -> int:
    from oro_invoices.services.statement_runs import send_statements, send_todays_statements
    host = _host_name(args)
    if host is None and args.host_object is None:
        print("note: no host: the seller, sender and languages are the settings' defaults "
              "(give --host NAME or set $" + HOST_ENV + ")", file=sys.stderr)
    if args.scheduled:
        return _send_scheduled_statements(args, host)
    if args.activity:
        return _send_activities(args, host)
    with follow_ups.noted() as unsent, _addon_storing_pdfs(args, host) as (addon, new_folder):
        if args.date is None:                       # each organization's own today, in its time zone
            reports = send_todays_statements(addon.invoices, addon.mail, organization_id=args.organization,
                                             overdue_only=args.overdue_only, dry_run=args.dry_run, actor=args.actor)
        else:
            reports = [send_statements(addon.invoices, addon.mail, today=args.date, organization_id=args.organization,
                                       overdue_only=args.overdue_only, dry_run=args.dry_run, actor=args.actor)]
    _new_folder_note(args, new_folder, sum(len(report.queued) for report in reports))
    verb = "would queue" if args.dry_run else "queued"
    for report in reports:                          # one summary line per day
        for sent in report.queued:
            print(f"{verb}: statement of {sent.customer_name} (customer {sent.customer_id}, organization "
                  f"{sent.organization_id}), {sent.invoices} open invoice(s), to {', '.join(sent.to)}")
        for org, customer, name, why in report.problems:
            print(f"FAIL statement of {name} (customer {customer}, organization {org}): {why}")
        print(report.summary())
    _warn_unsent(unsent)
    return 1 if any(report.problems for report in reports) else 0


def _send_scheduled_statements(args: argparse.Namespace, host: str | None) -> int:
    """``send-statements --scheduled``: what each organization's Email Statements To Customers has
    due on ``--date`` (today unless given), once per customer and month."""
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.services.statement_runs import send_scheduled_statements
    if args.activity or args.overdue_only or args.start is not None or args.end is not None:
        raise UsageError("--scheduled sends what Email Statements To Customers has due; --activity, --overdue-only, "
                         "--from and --to are for a run of your own.")
    with follow_ups.noted() as unsent, _addon_storing_pdfs(args, host) as (addon, new_folder):
        reports = send_scheduled_statements(addon.invoices, addon.mail, today=args.date,
                                            organization_id=args.organization, dry_run=args.dry_run, actor=args.actor)
    _new_folder_note(args, new_folder, sum(len(r.queued) for r in reports))
    verb = "would queue" if args.dry_run else "queued"
    problems = 0
    for report in reports:
        for sent in report.queued:
            print(f"{verb}: statement of {sent.customer_name} (customer {sent.customer_id}, organization "
                  f"{sent.organization_id}) of {report.today.isoformat()}, to {', '.join(sent.to)}")
        for org, customer, name, why in report.problems:
            print(f"FAIL statement of {name} (customer {customer}, organization {org}): {why}")
        problems += len(report.problems)
    if not reports:
        print("no organization has statements due by Email Statements To Customers")
    else:
        print(f"{verb} {sum(len(r.queued) for r in reports)} statement(s) by the schedules, "
              f"{sum(len(r.already_sent) for r in reports)} already sent, {problems} could not be sent")
    _warn_unsent(unsent)
    return 1 if problems else 0


def _send_activities(args: argparse.Namespace, host: str | None) -> int:
    """``send-statements --activity``: each customer's account activity of the period (by default
    the last whole month in each organization's time zone)."""
    from oro_invoices.domain.errors import UsageError, ValidationError
    from oro_invoices.services.statement_runs import send_activity_statements, send_last_months_activity
    if args.date is not None or args.overdue_only:
        raise UsageError("--activity sends the activity of --from to --to; --date and --overdue-only are for "
                         "the open-item statements.")
    with follow_ups.noted() as unsent, _addon_storing_pdfs(args, host) as (addon, new_folder):
        try:
            if args.end is None:
                reports = send_last_months_activity(addon.invoices, addon.mail, start=args.start,
                                                    organization_id=args.organization, dry_run=args.dry_run,
                                                    actor=args.actor)
            else:
                reports = [send_activity_statements(addon.invoices, addon.mail, start=args.start or
                                                    args.end.replace(day=1), end=args.end,
                                                    organization_id=args.organization, dry_run=args.dry_run,
                                                    actor=args.actor)]
        except ValidationError as exc:
            raise UsageError("; ".join(f"--{field}: {message}" for field, message in exc.errors)) from None
    _new_folder_note(args, new_folder, sum(len(report.queued) for report in reports))
    verb = "would queue" if args.dry_run else "queued"
    if not reports:
        print("no organization has a posted invoice: no account activity to send")
    for report in reports:
        for sent in report.queued:
            print(f"{verb}: account activity of {sent.customer_name} (customer {sent.customer_id}, organization "
                  f"{sent.organization_id}), {sent.invoices} entries from {report.start} to {report.today}, to "
                  f"{', '.join(sent.to)}")
        for org, customer, name, why in report.problems:
            print(f"FAIL account activity of {name} (customer {customer}, organization {org}): {why}")
        print(report.summary().replace("statement(s)", "account activity statement(s)").replace(
            "already sent on this day", "already sent for this period"))
    _warn_unsent(unsent)
    return 1 if any(report.problems for report in reports) else 0


def _warn_unsent(unsent: Sequence[follow_ups.FollowUpFailed]) -> None:
    """A ``warning:`` line of each email queued whose delivery job was not handed to the job
    queue (``follow_ups``): queued all the same, the mail sweep sends it."""
    for said in follow_ups.warnings(unsent, follow_ups.QUEUED):
        print(f"warning: {said}", file=sys.stderr)


def _cmd_send_aging_reports(args: argparse.Namespace) -> int:
    from oro_invoices.services.aging_runs import send_aging_reports
    host = _host_name(args)
    if host is None and args.host_object is None:
        print("note: no host: every setting is its default, so no organization emails its Aging Report "
              "(give --host NAME or set $" + HOST_ENV + ")", file=sys.stderr)
    with follow_ups.noted() as unsent, _addon_storing_pdfs(args, host) as (addon, new_folder):
        report = send_aging_reports(addon.invoices, addon.mail, today=args.date, organization_id=args.organization,
                                    dry_run=args.dry_run, actor=args.actor)
    _new_folder_note(args, new_folder, len(report.queued))
    verb = "would queue" if args.dry_run else "queued"
    for sent in report.queued:
        print(f"{verb}: Aging Report of organization {sent.organization_id} on {sent.as_of.isoformat()}, "
              f"to {', '.join(sent.to)}")
    for sent in report.already_sent:
        print(f"already sent: Aging Report of organization {sent.organization_id} on {sent.as_of.isoformat()}")
    for org, why in report.problems:
        print(f"FAIL Aging Report of organization {org}: {why}")
    print(report.summary())
    _warn_unsent(unsent)
    return 1 if report.problems else 0


def _cmd_reauthorize(args: argparse.Namespace) -> int:
    from oro_invoices.services.authorization_alerts import alert_expiring_authorizations
    from oro_invoices.services.renewals import renew_expiring_authorizations
    host = _host_name(args)
    if host is None and args.host_object is None:
        print("note: no host: settings are at their defaults, so renewing and alerts are off "
              "(give --host NAME or set $" + HOST_ENV + ")", file=sys.stderr)
    with _addon(args, host_object=args.host_object, host=host, pdf=False) as addon:
        report = renew_expiring_authorizations(addon.invoices, within=dt.timedelta(hours=args.within),
                                               dry_run=args.dry_run, actor=args.actor,
                                               organization_id=args.organization)
        alerts = alert_expiring_authorizations(addon.invoices, addon.mail, declined=report.declined(),
                                               dry_run=args.dry_run, organization_id=args.organization)
    verb = "would renew" if args.dry_run else "renewed"
    for renewal in report.renewed:
        print(f"{verb}: invoice {renewal.invoice_number} (id {renewal.invoice_id}): authorization "
              f"{renewal.transaction_id}, held until {renewal.held_until.isoformat()}"
              + (f", now transaction {renewal.renewed_as}" if renewal.renewed_as else ""))
    for renewal, reason in report.problems:
        print(f"FAIL invoice {renewal.invoice_number} (id {renewal.invoice_id}): authorization "
              f"{renewal.transaction_id}: {reason}")
    verb = "would alert" if args.dry_run else "alerted"
    for alert in alerts.queued:
        print(f"{verb}: invoice {alert.invoice_number} (id {alert.invoice_id}): authorization "
              f"{alert.transaction_id}, held until {alert.held_until.isoformat()}, to {', '.join(alert.to)}")
    for alert, reason in alerts.problems:
        print(f"FAIL alert about invoice {alert.invoice_number} (id {alert.invoice_id}): {reason}")
    print(report.summary())
    print(alerts.summary())
    return 1 if report.problems or alerts.problems else 0


def _celery_app(args: argparse.Namespace, build: Callable[[], Addon]) -> Any:
    """The jobs' Celery app on ``--broker``/``--queue``; each worker process builds its add-on with ``build``."""
    from oro_invoices.domain.errors import ConfigurationError
    from oro_invoices.jobs.celery_app import check_broker, create_celery
    if not args.broker:
        raise ConfigurationError(f"{args.command} needs the Celery broker: give --broker URL "
                                 f"or set ${BROKER_ENV}.")
    app = create_celery(build, broker_url=args.broker, queue=args.queue, sweep_every=args.every)
    check_broker(app)
    return app


def _cmd_worker(args: argparse.Namespace) -> int:
    from oro_invoices.composition import build_addon
    from oro_invoices.jobs.celery_app import run_worker
    config = _config(args, storage_url=args.storage, smtp=args.smtp_url, mail_sender=args.sender,
                     host=_host_name(args), webhook_timeout=args.timeout, jobs_broker_url=args.broker,
                     jobs_queue=args.queue)
    app = _celery_app(args, lambda: build_addon(config, host=args.host_object))
    problem = _schema_problem(args)
    if problem:  # every job would fail and be retried; say it once, before any is taken
        print(f"error: {problem}", file=sys.stderr)
        return 2
    run_worker(app, concurrency=args.concurrency, pool=args.pool, beat=args.beat,
               loglevel=args.loglevel)
    return 0


def _schema_problem(args: argparse.Namespace) -> str | None:
    """Why ``--db`` cannot serve the jobs: no oro-invoices schema, or an older one than this
    release's (a newer one, during a rolling upgrade, is left to the jobs); else None. The
    ``--host`` is built once here too: one that cannot be (its shop's settings not found) raises
    its ``ConfigurationError`` now rather than failing every job."""
    from oro_invoices.persistence.migrate import current_revision, head_revision
    # closed before the worker forks its processes
    with _addon(args, pdf=False, host=_host_name(args)) as addon:
        current = current_revision(addon.db)
    head = head_revision()
    database = _masked(args.db)
    if current is None:
        return (f"the database {database} has no oro-invoices schema; run: oro-invoices migrate --db {database}")
    if current != head and current.isdigit() and head is not None and head.isdigit() and int(current) < int(head):
        return (f"the database {database} has the schema of revision {current}, this release needs {head}; "
                f"run: oro-invoices migrate --db {database}")
    return None


def _cmd_beat(args: argparse.Namespace) -> int:
    from oro_invoices.domain.errors import UsageError
    from oro_invoices.jobs.celery_app import run_beat

    def no_addon() -> Addon:
        raise UsageError("beat only sends the periodic jobs; oro-invoices worker runs them.")
    folder = Path(args.schedule_file).resolve().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--schedule-file {args.schedule_file}: the folder {folder} does not exist "
                         "or is not writable")
    run_beat(_celery_app(args, no_addon), schedule_file=args.schedule_file, loglevel=args.loglevel)
    return 0


def _jobs_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--broker", default=os.environ.get(BROKER_ENV),
                   help="Celery broker URL: redis://HOST:6379/N, amqp://USER:PASSWORD@HOST:5672// or another "
                        "transport Celery knows (sqs://, …); "
                        f"default: ${BROKER_ENV}")
    p.add_argument("--queue", default="oro_invoices", type=_queue_name,
                   help="the broker queue of the jobs (default: oro_invoices)")
    p.add_argument("--loglevel", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   help="the least severe log messages shown (default: INFO)")


#: A whole number as a command line takes it: the digits 0-9 (a minus sign before them is refused
#: by the number's minimum, saying so), never what else Python's ``int`` reads: other scripts'
#: digits ("٥"), "_" between digits, spaces around them, a plus sign.
_WHOLE = re.compile(r"-?[0-9]+")
#: A number with a fraction: the digits 0-9 and at most one "." (no exponent, "inf" or "nan").
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_NOT_WHOLE = "is not a whole number: write it with the digits 0-9 only"


def _whole(text: str) -> int:
    """An argparse type's reading of a whole number (``_WHOLE``); refused saying what to write."""
    if not _WHOLE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} {_NOT_WHOLE}")
    try:
        return int(text)
    except ValueError:    # more digits than Python converts: no id or count is that large
        raise argparse.ArgumentTypeError(f"{text[:20]}… is too large ({len(text)} digits)") from None


def _decimal(text: str) -> float:
    """An argparse type's reading of a number that may have a fraction (``_DECIMAL``)."""
    if not _DECIMAL.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number: write it with the digits 0-9 and "
                                         "at most one '.'")
    return float(text)


def _number(kind: type[int] | type[float], *, minimum: float, inclusive: bool) -> Any:
    """An argparse type: a number of ``kind`` at least (or above) ``minimum``."""
    def parse(text: str) -> int | float:
        value = _whole(text) if kind is int else _decimal(text)
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
    if args.workers > 1 and not _installed("gunicorn"):
        print("error: --workers needs gunicorn (part of the demo extra); "
              "install it with: pip install 'oro-invoices[demo]'", file=sys.stderr)
        return 2
    from oro_invoices.hosts.reference.demo import run_demo
    return run_demo(args)


def _id(text: str) -> int:
    """An argparse type: the id of an organization or customer, 1 to the largest a database
    column holds (a larger one would fail in the database, not be refused here)."""
    value = _positive_int(text)
    if value > MAX_INT64:
        raise argparse.ArgumentTypeError(f"{text} is too large: an id is at most {MAX_INT64}")
    return value


def _positive_int(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535."""
    value = _whole(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: must be 0 to 65535")
    return value


def _smtp_url(text: str) -> str:
    """An ``--smtp-url``, checked before any work is done; refused with what a valid one looks like."""
    from oro_invoices.domain.errors import ConfigurationError
    from oro_invoices.services.mail.smtp import SmtpConfig
    try:
        SmtpConfig.from_url(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    return text


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

    p = sub.add_parser("import", help="import invoices from JSON, JSON Lines or CSV files, or e-invoices",
                       epilog="exit status: 0 imported; 1 a bad record (or a PDF not rendered); 2 an error; "
                              f"{NOT_IMPORTED_EXIT} good records not imported because the database was busy "
                              "(none bad): run the import again")
    p.add_argument("files", nargs="+", help="files to import (.json, .jsonl, .ndjson, .csv; e-invoices: "
                                            "CII or UBL .xml, Factur-X / ZUGFeRD .pdf), or folders of them")
    p.add_argument("--format", choices=("csv", "jsonl", "json", "einvoice"),
                   help="the files' layout (default: by each file's extension)")
    p.add_argument("--dry-run", action="store_true", help="validate everything, write nothing")
    p.add_argument("--on-error", choices=("stop", "skip"), default="stop",
                   help="stop: write nothing when any record is bad (default); skip: import the good ones "
                        "(with either, good records the database was too busy for are not imported: exit "
                        "code 3 when no record was bad; run the import again to import them)")
    p.add_argument("--report", metavar="FILE", help="write a JSON report (counts and every problem) to FILE")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage",
                   help="PDF storage URL (needed for supplied PDFs and to render the posted invoices' PDFs)")
    p.add_argument("--pdfs", metavar="FOLDER_OR_ZIP",
                   help="folder or .zip with the posted invoices' PDFs: a record's pdf_file is taken from "
                        "it, and a posted invoice's record without one takes <external_id>.pdf when it is there")
    p.add_argument("--pdf-workers", type=_number(int, minimum=1, inclusive=True), default=None, metavar="N",
                   help="processes that render the missing PDFs after the import commits (default: the CPUs)")
    p.add_argument("--no-pdf", action="store_true",
                   help="render no PDFs: they stay pending until complete-pdfs or a later import renders them")
    p.add_argument("--one-process", action="store_true",
                   help="check the files in this process before writing (by default files of 4 MiB or more "
                        "are checked by a second process while this one writes the records already checked)")
    p.add_argument("--host", default=os.environ.get(HOST_ENV) or NO_HOST,
                   help="host adapter (an oro_invoices.hosts entry point) whose settings apply and "
                        f"which checks customers and customer users; default: ${HOST_ENV}, else "
                        f"'{NO_HOST}' (settings at their defaults, customer ids taken as given)")
    p.add_argument("--organization", type=_id, default=None,
                   help="organization the invoices belong to (required unless every record has organization_id)")
    p.add_argument("--actor", default="import", help="name recorded in the invoices' activity")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("export", help="export invoices as CSV or JSON Lines, in the import's layouts, "
                                      "or their stored PDFs as one ZIP archive")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--format", choices=("csv", "jsonl", "pdfs"),
                   help="layout (default: csv for an --output ending in .csv, else jsonl); pdfs: a ZIP "
                        "archive of the stored PDFs of the posted invoices (needs --storage)")
    p.add_argument("--storage", help="PDF storage URL (for --format pdfs)")
    p.add_argument("--organization", type=_id, default=None, help="only this organization's invoices")
    p.add_argument("--status", choices=("draft", "posted"), help="only drafts or only posted invoices")
    p.add_argument("--date-from", type=_date, help="only invoices dated on or after YYYY-MM-DD")
    p.add_argument("--date-to", type=_date, help="only invoices dated on or before YYYY-MM-DD")
    p.add_argument("--output", metavar="FILE", help="file to write (default: standard output)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("aging", help="print the receivables aging: what each customer owes on posted invoices, "
                                     "by days past the due date, per currency")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--organization", type=_id, default=None, help="only this organization's invoices")
    p.add_argument("--currency", default=None, help="only amounts in this currency (ISO 4217, such as EUR)")
    p.add_argument("--sort", default="customer", choices=AGING_SORTS,
                   help="each currency's customers by name (default), or by that amount, the largest first")
    p.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="judge on this day (default: today in the time zone of --organization, else the global "
                        "one); a past day, such as a month-end, gives what was owed at its end")
    p.add_argument("--format", choices=("text", "csv", "pdf", "detail"), default="text",
                   help="a table per currency (default), the back-office's CSV, its PDF (with --organization "
                        "and --output), or its Export Detail: every invoice it counts, as CSV")
    p.add_argument("--output", metavar="FILE", help="file to write (default: standard output)")
    _host_argument(p, "whose settings give the PDF's seller and language")
    p.set_defaults(func=_cmd_aging)

    p = sub.add_parser("statement", help="a customer's statement of account: their open invoices, what each still "
                                         "owes and how late it is, per currency with the aging of them all")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--customer", type=_id, required=True, help="the customer's id")
    p.add_argument("--organization", type=_id, default=None, help="only this organization's invoices")
    p.add_argument("--currency", default=None, help="only invoices in this currency (ISO 4217, such as EUR)")
    p.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="the statement of this day (default: today in the organization's time zone); a past day "
                        "gives the invoices open at its end, for what each owed then")
    p.add_argument("--from", dest="start", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="the activity statement (balance forward) from this day instead: the opening balance, each "
                        "invoice, credit note, payment and refund with the balance after it, the closing balance")
    p.add_argument("--to", dest="end", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="the activity statement's last day (default: today in the organization's time zone; "
                        "without --from, from the first of its month)")
    p.add_argument("--format", choices=("text", "csv", "pdf"), default="text",
                   help="a table per currency (default), the back-office's CSV (an activity's entries in the "
                        "customer's language, as its PDF), or the PDF to send the customer")
    p.add_argument("--output", metavar="FILE", help="file to write (default: standard output; needed for pdf)")
    _host_argument(p, "whose settings (the seller, the customer's language) and customer names apply")
    p.set_defaults(func=_cmd_statement)

    p = sub.add_parser("match-payments", help="match the payments received in a bank statement (CAMT.053/.054/.052 XML, "
                                              "MT940, BAI2 or CSV) to the invoices their references name; --record records "
                                              "those that pay exactly what their invoices owe")
    p.add_argument("file", help="the statement file")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--organization", type=_id, required=True,
                   help="the organization whose invoices the references name")
    p.add_argument("--record", action="store_true",
                   help="record each payment that pays exactly what its invoices owe, as the back-office's "
                        "Record Payment would (once: running again records nothing more)")
    p.add_argument("--keep-surplus", action="store_true",
                   help="with --record, also record each payment that brings more than its invoices owe, keeping "
                        "what is over as their customer's credit (the invoices must be one customer's)")
    p.add_argument("--actor", default="bank-statement", help="who the payments are recorded by (default: %(default)s)")
    _host_argument(p, "whose settings apply (payment receipts, where they are on)")
    p.set_defaults(func=_cmd_match_payments)

    p = sub.add_parser("deliver-mail", help="send queued invoice emails over SMTP (with retries)")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", required=True, help="PDF storage URL (attachments are read from it)")
    p.add_argument("--smtp-url", required=True, type=_smtp_url,
                   help="smtp://[user:password@]HOST:PORT[?security=starttls] or smtps://… for TLS")
    p.add_argument("--sender", default=None,
                   help="the From address (default: the oro_invoices.mail.sender setting)")
    p.add_argument("--limit", type=_number(int, minimum=1, inclusive=True), default=100, help="messages per run")
    p.add_argument("--every", type=_number(float, minimum=0, inclusive=True), default=0,
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
    p.add_argument("--redeliver-failed", action="store_true",
                   help="first put the events that failed for good back to be sent again (same event id and "
                        "body, attempts from 0), as after an endpoint's outage that outlasted the retries; "
                        "those whose endpoint is no longer configured stay failed")
    p.add_argument("--organization", type=_id, default=None, metavar="ID",
                   help="with --redeliver-failed: only this organization's events (default: every organization's)")
    p.add_argument("--since", type=_moment, default=None, metavar="WHEN",
                   help="with --redeliver-failed: only events that occurred at or after this day (YYYY-MM-DD, "
                        "from its start in UTC) or time with its offset (2026-12-01T09:30:00+01:00, or Z for UTC)")
    p.add_argument("--endpoint", type=_endpoint_url, default=None, metavar="URL",
                   help="with --redeliver-failed: only events to this endpoint URL (exactly as configured)")
    p.set_defaults(func=_cmd_deliver_events)

    p = sub.add_parser("remind", help="queue the payment reminders that are due (each invoice and "
                                      "step once); deliver-mail sends them")
    p.add_argument("--db", required=True, help="database URL")
    _host_argument(p, "whose settings say where reminders are on, their schedule and templates")
    p.add_argument("--storage", default=None,
                   help="PDF storage URL; with it the stored PDF is attached to each reminder")
    p.add_argument("--date", type=_date, default=None,
                   help="judge the schedule on this day, YYYY-MM-DD (default: each invoice's today, in its "
                        "time zone, with one summary line per day judged on)")
    p.add_argument("--organization", type=_id, default=None,
                   help="only this organization's invoices")
    p.add_argument("--dry-run", action="store_true", help="list what would be queued, write nothing")
    p.add_argument("--actor", default="reminders", help="name recorded in the invoices' activity")
    p.set_defaults(func=_cmd_remind)

    p = sub.add_parser("send-statements", help="queue a statement of account by email to every customer who "
                                               "owes something on a posted invoice (once per customer and "
                                               "day); deliver-mail sends them")
    p.add_argument("--db", required=True, help="database URL")
    _host_argument(p, "whose settings give the seller, the sender, each customer's language and templates")
    p.add_argument("--storage", required=True, help="PDF storage URL: each statement's PDF is stored there")
    p.add_argument("--date", type=_date, default=None,
                   help="the statements' day, YYYY-MM-DD (default: each organization's today, in its time zone, "
                        "one summary line per day); a past day, such as the last month-end, gives what was open at "
                        "its end")
    p.add_argument("--organization", type=_id, default=None,
                   help="only this organization's customers")
    p.add_argument("--overdue-only", action="store_true", help="only customers with something overdue")
    p.add_argument("--activity", action="store_true",
                   help="send each customer their account activity of --from to --to instead (every customer with "
                        "an entry in it or a balance; once per customer and period)")
    p.add_argument("--from", dest="start", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="with --activity: the period's first day (default: the first of --to's month)")
    p.add_argument("--to", dest="end", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="with --activity: the period's last day (default: the last day of last month, in each "
                        "organization's time zone)")
    p.add_argument("--scheduled", action="store_true",
                   help="send what each organization's Email Statements To Customers has due on --date (by default "
                        "its today, in its time zone: the month before's open items or activity, once per customer "
                        "and month); run it daily from cron where no worker does")
    p.add_argument("--dry-run", action="store_true", help="list what would be queued, write nothing")
    p.add_argument("--actor", default="statements", help="name recorded as the sender of each message")
    p.set_defaults(func=_cmd_send_statements)

    p = sub.add_parser("send-aging-reports", help="queue the Aging Report by email where Email The Aging Report "
                                                  "has one due (every Monday, or on the 1st), to Aging Report "
                                                  "Recipients, once per organization and report day; "
                                                  "deliver-mail sends them")
    p.add_argument("--db", required=True, help="database URL")
    _host_argument(p, "whose settings give the schedule, the recipients, the seller and the sender")
    p.add_argument("--storage", required=True, help="PDF storage URL: each report's PDF and CSV are stored there")
    p.add_argument("--date", type=_date, default=None,
                   help="judge the schedule on this day, YYYY-MM-DD (default: each organization's today, in "
                        "its time zone)")
    p.add_argument("--organization", type=_id, default=None,
                   help="only this organization")
    p.add_argument("--dry-run", action="store_true", help="list what would be queued, write nothing")
    p.add_argument("--actor", default="aging-reports", help="name recorded as the sender of each message")
    p.set_defaults(func=_cmd_send_aging_reports)

    p = sub.add_parser("reauthorize", help="renew the open authorizations in their last day before the "
                                           "payment provider releases them (where Re-Authorize Expiring "
                                           "Authorizations is on), and email Alert About Expiring "
                                           "Authorizations about the others")
    p.add_argument("--db", required=True, help="database URL")
    _host_argument(p, "whose settings say where renewing is on and hold the payment method's keys")
    p.add_argument("--organization", type=_id, default=None,
                   help="only this organization's invoices")
    p.add_argument("--within", type=_number(float, minimum=0, inclusive=False), default=24.0,
                   help="renew what the provider releases within this many hours (default: 24)")
    p.add_argument("--dry-run", action="store_true", help="list what would be renewed, ask no provider")
    p.add_argument("--actor", default="reauthorizations", help="name recorded in the invoices' activity")
    p.set_defaults(func=_cmd_reauthorize)

    p = sub.add_parser("worker", help="run a Celery worker for the background jobs: PDFs made at posting, "
                                      "email and webhook delivery (docs/jobs.md)")
    p.add_argument("--db", required=True, help="database URL")
    p.add_argument("--storage", help="PDF storage URL (PDFs are stored there, attachments read from it)")
    _host_argument(p, "whose settings apply (PDFs, sender, webhook endpoints)")
    p.add_argument("--smtp-url", default=None, type=_smtp_url,
                   help="smtp://[user:password@]HOST:PORT[?security=starttls] or smtps://…; "
                        "without it email stays queued")
    p.add_argument("--sender", default=None,
                   help="the From address (default: the oro_invoices.mail.sender setting)")
    p.add_argument("--timeout", type=_number(float, minimum=0, inclusive=False), default=10.0,
                   help="seconds to wait for a webhook endpoint (default: 10)")
    p.add_argument("--concurrency", type=_number(int, minimum=1, inclusive=True), default=2,
                   help="jobs run at once, each in its own process (default: 2)")
    p.add_argument("--pool", choices=("prefork", "threads", "solo"), default="prefork",
                   help="how jobs run at once (default: prefork, one process each)")
    p.add_argument("--beat", action="store_true",
                   help="also send the periodic sweeps from this worker (run one such worker, or oro-invoices beat)")
    p.add_argument("--every", type=_number(float, minimum=1, inclusive=True), default=30.0,
                   help="with --beat: seconds between the periodic sweeps (default: 30)")
    _jobs_arguments(p)
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("beat", help="send the periodic jobs (outbox, events and PDF sweeps, payment reminders, "
                                    "renewing authorizations, Aging Report emails, scheduled statements) "
                                    "to the workers; run one per deployment")
    p.add_argument("--every", type=_number(float, minimum=1, inclusive=True), default=30.0,
                   help="seconds between the outbox, events and PDF sweeps (default: 30; the others run hourly)")
    p.add_argument("--schedule-file", default="oro-invoices-beat-schedule",
                   help="where beat remembers when each job last ran (default: ./oro-invoices-beat-schedule)")
    _jobs_arguments(p)
    p.set_defaults(func=_cmd_beat)

    p = sub.add_parser("migrate-storage", help="copy every stored PDF to another storage, verifying each "
                                               "(run it again to resume)")
    p.add_argument("--from", dest="source", required=True, help="PDF storage URL to copy from")
    p.add_argument("--to", dest="target", required=True,
                   help="PDF storage URL to copy to, e.g. s3://bucket/prefix?endpoint_url=https://…")
    p.set_defaults(func=_cmd_migrate_storage)

    p = sub.add_parser("check-einvoice", help="check e-invoice files (CII or UBL XML, Factur-X / ZUGFeRD PDFs) "
                                              "against the official XSD and schematron rules of their profile")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--profile", default=None, choices=CHECKED_PROFILES,
                   help="check against this profile (default: the one each file names, BT-24)")
    p.set_defaults(func=_cmd_check_einvoice)

    p = sub.add_parser("demo", help="run the reference host with the add-on, seeded")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default: 127.0.0.1; 0.0.0.0 for every address)")
    p.add_argument("--port", type=_port, default=8765,
                   help="the port to listen on (default: 8765; 0: any free port, demo.json says which)")
    p.add_argument("--data-dir", default="./oro-invoices-demo",
                   help="where the shop's database, PDFs and demo.json are kept (default: "
                        "./oro-invoices-demo); created if missing, kept across runs")
    p.add_argument("--smtp-url", default=None, type=_smtp_url, help="smtp://HOST:PORT; without it mail stays in the outbox")
    p.add_argument("--no-seed", action="store_true", help="do not add demo data")
    p.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                   help="serve with gunicorn in N worker processes (default 1: one process, no gunicorn)")
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
    _finish(parser, sub)
    return parser


def main(argv: Sequence[str] | None = None, *, host: Any = None) -> int:
    """Run one command; returns its exit code.

    :param host: a host adapter object for the commands that use one (``import``), instead of
        loading ``--host`` by name: a platform's own command line can run these commands
        against the host it has already built.
    """
    args = build_parser().parse_args(argv)
    args.host_object = host
    missing = _missing_sqlite_file(args)
    if missing is not None:
        # opening it would create an empty database file where the user mistyped a path
        print(f"error: the SQLite database {missing} does not exist; create it with: "
              f"oro-invoices migrate --db {args.db}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except InvoiceError as exc:
        if isinstance(exc, DatabaseNotMigrated) and args.debug:
            raise
        print(f"error: {_user_error(exc, args) or exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = None if args.debug else _user_error(exc, args)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2


def _user_error(exc: BaseException, args: argparse.Namespace) -> str | None:
    """One line for an error a user causes (a bad database URL, path or revision, an unmigrated
    database); ``None`` for a defect, which keeps its traceback."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
    data_dir = getattr(args, "data_dir", None)   # demo: the shop's database in its data directory
    database = _masked(getattr(args, "db", None) or (f"sqlite:///{Path(data_dir).resolve() / 'shop.db'}"
                                                      if data_dir else ""))
    if isinstance(exc, DatabaseNotMigrated | DBAPIError):
        orig = exc.__cause__ if isinstance(exc, DatabaseNotMigrated) else exc.orig
        reason = str(orig).strip().splitlines()[0] if orig is not None else str(exc)
        lowered = reason.lower()
        if "no such table" in lowered or "no such column" in lowered or (
                ("relation" in lowered or "column" in lowered) and "does not exist" in lowered):
            return (f"the database {database} has no oro-invoices schema, or an older one ({reason}); "
                    f"run: oro-invoices migrate --db {database}")
        if "unable to open database file" in lowered:
            return (f"cannot open the SQLite database {database}: its folder does not exist or "
                    "is not writable")
        if "file is not a database" in lowered or "database disk image is malformed" in lowered:
            return f"the file of {database} is not an SQLite database, or is damaged ({reason})"
        if "readonly database" in lowered:
            return f"cannot write to the SQLite database {database}: the file or its folder is read-only"
        if getattr(exc, "connection_invalidated", False) or "connect" in lowered or "could not translate" in lowered:
            return f"cannot connect to the database {database}: {reason}"
        return None
    if isinstance(exc, (ArgumentError, NoSuchModuleError)):
        return f"not a database URL this command can use: {database!r} ({exc})"
    if isinstance(exc, CommandError):
        from oro_invoices.persistence.migrate import head_revision
        return f"{exc} (the newest revision is {head_revision()})"
    if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
        return f"{exc.filename}: {exc.strerror}"
    return None


def _masked(url: str) -> str:
    """A database URL with its password hidden."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _finish(parser: argparse.ArgumentParser, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """What every subcommand shares: its ``--help`` opens with its one-line summary, ``--debug``
    keeps tracebacks, and ``--db``/``--storage`` may come from ``ORO_INVOICES_DB`` and
    ``ORO_INVOICES_STORAGE``."""
    summaries = {action.dest: action.help for action in sub._choices_actions}
    for name, command in sub.choices.items():
        if command.description is None:
            command.description = summaries.get(name)
        command.add_argument("--debug", action="store_true", help="show the traceback of an error")
        for action in command._actions:
            env = ENVIRONMENT_DEFAULTS.get(action.dest)
            if env and action.option_strings and os.environ.get(env):
                action.default, action.required = os.environ[env], False
            if env and action.option_strings and action.help:
                action.help += f" (or ${env})"


if __name__ == "__main__":
    sys.exit(main())
