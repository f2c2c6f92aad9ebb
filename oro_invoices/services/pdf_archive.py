"""The stored PDFs of the invoices a filter selects, as one ZIP archive written as it streams.

For the month end: every posted invoice and credit note a filter selects (the back-office
grid's, the storefront list's within what its customer user may see, or ``oro-invoices export
--format pdfs``'s), each as its stored PDF, byte for byte (never rendered again), named as its
email attachment is (``invoice-<number>.pdf``, ``credit-note-<number>.pdf``). Drafts have no
PDF and are left out. A posted invoice whose PDF is still being prepared, or whose stored file is
missing or no longer matches its recorded SHA-256, is named with the reason in
``MISSING_NAME`` inside the archive rather than failing a download already under way.

PDFs are compressed already, so entries are stored, not deflated. The archive is written one
PDF at a time into a small buffer that is handed on at once, so memory holds at most one PDF,
whatever the number of invoices.
"""
from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from sqlalchemy import select

from oro_invoices.documents.filenames import invoice_filename
from oro_invoices.documents.storage import StoredObject
from oro_invoices.domain.errors import StorageError
from oro_invoices.domain.messages import Message
from oro_invoices.persistence.models import InvoiceDocumentRow
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.read_models import InvoiceSummary
from oro_invoices.services.facade import InvoiceService

log = logging.getLogger(__name__)

#: Invoices read per statement.
PAGE = 200
#: The archive's list of posted invoices whose PDF it does not hold, one per line.
MISSING_NAME = "missing.txt"


class _Sink:
    """A write-only file for ``zipfile``: collects what is written until it is taken."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def pdf_archive(service: InvoiceService, filters: InvoiceFilter, words: Callable[[Message], str] = str,
                missing: list[str] | None = None,
                admits: Callable[[InvoiceSummary], bool] | None = None, *, sort: str = "id",
                status_order: Sequence[str] | None = None) -> Iterator[bytes]:
    """The ZIP archive of the stored PDFs of the posted invoices ``filters`` selects, in ``sort``
    (oldest first by default; ``status_order`` as for ``InvoiceService.list_invoices``), piece by
    piece: one piece per PDF, then the rest (see the module docstring).
    ``words`` writes the reasons of ``MISSING_NAME`` in the reader's language (English by
    default); ``missing``, when given, receives its lines too; ``admits`` leaves out, without a
    word, the invoices whose PDF the reader may not download."""
    sink = _Sink()
    missing = [] if missing is None else missing
    names: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for summary, stored in _posted(service, filters, sort, status_order):
            if admits is not None and not admits(summary):
                continue
            data = _read(service, summary, stored)
            if isinstance(data, Message):
                missing.append(words(data))
                continue
            name = _unique(invoice_filename(summary.display_number, credit_note=summary.is_credit_note),
                           summary.id, names)
            stored_at = stored.created_at if stored is not None else service.clock()
            entry = zipfile.ZipInfo(name, date_time=stored_at.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_STORED
            archive.writestr(entry, data)
            yield sink.take()
        if missing:
            archive.writestr(zipfile.ZipInfo(MISSING_NAME, date_time=service.clock().timetuple()[:6]),
                             "\n".join(missing) + "\n")
    yield sink.take()


def _posted(service: InvoiceService, filters: InvoiceFilter, sort: str, status_order: Sequence[str] | None,
            ) -> Iterator[tuple[InvoiceSummary, StoredObject | None]]:
    """The posted invoices ``filters`` selects, each with its stored PDF's record (None: none yet)."""
    if filters.status not in (None, "posted"):
        return                                            # drafts only: they have no PDF
    posted = replace(filters, status="posted")
    cursor: str | None = None
    while True:
        page = service.list_invoices(posted, sort=sort, limit=PAGE, cursor=cursor, status_order=status_order)
        ids = [summary.id for summary in page.items]
        with service.db.session() as session:
            rows = session.execute(select(InvoiceDocumentRow.invoice_id, InvoiceDocumentRow.sha256,
                                          InvoiceDocumentRow.size, InvoiceDocumentRow.created_at)
                                   .where(InvoiceDocumentRow.invoice_id.in_(ids))).all() if ids else []
        stored = {row.invoice_id: StoredObject(row.sha256, row.size, row.created_at) for row in rows}
        for summary in page.items:
            yield summary, stored.get(summary.id)
        if page.next_cursor is None or not page.items:
            return
        cursor = page.next_cursor


def _read(service: InvoiceService, summary: InvoiceSummary, stored: StoredObject | None) -> bytes | Message:
    """The stored PDF's bytes, checked against its record, or why there are none."""
    number = summary.display_number
    if stored is None:
        return Message("%(number)s: its PDF is being prepared or has not been supplied yet.", number=number)
    storage = service.storage
    if storage is None:
        return Message("%(number)s: no PDF storage is configured.", number=number)
    try:
        data = storage.read(stored.sha256)
    except (StorageError, OSError) as exc:
        log.error("The stored PDF of invoice %s could not be read: %s", number, exc)
        return Message("%(number)s: its stored PDF could not be read.", number=number)
    if len(data) != stored.size or hashlib.sha256(data).hexdigest() != stored.sha256:
        log.error("The stored PDF of invoice %s does not match its recorded SHA-256 %s", number, stored.sha256)
        return Message("%(number)s: its stored PDF does not match the checksum recorded when it was stored.",
                       number=number)
    return data


def _unique(name: str, invoice_id: int, taken: set[str]) -> str:
    """``name``, or ``name`` with the invoice's id when another entry has it (numbers imported
    from elsewhere may read alike once made safe for a file name)."""
    if name in taken:
        name = f"{name.removesuffix('.pdf')}-{invoice_id}.pdf"
    taken.add(name)
    return name
