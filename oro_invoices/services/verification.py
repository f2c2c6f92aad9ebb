"""``oro-invoices verify``: walk the hash chains, account for every number, check stored PDFs.

What is checked:

- each chain (one per organization and month) link by link: invoice links and the links of
  PDFs stored after posting, in order, each hash recomputed, no position missing, the head
  recorded on the counter row matching the last link;
- every PDF record: an invoice that stored its PDF at posting names that file in its own
  hashed content (``pdf_sha256``), any other record has a link of its own; no two invoices
  share a file;
- every counter value the automatic numbering issued (since revision 0004) is either held by
  a posted invoice or recorded as skipped, with the reason given as a note;
- with a storage: each stored file against its SHA-256 and size (the PDFs, the e-invoice
  XML imported invoices keep and the kept receipts), and temporary files writers left
  behind; and posted invoices without a PDF record while PDF generation is on for them.
  Their PDF is *pending* (an import renders them after its commit; ``complete-pdfs``
  renders what is left): they are listed and counted, but they are not an integrity
  problem. A PDF record whose stored file is missing or altered is.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import BigInteger, Integer, and_, bindparam, select
from sqlalchemy.orm import Session, selectinload

from oro_invoices.documents.storage import Storage
from oro_invoices.integration.config import load_schema
from oro_invoices.persistence import chain
from oro_invoices.persistence.engine import Database, reading
from oro_invoices.persistence.models import (
    EInvoiceSourceRow,
    Invoice,
    InvoiceDocumentRow,
    NumberSequence,
    NumberSkip,
    ReceiptRow,
)

#: ``expects_pdf(organization_id, website_id)``: whether posting made PDFs for that scope.
ExpectsPdf = Callable[[int, int | None], bool]
#: ``progress(phase, done, total)``: what a long run reports as it goes (a ``ProgressMeter``).
Progress = Callable[[str, int, int | None], None]

#: Temporary files older than this (seconds) are reported: no write takes that long.
STRAY_AFTER = 60.0
COMPLETE_COMMAND = "oro-invoices complete-pdfs"
_ID_SLICE = 500


def _quiet(phase: str, done: int, total: int | None) -> None:
    """No progress reported."""


@runtime_checkable
class TempFileLister(Protocol):
    def temp_files(self, older_than: float = ...) -> list[Path]:
        """Temporary files left in storage, older than ``older_than`` seconds."""


@dataclass
class VerifyReport:
    checked_invoices: int = 0
    checked_pdfs: int = 0
    problems: list[str] = field(default_factory=list)
    #: Things that are in order but worth knowing (an explained gap in a number series).
    notes: list[str] = field(default_factory=list)
    #: Ids of posted invoices whose PDF is pending: none stored yet although generation is on
    #: (``complete-pdfs`` renders them). Not a problem.
    pending_pdfs: list[int] = field(default_factory=list)
    #: What each pending PDF is, one line per invoice (as ``problems`` say theirs).
    pending: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Link:
    """One link of a chain, with the hash its content gives now."""

    seq: int
    prev_hash: str | None
    content_hash: str | None
    computed: str
    label: str


def _label(inv: Invoice) -> str:
    return f"invoice {inv.invoice_number or inv.id} (id {inv.id})"


def _schema_default_expects_pdf(organization_id: int, website_id: int | None) -> bool:
    return bool(load_schema()["oro_invoices.generate_pdf_on_post"].default)


def verify(db: Database, storage: Storage | None = None, *, batch: int = 1000,
           expects_pdf: ExpectsPdf | None = None, progress: Progress | None = None) -> VerifyReport:
    """Check every chain, number and PDF record and, with ``storage``, every stored PDF.

    :param expects_pdf: whether PDF generation at posting is on for an organization and
        website (default: the setting's default); only used with ``storage``.
    :param progress: called ``(phase, done, total)`` as invoices and stored PDFs are checked.
    """
    tick = progress or _quiet
    report = VerifyReport()
    expects = expects_pdf or _schema_default_expects_pdf
    with db.snapshot() as s:  # one consistent view of the chains, streamed in batches
        docs = {d.invoice_id: d for d in s.execute(select(InvoiceDocumentRow)).scalars()}
        kept = {row.invoice_id: row for row in s.execute(select(EInvoiceSourceRow)).scalars()}
        posted = s.execute(select(Invoice.id, Invoice.invoice_number, Invoice.pdf_sha256)
                           .where(Invoice.status == "posted")).all()
        numbers = {row.id: row.invoice_number for row in posted}
        stored_at_posting = {row.id for row in posted if row.pdf_sha256 is not None}
        _walk_chains(s, report, docs, kept, numbers, batch, expects if storage is not None else None,
                     lambda: tick("invoices", report.checked_invoices, len(posted)))
        _check_pdf_records(report, docs, numbers, stored_at_posting)
        _account_for_numbers(s, report)
        if storage is not None:
            _check_storage(report, storage, docs, numbers,
                           lambda: tick("PDFs", report.checked_pdfs, len(docs)))
            _check_kept_files(report, storage, kept.values(), numbers, "kept e-invoice XML")
            _check_kept_files(report, storage, s.execute(select(ReceiptRow)).scalars(), numbers, "receipt",
                              lambda row: f" of payment {row.transaction_id}")
    return report


def _walk_chains(s: Session, report: VerifyReport, docs: dict[int, InvoiceDocumentRow],
                 kept: dict[int, EInvoiceSourceRow], numbers: dict[int, str | None], batch: int,
                 expects: ExpectsPdf | None, checked: Callable[[], None]) -> None:
    heads = {chain.chain_key(r.organization_id, r.period): r for r in s.execute(select(NumberSequence)).scalars()}
    pdf_links: dict[str, list[_Link]] = defaultdict(list)
    for doc in docs.values():
        if doc.chain_key is not None:
            pdf_links[doc.chain_key].append(_pdf_link(doc, numbers.get(doc.invoice_id)))
    stmt = (select(Invoice).where(Invoice.status == "posted")
            .order_by(Invoice.chain_key, Invoice.chain_seq)
            .options(selectinload(Invoice.lines))
            .execution_options(yield_per=batch))
    seen: set[str | None] = set()
    for key, group in groupby(s.execute(stmt).scalars(), key=lambda inv: inv.chain_key):
        seen.add(key)
        invoice_links = (_invoice_link(report, inv, docs, kept, expects, checked) for inv in group)
        _check_chain(report, str(key), heapq.merge(invoice_links, sorted(pdf_links.pop(str(key), []),
                                                                           key=lambda l: l.seq),
                                                   key=lambda l: l.seq), heads.get(str(key)))
    for key, links in pdf_links.items():  # PDF links in a chain without any posted invoice left
        seen.add(key)
        _check_chain(report, key, iter(sorted(links, key=lambda l: l.seq)), heads.get(key))
    for key, head in heads.items():
        if key not in seen and head.chain_length:
            report.problems.append(f"chain {key}: {head.chain_length} link(s) recorded but none found "
                                   "(posted invoices or PDF records were removed)")


def _invoice_link(report: VerifyReport, inv: Invoice, docs: dict[int, InvoiceDocumentRow],
                  kept: dict[int, EInvoiceSourceRow], expects: ExpectsPdf | None,
                  checked: Callable[[], None]) -> _Link:
    report.checked_invoices += 1
    checked()
    if inv.einvoice_sha256 is not None:
        _check_covered_record(report, inv, inv.einvoice_sha256, kept.get(inv.id), "kept e-invoice XML",
                              "the XML its link covers")
    doc = docs.get(inv.id)
    if inv.pdf_sha256 is not None:
        _check_covered_record(report, inv, inv.pdf_sha256, doc, "PDF", "the PDF stored at posting")
    elif doc is None and expects is not None and expects(inv.organization_id, inv.website_id):
        report.pending_pdfs.append(inv.id)
        report.pending.append(f"{_label(inv)}: its PDF is pending (not rendered yet); "
                              f"`{COMPLETE_COMMAND}` renders it")
    return _Link(inv.chain_seq or 0, inv.prev_hash, inv.content_hash,
                 chain.link_hash(inv, inv.prev_hash or ""), _label(inv))


def _check_covered_record(report: VerifyReport, inv: Invoice, covered: str,
                          record: InvoiceDocumentRow | EInvoiceSourceRow | None, what: str, file: str) -> None:
    """The record of a file ``inv``'s chain link covers by its SHA-256 (``covered``) exists and
    names that file (``what``: the record, ``file``: the file, as a problem names them)."""
    if record is None:
        report.problems.append(f"{_label(inv)}: its {what} record is missing ({file} was {covered[:12]}…)")
    elif record.sha256 != covered:
        report.problems.append(f"{_label(inv)}: its {what} record points at file {record.sha256[:12]}…, "
                               f"not {file} ({covered[:12]}…)")


def _pdf_link(doc: InvoiceDocumentRow, number: str | None) -> _Link:
    content = chain.pdf_content(invoice_id=doc.invoice_id, invoice_number=number, sha256=doc.sha256,
                                size=doc.size, source=doc.source)
    return _Link(doc.chain_seq or 0, doc.prev_hash, doc.content_hash,
                 chain.pdf_link_hash(content, doc.prev_hash or ""),
                 f"PDF record of invoice {number or doc.invoice_id} (id {doc.invoice_id})")


def _check_chain(report: VerifyReport, key: str, links: Iterator[_Link], head: NumberSequence | None) -> None:
    expected_prev: str | None = chain.GENESIS
    expected_seq = 1
    for link in links:
        if link.seq != expected_seq:
            report.problems.append(
                f"{link.label}: chain {key} position {link.seq}, expected {expected_seq} "
                "(an invoice or PDF record is missing from the chain)")
        if link.prev_hash != expected_prev:
            report.problems.append(f"{link.label}: previous-hash link is broken")
        if link.computed != link.content_hash:
            report.problems.append(f"{link.label}: content does not match its recorded hash (altered)")
        expected_prev, expected_seq = link.content_hash, link.seq + 1
    if head is None or head.head_hash != expected_prev or head.chain_length != expected_seq - 1:
        report.problems.append(f"chain {key}: its recorded head does not match the last link "
                               "(an invoice or PDF record at the end of the chain is missing or altered)")


def _check_pdf_records(report: VerifyReport, docs: dict[int, InvoiceDocumentRow],
                       numbers: dict[int, str | None], stored_at_posting: set[int]) -> None:
    """Every record is covered by the chain; no two invoices share one file."""
    owners: dict[str, list[int]] = defaultdict(list)
    for doc in docs.values():
        owners[doc.sha256].append(doc.invoice_id)
        if doc.invoice_id not in numbers:
            report.problems.append(f"PDF record of invoice id {doc.invoice_id}: that invoice is not posted or gone")
    for doc in docs.values():
        if doc.chain_key is None and doc.invoice_id not in stored_at_posting and doc.invoice_id in numbers:
            report.problems.append(f"PDF record of invoice {numbers[doc.invoice_id]} (id {doc.invoice_id}): "
                                   "not covered by the hash chain (written outside the add-on?)")
    for sha256, invoice_ids in owners.items():
        if len(invoice_ids) > 1:
            names = ", ".join(f"{numbers.get(i) or i} (id {i})" for i in sorted(invoice_ids))
            report.problems.append(f"PDF {sha256[:12]}… is the record of several invoices: {names} "
                                   "(a record was re-pointed at another invoice's PDF)")


def _account_for_numbers(s: Session, report: VerifyReport) -> None:
    """Each counter value issued since tracking began is held by a posted invoice or recorded as skipped."""
    used: dict[tuple[int, str], Counter[int]] = defaultdict(Counter)
    rows = s.execute(select(Invoice.chain_key, Invoice.number_sequence)
                     .where(Invoice.status == "posted", Invoice.number_sequence.is_not(None))).all()
    for key, value in rows:
        if key is not None and value is not None:
            used[chain.parse_chain_key(key)][value] += 1
    skips: dict[tuple[int, str], dict[int, NumberSkip]] = defaultdict(dict)
    for skip in s.execute(select(NumberSkip).order_by(NumberSkip.organization_id, NumberSkip.period,
                                                       NumberSkip.sequence)).scalars():
        skips[(skip.organization_id, skip.period)][skip.sequence] = skip
        holder = s.get(Invoice, skip.held_by_invoice_id)
        still = holder is not None and holder.invoice_number == skip.invoice_number
        report.notes.append(
            f"organization {skip.organization_id}, {skip.period}: number {skip.invoice_number} (counter "
            f"{skip.sequence}) was skipped by the automatic numbering because invoice id "
            f"{skip.held_by_invoice_id} already had it" + ("" if still else " (it no longer has it)"))
    for seq in s.execute(select(NumberSequence)).scalars():
        scope = (seq.organization_id, seq.period)
        name = f"organization {seq.organization_id}, {seq.period}"
        counts, skipped = used.get(scope, Counter()), skips.get(scope, {})
        for value, count in sorted(counts.items()):
            if count > 1:
                report.problems.append(f"{name}: counter value {value} was given to {count} invoices")
            if value in skipped:
                report.problems.append(f"{name}: counter value {value} is both used and recorded as skipped")
            if value > seq.last_number:
                report.problems.append(f"{name}: counter value {value} is beyond the counter ({seq.last_number})")
        missing = [v for v in range(max(seq.tracked_from, 1), seq.last_number + 1)
                   if v not in counts and v not in skipped]
        if missing:
            shown = ", ".join(str(v) for v in missing[:10]) + (" …" if len(missing) > 10 else "")
            report.problems.append(f"{name}: counter value(s) {shown} were issued but no posted invoice has "
                                   "them and no skip is recorded (a posted invoice is missing?)")


def _check_storage(report: VerifyReport, storage: Storage, docs: dict[int, InvoiceDocumentRow],
                   numbers: dict[int, str | None], checked: Callable[[], None]) -> None:
    for invoice_id in sorted(docs):
        doc = docs[invoice_id]
        report.checked_pdfs += 1
        checked()
        problem = storage.check(doc.sha256, size=doc.size)
        if problem:
            report.problems.append(f"invoice {numbers.get(invoice_id) or invoice_id} (id {invoice_id}): "
                                   f"PDF {doc.sha256[:12]}…: {problem}")
    if isinstance(storage, TempFileLister):
        for path in storage.temp_files(older_than=STRAY_AFTER):
            report.problems.append(f"storage: stray temporary file {path} (left by a writer that stopped); "
                                   f"`{COMPLETE_COMMAND}` removes it")


def _check_kept_files(report: VerifyReport, storage: Storage, rows: Iterable[EInvoiceSourceRow | ReceiptRow],
                      numbers: dict[int, str | None], what: str,
                      detail: Callable[[Any], str] = lambda row: "") -> None:
    """Files the invoices keep beside their PDFs (the e-invoice XML they were imported from or
    issued as, their receipts) are stored, with their hash and size."""
    for row in rows:
        problem = storage.check(row.sha256, size=row.size)
        if problem:
            report.problems.append(f"invoice {numbers.get(row.invoice_id) or row.invoice_id} (id {row.invoice_id}): "
                                   f"{what}{detail(row)} {row.sha256[:12]}…: {problem}")


_POSTED_WITHOUT_PDF = (select(Invoice.id, Invoice.organization_id, Invoice.website_id)
                       .outerjoin(InvoiceDocumentRow, InvoiceDocumentRow.invoice_id == Invoice.id)
                       .where(Invoice.status == "posted", InvoiceDocumentRow.invoice_id.is_(None))
                       .order_by(Invoice.id))
_POSTED_WITHOUT_PDF_AMONG = _POSTED_WITHOUT_PDF.where(Invoice.id.in_(bindparam("ids", expanding=True)))
#: The next of them after an id: the invoices' primary key from there on, and the records' too
#: (in the join's condition), so that no plan reads the records from the first one again.
_POSTED_WITHOUT_PDF_AFTER = (
    select(Invoice.id, Invoice.organization_id, Invoice.website_id)
    .outerjoin(InvoiceDocumentRow, and_(InvoiceDocumentRow.invoice_id == Invoice.id,
                                        InvoiceDocumentRow.invoice_id > bindparam("after", type_=BigInteger)))
    .where(Invoice.status == "posted", InvoiceDocumentRow.invoice_id.is_(None),
           Invoice.id > bindparam("after", type_=BigInteger))
    .order_by(Invoice.id).limit(bindparam("batch", type_=Integer)))
#: How many of them one statement of ``posted_without_pdf(limit=…)`` reads at most.
PENDING_BATCH = 5000


def posted_without_pdf(db: Database, expects_pdf: ExpectsPdf | None = None, *,
                       invoice_ids: Collection[int] | None = None, limit: int | None = None) -> list[int]:
    """Ids of posted invoices (all, or those of ``invoice_ids``) whose PDF is pending: no PDF
    record although PDF generation is on for them, in id order.

    ``limit``: at most this many, the oldest; they are read in batches from the start of the
    invoices' primary key until there are enough (the periodic sweep makes a few at a time)."""
    expects = expects_pdf or _schema_default_expects_pdf
    wanted = sorted(set(invoice_ids)) if invoice_ids is not None else None
    if wanted is None and limit is not None:
        return _first_posted_without_pdf(db, expects, limit)
    with reading(db.engine) as conn:  # a grid asks for its page's rows: one plain statement
        if wanted is None:
            rows = conn.execute(_POSTED_WITHOUT_PDF).all()
        else:  # in slices: a database limits the parameters of one statement
            rows = [row for start in range(0, len(wanted), _ID_SLICE)
                    for row in conn.execute(_POSTED_WITHOUT_PDF_AMONG, {"ids": wanted[start:start + _ID_SLICE]})]
    pending = [invoice_id for invoice_id, organization_id, website_id in rows
               if expects(organization_id, website_id)]
    return pending if limit is None else pending[:limit]


def _first_posted_without_pdf(db: Database, expects: ExpectsPdf, limit: int) -> list[int]:
    """The first ``limit`` ids of ``posted_without_pdf``, read a batch at a time."""
    found: list[int] = []
    after = 0
    while len(found) < limit:
        with reading(db.engine) as conn:
            rows = conn.execute(_POSTED_WITHOUT_PDF_AFTER, {"after": after, "batch": PENDING_BATCH}).all()
        found.extend(invoice_id for invoice_id, organization_id, website_id in rows
                     if expects(organization_id, website_id))
        if len(rows) < PENDING_BATCH:
            break
        after = rows[-1][0]
    return found[:limit]
