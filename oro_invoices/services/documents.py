"""An invoice's stored PDF: made once, stored write-once, streamed."""
from __future__ import annotations

from typing import BinaryIO

from sqlalchemy.exc import IntegrityError

from oro_invoices.documents.storage import Storage
from oro_invoices.domain.errors import (
    Conflict,
    InvoiceNotPosted,
    NotFound,
    StorageError,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument, PdfInfo
from oro_invoices.integration.plugins import flatten, merge_dicts
from oro_invoices.persistence import activity
from oro_invoices.persistence.models import InvoiceDocumentRow
from oro_invoices.services.context import Renderer, RendererVariants, ServiceContext, current_batch
from oro_invoices.services.reads import Reads


class Documents:
    """``ensure_pdf``, ``attach_pdf``, ``open_pdf`` and the PDF made after posting."""

    def __init__(self, ctx: ServiceContext, reads: Reads):
        self.ctx = ctx
        self.reads = reads

    def ensure_pdf(self, invoice_id: int) -> InvoiceDocument:
        """The invoice with its PDF, rendering and storing it once if it has none yet.

        Two processes racing here produce one PDF: the database keeps the first
        record; the loser returns the winner's document.
        """
        doc = self.reads.get(invoice_id)
        if doc.pdf is not None:
            return doc
        if not doc.is_posted:
            raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: only posted invoices have a PDF.")
        if not self.ctx.invoice_setting("oro_invoices.generate_pdf_on_post", doc):
            return doc
        storage, renderer = self.ctx.storage, self.ctx.renderer
        if storage is None or renderer is None:
            raise StorageError("No PDF storage or renderer is configured.")
        extra = merge_dicts(self.ctx.hook("invoice_pdf_context", invoice=doc) or [])
        data = self._renderer_for(renderer, doc).render(doc, payment_url=self.ctx.payment_url(doc),
                                                        extra_context=extra)
        return self._store(storage, doc, data, "generated", "system")

    def attach_pdf(self, invoice_id: int, data: bytes, *, actor: str = "system") -> InvoiceDocument:
        """Store a PDF supplied by the external system (when generation at posting is off)."""
        if not data.startswith(b"%PDF-"):
            raise ValidationError([("pdf", "The file is not a PDF (it does not start with %PDF-).")])
        doc = self.reads.get(invoice_id)
        if not doc.is_posted:
            raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: post it before attaching its PDF.")
        if doc.pdf is not None:
            raise Conflict(f"Invoice {doc.display_number} already has its PDF; a stored PDF is never replaced.")
        if self.ctx.storage is None:
            raise StorageError("No PDF storage is configured.")
        return self._store(self.ctx.storage, doc, data, "uploaded", actor)

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

    def after_posting(self, doc: InvoiceDocument) -> InvoiceDocument:
        """Make the PDF of a just-posted invoice when configured to (after the batch, inside ``atomic()``)."""
        batch = current_batch()
        if batch is not None:
            batch.posted.append(doc.id)
            return doc
        if doc.pdf is None and self.ctx.storage is not None and self.ctx.renderer is not None \
                and self.ctx.invoice_setting("oro_invoices.generate_pdf_on_post", doc):
            return self.ensure_pdf(doc.id)
        return doc

    def _renderer_for(self, renderer: Renderer, doc: InvoiceDocument) -> Renderer:
        """The renderer for this invoice's page size and locale, with plugins' template dirs."""
        if not isinstance(renderer, RendererVariants):
            return renderer
        return renderer.variant(page_size=self.ctx.invoice_setting("oro_invoices.pdf.page_size", doc),
                                locale=self.ctx.invoice_setting("oro_invoices.locale", doc),
                                extra_template_dirs=flatten(self.ctx.hook("invoice_template_dirs") or []))

    def _store(self, storage: Storage, doc: InvoiceDocument, data: bytes, source: str,
               actor: str) -> InvoiceDocument:
        stored = storage.put(data)
        try:
            with self.ctx.write() as s:
                s.add(InvoiceDocumentRow(invoice_id=doc.id, sha256=stored.sha256, size=stored.size,
                                         source=source, created_at=stored.created_at))
                activity.record(s, doc.id, "pdf", actor, f"PDF {source} ({stored.size} bytes)",
                                {"sha256": stored.sha256})
        except IntegrityError:
            # Another process stored this invoice's PDF first: theirs is the PDF.
            winner = self.reads.get(doc.id)
            if winner.pdf is None:
                raise
            if source == "uploaded" and winner.pdf.sha256 != stored.sha256:
                raise Conflict(f"Invoice {doc.display_number} already has its PDF; "
                               "a stored PDF is never replaced.") from None
            return winner
        return self.reads.get(doc.id)
