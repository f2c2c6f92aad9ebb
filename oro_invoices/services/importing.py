"""Bulk import of invoices made by external systems: JSON, JSON Lines or CSV files.

Historical invoices arrive as they were: their own number, date, payment status
and PDF. A file is imported all or nothing: every record is validated first
(each error names the file, the record and the field), then all are written in
one transaction. Re-importing a file changes nothing that is already posted.

Formats
  ``.json``           an array of invoice objects (the JSON API's create payload)
  ``.jsonl/.ndjson``  one invoice object per line
  ``.csv``            one row per line item; rows with the same ``external_id`` form one
                      invoice; columns are the payload's fields, ``bill_to_<part>`` and
                      ``ship_to_<part>`` for addresses, ``line_<field>`` for the line
Any record may carry ``pdf_file``: a path (relative to the file) of the invoice's PDF.
A posted invoice's PDF is stored when it is posted, in the import's transaction; for an
invoice that was already posted without one, it is attached after the commit.
Posted invoices must meet the posting requirements (``domain.posting``): historical
invoices keep their own dates, but those must lie within the configured years.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.posting import YearRange, posting_problems
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.posting import year_range
from oro_invoices.services.schemas import load_input

LINE_FIELDS = ("description", "sku", "unit", "quantity", "unit_price", "tax_rate")
ADDRESS_PARTS = ("name", "organization", "street", "street2", "city", "region", "postal_code",
                 "country", "phone")
INTEGER_FIELDS = ("customer_id", "customer_user_id", "website_id", "order_id", "organization_id")


@dataclass(frozen=True)
class Record:
    """One invoice read from a file, with where it came from."""

    location: str
    payload: dict[str, Any]
    pdf_path: Path | None = None


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pdfs: int = 0

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {self.pdfs} PDF(s) attached")


def read_records(path: Path) -> list[Record]:
    """Parse ``path`` by its extension; raise ``ValidationError`` naming the bad place."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([(str(path), f"Cannot read the file: {exc}")]) from None
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError([(f"{path}:{exc.lineno}", f"Not valid JSON: {exc.msg}")]) from None
        if not isinstance(data, list):
            raise ValidationError([(str(path), "Expected a JSON array of invoices.")])
        raw = [(f"{path}[{i}]", item) for i, item in enumerate(data)]
    elif suffix in (".jsonl", ".ndjson"):
        raw = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    raw.append((f"{path}:{number}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise ValidationError([(f"{path}:{number}", f"Not valid JSON: {exc.msg}")]) from None
    elif suffix == ".csv":
        raw = list(_csv_invoices(path, text))
    else:
        raise ValidationError([(str(path), "Unknown file type; use .json, .jsonl, .ndjson or .csv.")])
    records = []
    for location, item in raw:
        if not isinstance(item, dict):
            raise ValidationError([(location, "Expected an invoice object.")])
        item = dict(item)
        pdf = item.pop("pdf_file", None)
        records.append(Record(location, item, (path.parent / pdf) if pdf else None))
    return records


def _csv_invoices(path: Path, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "external_id" not in reader.fieldnames:
        raise ValidationError([(str(path), "The CSV needs a header row with an external_id column.")])
    invoices: dict[str, tuple[str, dict[str, Any]]] = {}
    for number, row in enumerate(reader, start=2):
        location = f"{path}:{number}"
        key = (row.get("external_id") or "").strip()
        if not key:
            raise ValidationError([(f"{location}.external_id", "Every row needs the invoice's external_id.")])
        head: dict[str, Any] = {}
        line: dict[str, Any] = {}
        for column, value in row.items():
            if column is None:
                raise ValidationError([(location, "This row has more cells than the header.")])
            value = (value or "").strip()
            if value == "":
                continue
            if column.startswith("line_"):
                line[column[5:]] = value
            elif column.startswith(("bill_to_", "ship_to_")):
                which, part = column[:7], column[8:]
                head.setdefault(which, {})[part] = value
            elif column in INTEGER_FIELDS:
                head[column] = int(value) if value.isdigit() else value
            else:
                head[column] = value
        if key not in invoices:
            invoices[key] = (location, {**head, "lines": []})
        else:
            first = invoices[key][1]
            for column, value in head.items():
                if first.get(column) != value:
                    raise ValidationError([(f"{location}.{column}",
                                            f"Differs from the first row of invoice {key}.")])
        if line:
            invoices[key][1]["lines"].append(line)
    yield from invoices.values()


def validate(records: list[Record], organization_id: int, years: YearRange | None = None, *,
             names_from_host: bool = False) -> None:
    """Check every record before anything is written; raise one error listing all problems.

    With ``years``, records to be posted are checked against the posting requirements too
    (with ``names_from_host``, a missing customer name is left to the host to fill in).
    """
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for record in records:
        payload = {"organization_id": organization_id, **record.payload}
        try:
            loaded = load_input(payload)
        except ValidationError as exc:
            problems += [(f"{record.location}.{f}" if f else record.location, m) for f, m in exc.errors]
        else:
            if years is not None and loaded.get("status") == "posted":
                problems += [(f"{record.location}.{f}", m)
                             for f, m in _posting_problems(loaded, years, names_from_host)]
        if payload.get("organization_id") != organization_id:
            problems.append((f"{record.location}.organization_id",
                             f"This import is for organization {organization_id}."))
        ext = payload.get("external_id")
        if not ext:
            problems.append((f"{record.location}.external_id", "Imported invoices need an external_id."))
        elif ext in seen:
            problems.append((f"{record.location}.external_id", f"Repeats the invoice of {seen[ext]}."))
        else:
            seen[str(ext)] = record.location
        if record.pdf_path is not None:
            try:
                head = record.pdf_path.read_bytes()[:5]
            except OSError:
                head = None
            if head is None:
                problems.append((f"{record.location}.pdf_file", f"{record.pdf_path} cannot be read."))
            elif head != b"%PDF-":
                problems.append((f"{record.location}.pdf_file", f"{record.pdf_path} is not a PDF."))
            elif payload.get("status") != "posted":
                problems.append((f"{record.location}.pdf_file", "Only a posted invoice can have a PDF."))
    if problems:
        raise ValidationError(problems)


def _posting_problems(loaded: dict[str, Any], years: YearRange, names_from_host: bool) -> list[tuple[str, str]]:
    problems = posting_problems(customer_name=loaded.get("customer_name"), bill_to=loaded.get("bill_to"),
                                invoice_date=loaded.get("invoice_date"), due_date=loaded.get("due_date"),
                                years=years)
    if names_from_host and loaded.get("customer_id") is not None:
        problems = [p for p in problems if p[0] != "customer_name"]
    return problems


def import_records(service: InvoiceService, records: list[Record], *, organization_id: int = 1,
                   actor: str = "import") -> ImportReport:
    """Create or update every record in one transaction (all or nothing).

    A posted invoice's PDF is stored as it is posted; the PDF of an invoice posted
    earlier without one is attached after the commit.
    """
    validate(records, organization_id, year_range(lambda key: service.setting(key, organization_id=organization_id)),
             names_from_host=service.host is not None)
    report = ImportReport()
    pdfs: list[tuple[int, Path]] = []
    with service.atomic() as batch:
        for record in records:
            payload = {"organization_id": organization_id, **record.payload}
            pdf = record.pdf_path.read_bytes() if record.pdf_path is not None else None
            try:
                invoice_id, outcome, stored = _upsert(service, payload, organization_id, actor, pdf)
            except ValidationError as exc:
                raise exc.at(record.location) from None
            except InvoiceError as exc:
                raise exc.at(record.location) from exc
            getattr(report, outcome).append(str(payload["external_id"]))
            if stored:
                report.pdfs += 1
            elif record.pdf_path is not None and outcome != "unchanged":
                pdfs.append((invoice_id, record.pdf_path))

        def attach() -> None:
            for invoice_id, pdf_path in pdfs:
                service.attach_pdf(invoice_id, pdf_path.read_bytes(), actor=actor)
                report.pdfs += 1
        batch.on_commit(attach)
    return report


def _upsert(service: InvoiceService, payload: dict[str, Any], organization_id: int,
            actor: str, pdf: bytes | None) -> tuple[int, str, bool]:
    """``(invoice id, outcome, whether pdf was stored at posting)``."""
    posting = payload.get("status") == "posted"
    try:
        invoice_id = service.find_id(external_id=payload["external_id"], organization_id=organization_id)
    except NotFound:
        created = service.create(payload, actor=actor, pdf=pdf if posting else None)
        return created.id, "created", posting and pdf is not None
    current = service.get(invoice_id)
    if current.is_posted:
        status = payload.get("payment_status")
        if status and (status != current.payment_status.value or not current.payment_status_forced):
            service.update(invoice_id, {"payment_status": status}, actor=actor)
            return invoice_id, "updated", False
        return invoice_id, "unchanged", False
    changes = {k: v for k, v in payload.items() if k not in ("status", "organization_id")}
    service.update(invoice_id, changes, actor=actor)
    if posting:
        service.post(invoice_id, actor=actor, pdf=pdf)
    return invoice_id, "updated", posting and pdf is not None


def import_files(service: InvoiceService, paths: list[Path], *, organization_id: int = 1,
                 actor: str = "import") -> ImportReport:
    """Read and import several files as one batch."""
    records = [record for path in paths for record in read_records(Path(path))]
    return import_records(service, records, organization_id=organization_id, actor=actor)
