"""Service operations on an invoice's stored PDF: made once, stored write-once, streamed."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from oro_invoices.domain.errors import (
    Conflict,
    InvoiceNotPosted,
    NotFound,
    StorageError,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.integration.plugins import flatten, merge_dicts
from oro_invoices.persistence import activity
from oro_invoices.persistence.models import InvoiceDocumentRow


class DocumentOperations:
    """Mixed into ``InvoiceService``: ``ensure_pdf``, ``attach_pdf``, ``open_pdf``."""

    def ensure_pdf(self, invoice_id: int) -> InvoiceDocument:
        """The invoice with its PDF, rendering and storing it once if it has none yet.

        Two processes racing here produce one PDF: the database keeps the first
        record; the loser returns the winner's document.
        """
        doc = self.get(invoice_id)
        if doc.pdf is not None:
            return doc
        if not doc.is_posted:
            raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: only posted invoices have a PDF.")
        if not self._invoice_setting("oro_invoices.generate_pdf_on_post", doc):
            return doc
        if self.storage is None or self.renderer is None:
            raise StorageError("No PDF storage or renderer is configured.")
        extra = merge_dicts(self._hook("invoice_pdf_context", invoice=doc) or [])
        data = self._renderer_for(doc).render(doc, payment_url=self.payment_url(doc), extra_context=extra)
        return self._store_pdf(doc, data, "generated", "system")

    def _renderer_for(self, doc: InvoiceDocument):
        """The renderer for this invoice's page size and locale, with plugins' template dirs."""
        variant = getattr(self.renderer, "variant", None)
        if variant is None:
            return self.renderer
        return variant(page_size=self._invoice_setting("oro_invoices.pdf.page_size", doc),
                       locale=self._invoice_setting("oro_invoices.locale", doc),
                       extra_template_dirs=flatten(self._hook("invoice_template_dirs") or []))

    def attach_pdf(self, invoice_id: int, data: bytes, *, actor: str = "system") -> InvoiceDocument:
        """Store a PDF supplied by the external system (when generation at posting is off)."""
        if not data.startswith(b"%PDF-"):
            raise ValidationError([("pdf", "The file is not a PDF (it does not start with %PDF-).")])
        doc = self.get(invoice_id)
        if not doc.is_posted:
            raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: post it before attaching its PDF.")
        if doc.pdf is not None:
            raise Conflict(f"Invoice {doc.display_number} already has its PDF; a stored PDF is never replaced.")
        if self.storage is None:
            raise StorageError("No PDF storage is configured.")
        return self._store_pdf(doc, data, "uploaded", actor)

    def _store_pdf(self, doc: InvoiceDocument, data: bytes, source: str, actor: str) -> InvoiceDocument:
        stored = self.storage.put(data)
        try:
            with self._write() as s:
                s.add(InvoiceDocumentRow(invoice_id=doc.id, sha256=stored.sha256, size=stored.size,
                                         source=source, created_at=stored.created_at))
                activity.record(s, doc.id, "pdf", actor, f"PDF {source} ({stored.size} bytes)",
                                {"sha256": stored.sha256})
        except IntegrityError:
            # Another process stored this invoice's PDF first: theirs is the PDF.
            winner = self.get(doc.id)
            if winner.pdf is None:
                raise
            if source == "uploaded" and winner.pdf.sha256 != stored.sha256:
                raise Conflict(f"Invoice {doc.display_number} already has its PDF; "
                               "a stored PDF is never replaced.") from None
            return winner
        return self.get(doc.id)

    def open_pdf(self, invoice_id: int):
        """``(PdfInfo, binary stream)`` of the stored PDF; never renders a second one."""
        doc = self.get(invoice_id)
        if doc.pdf is None:
            if not doc.is_posted:
                raise InvoiceNotPosted(f"Invoice {doc.display_number} is not posted: only posted invoices have a PDF.")
            doc = self.ensure_pdf(invoice_id)
            if doc.pdf is None:
                raise NotFound(f"Invoice {doc.display_number} has no PDF yet: it is supplied by the external system.")
        return doc.pdf, self.storage.open(doc.pdf.sha256)

