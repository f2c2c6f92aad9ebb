"""Bulk import of invoices made by external systems: JSON, JSON Lines or CSV files.

Historical invoices arrive as they were: their own number, date, payment status
and PDF. Every record is validated fully before anything is committed — through the
API's schema, the posting requirements and, with a host, the tenancy checks — and
every problem of every record is reported together (record, field, message).

``on_error="stop"`` writes nothing when any record is bad; ``"skip"`` writes the
good ones. ``dry_run`` validates only. Records are matched by ``external_id``:
re-importing the same file changes nothing and reports the invoices as unchanged.
Files are read once, record by record, so memory does not grow with the file: the
checking pass keeps each good record and what it loaded to on disk (``import_spool``), and
the writing pass reads them from there; large files are checked by a second process while
this one writes (``import_check_process``). The checks themselves are ``import_checks``. New
invoices and changed drafts are written ``BATCH`` at a time with one statement per table
(``import_writing``), and announced after the commit a page at a time. See ``docs/import.md``
for the layouts.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import (
    DatabaseBusy,
    DatabaseUnavailable,
    InvoiceError,
    InvoiceIsPosted,
    NumberTaken,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument, SellerInfo, tax_category_for
from oro_invoices.domain.posting import YearRange
from oro_invoices.services import follow_ups
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.import_check_process import CheckingProcess, worth_checking_apart
from oro_invoices.services.import_checks import Checker, payload_of, problem_at
from oro_invoices.services.import_einvoices import compared_seller_address, einvoice_xml_path, seller_address
from oro_invoices.services.import_payloads import document_payload
from oro_invoices.services.import_pdfs import PdfLibrary
from oro_invoices.services.import_reading import (
    ADDRESS_PARTS,
    INTEGER_FIELDS,
    LINE_FIELDS,
    PdfFile,
    Problem,
    Record,
    expand_folders,
    holds_no_invoices,
    iter_file,
    read_file,
)
from oro_invoices.services.import_spool import IdLog, Spool
from oro_invoices.services.import_writing import Announcements, BatchWriter, Existing, NewInvoice, cached_host
from oro_invoices.services.pdf_backlog import pending_pdfs
from oro_invoices.services.posting import year_range
from oro_invoices.services.schemas import load_input
from oro_invoices.services.seller_terms import due_by_terms
from oro_invoices.services.upsert import changed_fields, draft_of_posted, draft_of_posted_warning, posted_conflict

__all__ = ["ADDRESS_PARTS", "ID_LISTS", "INTEGER_FIELDS", "LINE_FIELDS", "Checker", "ImportReport", "Problem", "Record",
           "import_files", "import_records", "read_records", "run_import", "validate"]

log = logging.getLogger("oro_invoices.import")

OnError = Literal["stop", "skip"]
#: ``progress(phase, records done, records in all or None)``; phases ``checked``, ``imported``.
Progress = Callable[[str, int, "int | None"], None]
#: records written per transaction with ``on_error="skip"``, and taken together while writing
BATCH = 500
#: a checked record and what it loaded to, as the writing pass takes it from the spool
Checked = tuple[Record, dict[str, Any] | None]


#: the warning of a record whose PDF file differs from the PDF its invoice was posted with (never replaced)
POSTED_PDF_KEPT = ("The invoice is posted, and a posted invoice's PDF is never replaced: its PDF stays the one "
                   "made or attached at posting; the file given ({name}) was not used.")

#: the lists of ids an ``ImportReport`` gives, in the order of the ``--report`` JSON
ID_LISTS = ("created", "updated", "unchanged", "skipped", "pending_pdfs", "not_imported")


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do) and every problem it found.

    The ids of each outcome (``created``, ``updated``, ``unchanged``, ``skipped``,
    ``not_imported``: external ids or record locations; ``pending_pdfs``: invoice ids) are kept
    on disk (``IdLog``) and only their counts in memory, so memory does not grow with the file;
    ``ids(name)`` streams a list, the attribute of the same name reads it whole. ``problems``
    lists the bad records only; ``outages`` the good records not imported because the database
    was busy or out of reach just then (with ``on_error="stop"`` all of them; importing again
    writes them);
    ``warnings`` what is worth telling but refuses nothing (a file that holds no invoices).
    """

    pdfs_attached: int = 0
    pdfs_rendered: int = 0
    problems: list[Problem] = field(default_factory=list)
    outages: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    written: bool = True
    _ids: IdLog = field(default_factory=IdLog, repr=False, compare=False)

    @property
    def created(self) -> list[str]:
        return list(self.ids("created"))

    @property
    def updated(self) -> list[str]:
        return list(self.ids("updated"))

    @property
    def unchanged(self) -> list[str]:
        return list(self.ids("unchanged"))

    @property
    def skipped(self) -> list[str]:
        return list(self.ids("skipped"))

    @property
    def not_imported(self) -> list[str]:
        return list(self.ids("not_imported"))

    @property
    def pending_pdfs(self) -> list[int]:
        """Posted invoices whose PDF is pending (rendered after the import, see ``pdf_backlog``)."""
        return list(self.ids("pending_pdfs"))

    def ids(self, name: str) -> Iterator[Any]:
        """The list ``name`` (one of ``ID_LISTS``), streamed from disk in order."""
        return self._ids.values(name)

    def count(self, name: str) -> int:
        return self._ids.count(name)

    def add(self, name: str, *values: str | int) -> None:
        self._ids.add(name, values)

    def refuse(self, record: Record) -> None:
        """Note a bad record: its problems, and the record as skipped (a file that could not be
        read is no record to skip)."""
        self.problems += record.problems
        if not record.fatal:
            self.add("skipped", _name(record))

    def settle_pending(self, still_pending: Callable[[list[int]], Iterable[int]]) -> None:
        """Keep, of ``pending_pdfs``, the ids ``still_pending(some ids)`` returns (asked a page at a time)."""
        self._ids.keep("pending_pdfs", still_pending)

    def rolled_back(self) -> None:
        """Nothing was written after all: only the problems and the skipped records stay."""
        for name in ID_LISTS:
            if name != "skipped":
                self._ids.clear(name)
        self.written, self.pdfs_attached = False, 0

    def not_written(self, record: Record, exc: DatabaseUnavailable) -> None:
        """Note a good record the database was too busy (or out of reach) to write: not imported,
        no problem of the record."""
        why = "was busy with another change" if isinstance(exc, DatabaseBusy) else "could not record it just then"
        self.outages.append(problem_at(record, "", f"Not imported: the database {why}. Nothing is wrong with the "
                                                   "record: run the import again to import it."))
        self.add("not_imported", _name(record))

    def mark(self) -> tuple[int, int, int]:
        """Where the report is now: ``not_committed`` takes back what is noted after it."""
        return self._ids.mark(), len(self.outages), self.pdfs_attached

    def not_committed(self, mark: tuple[int, int, int], exc: DatabaseUnavailable, where: str, *,
                      stopped: bool) -> None:
        """The transaction begun at ``mark`` was rolled back, the database busy (or out of reach):
        the records it wrote are not imported, one outage at ``where`` says so; ``stopped``: the
        import stopped there (``on_error="stop"``), nothing of it is written."""
        ids, outages, attached = mark
        self._ids.move_since(ids, ("created", "updated", "unchanged", "not_imported"), "not_imported")
        self._ids.move_since(ids, ("pending_pdfs",), None)
        del self.outages[outages:]
        self.pdfs_attached = attached
        why = "was busy with another change" if isinstance(exc, DatabaseBusy) else "could not record them just then"
        what = ("so the import stopped and nothing of it was written" if stopped
                else "so these records were not written")
        self.outages.append(Problem(where, "", f"Not imported: the database {why}, {what}. Nothing is wrong with "
                                               "the records: run the import again to import them."))

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        outages = self.count("not_imported")
        return (f"{self.count('created')} {verb}created, {self.count('updated')} {verb}updated, "
                f"{self.count('unchanged')} unchanged, {self.count('skipped')} skipped, "
                f"{self.pdfs_attached} PDF(s) attached, {self.pdfs_rendered} PDF(s) rendered, "
                f"{self.count('pending_pdfs')} pending"
                + (f", {outages} not imported (the database was busy or out of reach: run the import again)" if outages else ""))

    def _head(self) -> dict[str, Any]:
        counts = {name: self.count(name) for name in ID_LISTS[:4]}
        return {"dry_run": self.dry_run, "written": self.written,
                "counts": {**counts, "pdfs_attached": self.pdfs_attached, "pdfs_rendered": self.pdfs_rendered,
                           "pdfs_pending": self.count("pending_pdfs"), "not_imported": self.count("not_imported"),
                           "problems": len(self.problems)}}

    def as_json(self) -> dict[str, Any]:
        """The machine-readable report (``--report``), whole in memory: see ``write_json``."""
        return {**self._head(), **{name: list(self.ids(name)) for name in ID_LISTS},
                "problems": [p.as_dict() for p in self.problems], "outages": [o.as_dict() for o in self.outages],
                "warnings": [w.as_dict() for w in self.warnings]}

    def write_json(self, out: TextIO) -> None:
        """Write ``as_json()`` to ``out``, the lists of ids streamed from disk (flat memory)."""
        head = json.dumps(self._head(), indent=2)
        out.write(head[:-2] + ",\n")
        for name in ID_LISTS:
            out.write(f'  "{name}": [')
            for index, value in enumerate(self.ids(name)):
                out.write(("" if index == 0 else ",") + ("\n    " if index % 10 == 0 else " ") + json.dumps(value))
            out.write("\n  ],\n" if self.count(name) else "],\n")
        problems, outages, warnings = (json.dumps([p.as_dict() for p in listed], indent=2).replace("\n", "\n  ")
                                       for listed in (self.problems, self.outages, self.warnings))
        out.write(f'  "problems": {problems},\n  "outages": {outages},\n  "warnings": {warnings}\n}}\n')

    def close(self) -> None:
        """Remove the lists kept on disk (the report is empty then)."""
        self._ids.close()


def read_records(path: Path, fmt: str | None = None) -> list[Record]:
    """Parse ``path``; raise one ``ValidationError`` naming every bad place."""
    records, problems = read_file(Path(path), fmt)
    problems += [p for r in records for p in r.problems]
    if problems:
        raise ValidationError([(p.where, p.message) for p in problems])
    return records


def validate(records: Sequence[Record], organization_id: int | None, years: YearRange | None = None, *,
             service: InvoiceService | None = None) -> list[Problem]:
    """Check every record (see ``Checker``); return all problems (each record keeps its own)."""
    checker = Checker(organization_id, years, service.host if service is not None else None)
    for record in records:
        checker.check(record)
    checker.seen.close()
    return [p for r in records for p in r.problems]


def _years(service: InvoiceService) -> Callable[[int], YearRange]:
    """The plausible years of an organization, from its settings."""
    return lambda organization_id: year_range(lambda key: service.setting(key, organization_id=organization_id))


def import_checker(service: InvoiceService, organization_id: int | None) -> Checker:
    """The checker of an import into ``service``: its organizations' settings and its host."""
    def seller_ids(org: int) -> tuple[str, str]:
        return (str(service.setting("oro_invoices.seller.vat_id", organization_id=org) or ""),
                str(service.setting("oro_invoices.seller.tax_id", organization_id=org) or ""))
    sellers: dict[DocumentScope, SellerInfo] = {}

    def terms_due(loaded: Mapping[str, Any]) -> dt.date | None:
        scope = DocumentScope(loaded["organization_id"], loaded.get("website_id"), loaded.get("customer_id"))
        if scope not in sellers:
            sellers[scope] = service.seller(scope)
        return due_by_terms(sellers[scope], loaded["invoice_date"])
    return Checker(organization_id, _years(service), cached_host(service.host) if service.host else None,
                   seller_ids=seller_ids, due_by_terms=terms_due)


def import_records(service: InvoiceService, records: Sequence[Record], *, organization_id: int | None = 1,
                   actor: str = "import", on_error: OnError = "stop", dry_run: bool = False,
                   progress: Progress | None = None) -> ImportReport:
    """Validate every record, then write them (unless ``dry_run``).

    With ``on_error="stop"`` a bad record raises one ``ValidationError`` listing every
    problem and nothing is written; a conflict met while writing rolls all records back
    and is raised naming the record. With ``"skip"`` bad records are left out (and listed
    in the report), the good ones are written in batches of ``BATCH``.
    """
    return _run(service, lambda: iter(records), organization_id=organization_id, actor=actor,
                on_error=on_error, dry_run=dry_run, progress=progress, raise_errors=True)


def run_import(service: InvoiceService, paths: Iterable[Path], *, organization_id: int | None,
               fmt: str | None = None, on_error: OnError = "stop", dry_run: bool = False,
               actor: str = "import", progress: Progress | None = None,
               pdfs: Path | None = None, check_apart: bool | None = None) -> ImportReport:
    """Read, validate and import ``paths``; never raises for bad input: the report lists it.

    A folder stands for the files in it and its subfolders (``expand_folders``); one holding
    none is a problem, and nothing is written.

    The files are read once, record by record, to check everything; the good records are
    written from the on-disk spool the checking fills.
    With ``on_error="stop"`` and any problem (or a conflict while writing), nothing is
    written and ``report.written`` is False. ``pdfs``: a folder or zip the posted invoices'
    PDFs are taken from (``import_pdfs.PdfLibrary``). Posted invoices without a PDF are
    written without rendering it: ``report.pending_pdfs`` lists them (see ``pdf_backlog``).

    ``check_apart``: check the files in a second process while this one writes the records
    already checked (or, in a dry run, decides what writing them would do; see
    ``import_check_process``); None: when the files are large enough for it to pay
    (``worth_checking_apart``).
    """
    files, unreadable = expand_folders((Path(p) for p in paths), fmt)
    if unreadable:
        return ImportReport(dry_run=dry_run, written=False, problems=unreadable)
    with follow_ups.noted() as failed:  # after a commit: the invoices stay imported, each is warned of
        report = _import_files(service, files, organization_id=organization_id, fmt=fmt, on_error=on_error,
                               dry_run=dry_run, actor=actor, progress=progress, pdfs=pdfs, check_apart=check_apart)
    report.warnings += [Problem(_failed_where(failure), "", str(follow_ups.said(failure))) for failure in failed]
    report.warnings += [Problem(str(path), "", why) for path in files
                        if (why := holds_no_invoices(path, fmt)) is not None]
    return report


def _failed_where(failure: follow_ups.FollowUpFailed) -> str:
    """Where the report says ``failure`` is: its invoice's external id, else its id, else the import."""
    if failure.external_id:
        return failure.external_id
    return f"invoice id {failure.invoice_id}" if failure.invoice_id is not None else "import"


def _import_files(service: InvoiceService, files: list[Path], *, organization_id: int | None, fmt: str | None,
                  on_error: OnError, dry_run: bool, actor: str, progress: Progress | None, pdfs: Path | None,
                  check_apart: bool | None) -> ImportReport:
    """``run_import`` of ``files``, the folders given replaced by their files."""
    with contextlib.ExitStack() as stack:
        try:
            library = stack.enter_context(PdfLibrary(pdfs)) if pdfs is not None else None
        except ValidationError as exc:
            return ImportReport(dry_run=dry_run, written=False,
                                problems=[Problem(where, "", message) for where, message in exc.errors])
        if worth_checking_apart(files) if check_apart is None else check_apart:
            checking = stack.enter_context(CheckingProcess(
                files, fmt=fmt, organization_id=organization_id, pdfs=pdfs,
                zips=[library.archive] if library is not None and library.archive is not None else []))
            apart = _plan_while_checking if dry_run else _write_while_checking
            return apart(service, checking, organization_id=organization_id, actor=actor, on_error=on_error,
                         progress=progress)

        def source() -> Iterator[Record]:
            records = itertools.chain.from_iterable(iter_file(path, fmt) for path in files)
            return records if library is None else map(library.resolve, records)
        return _run(service, source, organization_id=organization_id, actor=actor, on_error=on_error,
                    dry_run=dry_run, progress=progress, raise_errors=False)


def _run(service: InvoiceService, source: Callable[[], Iterator[Record]], *, organization_id: int | None,
         actor: str, on_error: OnError, dry_run: bool, progress: Progress | None,
         raise_errors: bool) -> ImportReport:
    with Spool() as spool:
        return _check_and_write(service, source, spool, organization_id=organization_id, actor=actor,
                                on_error=on_error, dry_run=dry_run, progress=progress, raise_errors=raise_errors)


class _Verdicts:
    """The records a checking process gives, each finished with the checks that need the
    database (``Checker.context_problems``); the bad ones go to ``report``."""

    def __init__(self, service: InvoiceService, checking: CheckingProcess, organization_id: int | None,
                 report: ImportReport):
        self.checking = checking
        self.checker = import_checker(service, organization_id)
        self.checker.seen.close()                                   # repeats are the child's to find
        self.entries = checking.entries()
        self.report = report
        self.bad = 0

    def good(self, *, stop: bool) -> Iterator[Checked]:
        """The good records in file order; with ``stop`` a bad one raises ``_Refused``."""
        for record, loaded, split in self.entries:
            if self._finished(record, loaded, split):
                yield record, loaded
            elif stop:
                raise _Refused

    def check_the_rest(self, progress: Progress | None) -> None:
        """Finish the records not taken yet, for their problems only."""
        for entry in self.entries:
            self._finished(*entry)
            if progress is not None:
                progress("checked", self.checking.checked, None)

    def _finished(self, record: Record, loaded: dict[str, Any] | None, split: int) -> bool:
        if not record.fatal and loaded is not None:
            record.problems[split:split] = self.checker.context_problems(record, loaded)
        elif not record.fatal:
            record.problems[split:split] = self.checker.unloaded_problems(record)
        if not record.problems:
            return True
        self.bad += 1
        self.report.refuse(record)
        return False


def _write_while_checking(service: InvoiceService, checking: CheckingProcess, *, organization_id: int | None,
                          actor: str, on_error: OnError, progress: Progress | None) -> ImportReport:
    """Write the records ``checking`` gives as they come, after the checks that need the database.

    A bad record is skipped (``skip``), or ends the writing and rolls back all that was
    written (``stop``); either way the rest is still checked, so the report lists every problem.
    """
    report = ImportReport()
    verdicts = _Verdicts(service, checking, organization_id, report)
    try:
        _write_all(service, verdicts.good(stop=on_error == "stop"), organization_id, actor, on_error, report,
                   lambda done: progress("imported", done + verdicts.bad, checking.total) if progress else None)
    except _Refused:
        verdicts.check_the_rest(progress)
        report.rolled_back()
        return report
    except _Stopped as stopped:
        report.rolled_back()
        report.add("skipped", _name(stopped.record))
        report.problems += [problem_at(stopped.record, f, m) for f, m in _errors(stopped.error)]
        verdicts.check_the_rest(progress)
        return report
    except _Busy:
        report.add("not_imported", *(_name(record) for record, _ in verdicts.good(stop=False)))
        report.written = False
        return report
    report.settle_pending(lambda ids: pending_pdfs(service, ids))
    return report


def _plan_while_checking(service: InvoiceService, checking: CheckingProcess, *, organization_id: int | None,
                         actor: str, on_error: OnError, progress: Progress | None) -> ImportReport:
    """A dry run of the records ``checking`` gives: each good one's outcome decided as they come."""
    report = ImportReport(dry_run=True, written=False)
    verdicts = _Verdicts(service, checking, organization_id, report)
    good, writer, done = verdicts.good(stop=False), BatchWriter(service, actor), 0
    while chunk := list(itertools.islice(good, BATCH)):
        _plan_chunk(service, writer, chunk, organization_id, report)
        done += len(chunk)
        if progress is not None:
            progress("checked", done + verdicts.bad, checking.total)
    if report.problems and on_error == "stop":
        report.rolled_back()                # a real run would write nothing: nothing to say it would
    return report


def _check_and_write(service: InvoiceService, source: Callable[[], Iterator[Record]], spool: Spool, *,
                     organization_id: int | None, actor: str, on_error: OnError, dry_run: bool,
                     progress: Progress | None, raise_errors: bool) -> ImportReport:
    """Check every record (keeping what the good ones loaded to in ``spool``), then write them."""
    report = ImportReport(dry_run=dry_run)
    checker = import_checker(service, organization_id)
    bad = total = 0
    for record in source():
        problems = record.problems if record.fatal else checker.check(record)
        total += 0 if record.fatal else 1
        if problems:
            bad += 1
            report.refuse(record)
        else:
            spool.add(record, checker.loaded)
        if progress is not None:
            progress("checked", total, None)
    checker.seen.close()
    if report.problems and on_error == "stop":
        if raise_errors:
            raise ValidationError([(p.where, p.message) for p in report.problems])
        report.written = False
        return report
    good = spool.records()
    if dry_run:
        report.written = False
        writer = BatchWriter(service, actor)
        while chunk := list(itertools.islice(good, BATCH)):
            _plan_chunk(service, writer, chunk, organization_id, report)
        if report.problems and on_error == "stop":
            report.rolled_back()            # a posted invoice's other content stops a real run
        return report
    try:
        _write_all(service, good, organization_id, actor, on_error, report,
                   lambda done: progress("imported", done + bad, total) if progress else None)
    except _Stopped as stopped:
        if raise_errors:
            raise stopped.error.at(stopped.record.location) from None
        report.rolled_back()
        report.add("skipped", _name(stopped.record))
        report.problems += [problem_at(stopped.record, f, m) for f, m in _errors(stopped.error)]
        return report
    except _Busy as busy:
        if raise_errors:
            raise busy.error.at(busy.where) if busy.record is not None else busy.error from None
        report.add("not_imported", *(_name(record) for record, _ in good))
        report.written = False
        return report
    report.settle_pending(lambda ids: pending_pdfs(service, ids))
    return report


class _Refused(Exception):
    """A bad record was met while writing with ``on_error="stop"``: everything is rolled back."""


class _Stopped(Exception):
    """A record failed while being written with ``on_error="stop"``: everything is rolled back."""

    def __init__(self, record: Record, error: InvoiceError):
        super().__init__(str(error))
        self.record, self.error = record, error


class _Busy(Exception):
    """The database was busy (or out of reach) with ``on_error="stop"``, while ``record`` was
    written or (no record) at the commit: everything is rolled back, the report says so."""

    def __init__(self, error: DatabaseUnavailable, where: str, record: Record | None = None):
        super().__init__(error.message)
        self.error, self.where, self.record = error, where, record


def _errors(exc: InvoiceError) -> list[tuple[str, str]]:
    """``exc`` as the report's problems: one per field it names, as the API answers it."""
    if isinstance(exc, ValidationError):
        return exc.errors
    if isinstance(exc, InvoiceIsPosted) and exc.fields:     # the fields that differ from a posted invoice
        return [(name, exc.message) for name in exc.fields]
    return [("invoice_number" if isinstance(exc, NumberTaken) else "", exc.message)]


def _name(record: Record) -> str:
    return str(record.payload.get("external_id") or record.location)


@dataclass
class _Writing:
    """One writing pass: the service, the batch writer, where outcomes go, how far it got."""

    service: InvoiceService
    writer: BatchWriter
    organization_id: int | None
    actor: str
    on_error: OnError
    report: ImportReport
    progress: Callable[[int], None]
    announcements: Announcements
    pdfs: list[_Attachment] = field(default_factory=list)
    done: int = 0
    last: Record | None = None

    def step(self) -> None:
        self.done += 1
        self.progress(self.done)


def _write_all(service: InvoiceService, records: Iterator[Checked], organization_id: int | None, actor: str,
               on_error: OnError, report: ImportReport, progress: Callable[[int], None]) -> None:
    """Write ``records`` (each with what it loaded to): in one transaction (``stop``) or in transactions of ``BATCH`` (``skip``).

    Records are taken ``BATCH`` at a time (memory stays flat): the invoices they name are
    looked up in one query; new invoices and changed drafts are written together
    (``import_writing``), the others (a payment status to set, supplied PDFs) one by one
    through the service. After each commit what was written is announced, a page at a time.
    """
    size = None if on_error == "stop" else BATCH
    with contextlib.closing(Announcements(service, actor)) as announcements:
        writing = _Writing(service, BatchWriter(service, actor), organization_id, actor, on_error, report,
                           progress, announcements)
        while True:
            records_of_transaction = itertools.islice(records, size)        # size None: all of them
            first = next(records_of_transaction, None)
            if first is None:
                return
            writing.pdfs = []
            announcements.drop()
            mark = report.mark()
            try:
                with service.atomic() as tx:
                    pending = itertools.chain([first], records_of_transaction)
                    while chunk := list(itertools.islice(pending, BATCH)):
                        _write_chunk(writing, tx.session, chunk)
                    tx.on_commit(announcements.deliver)
                    tx.on_commit(functools.partial(_attach, service, writing.pdfs, actor, report))
                    tx.on_commit(functools.partial(_refresh_statistics, service))
            except _Busy as busy:
                report.not_committed(mark, busy.error, busy.where, stopped=True)
                if busy.record is not None:
                    report.add("not_imported", _name(busy.record))
                raise
            except DatabaseUnavailable as exc:     # at the commit
                last = writing.last or first[0]
                where = first[0].location if last is first[0] else f"{first[0].location} to {last.location}"
                report.not_committed(mark, exc, where, stopped=not size)
                if not size:
                    raise _Busy(exc, where) from None
            if not size:
                return


def _refresh_statistics(service: InvoiceService) -> None:
    """After a commit: the planner statistics of the tables that grew (``Database.refresh_statistics``).
    Statistics not refreshed (the database busy or out of reach just then) only slow queries until
    the next refresh: logged, never an error of the committed import."""
    try:
        service.context.db.refresh_statistics()
    except Exception:
        log.exception("the planner statistics were not refreshed after an import's commit")


def _write_chunk(writing: _Writing, session: Session, chunk: list[Checked]) -> None:
    """Write ``chunk`` in file order: runs of new invoices and changed drafts together, any
    other record on its own."""
    writing.last = chunk[-1][0]
    payloads = [payload_of(record, writing.organization_id) for record, _ in chunk]
    existing = writing.writer.existing(session, [_key(p) for p in payloads])
    draft_ids = [found.id for found in existing.values() if not found.posted]
    drafts = {doc.id: doc for doc in writing.service.context.read_many(session, draft_ids)} if draft_ids else {}
    stored = writing.writer.stored_drafts(session, draft_ids)
    refused = _posted_conflicts(writing.service, session, existing, chunk, payloads,
                                writing.report)
    together: list[tuple[Record, NewInvoice]] = []
    for (record, loaded), payload in zip(chunk, payloads, strict=True):
        current = existing.get(_key(payload))
        if (conflict := refused.get(_key(payload))) is not None:
            _write_together(writing, session, together)
            together = []
            _failed(writing, record, conflict)
            writing.step()
            continue
        # a record bringing its PDF or its e-invoice XML is written by the service, which keeps them
        brings_file = record.pdf_path is not None or einvoice_xml_path(record) is not None
        outcome = None if brings_file else _outcome(current, drafts, payload, loaded)
        if outcome == "unchanged" and current is not None:
            writing.report.add("unchanged", str(payload["external_id"]))
            if payload.get("status") == "posted":
                writing.report.add("pending_pdfs", current.id)     # kept only if still pending
            writing.step()
            continue
        prepared = None
        if outcome == "created":
            prepared = writing.writer.prepare(payload, loaded, record.line_sums)
        elif outcome == "updated" and current is not None and current.id in stored:
            prepared = writing.writer.prepare_update(payload, loaded, stored[current.id], record.line_sums)
        if prepared is not None:
            together.append((record, prepared))
            continue
        _write_together(writing, session, together)
        together = []
        _write_one(writing, record)
    _write_together(writing, session, together)


def _posted_conflicts(service: InvoiceService, session: Session, existing: Mapping[tuple[int, str], Existing],
                      chunk: list[Checked], payloads: list[dict[str, Any]],
                      report: ImportReport) -> dict[tuple[int, str], InvoiceIsPosted]:
    """The records of ``chunk`` that would change a posted invoice's document fields (by their
    key), each with the error naming those fields: the posted invoices of the chunk are read
    together, and only when there are some (new invoices cost nothing more). A record giving
    a posted invoice as a draft with the same content is no change: a warning of ``report``."""
    posted_ids = [found.id for found in existing.values() if found.posted]
    if not posted_ids:
        return {}
    posted = {doc.id: doc for doc in service.context.read_many(session, posted_ids)}
    conflicts: dict[tuple[int, str], InvoiceIsPosted] = {}
    for (record, loaded), payload in zip(chunk, payloads, strict=True):
        current = existing.get(_key(payload))
        doc = posted.get(current.id) if current is not None and current.posted else None
        if doc is None:
            continue
        data = loaded if loaded is not None else _loaded(payload)
        stated = compared_seller_address(service, doc, seller_address(record),
                                         functools.partial(_sent, record))
        changed = changed_fields(doc, data, stated) if data is not None else []
        if changed:
            conflicts[_key(payload)] = posted_conflict(doc, changed)
        elif data is not None and draft_of_posted(doc, data):
            report.warnings.append(problem_at(record, "status", draft_of_posted_warning(doc)))
    return conflicts


def _sent(record: Record) -> tuple[bytes | None, bytes | None]:
    """The hybrid PDF or the XML the e-invoice ``record`` was read from."""
    xml_path = einvoice_xml_path(record)
    return (record.pdf_path.read_bytes() if record.pdf_path is not None else None,
            xml_path.read_bytes() if xml_path is not None else None)


def _loaded(payload: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return load_input(payload)
    except ValidationError:
        return None     # the service refuses it when writing, naming the problem


def _outcome(current: Existing | None, drafts: dict[int, InvoiceDocument], payload: dict[str, Any],
             loaded: dict[str, Any] | None) -> str | None:
    """What writing ``payload`` does — ``created``, ``updated`` or ``unchanged`` — or None when
    only the service can tell (the draft is gone meanwhile)."""
    if current is None:
        return "created"
    if current.posted:
        return "updated" if _payment_status_change(current.payment_status, payload) \
            else "unchanged"
    doc = drafts.get(current.id)
    if doc is None:
        return None
    return "unchanged" if _same_draft(doc, payload, loaded) else "updated"


def _plan_chunk(service: InvoiceService, writer: BatchWriter, chunk: list[Checked], organization_id: int | None,
                report: ImportReport) -> None:
    """A dry run's outcome of each record of ``chunk``: its invoices looked up together."""
    payloads = [payload_of(record, organization_id) for record, _ in chunk]
    with service.context.db.session() as session:
        existing = writer.existing(session, [_key(p) for p in payloads])
        draft_ids = [found.id for found in existing.values() if not found.posted]
        drafts = {doc.id: doc for doc in service.context.read_many(session, draft_ids)} if draft_ids else {}
        refused = _posted_conflicts(service, session, existing, chunk, payloads, report)
    for (record, loaded), payload in zip(chunk, payloads, strict=True):
        if (conflict := refused.get(_key(payload))) is not None:
            report.problems += [problem_at(record, f, m) for f, m in _errors(conflict)]
            report.add("skipped", _name(record))
            continue
        current = existing.get(_key(payload))
        outcome = _outcome(current, drafts, payload, loaded)
        if outcome == "unchanged" and record.pdf_path is not None and current is not None and current.posted:
            kept = service.get(current.id).pdf
            if kept is None:
                outcome = "updated"             # the supplied PDF it lacks is attached
            elif hashlib.sha256(record.pdf_path.read_bytes()).hexdigest() != kept.sha256:
                report.warnings.append(problem_at(record, "pdf_file", POSTED_PDF_KEPT.format(
                    name=record.pdf_name or record.pdf_path.name)))
        report.add(outcome or _planned(service, payload), _name(record))


def _key(payload: dict[str, Any]) -> tuple[int, str]:
    return payload.get("organization_id") or 0, str(payload.get("external_id"))


def _write_together(writing: _Writing, session: Session, together: list[tuple[Record, NewInvoice]]) -> None:
    """Write new invoices and changed drafts together; on a clash (a number taken), one by
    one through the service, to name the record."""
    if not together:
        return
    invoices = [invoice for _, invoice in together]
    try:
        with session.begin_nested(), writing.service.context.translate_errors():
            writing.writer.write(session, invoices)
    except (InvoiceError, SQLAlchemyError):
        for record, _ in together:
            _write_one(writing, record)
        return
    writing.report.add("pending_pdfs", *writing.writer.announce(invoices, writing.announcements))
    writing.report.add("created", *(invoice.external_id for invoice in invoices if not invoice.updating))
    writing.report.add("updated", *(invoice.external_id for invoice in invoices if invoice.updating))
    for _ in invoices:
        writing.step()


def _write_one(writing: _Writing, record: Record) -> None:
    """Write ``record`` through the service; a failure stops the import or skips the record."""
    try:
        _write(writing.service, record, writing.organization_id, writing.actor, writing.report, writing.pdfs)
    except InvoiceError as exc:
        _failed(writing, record, exc)
    writing.step()


def _failed(writing: _Writing, record: Record, exc: InvoiceError) -> None:
    """``record`` cannot be written: the import stops (``stop``), or the record is skipped; a
    good record the database was busy for is not imported, no problem of its own (``stop``:
    the import stops there, ``_Busy``)."""
    if writing.on_error == "stop":
        if isinstance(exc, DatabaseUnavailable):
            raise _Busy(exc, record.location, record) from None
        raise _Stopped(record, exc) from None
    if isinstance(exc, DatabaseUnavailable):
        writing.report.not_written(record, exc)
        return
    writing.report.problems += [problem_at(record, f, m) for f, m in _errors(exc)]
    writing.report.add("skipped", _name(record))


def _attach(service: InvoiceService, pdfs: list[_Attachment], actor: str, report: ImportReport) -> None:
    """After the commit: the supplied PDFs of invoices that were posted earlier without one.

    The records are committed: a PDF that cannot be attached (the storage out of reach, the file
    unreadable) is logged and a warning of its record; importing the record again attaches it.
    """
    for attachment in pdfs:
        try:
            service.attach_pdf(attachment.invoice_id, attachment.pdf.read_bytes(), actor=actor)
        except Exception as exc:
            log.exception("the supplied PDF of imported invoice %s was not attached", attachment.external_id)
            why = exc.message if isinstance(exc, InvoiceError) else f"{type(exc).__name__}: {exc}"
            report.warnings.append(Problem(
                attachment.external_id, "pdf_file",
                f"The record is imported, but its PDF {attachment.name} was not attached (import the record "
                f"again once this is fixed: that attaches it; do so before complete-pdfs or the workers' PDF "
                f"sweep renders the invoice a PDF of its own, after which {attachment.name} can no longer be "
                f"attached): {why}"))
        else:
            report.pdfs_attached += 1


@dataclass(frozen=True)
class _Attachment:
    """A supplied PDF to attach after the commit to the invoice ``invoice_id``, posted earlier without one."""

    invoice_id: int
    external_id: str
    pdf: PdfFile
    name: str


def _write(service: InvoiceService, record: Record, organization_id: int | None, actor: str,
           report: ImportReport, pdfs: list[_Attachment]) -> None:
    payload = payload_of(record, organization_id)
    pdf = record.pdf_path.read_bytes() if record.pdf_path is not None else None
    xml_path = einvoice_xml_path(record)
    pdf_name = record.pdf_name or (record.pdf_path.name if record.pdf_path is not None else "")
    invoice_id, outcome, doc = _upsert(service, payload, actor, pdf,
                                       xml_path.read_bytes() if xml_path is not None else None, seller_address(record),
                                       warn=lambda message: report.warnings.append(
                                           problem_at(record, "pdf_file", message.format(name=pdf_name))))
    report.add(outcome, str(payload["external_id"]))
    if doc is not None and doc.pdf is not None:
        report.pdfs_attached += 1
    elif payload.get("status") == "posted" and record.pdf_path is None:
        report.add("pending_pdfs", invoice_id)     # kept only if still pending after the import
    elif record.pdf_path is not None and doc is None and outcome == "updated" and _lacks_pdf(service, invoice_id):
        pdfs.append(_Attachment(invoice_id, str(payload["external_id"]), record.pdf_path, pdf_name))


def _lacks_pdf(service: InvoiceService, invoice_id: int) -> bool:
    """Whether ``invoice_id`` is a posted invoice without a PDF (one a supplied PDF is attached to)."""
    current = service.get(invoice_id)
    return current.is_posted and current.pdf is None


def _find(service: InvoiceService, payload: dict[str, Any]) -> int | None:
    return service.id_of_external_id(payload["organization_id"], payload["external_id"])


def _planned(service: InvoiceService, payload: dict[str, Any]) -> str:
    """What writing ``payload`` would do: ``created``, ``updated`` or ``unchanged``."""
    invoice_id = _find(service, payload)
    if invoice_id is None:
        return "created"
    current = service.get(invoice_id)
    if current.is_posted:
        return "updated" if _payment_status_change(current.payment_status.value, payload) else "unchanged"
    return "unchanged" if _same_draft(current, payload) else "updated"


def _payment_status_change(status_now: str, payload: dict[str, Any]) -> bool:
    """Whether ``payload`` sets a payment status other than the invoice's. The status it has
    already is no change: forcing it would stop the invoice's status from following its
    payments (an export imported back into the same shop would freeze every posted invoice's)."""
    status = payload.get("payment_status")
    return bool(status) and status != status_now


def _same_draft(current: InvoiceDocument, payload: dict[str, Any], loaded: dict[str, Any] | None = None) -> bool:
    """Whether ``payload`` would leave the draft ``current`` exactly as it is (``loaded``: what
    it loaded to when checked, if known)."""
    if payload.get("status") == "posted":
        return False
    wanted = {k: v for k, v in loaded.items() if k != "status"} if loaded is not None \
        else load_input({k: v for k, v in payload.items() if k != "status"})
    stored = load_input(document_payload(current, fields=set(wanted) | {"lines"}))
    return _effective_categories(wanted) == _effective_categories(stored)


def _effective_categories(loaded: dict[str, Any]) -> dict[str, Any]:
    """``loaded`` with each line's VAT category as it takes effect (none given: Z at rate 0,
    else S), so that spelling out the default is no change."""
    lines = [{**line, "tax_category": tax_category_for(line.get("tax_category"), line["tax_rate"]).value}
             for line in loaded.get("lines") or []]
    return {**loaded, "lines": lines}


def _upsert(service: InvoiceService, payload: dict[str, Any], actor: str, pdf: bytes | None,
            einvoice_xml: bytes | None = None, seller_address: str = "", *,
            warn: Callable[[str], None] | None = None) -> tuple[int, str, InvoiceDocument | None]:
    """``(invoice id, outcome, the invoice if it was posted now)``; ``einvoice_xml``: the XML
    (CII or UBL) a posted record was read from, kept with it; ``seller_address``: the seller's
    electronic address its e-invoice states, kept in its seller; ``warn``: told (a message with
    ``{name}`` for the PDF file's name) when the supplied ``pdf`` is not used."""
    posting = payload.get("status") == "posted"
    invoice_id = _find(service, payload)
    if invoice_id is None:
        created = service.create(payload, actor=actor, pdf=pdf if posting else None, defer_pdf=True,
                                 einvoice_xml=einvoice_xml if posting else None,
                                 seller_address=seller_address if posting else "")
        return created.id, "created", created if created.is_posted else None
    current = service.get(invoice_id)
    if current.is_posted:
        if _payment_status_change(current.payment_status.value, payload):
            service.update(invoice_id, {"payment_status": payload["payment_status"]}, actor=actor)
            return invoice_id, "updated", None
        # a supplied PDF it still lacks (its attaching failed before) is attached after the commit
        if pdf is not None and current.pdf is None:
            return invoice_id, "updated", None
        if pdf is not None and current.pdf is not None and warn is not None \
                and hashlib.sha256(pdf).hexdigest() != current.pdf.sha256:
            warn(POSTED_PDF_KEPT)
        return invoice_id, "unchanged", None
    if _same_draft(current, payload):
        return invoice_id, "unchanged", None
    changes = {k: v for k, v in payload.items() if k not in ("status", "organization_id")}
    service.update(invoice_id, changes, actor=actor)
    if posting:
        return invoice_id, "updated", service.post(invoice_id, actor=actor, pdf=pdf, defer_pdf=True,
                                                   einvoice_xml=einvoice_xml, apply_credit=False,
                                                   seller_address=seller_address)
    return invoice_id, "updated", None


def import_files(service: InvoiceService, paths: list[Path], *, organization_id: int | None = 1,
                 actor: str = "import", on_error: OnError = "stop", dry_run: bool = False) -> ImportReport:
    """Read and import several files as one batch (``ValidationError`` for bad input in ``stop`` mode)."""
    records = [record for path in paths for record in read_records(Path(path))] if on_error == "stop" \
        else [r for path in paths for r in read_file(Path(path))[0]]
    return import_records(service, records, organization_id=organization_id, actor=actor,
                          on_error=on_error, dry_run=dry_run)
