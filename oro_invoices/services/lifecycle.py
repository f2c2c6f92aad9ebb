"""An invoice's life: create a draft, change it, post it (number, chain link, PDF), delete a draft.

Every write runs in one transaction: bad input raises ``ValidationError`` before
anything is written, and a failure rolls everything back. ``atomic()`` groups
several writes into one transaction.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import InvoiceIsPosted, NoPdfStorage, ValidationError
from oro_invoices.domain.invoice import DocumentType, InvoiceDocument, LineInput, compute_lines
from oro_invoices.domain.limits import given_id, quoted
from oro_invoices.domain.messages import N_, Amount, Message, PluralMessage
from oro_invoices.domain.money import from_minor, to_minor
from oro_invoices.domain.posting import YearRange, date_problems, stated_date_problems
from oro_invoices.persistence import activity, chain, numbering
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.models import (
    Invoice,
    InvoiceDocumentRow,
    InvoiceLineRow,
    PaymentState,
)
from oro_invoices.services import follow_ups
from oro_invoices.services.buyer import buyer_snapshot
from oro_invoices.services.context import Batch, DocumentScope, ServiceContext
from oro_invoices.services.documents import Documents
from oro_invoices.services.payments import Payments, StatusChange
from oro_invoices.services.posting import check_postable, year_range
from oro_invoices.services.reads import Reads
from oro_invoices.services.schemas import load_input
from oro_invoices.services.seller_terms import due_by_terms, invoice_seller
from oro_invoices.services.tenancy import TENANCY_FIELDS, check_parties

#: The fields of the issued document: frozen once the invoice is posted.
DOCUMENT_FIELDS = frozenset({
    "external_id", "invoice_number", "invoice_date", "due_date", "currency", "organization_id",
    "website_id", "customer_id", "customer_user_id", "customer_name", "customer_user_email",
    "order_id", "order_identifier", "bill_to", "ship_to", "lines", "external_payment_url",
    "delivery_date", "delivery_period_start", "delivery_period_end", "buyer", "purchase_order",
})


def posted_refusal(number: str | None, fields: Sequence[str]) -> InvoiceIsPosted:
    """The refusal of a change to the document ``fields`` of the posted invoice ``number``, worded
    the same for PATCH, PUT by external id and an import (an API error names each field)."""
    return InvoiceIsPosted(Message(
        "Invoice %(number)s is posted and can no longer be modified (tried to change: %(fields)s). "
        "Only its payment status, payments and notes may change.", number=number,
        fields=", ".join(fields)), fields=fields)


#: An invoice of more lines has its PDF rendered right after its posting commits, not inside it
#: (``Lifecycle.post``): laying out hundreds of lines takes seconds while the lock is held.
RENDER_AFTER_COMMIT_LINES = 100
INVOICE_PREFIX = "oro_invoices.number_prefix"
CREDIT_NOTE_PREFIX = "oro_invoices.credit_note_number_prefix"
#: What a draft's due date by its customer's Days to Pay depends on.
TERMS_FIELDS = frozenset({"invoice_date", "organization_id", "website_id", "customer_id"})
PARTY_FIELDS = ("customer_id", "customer_user_id", "customer_name", "customer_user_email",
                *TENANCY_FIELDS)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CreditedInvoice:
    """An invoice an imported credit note took something off, and its status change."""

    invoice: InvoiceDocument
    change: StatusChange


@dataclass(frozen=True)
class Posting:
    """What a post call did: the invoice as posted, and whether this call posted it (False: it
    was posted already, by an earlier call or another request at the same moment)."""

    invoice: InvoiceDocument
    posted_now: bool


#: ``(session, credited invoice, posted credit note, actor)``: take the credit note off the invoice.
CreditNoteStep = Callable[[Session, Invoice, Invoice, str], CreditedInvoice]


def _no_credit_notes(s: Session, invoice: Invoice, note: Invoice, actor: str) -> CreditedInvoice:
    raise ValidationError([("document_type", "Credit notes are not supported here.")])


class Lifecycle:
    """``create``, ``update``, ``post``, ``delete`` and ``atomic``."""

    def __init__(self, ctx: ServiceContext, reads: Reads, documents: Documents, payments: Payments):
        self.ctx = ctx
        self.reads = reads
        self.documents = documents
        self.payments = payments
        #: Takes an imported credit note off its invoice (``CreditNotes.take_off``, set by the facade).
        self.on_credit_note: CreditNoteStep = _no_credit_notes

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Batch]:
        """Run several writes as one transaction: all of them or none.

        Inside, each operation runs in a savepoint of the one transaction (an invoice
        posted inside gets its PDF in it, like any posting). Lifecycle hooks fire and
        on-commit callbacks run only after the commit.
        """
        with self.ctx.batch() as batch:
            yield batch

    def create(self, payload: Mapping[str, Any], *, actor: str = "system",
               pdf: bytes | None = None, defer_pdf: bool = False,
               einvoice_xml: bytes | None = None, seller_address: str = "") -> InvoiceDocument:
        """Create a draft (or, with ``"status": "posted"``, a posted invoice) from a payload.

        ``pdf``: the posted invoice's own PDF (an imported invoice), stored at posting.
        ``defer_pdf``: post without rendering the PDF; it is pending until ``ensure_pdf``.
        ``einvoice_xml``: the XML (CII or UBL) a posted invoice is imported from, kept with it
        (``EInvoicing.keep_source``) and, when CII, carried by its PDF; the PDF is made once the
        invoice is committed (by the worker with background jobs; with ``defer_pdf``, by
        ``ensure_pdf``). ``seller_address``: the seller's electronic address (BT-34) an imported
        e-invoice states, kept in the posted invoice's seller instead of the setting's.
        """
        try:
            data = load_input(payload)
        except ValidationError as exc:
            raise ValidationError([*exc.errors, *self._stated_date_problems(payload)]) from None
        if pdf is not None and data.get("status") != "posted":
            raise ValidationError([("pdf", "Only a posted invoice can have a PDF.")])
        if einvoice_xml is not None and (pdf is not None or data.get("status") != "posted"):
            raise ValidationError([("einvoice_xml", "Only a posted invoice without a PDF of its own is "
                                                    "imported from e-invoice XML.")])
        data.update(self._check_parties(data))
        lines = data.pop("lines")
        want_status = data.pop("status", "draft")
        forced = data.pop("payment_status", None)
        credits = data.pop("credited_invoice_external_id", None)
        if "credit_reason" in data:         # kept as the credit-note dialog keeps it
            data["credit_reason"] = (data["credit_reason"] or "").strip() or None
        now = self.ctx.clock()
        inv = Invoice(status="draft", payment_token=secrets.token_urlsafe(24), created_by=actor,
                      created_at=now, updated_at=now)
        for key, value in data.items():
            setattr(inv, key, value)
        past_last_day = self._date_by_terms(inv)
        if want_status != "posted":  # a posted one is checked with all the posting requirements
            self._check_dates(inv, inv.invoice_date, inv.due_date, past_last_day)
        self._apply_lines(inv, lines, data["currency"])
        credited: CreditedInvoice | None = None
        original: Invoice | None = None
        with self.ctx.translate_errors(inv.invoice_number), self.ctx.write() as s:
            if credits is not None:  # an imported credit note: the invoice it credits, locked first
                original = self._credited_invoice(s, inv.organization_id, credits)
                inv.credited_invoice_id = original.id
                forced = forced or "credited"
            s.add(inv)
            s.flush()
            s.add(PaymentState(invoice_id=inv.id, payment_status=(forced or "pending"),
                               forced=forced is not None, updated_at=now))
            activity.record(s, inv.id, "created", actor,
                            created_summary(len(lines), Amount(from_minor(inv.total_amount, inv.currency),
                                                               inv.currency)),
                            {"external_id": inv.external_id})
            if einvoice_xml is not None:
                self.documents.einvoicing.keep_source(s, inv, einvoice_xml)
            if want_status == "posted":
                self._post_locked(s, inv, actor, pdf=pdf, defer_pdf=defer_pdf, einvoice_kept=einvoice_xml is not None,
                                  seller_address=seller_address)
            if original is not None:
                credited = self.on_credit_note(s, original, inv, actor)
            s.flush()
            doc = self.ctx.document(s, inv)
        self.ctx.hook("invoice_created", invoice=doc, actor=actor)
        if doc.is_posted:
            self.documents.submit_posting_pdf(doc)
            if einvoice_xml is not None and not defer_pdf and not self.ctx.jobs.background:
                doc = self._imported_pdf(doc, actor)
            self.ctx.hook("invoice_posted", invoice=doc, actor=actor)
        if credited is not None:
            self.payments.status_hooks(credited.invoice, credited.change, actor)
        return doc

    def _imported_pdf(self, doc: InvoiceDocument, actor: str) -> InvoiceDocument:
        """The PDF of an invoice imported from e-invoice XML, made right after its commit; one
        that cannot be made is left pending (logged) for ``oro-invoices complete-pdfs``."""
        try:
            return self.documents.ensure_pdf(doc.id, actor=actor)
        except Exception as exc:  # the invoice is committed: its PDF is pending, as after a crash
            log.exception("the PDF of imported invoice %s was not made; it is pending", doc.display_number)
            if not isinstance(exc, NoPdfStorage):   # no storage or renderer here: as configured, no news
                follow_ups.note(follow_ups.PDF, exc, invoice=doc)
            return doc

    def _credited_invoice(self, s: Session, organization_id: int, external_id: str) -> Invoice:
        """The posted invoice of ``organization_id`` with ``external_id``, row-locked."""
        found = s.execute(select(Invoice.id).where(Invoice.organization_id == organization_id,
                                                   Invoice.external_id == external_id)).scalar_one_or_none()
        if found is None:
            raise ValidationError([("credited_invoice_external_id",
                                    Message("No invoice of organization %(organization)s has the external id "
                                            "%(external_id)s: import the invoice before its credit notes.",
                                            organization=organization_id, external_id=quoted(external_id)))])
        original = self.ctx.load(s, found, lock=True)
        if original.status != "posted" or original.document_type == numbering.CREDIT_NOTE_SERIES:
            raise ValidationError([("credited_invoice_external_id",
                                    Message("%(external_id)s is not a posted invoice: only posted invoices are "
                                            "credited.", external_id=quoted(external_id)))])
        return original

    def update(self, invoice_id: int, payload: Mapping[str, Any], *, actor: str = "system") -> InvoiceDocument:
        """Change a draft. On a posted invoice only ``payment_status`` may be given."""
        data = load_input(payload, partial=True)
        if "status" in data:
            raise ValidationError([("status", "Use post() (POST /invoices/{id}/post) to post an invoice.")])
        for key in ("document_type", "credited_invoice_external_id", "credit_reason"):
            if key in data:
                raise ValidationError([(key, "Set only when a document is created: a credit note is made by "
                                             "crediting a posted invoice.")])
        force_status = "payment_status" in data
        forced = data.pop("payment_status", None)
        with self.ctx.translate_errors(data.get("invoice_number")), self.ctx.write() as s:
            inv = self.ctx.load(s, invoice_id, lock=True)
            if inv.document_type == numbering.CREDIT_NOTE_SERIES:
                raise InvoiceIsPosted(Message("%(number)s is a credit note: it is never paid and nothing of it "
                                              "can change.", number=inv.invoice_number))
            doc_fields = sorted(set(data) & DOCUMENT_FIELDS)
            if inv.status == "posted" and doc_fields:
                raise posted_refusal(inv.invoice_number, doc_fields)
            if doc_fields:
                self._change_document(s, inv, data, doc_fields, actor)
            status_change: StatusChange = None
            if force_status:
                status_change = self.payments.force_status(s, inv, forced, actor)
            s.flush()
            doc = self.ctx.document(s, inv)
        if doc_fields:
            self.ctx.hook("invoice_updated", invoice=doc, actor=actor)
        self.payments.status_hooks(doc, status_change, actor)
        return doc

    def delete(self, invoice_id: int, *, actor: str = "system") -> None:
        """Delete a draft. A posted invoice is a document issued to the customer: refused."""
        with self.ctx.translate_errors(), self.ctx.write() as s:
            inv = self.ctx.load(s, invoice_id, lock=True)
            if inv.status == "posted":
                raise InvoiceIsPosted(Message(
                    "Invoice %(number)s is posted and cannot be deleted: it has been issued and is kept as a "
                    "legal record. Record a refund or issue a credit instead.", number=inv.invoice_number))
            doc = self.ctx.document(s, inv)
            activity.record(s, inv.id, "deleted", actor,
                            Message("Deleted draft %(number)s", number=doc.display_number),
                            {"external_id": inv.external_id, "total_amount": str(doc.total_amount),
                             "invoice_number": inv.invoice_number, "organization_id": inv.organization_id})
            s.delete(inv)
        self.ctx.hook("invoice_deleted", invoice=doc, actor=actor)

    def post(self, invoice_id: int, *, actor: str = "system", pdf: bytes | None = None,
             defer_pdf: bool = False, einvoice_xml: bytes | None = None, seller_address: str = "") -> InvoiceDocument:
        """Post a draft (``posting``, which also says whether this call posted it)."""
        return self.posting(invoice_id, actor=actor, pdf=pdf, defer_pdf=defer_pdf, einvoice_xml=einvoice_xml,
                            seller_address=seller_address).invoice

    def posting(self, invoice_id: int, *, actor: str = "system", pdf: bytes | None = None,
                defer_pdf: bool = False, einvoice_xml: bytes | None = None, seller_address: str = "") -> Posting:
        """Post a draft: assign its number, freeze it, extend the chain, make its PDF.

        All or nothing: the number, the chain link and the PDF record are written in one
        transaction; when any of them fails, the invoice stays a draft and nothing changes. An
        invoice of more than ``RENDER_AFTER_COMMIT_LINES`` lines is the exception: its PDF takes
        long to lay out, and the posting transaction holds the database's write lock (SQLite's
        for every writer), so it is rendered right after the posting commits, in this call; should
        that fail, the invoice is posted with its PDF pending (``ensure_pdf``, ``complete-pdfs``).
        ``pdf``: the invoice's own PDF (an imported invoice), stored instead of a rendered one.
        ``defer_pdf``: post without rendering the PDF; it is pending until ``ensure_pdf``.
        ``einvoice_xml``, ``seller_address``: as ``create`` takes them (a draft an e-invoice is imported onto).
        Idempotent: posting a posted invoice returns it unchanged, ``posted_now`` False (two
        requests posting one draft at once: the invoice row's lock lets one post it, the other
        then finds it posted).
        """
        if einvoice_xml is not None and pdf is not None:
            raise ValidationError([("einvoice_xml", "Only a posted invoice without a PDF of its own is "
                                                    "imported from e-invoice XML.")])
        after_commit = False
        with self.ctx.translate_errors():
            with self.ctx.write() as s:
                inv = self.ctx.load(s, invoice_id, lock=True)
                state = self.ctx.payment_state(s, inv.id)
                was_posted = inv.status == "posted"
                if not was_posted:
                    self._check_parties({k: getattr(inv, k) for k in TENANCY_FIELDS})
                    if einvoice_xml is not None:
                        self.documents.einvoicing.keep_source(s, inv, einvoice_xml)
                    after_commit = (not defer_pdf and pdf is None and einvoice_xml is None
                                    and not self.ctx.jobs.background and len(inv.lines) > RENDER_AFTER_COMMIT_LINES
                                    and self.ctx.storage is not None and self.ctx.renderer is not None)
                    self._post_locked(s, inv, actor, pdf=pdf, defer_pdf=defer_pdf or after_commit,
                                      einvoice_kept=einvoice_xml is not None, seller_address=seller_address)
                doc = views.document(inv, state, s.get(InvoiceDocumentRow, inv.id),
                                     **self.ctx.references(s, inv))
        if not was_posted:
            self.documents.submit_posting_pdf(doc)
            if einvoice_xml is not None and not defer_pdf and not self.ctx.jobs.background:
                doc = self._imported_pdf(doc, actor)
            if after_commit:
                doc = self._pdf_after_commit(doc, actor)
            self.ctx.hook("invoice_posted", invoice=doc, actor=actor)
        return Posting(doc, not was_posted)

    # ---- helpers ------------------------------------------------------------------------

    def _pdf_after_commit(self, doc: InvoiceDocument, actor: str) -> InvoiceDocument:
        """``doc``, posted a moment ago, with the PDF rendered now (no lock held while it is laid
        out); as posted, its PDF pending, when that fails (logged)."""
        try:
            return self.documents.ensure_pdf(doc.id, actor=actor)
        except Exception:
            log.exception("The PDF of invoice %s, posted with %s lines, could not be made after its posting; "
                          "it is pending (oro-invoices complete-pdfs makes it).", doc.display_number, len(doc.lines))
            return self.reads.get(doc.id)

    def _change_document(self, s: Session, inv: Invoice, data: dict[str, Any], doc_fields: list[str],
                         actor: str) -> None:
        """Apply the document fields of an update to the draft ``inv``."""
        merged_parties = {k: data.get(k, getattr(inv, k)) for k in PARTY_FIELDS}
        data.update(self._check_parties(merged_parties))
        inv_date = data.get("invoice_date", inv.invoice_date)
        scope = self._scope(inv, data)
        if "invoice_date" in data:  # refused for itself, before a due date it would leave behind
            self._check_dates(scope, inv_date, data.get("due_date"))
        due = data["due_date"] if "due_date" in data else self._due_date_kept_to_terms(inv, data)
        if due is not None and due < inv_date:
            raise ValidationError([("due_date", "Must not be before the invoice date.")])
        if due != inv.due_date:
            self._check_dates(scope, inv_date, due)
        currency = data.get("currency", inv.currency)
        if due != inv.due_date and "due_date" not in data:   # moved with the terms: said in the activity
            data["due_date"] = due
            doc_fields = sorted({*doc_fields, "due_date"})
        for key, value in data.items():
            if key != "lines":
                setattr(inv, key, value)
        if "lines" in data or "currency" in data:
            lines = data.get("lines") or [
                dict(description=line.description, sku=line.sku, unit=line.unit, quantity=line.quantity,
                     unit_price=line.unit_price, tax_rate=line.tax_rate,
                     tax_category=line.tax_category or "",
                     tax_exemption_reason=line.tax_exemption_reason or "") for line in inv.lines]
            inv.lines.clear()
            s.flush()
            self._apply_lines(inv, lines, currency)
        inv.updated_at = self.ctx.clock()
        activity.record(s, inv.id, "updated", actor,
                        changed_summary(doc_fields),
                        {"fields": doc_fields})

    def _apply_lines(self, inv: Invoice, lines: list[Mapping[str, Any]], currency: str) -> None:
        inputs = [LineInput(**line) for line in lines]
        computed, totals = compute_lines(inputs, currency)
        if totals.total_amount < 0:
            raise ValidationError([("lines", Message(
                "The credit note's total must not be negative: a credit note states what it takes back as "
                "positive amounts.") if inv.document_type == DocumentType.CREDIT_NOTE.value
                else "The invoice total must not be negative.")])
        inv.lines = [InvoiceLineRow(
            position=line.position, description=line.description, sku=line.sku, unit=line.unit,
            quantity=line.quantity, unit_price=line.unit_price, tax_rate=line.tax_rate,
            row_total=to_minor(line.row_total, currency), row_tax=to_minor(line.row_tax, currency),
            tax_category=given.tax_category or None, tax_exemption_reason=given.tax_exemption_reason or None,
        ) for line, given in zip(computed, inputs)]
        inv.subtotal = to_minor(totals.subtotal, currency)
        inv.tax_amount = to_minor(totals.tax_amount, currency)
        inv.total_amount = to_minor(totals.total_amount, currency)

    def _check_parties(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check the parties against the host (``tenancy``); fill names from it.

        Without a host nothing can be checked or filled.
        """
        filled: dict[str, Any] = {}
        if self.ctx.host is None:
            return filled
        parties = check_parties(self.ctx.host, data)
        if parties.customer is not None and not data.get("customer_name"):
            filled["customer_name"] = parties.customer.name
        if parties.customer_user is not None and not data.get("customer_user_email"):
            filled["customer_user_email"] = parties.customer_user.email
        return filled

    def _seller(self, inv: Invoice) -> dict[str, str]:
        """The seller an invoice keeps at posting, its payment terms filled in for it."""
        seller = self.ctx.seller(inv)
        if "{" in seller.payment_terms:  # the locale is looked up only for terms that name a date
            seller = invoice_seller(seller, invoice_date=inv.invoice_date, due_date=inv.due_date,
                                    locale=self.ctx.document_locale(inv))
        return seller.as_dict()

    @staticmethod
    def _source_seller_address(s: Session, inv: Invoice) -> str:
        """The seller's electronic address (BT-34) kept with the invoice ``inv`` credits (a credit
        note) or replaces (a re-issued draft); "" for none."""
        source_id = inv.credited_invoice_id if inv.credited_invoice_id is not None else inv.reissued_from_id
        source = s.get(Invoice, source_id) if source_id is not None else None
        return str((source.seller or {}).get("electronic_address") or "") if source is not None else ""

    def _years(self, scope: Invoice | DocumentScope) -> YearRange:
        """The plausible years of an invoice of ``scope`` (its organization and website)."""
        return year_range(lambda key: self.ctx.invoice_setting(key, scope))

    def _check_dates(self, scope: Invoice | DocumentScope, invoice_date: dt.date | None,
                     due_date: dt.date | None, found: Sequence[tuple[str, str]] = ()) -> None:
        """Refuse dates an invoice of ``scope`` could never be posted with (``date_problems``),
        as the order's Create Invoice and posting refuse them, together with the problems ``found``."""
        problems = [*found, *date_problems(invoice_date, due_date, self._years(scope))]
        if problems:
            raise ValidationError(problems)

    def _stated_date_problems(self, payload: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The implausible dates of a create ``payload`` that did not load (``stated_date_problems``)."""
        org = given_id(payload.get("organization_id", 1)) if isinstance(payload, Mapping) else None
        if org is None:
            return []
        scope = DocumentScope(org, given_id(payload.get("website_id")), given_id(payload.get("customer_id")))
        return stated_date_problems(payload, self._years(scope),
                                    lambda day: due_by_terms(self.ctx.seller(scope), day))

    def _date_by_terms(self, inv: Invoice) -> list[tuple[str, str]]:
        """Give an invoice without a due date the one its customer's Days to Pay give (if any);
        not one dated outside the plausible years, refused for its invoice date. Returns the
        problem of a due date that would fall past the last day there is, to be reported with
        the invoice's other problems (the invoice keeps no due date then)."""
        if (inv.due_date is None and inv.document_type != numbering.CREDIT_NOTE_SERIES
                and inv.invoice_date in self._years(inv)):
            try:
                inv.due_date = due_by_terms(self.ctx.seller(inv), inv.invoice_date)
            except ValidationError as exc:
                return exc.errors
        return []

    @staticmethod
    def _scope(inv: Invoice, data: Mapping[str, Any]) -> DocumentScope:
        """Whose settings the draft ``inv`` follows once ``data`` is applied."""
        return DocumentScope(**{k: data.get(k, getattr(inv, k)) for k in ("organization_id", "website_id",
                                                                           "customer_id")})

    def _due_date_kept_to_terms(self, inv: Invoice, data: Mapping[str, Any]) -> dt.date | None:
        """The due date of the draft ``inv`` once ``data`` (which names none) is applied: a due
        date that follows its customer's Days to Pay follows them to a new invoice date, customer
        or website; any other (typed, agreed otherwise, or none) is kept."""
        kept = inv.due_date
        if kept is None or inv.document_type == numbering.CREDIT_NOTE_SERIES or not TERMS_FIELDS & data.keys():
            return kept
        try:
            if kept != due_by_terms(self.ctx.seller(inv), inv.invoice_date):
                return kept
        except ValidationError:  # a date the terms cannot count from (a draft of before the plausible years)
            return kept
        scope = self._scope(inv, data)
        new_date = data.get("invoice_date", inv.invoice_date)
        if new_date not in self._years(scope):  # refused for itself
            return kept
        return due_by_terms(self.ctx.seller(scope), new_date) or kept

    def post_locked(self, s: Session, inv: Invoice, actor: str) -> None:
        """Post ``inv`` (row-locked or new) in the caller's transaction: number, chain link, PDF."""
        self._post_locked(s, inv, actor)

    def _post_locked(self, s: Session, inv: Invoice, actor: str, *, pdf: bytes | None = None,
                     defer_pdf: bool = False, einvoice_kept: bool = False, seller_address: str = "") -> None:
        """Post ``inv`` (row-locked by the caller), all in the caller's transaction.

        Checks the posting requirements, assigns the number (skipping numbers already
        taken), snapshots the seller, stores the PDF made from the would-be-posted invoice
        (or ``pdf``), then writes the frozen row with its chain link, the PDF record and the
        activity. The counter row is locked last; it stays locked while the PDF is made.
        ``seller_address``: the seller's electronic address the imported e-invoice states, kept
        in the seller instead of the setting's. Without it, a credit note or a re-issued draft
        states the seller's electronic address (BT-34) the invoice it credits or replaces keeps
        (``_source_seller_address``): the same seller address as that invoice, imported or not.
        """
        check_postable(self.ctx, inv, self._date_by_terms(inv))
        now = self.ctx.clock()
        local = now.astimezone(self.ctx.books_zone(inv))   # its number's year and month are its books'
        # A credit note is numbered in its own series, by its own prefix, without the hook.
        credit_note = inv.document_type == numbering.CREDIT_NOTE_SERIES
        period = numbering.series_period(inv.document_type or numbering.INVOICE_SERIES, local)
        state = self.ctx.payment_state(s, inv.id)
        references = self.ctx.references(s, inv)  # read now: nothing may flush the row half-posted
        needs_number = inv.invoice_number is None
        if needs_number:
            prefix = self.ctx.invoice_setting(CREDIT_NOTE_PREFIX if credit_note else INVOICE_PREFIX, inv) or ""
            draft_doc = self.ctx.document(s, inv)
        if not inv.seller:
            inv.seller = self._seller(inv)
            seller_address = seller_address or self._source_seller_address(s, inv)
        if seller_address:
            inv.seller = {**inv.seller, "electronic_address": seller_address}
        # a draft's buyer is what it states, if anything; posting completes it from the customer
        inv.buyer = buyer_snapshot(self.ctx.host, inv.customer_id, inv.bill_to, stated=inv.buyer)
        seq = numbering.lock_sequence(s, inv.organization_id, period)
        skipped: list[numbering.Skipped] = []
        if needs_number:
            def propose(counter: int) -> str:
                number = None if credit_note else self.ctx.hook(
                    "invoice_number", invoice=draft_doc, prefix=prefix, posted_at=local, sequence=counter)
                return str(number or numbering.format_default(prefix, local, counter))
            inv.invoice_number, inv.number_sequence, skipped = numbering.next_free_number(
                s, seq, inv.id, propose, now)
        inv.status = "posted"
        inv.posted_at = now
        inv.updated_at = now
        # Nothing is flushed from here until the row is complete: a posted row is frozen.
        snapshot = views.document(inv, state, None, **references)
        einvoice = self.documents.einvoice_for_posting(snapshot, supplied=pdf is not None,
                                                       einvoice_kept=einvoice_kept)
        if einvoice is not None and einvoice.kept and einvoice.xml is not None:
            self.documents.einvoicing.keep_source(s, inv, einvoice.xml)   # UBL, issued as it is kept
        stored = self.documents.pdf_for_posting(snapshot, pdf, defer=defer_pdf, einvoice=einvoice,
                                                einvoice_kept=einvoice_kept)
        inv.pdf_sha256 = stored.stored.sha256 if stored is not None else None
        seq.chain_length += 1
        inv.chain_key = chain.chain_key(inv.organization_id, period)
        inv.chain_seq = seq.chain_length
        inv.prev_hash = seq.head_hash or chain.GENESIS
        inv.content_hash = chain.link_hash(inv, inv.prev_hash)
        seq.head_hash = inv.content_hash
        activity.record(s, inv.id, "posted", actor, _posted_summary(inv.invoice_number, skipped),
                        {"invoice_number": inv.invoice_number, "skipped": [
                            {"invoice_number": k.invoice_number, "sequence": k.sequence,
                             "held_by_invoice_id": k.held_by_invoice_id} for k in skipped]})
        s.flush()
        if stored is not None:
            self.documents.record_posting_pdf(s, inv.id, stored, actor)
            s.flush()


#: Invoice fields as the activity names them (others: the field name in words).
#: How people call the fields of a document an activity entry says were changed.
FIELD_WORDS = {
    "external_id": N_("external ID"), "invoice_number": N_("invoice number"), "invoice_date": N_("invoice date"),
    "due_date": N_("due date"), "currency": N_("currency"), "organization_id": N_("organization"),
    "website_id": N_("website"), "customer_id": N_("customer"), "customer_user_id": N_("customer user"),
    "customer_name": N_("customer name"), "customer_user_email": N_("customer user email"),
    "order_id": N_("order"), "order_identifier": N_("order number"), "bill_to": N_("billing address"),
    "ship_to": N_("shipping address"), "lines": N_("line items"),
    "external_payment_url": N_("external payment URL"), "delivery_date": N_("delivery date"),
    "delivery_period_start": N_("start of the delivery period"),
    "delivery_period_end": N_("end of the delivery period"),
    "purchase_order": N_("PO number"),
}


def field_words(name: str) -> Message:
    """``due_date`` → "due date", ``lines`` → "line items" (translatable)."""
    return Message(FIELD_WORDS[name]) if name in FIELD_WORDS else Message(name.replace("_", " "))


def changed_summary(fields: Iterable[str]) -> Message:
    """The activity entry of a changed draft: "Changed due date, line items"."""
    return Message("Changed %(fields)s", fields=tuple(field_words(f) for f in fields))


def created_summary(lines: int, total: Amount) -> Message:
    """The activity entry of a new document: "Created with 2 lines, total 40.00 EUR"."""
    return PluralMessage("Created with %(num)d line, total %(total)s", "Created with %(num)d lines, total %(total)s",
                         lines, total=total)


def _posted_summary(number: str | None, skipped: list[numbering.Skipped]) -> Message:
    if not skipped:
        return Message("Posted as %(number)s", number=number or "")
    taken = ", ".join(f"{k.invoice_number} (held by invoice id {k.held_by_invoice_id})" for k in skipped)
    return Message("Posted as %(number)s; skipped %(taken)s: already taken", number=number or "", taken=taken)
