"""An invoice's stored PDF: made once, stored write-once, streamed.

At posting, the PDF is rendered from the would-be-posted invoice and its bytes stored
(write-once, content-addressed) before the posting transaction commits; its record is
written in that transaction. A stored file whose posting then fails is an orphan that no
record names: harmless. A PDF stored after posting (supplied by the external system when
generation is off, or completed by ``oro-invoices complete-pdfs``) gets a link of its own
in the invoice's hash chain.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oro_invoices.documents.storage import Storage, StoredObject
from oro_invoices.domain.errors import (
    Conflict,
    InvoiceError,
    InvoiceNotPosted,
    NotFound,
    PdfFailed,
    StorageError,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument, PdfInfo
from oro_invoices.integration.plugins import flatten, merge_dicts
from oro_invoices.persistence import activity, chain, numbering
from oro_invoices.persistence.models import InvoiceDocumentRow
from oro_invoices.services.context import Renderer, RendererVariants, ServiceContext
from oro_invoices.services.reads import Reads

GENERATE_SETTING = "oro_invoices.generate_pdf_on_post"


@dataclass(frozen=True)
class PostingPdf:
    """The PDF stored for an invoice being posted, and where it came from."""

    stored: StoredObject
    source: str  # "generated" or "imported"


class Documents:
    """``ensure_pdf``, ``attach_pdf``, ``open_pdf`` and the PDF made at posting."""

    def __init__(self, ctx: ServiceContext, reads: Reads):
        self.ctx = ctx
        self.reads = reads

    def generates_at_posting(self, doc: InvoiceDocument) -> bool:
        """Whether posting ``doc`` makes its PDF: generation is on, and storage and a renderer exist."""
        return bool(self.ctx.storage is not None and self.ctx.renderer is not None
                    and self.ctx.invoice_setting(GENERATE_SETTING, doc))

    def pdf_for_posting(self, snapshot: InvoiceDocument, supplied: bytes | None = None) -> PostingPdf | None:
        """Store the PDF of an invoice being posted, before its posting commits.

        ``supplied`` (an imported invoice's own PDF) is stored as it is; otherwise the PDF
        is rendered from ``snapshot``, the invoice as it will be once posted, when posting
        makes PDFs (``generates_at_posting``). None: the external system supplies it later.

        :raises ValidationError: ``supplied`` is not a PDF.
        :raises PdfFailed: (or the renderer's own ``InvoiceError``) the PDF could not be made or
            stored; the message says the invoice was not posted.
        """
        if supplied is not None:
            check_pdf_bytes(supplied)
            if self.ctx.storage is None:
                raise StorageError(f"Invoice {snapshot.display_number} was not posted: it brings its PDF, "
                                   "but no PDF storage is configured.")
            return PostingPdf(self._put(self.ctx.storage, snapshot, supplied, at_posting=True), "imported")
        if not self.generates_at_posting(snapshot):
            return None
        assert self.ctx.storage is not None and self.ctx.renderer is not None
        data = self._render(self.ctx.renderer, snapshot, at_posting=True)
        return PostingPdf(self._put(self.ctx.storage, snapshot, data, at_posting=True), "generated")

    def record_posting_pdf(self, s: Session, invoice_id: int, pdf: PostingPdf, actor: str) -> None:
        """Write the record of the PDF stored at posting, in the posting transaction."""
        stored = pdf.stored
        s.add(InvoiceDocumentRow(invoice_id=invoice_id, sha256=stored.sha256, size=stored.size,
                                 source=pdf.source, created_at=stored.created_at))
        activity.record(s, invoice_id, "pdf", actor, f"PDF {pdf.source} ({stored.size} bytes)",
                        {"sha256": stored.sha256})

    def ensure_pdf(self, invoice_id: int, *, actor: str = "system") -> InvoiceDocument:
        """The invoice with its PDF, rendering and storing it once if it has none yet.

        Completes a posted invoice that has no PDF although generation is on (posted while
        no renderer was configured, or before posting stored PDFs atomically). Two processes
        racing here produce one PDF: the first record is kept; the other returns it.
        """
        doc = self.reads.get(invoice_id)
        if doc.pdf is not None:
            return doc
        if not doc.is_posted:
            raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: only posted invoices have a PDF.")
        if not self.ctx.invoice_setting(GENERATE_SETTING, doc):
            return doc
        storage, renderer = self.ctx.storage, self.ctx.renderer
        if storage is None or renderer is None:
            raise StorageError("No PDF storage or renderer is configured.")
        data = self._render(renderer, doc, at_posting=False)
        return self._store_after_posting(storage, doc, data, "generated", actor)

    def attach_pdf(self, invoice_id: int, data: bytes, *, actor: str = "system") -> InvoiceDocument:
        """Store a PDF supplied by the external system (when generation at posting is off)."""
        check_pdf_bytes(data)
        doc = self.reads.get(invoice_id)
        if not doc.is_posted:
            raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: post it before attaching its PDF.")
        if doc.pdf is not None:
            raise Conflict(f"Invoice {doc.display_number} already has its PDF; a stored PDF is never replaced.")
        if self.ctx.storage is None:
            raise StorageError("No PDF storage is configured.")
        return self._store_after_posting(self.ctx.storage, doc, data, "uploaded", actor)

    def open_pdf(self, invoice_id: int) -> tuple[PdfInfo, BinaryIO]:
        """``(PdfInfo, binary stream)`` of the stored PDF; never renders a second one."""
        doc = self.reads.get(invoice_id)
        if doc.pdf is None:
            if not doc.is_posted:
                raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: only posted invoices have a PDF.")
            doc = self.ensure_pdf(invoice_id)
            if doc.pdf is None:
                raise NotFound(f"Invoice {doc.display_number} has no PDF yet: it is supplied by the external system.")
        if self.ctx.storage is None:
            raise StorageError("No PDF storage is configured.")
        return doc.pdf, self.ctx.storage.open(doc.pdf.sha256)

    # ---- helpers ------------------------------------------------------------------------

    def _render(self, renderer: Renderer, doc: InvoiceDocument, *, at_posting: bool) -> bytes:
        try:
            extra = merge_dicts(self.ctx.hook("invoice_pdf_context", invoice=doc) or [])
            return self._renderer_for(renderer, doc).render(doc, payment_url=self.ctx.pay_link(doc),
                                                            extra_context=extra)
        except Exception as exc:  # a template, font or plugin error: say which invoice and why
            raise _failed(doc, "its PDF could not be rendered", exc, at_posting=at_posting) from exc

    @staticmethod
    def _put(storage: Storage, doc: InvoiceDocument, data: bytes, *, at_posting: bool) -> StoredObject:
        try:
            return storage.put(data)
        except Exception as exc:
            raise _failed(doc, "its PDF could not be stored", exc, at_posting=at_posting) from exc

    def _renderer_for(self, renderer: Renderer, doc: InvoiceDocument) -> Renderer:
        """The renderer for this invoice's page size and locale, with plugins' template dirs."""
        if not isinstance(renderer, RendererVariants):
            return renderer
        return renderer.variant(page_size=self.ctx.invoice_setting("oro_invoices.pdf.page_size", doc),
                                locale=self.ctx.invoice_setting("oro_invoices.locale", doc),
                                extra_template_dirs=flatten(self.ctx.hook("invoice_template_dirs") or []))

    def _store_after_posting(self, storage: Storage, doc: InvoiceDocument, data: bytes, source: str,
                             actor: str) -> InvoiceDocument:
        """Store the PDF of a posted invoice and append its link to the invoice's chain."""
        stored = self._put(storage, doc, data, at_posting=False)
        try:
            with self.ctx.write() as s:
                inv = self.ctx.load(s, doc.id, lock=True)  # serialises racing stores of this PDF
                if s.get(InvoiceDocumentRow, doc.id) is None:
                    self._chained_record(s, inv.id, inv.invoice_number, inv.chain_key, stored, source, actor)
        except IntegrityError:
            # Another process recorded this invoice's PDF first: theirs is the PDF.
            if self.reads.get(doc.id).pdf is None:
                raise
        winner = self.reads.get(doc.id)
        assert winner.pdf is not None
        if source == "uploaded" and winner.pdf.sha256 != stored.sha256:
            raise Conflict(f"Invoice {doc.display_number} already has its PDF; "
                           "a stored PDF is never replaced.")
        return winner

    @staticmethod
    def _chained_record(s: Session, invoice_id: int, invoice_number: str | None, key: str | None,
                        stored: StoredObject, source: str, actor: str) -> None:
        if key is None:
            raise StorageError(f"Invoice {invoice_number} has no hash-chain link; run oro-invoices verify.")
        organization_id, period = chain.parse_chain_key(key)
        seq = numbering.lock_sequence(s, organization_id, period)
        prev = seq.head_hash or chain.GENESIS
        seq.chain_length += 1
        link = chain.pdf_link_hash(chain.pdf_content(
            invoice_id=invoice_id, invoice_number=invoice_number, sha256=stored.sha256,
            size=stored.size, source=source), prev)
        seq.head_hash = link
        s.add(InvoiceDocumentRow(invoice_id=invoice_id, sha256=stored.sha256, size=stored.size,
                                 source=source, created_at=stored.created_at, chain_key=key,
                                 chain_seq=seq.chain_length, prev_hash=prev, content_hash=link))
        activity.record(s, invoice_id, "pdf", actor, f"PDF {source} ({stored.size} bytes)",
                        {"sha256": stored.sha256})
        s.flush()


def check_pdf_bytes(data: bytes) -> None:
    """Refuse bytes that are not a PDF."""
    if not bytes(data[:5]) == b"%PDF-":
        raise ValidationError([("pdf", "The file is not a PDF (it does not start with %PDF-).")])


def _failed(doc: InvoiceDocument, what: str, exc: Exception, *, at_posting: bool) -> InvoiceError:
    """The error for a PDF that could not be made; at posting it says the invoice stays a draft."""
    detail = exc.message if isinstance(exc, InvoiceError) else f"{type(exc).__name__}: {exc}"
    if at_posting:
        lead = f"Invoice Draft #{doc.id} was not posted: {what}; it is still a draft and nothing was changed."
    else:
        lead = f"Invoice {doc.display_number}: {what}; nothing was changed."
    message = f"{lead} {detail}"
    if isinstance(exc, InvoiceError) and not isinstance(exc, ValidationError):
        return type(exc)(message)
    return PdfFailed(message)
