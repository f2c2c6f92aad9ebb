"""An invoice's stored PDF: made once, stored write-once, streamed.

At posting, the PDF is rendered from the would-be-posted invoice and its bytes stored
(write-once, content-addressed) before the posting transaction commits; its record is
written in that transaction. A stored file whose posting then fails is an orphan that no
record names: harmless. A PDF stored after posting (supplied by the external system when
generation is off, or completed by ``oro-invoices complete-pdfs``) gets a link of its own
in the invoice's hash chain.

With background jobs (``ServiceContext.jobs``, docs/jobs.md) and the
``oro_invoices.jobs.pdf_in_background`` setting on, posting stores no PDF: the posted invoice's
PDF is *pending* until the ``render_pdf`` job runs ``ensure_pdf``, and ``open_pdf`` raises
``PdfPending`` meanwhile instead of rendering it in the request.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oro_invoices.documents.storage import Storage, StoredObject, sha256_hex
from oro_invoices.domain.errors import (
    Conflict,
    InvoiceError,
    InvoiceNotPosted,
    NoPdfRenderer,
    NoPdfStorage,
    NotFound,
    PdfFailed,
    PdfPending,
    StorageError,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument, PdfInfo
from oro_invoices.domain.limits import parse_id
from oro_invoices.domain.messages import N_, Message, Number
from oro_invoices.i18n import translate
from oro_invoices.integration.plugins import flatten, merge_dicts
from oro_invoices.persistence import activity, chain, numbering
from oro_invoices.persistence.models import InvoiceDocumentRow, PdfRequeueRow, ReceiptRow
from oro_invoices.persistence.received_payments import received_payment
from oro_invoices.services import follow_ups
from oro_invoices.services.context import (
    ArchivalRenderer,
    DocumentScope,
    ReceiptRenderer,
    Renderer,
    RendererVariants,
    ServiceContext,
)
from oro_invoices.services.einvoicing import SIGNING_CERTIFICATE, EInvoice, EInvoicing, attach, sign, xml_in
from oro_invoices.services.jobs import RENDER_PDF, Job
from oro_invoices.services.reads import Reads

GENERATE_SETTING = "oro_invoices.generate_pdf_on_post"
BACKGROUND_SETTING = "oro_invoices.jobs.pdf_in_background"
#: How long after the posting, or the last re-queue, a download queues a PDF job again.
REQUEUE_SETTING = "oro_invoices.jobs.pdf_requeue_after"

log = logging.getLogger("oro_invoices.documents")


@dataclass(frozen=True)
class PostingPdf:
    """The PDF stored for an invoice being posted, and where it came from."""

    stored: StoredObject
    source: str  # "generated" or "imported"
    #: The e-invoice attached (or left out) when e-invoices are on.
    einvoice: EInvoice | None = None
    #: Whether the PDF carries an e-invoice XML (``carries_xml``).
    carries_xml: bool | None = False


class Documents:
    """``ensure_pdf``, ``attach_pdf``, ``open_pdf`` and the PDF made at posting."""

    def __init__(self, ctx: ServiceContext, reads: Reads):
        self.ctx = ctx
        self.reads = reads
        self.einvoicing = EInvoicing(ctx)

    def generates_at_posting(self, doc: InvoiceDocument) -> bool:
        """Whether posting ``doc`` makes its PDF: generation is on, and storage and a renderer exist."""
        return bool(self.ctx.storage is not None and self.ctx.renderer is not None
                    and self.ctx.invoice_setting(GENERATE_SETTING, doc))

    def in_background(self, doc: InvoiceDocument | DocumentScope) -> bool:
        """Whether ``doc``'s PDF (an invoice's of ``doc``'s organization and website) is made by a
        background job rather than while posting."""
        return bool(self.ctx.jobs.background and self.ctx.invoice_setting(BACKGROUND_SETTING, doc))

    def pdf_pending(self, doc: InvoiceDocument) -> bool:
        """Whether ``doc`` is posted and its PDF is still being made in the background."""
        return (doc.is_posted and doc.pdf is None and self.in_background(doc)
                and bool(self.ctx.invoice_setting(GENERATE_SETTING, doc)))

    def pdf_awaited(self, doc: InvoiceDocument) -> bool:
        """Whether ``doc`` is posted without a stored PDF although one is expected: a storage
        exists and PDF generation is on for it (an import's invoice still to render, or a
        background job's). ``pdf_backlog.pending_pdfs`` asks the same of many in one statement."""
        return (doc.is_posted and doc.pdf is None and self.ctx.storage is not None
                and bool(self.ctx.invoice_setting(GENERATE_SETTING, doc)))

    def pdf_made_on_download(self, doc: InvoiceDocument) -> bool:
        """Whether ``doc``'s expected PDF, not stored yet, is made by its first download in this
        process (``pdf_for_download``): no background job makes it and a renderer exists, as for
        an invoice imported without its PDF."""
        return self.pdf_awaited(doc) and self.awaited_made_on_download(doc)

    def awaited_made_on_download(self, scope: InvoiceDocument | DocumentScope) -> bool:
        """Whether an awaited PDF (``pdf_awaited``) of an invoice of ``scope``'s organization and
        website is made by its first download: no background job makes it and a renderer exists.
        What a list asks of its rows that ``pdf_backlog.pending_pdfs`` found awaited."""
        return self.ctx.renderer is not None and not self.in_background(scope)

    def einvoice_for_posting(self, snapshot: InvoiceDocument, *, supplied: bool = False,
                             einvoice_kept: bool = False) -> EInvoice | None:
        """The checked e-invoice of an invoice being posted (``snapshot``: as it will be once
        posted), or None: e-invoices are off, or the add-on does not make its documents (its PDF
        is ``supplied`` or comes later from the external system; ``einvoice_kept``: it is imported
        from e-invoice XML, which it keeps). Made and checked before the PDF, also when the PDF
        is made after the commit; a UBL one is for the caller to keep (``EInvoicing.keep_source``).

        :raises EInvoiceInvalid: the e-invoice breaks rules and ``on_invalid`` is ``refuse``.
        """
        if supplied or einvoice_kept or not self.generates_at_posting(snapshot):
            return None
        return self.einvoicing.for_posting(snapshot)

    def pdf_for_posting(self, snapshot: InvoiceDocument, supplied: bytes | None = None, *,
                        defer: bool = False, einvoice: EInvoice | None = None,
                        einvoice_kept: bool = False) -> PostingPdf | None:
        """Store the PDF of an invoice being posted, before its posting commits.

        ``supplied`` (an imported invoice's own PDF) is stored as it is; otherwise the PDF
        is rendered from ``snapshot``, the invoice as it will be once posted, when posting
        makes PDFs (``generates_at_posting``). None: the external system supplies it later,
        or (``defer``) it is rendered after the commit by ``ensure_pdf``: it is pending.

        ``einvoice`` (``einvoice_for_posting``): a valid CII XML is attached to the PDF/A-3
        rendered. ``einvoice_kept``: the invoice is imported from e-invoice XML, which its PDF,
        made after the commit, carries.

        :raises ValidationError: ``supplied`` is not a PDF.
        :raises PdfFailed: (or the renderer's own ``InvoiceError``) the PDF could not be made or
            stored; the message says the invoice was not posted.
        """
        if supplied is not None:
            check_pdf_bytes(supplied)
            if self.ctx.storage is None:
                raise StorageError.shown_as_is(Message(
                    "Invoice %(number)s was not posted: it brings its PDF, but no PDF storage is configured.",
                    number=snapshot.display_number))
            return PostingPdf(self._put(self.ctx.storage, snapshot, supplied, at_posting=True), "imported",
                              carries_xml=carries_xml(supplied, None, made_here=False))
        if einvoice_kept or not self.generates_at_posting(snapshot):
            return None
        if defer or self.in_background(snapshot):
            return None  # in the background: ``submit_posting_pdf`` after the commit
        assert self.ctx.storage is not None and self.ctx.renderer is not None
        data = self._render(self.ctx.renderer, snapshot, at_posting=True, einvoice=einvoice)
        return PostingPdf(self._put(self.ctx.storage, snapshot, data, at_posting=True), "generated", einvoice,
                          carries_xml(data, einvoice, made_here=True))

    def record_posting_pdf(self, s: Session, invoice_id: int, pdf: PostingPdf, actor: str) -> None:
        """Write the record of the PDF stored at posting, in the posting transaction."""
        stored = pdf.stored
        s.add(InvoiceDocumentRow(invoice_id=invoice_id, sha256=stored.sha256, size=stored.size,
                                 source=pdf.source, created_at=stored.created_at, carries_xml=pdf.carries_xml))
        activity.record(s, invoice_id, "pdf", actor, pdf_summary(pdf.source, stored.size),
                        {"sha256": stored.sha256})
        _record_einvoice(s, invoice_id, pdf.einvoice, actor)

    def submit_posting_pdf(self, doc: InvoiceDocument) -> None:
        """After ``doc``'s posting committed: submit its ``render_pdf`` job if its PDF is pending.

        The worker renders and stores it, so this process needs neither renderer nor storage.
        Never raises: the posting is committed, and a job not submitted (its settings could not
        be read, the queue raised) is logged and noted (``follow_ups``) of ``doc``; the workers'
        PDF sweep makes the PDF.
        """
        if not self.ctx.jobs.background:
            return
        try:
            if self.pdf_pending(doc):
                self.ctx.submit_job(Job(RENDER_PDF, (doc.id,)), invoice=doc)
        except Exception as exc:
            log.exception("the PDF job of posted invoice %s was not submitted; the PDF sweep makes its PDF",
                          doc.display_number)
            follow_ups.note(follow_ups.PDF_JOB, exc, what=RENDER_PDF, invoice=doc)

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
            raise InvoiceNotPosted(_only_posted(doc))
        if not self.ctx.invoice_setting(GENERATE_SETTING, doc):
            return doc
        storage, renderer = self.ctx.storage, self.ctx.renderer
        if storage is None or renderer is None:
            missing = "PDF storage" if storage is None else "PDF renderer"
            log.warning("Invoice %s has no PDF and none is made: no %s is configured.", doc.display_number, missing)
            raise NoPdfStorage() if storage is None else NoPdfRenderer()
        einvoice = self.einvoicing.for_pdf(doc)
        data = self._render(renderer, doc, at_posting=False, einvoice=einvoice)
        return self._store_after_posting(storage, doc, data, "generated", actor, einvoice)

    def attach_pdf(self, invoice_id: int, data: bytes, *, actor: str = "system") -> InvoiceDocument:
        """Store a PDF supplied by the external system (when generation at posting is off)."""
        check_pdf_bytes(data)
        doc = self.reads.get(invoice_id)
        if not doc.is_posted:
            raise InvoiceNotPosted(Message("Invoice %(number)s is not posted: post it before attaching its PDF.",
                                           number=doc.display_number))
        if doc.pdf is not None:
            raise Conflict(_never_replaced(doc))
        if self.ctx.storage is None:
            raise StorageError.shown_as_is(Message("No PDF storage is configured."))
        return self._store_after_posting(self.ctx.storage, doc, data, "uploaded", actor)

    def makes_receipts(self, doc: InvoiceDocument) -> bool:
        """Whether receipt PDFs of ``doc``'s payments can be made and stored here (a storage and a
        renderer that makes them), without making one."""
        renderer = self.ctx.renderer
        return (self.ctx.storage is not None and renderer is not None
                and isinstance(self.renderer_for(renderer, doc), ReceiptRenderer))

    def receipt_pdf(self, invoice_id: int, transaction_id: int,
                    label_of: Callable[[str], str] = str) -> tuple[InvoiceDocument, bytes]:
        """The invoice and the receipt PDF of its successful payment, capture or refund
        ``transaction_id``: made the first time from what was recorded (the invoice's posted
        seller and the payment's date and method; ``label_of``: a method's name as people read
        it) and, with a PDF storage, kept, so that every later call gives that file.

        :raises NotFound: the invoice has no such payment, or it has no kept receipt and no
            renderer makes receipts here.
        """
        doc = self.reads.get(invoice_id)
        language = self.ctx.document_locale(doc)          # "Bank transfer" in the receipt's language

        def label(code: str) -> str:
            return translate(language, label_of(code))
        with self.ctx.db.session() as s:
            payment = received_payment(s, transaction_id, label, zone_of=self.ctx.books_zone) \
                if parse_id(transaction_id) else None
        if payment is None or payment.invoice_id != doc.id or not doc.is_posted:
            raise NotFound(Message("Invoice %(number)s has no payment or refund %(id)s to make a receipt of.",
                                   number=doc.display_number, id=transaction_id))
        kept = self._kept_receipt(payment.transaction_id)
        if kept is not None:
            return doc, kept
        renderer = self.ctx.renderer
        chosen = self.renderer_for(renderer, doc) if renderer is not None else None
        if not isinstance(chosen, ReceiptRenderer):
            raise NotFound(Message("Receipts cannot be made here: no PDF renderer that makes them is configured."))
        try:
            extra = merge_dicts(self.ctx.hook("invoice_pdf_context", invoice=doc) or [])
            pdf = chosen.render_receipt(doc, payment, extra_context=extra)
        except Exception as exc:  # a template, font or plugin error: say which invoice and why
            raise _failed(doc, N_("the receipt of its payment could not be rendered"), exc,
                          at_posting=False) from exc
        return doc, self._keep_receipt(doc.id, payment.transaction_id, pdf)

    def _kept_receipt(self, transaction_id: int) -> bytes | None:
        """The receipt kept for ``transaction_id``, or None (none yet, or no storage here)."""
        if self.ctx.storage is None:
            return None
        with self.ctx.db.session() as s:
            row = s.get(ReceiptRow, transaction_id)
        if row is None:
            return None
        with self.ctx.storage.open(row.sha256) as stream:
            return stream.read()

    def _keep_receipt(self, invoice_id: int, transaction_id: int, pdf: bytes) -> bytes:
        """Keep ``pdf`` as the receipt of ``transaction_id`` (write-once); of two processes making
        it at once, the first one's is kept and both give that."""
        storage = self.ctx.storage
        if storage is None:
            return pdf
        stored = storage.put(pdf)
        try:
            with self.ctx.write() as s:
                s.add(ReceiptRow(transaction_id=transaction_id, invoice_id=invoice_id, sha256=stored.sha256,
                                 size=stored.size, created_at=self.ctx.clock()))
        except IntegrityError:
            kept = self._kept_receipt(transaction_id)
            if kept is None:
                raise
            return kept
        return pdf

    def open_pdf(self, invoice_id: int) -> tuple[PdfInfo, BinaryIO]:
        """``(PdfInfo, binary stream)`` of the stored PDF; never renders a second one.

        :raises PdfPending: the PDF is being made in the background.
        """
        info = self.pdf_info(invoice_id)
        assert self.ctx.storage is not None     # pdf_info raised without one
        return info, self.ctx.storage.open(info.sha256)

    def pdf_info(self, invoice_id: int) -> PdfInfo:
        """What ``open_pdf`` would stream (its length and hash, as recorded), the storage neither
        opened nor read: the PDF is made first, once, where ``open_pdf`` would make it.

        :raises PdfPending: the PDF is being made in the background.
        """
        return self._pdf_info(self.reads.get(invoice_id))

    def _pdf_info(self, doc: InvoiceDocument) -> PdfInfo:
        invoice_id = doc.id
        if doc.pdf is None:
            if not doc.is_posted:
                raise InvoiceNotPosted(_only_posted(doc))
            if self.pdf_pending(doc):
                raise PdfPending(Message("The PDF of invoice %(number)s is being prepared; try again in a moment.",
                                         number=doc.display_number))
            doc = self.ensure_pdf(invoice_id)
            if doc.pdf is None:
                raise NotFound(Message("Invoice %(number)s has no PDF yet: it is supplied by the external system.",
                                       number=doc.display_number))
        if self.ctx.storage is None:
            raise StorageError.shown_as_is(Message("No PDF storage is configured."))
        return doc.pdf

    def pdf_for_download(self, invoice_id: int) -> PdfInfo:
        """``pdf_info`` for a download: a posted invoice's PDF not made yet is made first, once
        (inline jobs); while background jobs make it, its ``render_pdf`` job is queued again
        (idempotent: a lost job's PDF gets made, a done one makes nothing) before ``PdfPending``,
        at most once per ``oro_invoices.jobs.pdf_requeue_after`` (``_queue_again``).

        :raises PdfPending: the PDF is being made in the background.
        """
        doc = self.reads.get(invoice_id)
        try:
            return self._pdf_info(doc)
        except PdfPending:
            self._queue_again(doc)
            raise

    def _queue_again(self, doc: InvoiceDocument) -> None:
        """Queue ``doc``'s ``render_pdf`` job again when its posting, and the last time a
        download queued it again, are at least ``oro_invoices.jobs.pdf_requeue_after`` ago:
        sooner, the job queued then is taken to be still on its way. The time is kept in the
        database (``PdfRequeueRow``), so that of the downloads every web process answers at once
        one queues it; a download within the posting's window reads and writes nothing."""
        now = self.ctx.clock()
        after = dt.timedelta(seconds=int(self.ctx.setting(REQUEUE_SETTING)))
        if doc.posted_at is not None and now - doc.posted_at < after:
            return
        with self.ctx.write() as s:
            insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
            claim = insert(PdfRequeueRow).values(invoice_id=doc.id, queued_at=now)
            claimed = s.execute(claim.on_conflict_do_update(
                index_elements=[PdfRequeueRow.invoice_id], set_={"queued_at": claim.excluded.queued_at},
                where=PdfRequeueRow.queued_at <= now - after).returning(PdfRequeueRow.invoice_id)).first()
        if claimed is None:     # queued again lately, by this process or another
            return
        self.ctx.submit_job(Job(RENDER_PDF, (doc.id,)))

    def open_xml(self, invoice_id: int) -> tuple[InvoiceDocument, bytes]:
        """The invoice and its e-invoice XML: the one it keeps (imported from it, or issued as
        UBL), else the one attached to its stored PDF; a PDF recorded as carrying none is not read.

        :raises NotFound: it keeps none and its stored PDF carries none.
        """
        doc = self.reads.get(invoice_id)
        kept = self.einvoicing.kept_xml(invoice_id) if doc.einvoice_kept else None
        if kept is not None:
            return doc, kept
        xml = None
        if doc.pdf is None or doc.pdf.carries_xml is not False:
            _, stream = self.open_pdf(invoice_id)
            with stream:
                xml = xml_in(stream.read())
            doc = self.reads.get(invoice_id)
        if xml is None:
            raise NotFound(Message("Invoice %(number)s has no e-invoice: its PDF carries no XML (e-invoices were "
                                   "off, or its XML broke a rule, when it was posted).", number=doc.display_number))
        return doc, xml

    # ---- helpers ------------------------------------------------------------------------

    def _render(self, renderer: Renderer, doc: InvoiceDocument, *, at_posting: bool,
                einvoice: EInvoice | None = None) -> bytes:
        """The PDF; with an e-invoice XML, a PDF/A-3 (when the renderer can make one) with it attached."""
        try:
            extra = merge_dicts(self.ctx.hook("invoice_pdf_context", invoice=doc) or [])
            chosen, url = self.renderer_for(renderer, doc), self.ctx.pay_link(doc)
            if einvoice is None or einvoice.carried is None:
                pdf = chosen.render(doc, payment_url=url, extra_context=extra)
            else:
                pdf = attach(chosen.render_archival(doc, payment_url=url, extra_context=extra)
                             if isinstance(chosen, ArchivalRenderer) else
                             chosen.render(doc, payment_url=url, extra_context=extra),
                             einvoice, doc.posted_at or doc.updated_at)
            certificate = self.ctx.invoice_setting(SIGNING_CERTIFICATE, doc)
            return sign(pdf, str(certificate)) if certificate else pdf
        except Exception as exc:  # a template, font or plugin error: say which invoice and why
            raise _failed(doc, N_("its PDF could not be rendered"), exc, at_posting=at_posting) from exc

    @staticmethod
    def _put(storage: Storage, doc: InvoiceDocument, data: bytes, *, at_posting: bool) -> StoredObject:
        try:
            return storage.put(data)
        except Exception as exc:
            raise _failed(doc, N_("its PDF could not be stored"), exc, at_posting=at_posting) from exc

    def renderer_for(self, renderer: Renderer, doc: InvoiceDocument | DocumentScope) -> Renderer:
        """The renderer for this invoice's (or a customer's document's) page size, locale and time
        zone, with plugins' template dirs."""
        if not isinstance(renderer, RendererVariants):
            return renderer
        return renderer.variant(page_size=self.ctx.invoice_setting("oro_invoices.pdf.page_size", doc),
                                locale=self.ctx.document_locale(doc),
                                timezone=self.ctx.invoice_setting("oro_invoices.timezone", doc),
                                extra_template_dirs=flatten(self.ctx.hook("invoice_template_dirs") or []))

    def _store_after_posting(self, storage: Storage, doc: InvoiceDocument, data: bytes, source: str,
                             actor: str, einvoice: EInvoice | None = None) -> InvoiceDocument:
        """Store the PDF of a posted invoice and append its link to the invoice's chain.

        The bytes are stored while the invoice's row is locked and only when it has no PDF
        yet: of two processes racing to complete one invoice, the one that loses stores nothing.
        The invoice's ``PdfRequeueRow``, if any, is deleted with the PDF's record.
        """
        try:
            with self.ctx.write() as s:
                inv = self.ctx.load(s, doc.id, lock=True)  # serialises racing stores of this PDF
                if s.get(InvoiceDocumentRow, doc.id) is None:
                    stored = self._put(storage, doc, data, at_posting=False)
                    self._chained_record(s, inv.id, inv.invoice_number, inv.chain_key, stored, source, actor,
                                         carries_xml(data, einvoice, made_here=source == "generated"))
                    _record_einvoice(s, inv.id, einvoice, actor)
                    # its downloads' re-queue time is of no use once the PDF is stored
                    s.execute(delete(PdfRequeueRow).where(PdfRequeueRow.invoice_id == inv.id))
        except IntegrityError:
            # Another process recorded this invoice's PDF first: theirs is the PDF.
            if self.reads.get(doc.id).pdf is None:
                raise
        winner = self.reads.get(doc.id)
        assert winner.pdf is not None
        if source == "uploaded" and winner.pdf.sha256 != sha256_hex(data):
            raise Conflict(_never_replaced(doc))
        return winner

    @staticmethod
    def _chained_record(s: Session, invoice_id: int, invoice_number: str | None, key: str | None,
                        stored: StoredObject, source: str, actor: str, carries: bool | None) -> None:
        if key is None:
            raise StorageError.shown_as_is(Message("Invoice %(number)s has no hash-chain link; run oro-invoices "
                                                   "verify.", number=invoice_number or f"#{invoice_id}"))
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
                                 chain_seq=seq.chain_length, prev_hash=prev, content_hash=link,
                                 carries_xml=carries))
        activity.record(s, invoice_id, "pdf", actor, pdf_summary(source, stored.size),
                        {"sha256": stored.sha256})
        s.flush()


def carries_xml(pdf: bytes, einvoice: EInvoice | None, *, made_here: bool) -> bool | None:
    """Whether ``pdf`` carries an e-invoice XML: for a PDF made here, whether ``einvoice`` was
    attached to it; for one imported or uploaded, whether one is found in it (None when that
    cannot be looked for: no einvoice extra here, or a PDF it cannot read)."""
    if made_here:
        return einvoice is not None and einvoice.carried is not None
    try:
        return xml_in(pdf) is not None
    except (ImportError, ValueError):
        return None


def _record_einvoice(s: Session, invoice_id: int, einvoice: EInvoice | None, actor: str) -> None:
    """The activity entry saying which e-invoice the stored PDF carries, or why none."""
    if einvoice is not None:
        activity.record(s, invoice_id, "einvoice", actor, einvoice.summary, einvoice.activity_data())


def _only_posted(doc: InvoiceDocument) -> Message:
    return Message("Invoice %(number)s is not posted: only posted invoices have a PDF.", number=doc.display_number)


def _never_replaced(doc: InvoiceDocument) -> Message:
    return Message("Invoice %(number)s already has its PDF; a stored PDF is never replaced.",
                   number=doc.display_number)


def pdf_summary(source: str, size: int) -> Message:
    """The activity entry of a stored PDF: "PDF generated (15.3 KB)"."""
    if source == "generated":
        return Message("PDF generated (%(size)s)", size=size_label(size))
    if source == "uploaded":
        return Message("PDF uploaded (%(size)s)", size=size_label(size))
    if source == "imported":
        return Message("PDF imported (%(size)s)", size=size_label(size))
    return Message("PDF %(source)s (%(size)s)", source=source, size=size_label(size))


def size_label(size: int) -> Message:
    """A file size as people read it, in the reader's number format: ``812 bytes``, ``15.3 KB``
    (``15,3 KB`` in German), ``2.1 MB``."""
    if size < 1024:
        return Message("%(count)s bytes", count=size)
    if size < 1024 * 1024:
        written = f"{size / 1024:.1f}"
        return Message("%(size)s KB", size=Number(Decimal(written), written))
    written = f"{size / (1024 * 1024):.1f}"
    return Message("%(size)s MB", size=Number(Decimal(written), written))


def check_pdf_bytes(data: bytes) -> None:
    """Refuse bytes that are not a PDF."""
    if not bytes(data[:5]) == b"%PDF-":
        raise ValidationError([("pdf", Message("The file is not a PDF (it does not start with %%PDF-)."))])


def _failure(doc: InvoiceDocument, what: str, detail: str, *, at_posting: bool) -> Message:
    """What a PDF that could not be made is said as; at posting it says the invoice stays a draft."""
    if at_posting:
        return Message("Invoice Draft #%(id)s was not posted: %(what)s; it is still a draft and nothing was "
                       "changed. %(detail)s", id=doc.id, what=Message(what), detail=detail)
    return Message("Invoice %(number)s: %(what)s; nothing was changed. %(detail)s",
                   number=doc.display_number, what=Message(what), detail=detail)


def _failed(doc: InvoiceDocument, what: str, exc: Exception, *, at_posting: bool) -> InvoiceError:
    """The error for a PDF that could not be made; at posting it says the invoice stays a draft."""
    detail = exc.message if isinstance(exc, InvoiceError) else f"{type(exc).__name__}: {exc}"
    message = _failure(doc, what, detail, at_posting=at_posting)
    if isinstance(exc, StorageError) and not isinstance(exc, NoPdfStorage):   # shown without the storage's URL
        return type(exc)(message, shown=_failure(doc, what, exc.shown, at_posting=at_posting))
    if isinstance(exc, InvoiceError) and not isinstance(exc, ValidationError):
        return type(exc)(message)
    return PdfFailed(message)
