"""The service API: create, update, get, list, delete, post, notes, payments, PDFs.

Every write runs in one transaction: bad input raises ``ValidationError``
before anything is written, and a failure rolls everything back.

    db = Database("sqlite:///invoices.db")
    service = InvoiceService(db)
    invoice = service.create({...}, actor="import")
    invoice = service.post(invoice.id, actor="admin")
"""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from oro_invoices.domain.errors import (
    Conflict,
    InvoiceIsPosted,
    NotFound,
    ValidationError,
)
from oro_invoices.domain.invoice import (
    InvoiceDocument,
    LineInput,
    SellerInfo,
    compute_lines,
)
from oro_invoices.domain.money import from_minor, to_minor
from oro_invoices.integration.plugins import notify
from oro_invoices.persistence import activity, chain, numbering
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.error_translation import translate_db_errors
from oro_invoices.persistence.models import (
    Activity,
    Invoice,
    InvoiceDocumentRow,
    InvoiceLineRow,
    Note,
    PaymentState,
    PaymentTransaction,
    utcnow,
)
from oro_invoices.persistence.queries import InvoiceFilter, Page, list_rows
from oro_invoices.services.documents import DocumentOperations
from oro_invoices.services.payments import PaymentOperations
from oro_invoices.services.schemas import NoteInputSchema, load_input

DOCUMENT_FIELDS = frozenset({
    "external_id", "invoice_number", "invoice_date", "due_date", "currency", "organization_id",
    "website_id", "customer_id", "customer_user_id", "customer_name", "customer_user_email",
    "order_id", "order_identifier", "bill_to", "ship_to", "lines", "external_payment_url",
})

SETTING_DEFAULTS = {
    "oro_invoices.number_prefix": "INV-",
    "oro_invoices.generate_pdf_on_post": True,
    "oro_invoices.pdf.page_size": "A4",
    "oro_invoices.locale": "en_US",
}
EVENT_HOOKS = frozenset({"invoice_created", "invoice_updated", "invoice_posted", "invoice_deleted",
                         "invoice_paid", "invoice_payment_status_changed"})


@dataclass
class Batch:
    """Writes grouped by ``InvoiceService.atomic()``: one transaction, events after the commit."""

    session: Session
    events: list[tuple[str, dict]] = field(default_factory=list)
    posted: list[int] = field(default_factory=list)
    callbacks: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the batch has committed (before PDFs are generated)."""
        self.callbacks.append(callback)


_current_batch: ContextVar[Batch | None] = ContextVar("oro_invoices_batch", default=None)

SELLER_KEYS = ("company_name", "business_address", "phone", "contact_email", "website_url", "tax_id")


class InvoiceService(DocumentOperations, PaymentOperations):
    """The add-on's Python API over one database.

    :param db: the database.
    :param plugins: a pluggy plugin manager (``oro_invoices.integration.plugins.get_plugin_manager()``).
    :param settings: resolves configuration values (``oro_invoices.integration.config.Settings``).
    :param storage: where PDFs are stored (``oro_invoices.documents.storage``).
    :param renderer: renders PDFs (``oro_invoices.documents.render.PdfRenderer``).
    :param payment_url: builds the guest payment link of an invoice, or None.
    :param host: the host adapter, used to check customers and fill in names.
    :param clock: returns the current UTC time (tests use it to cross months).
    """

    def __init__(self, db: Database, *, plugins=None, settings=None, storage=None, renderer=None,
                 payment_url: Callable[[InvoiceDocument], str | None] | None = None, host=None,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.db = db
        self.plugins = plugins
        self.settings = settings
        self.storage = storage
        self.renderer = renderer
        self.payment_url = payment_url or (lambda invoice: None)
        self.host = host
        self.clock = clock

    # ---- configuration and hooks ------------------------------------------------

    def setting(self, key: str, *, organization_id: int | None = None, website_id: int | None = None,
                customer_id: int | None = None) -> Any:
        """The effective value of a setting for the given scope."""
        if self.settings is None:
            return SETTING_DEFAULTS.get(key)
        from oro_invoices.adapters.config_store import ScopeContext
        ctx = ScopeContext(organization_id=organization_id, website_id=website_id, customer_id=customer_id)
        return self.settings.value(key, ctx)

    def _invoice_setting(self, key: str, inv: Invoice | InvoiceDocument) -> Any:
        return self.setting(key, organization_id=inv.organization_id, website_id=inv.website_id)

    def _seller(self, inv: Invoice) -> dict[str, str]:
        values = {k: self._invoice_setting(f"oro_invoices.seller.{k}", inv) or "" for k in SELLER_KEYS}
        return SellerInfo.from_mapping(values).as_dict()

    def _hook(self, name: str, **kwargs) -> Any:
        if self.plugins is None:
            return None
        if name in EVENT_HOOKS:
            batch = _current_batch.get()
            if batch is not None:
                batch.events.append((name, kwargs))  # announced only once the batch commits
            else:
                notify(self.plugins, name, **kwargs)
            return None
        return getattr(self.plugins.hook, name)(**kwargs)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Batch]:
        """Run several writes as one transaction: all of them or none.

        Inside, each operation runs in a savepoint of the one transaction. Lifecycle
        hooks fire and posted invoices get their PDFs only after the commit.
        """
        if _current_batch.get() is not None:
            raise RuntimeError("InvoiceService.atomic() cannot be nested")
        with self.db.transaction() as session:
            batch = Batch(session=session)
            token = _current_batch.set(batch)
            try:
                yield batch
            finally:
                _current_batch.reset(token)
        for name, kwargs in batch.events:
            self._hook(name, **kwargs)
        for callback in batch.callbacks:
            callback()
        for invoice_id in batch.posted:
            self._after_post(self.get(invoice_id))

    # ---- reading ----------------------------------------------------------------

    def _load(self, session: Session, invoice_id: int, *, lock: bool = False) -> Invoice:
        stmt = select(Invoice).where(Invoice.id == invoice_id).options(selectinload(Invoice.lines))
        if lock:
            stmt = stmt.with_for_update(of=Invoice)
        inv = session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
        if inv is None:
            raise NotFound(f"Invoice {invoice_id} does not exist.")
        return inv

    def _document(self, session: Session, inv: Invoice) -> InvoiceDocument:
        state = session.get(PaymentState, inv.id, populate_existing=True)
        pdf = session.get(InvoiceDocumentRow, inv.id)
        return views.document(inv, state, pdf)

    def get(self, invoice_id: int) -> InvoiceDocument:
        """The invoice with its lines, totals, payment state and PDF record."""
        with self.db.session() as s:
            return self._document(s, self._load(s, invoice_id))

    def find_id(self, *, external_id: str | None = None, invoice_number: str | None = None,
                payment_token: str | None = None, organization_id: int | None = None) -> int:
        """The id of the invoice with this external id, number or payment token.

        Numbers and external ids are unique within an organization: give ``organization_id``
        when several organizations share the database.
        """
        with self.db.session() as s:
            stmt = select(Invoice.id).limit(2)
            if organization_id is not None:
                stmt = stmt.where(Invoice.organization_id == organization_id)
            if external_id is not None:
                stmt = stmt.where(Invoice.external_id == external_id)
            elif invoice_number is not None:
                stmt = stmt.where(Invoice.invoice_number == invoice_number)
            elif payment_token is not None:
                stmt = stmt.where(Invoice.payment_token == payment_token)
            else:
                raise ValueError("give external_id, invoice_number or payment_token")
            found = s.execute(stmt).scalars().all()
        if not found:
            raise NotFound("No invoice matches that reference.")
        if len(found) > 1:
            raise Conflict("Several organizations have an invoice with that reference; give organization_id.")
        return found[0]

    def list(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
             sort: str = "-invoice_date", limit: int = 25, cursor: str | None = None,
             with_total: bool = False) -> Page[views.InvoiceSummary]:
        """One page of invoice summaries; pass ``next_cursor`` back for the next page."""
        if filters is None:
            filters = InvoiceFilter()
        elif isinstance(filters, Mapping):
            filters = InvoiceFilter(**filters)
        with self.db.session() as s:
            rows, next_cursor, total = list_rows(s, filters, sort=sort, limit=limit, cursor=cursor,
                                                 with_total=with_total)
            items = [views.summary(inv, state) for inv, state in rows]
        return Page(items=items, next_cursor=next_cursor, total=total, sort=sort)

    def notes(self, invoice_id: int) -> list[views.NoteView]:
        with self.db.session() as s:
            rows = s.execute(select(Note).where(Note.invoice_id == invoice_id)
                             .order_by(Note.id.desc())).scalars()
            return [views.note(r) for r in rows]

    def activities(self, invoice_id: int) -> list[views.ActivityView]:
        with self.db.session() as s:
            rows = s.execute(select(Activity).where(Activity.invoice_id == invoice_id)
                             .order_by(Activity.id.desc())).scalars()
            return [views.activity(r) for r in rows]

    def transactions(self, invoice_id: int) -> list[views.TransactionView]:
        with self.db.session() as s:
            rows = s.execute(select(PaymentTransaction).where(PaymentTransaction.invoice_id == invoice_id)
                             .order_by(PaymentTransaction.id)).scalars()
            return [views.transaction(r) for r in rows]

    # ---- writing ----------------------------------------------------------------

    def _write(self) -> contextlib.AbstractContextManager[Session]:
        batch = _current_batch.get()
        return self.db.transaction() if batch is None else _savepoint(batch.session)

    def _apply_lines(self, inv: Invoice, lines: list[Mapping[str, Any]], currency: str) -> None:
        computed, totals = compute_lines((LineInput(**l) for l in lines), currency)
        if totals.total_amount < 0:
            raise ValidationError([("lines", "The invoice total must not be negative.")])
        inv.lines = [InvoiceLineRow(
            position=l.position, description=l.description, sku=l.sku, unit=l.unit,
            quantity=l.quantity, unit_price=l.unit_price, tax_rate=l.tax_rate,
            row_total=to_minor(l.row_total, currency), row_tax=to_minor(l.row_tax, currency),
        ) for l in computed]
        inv.subtotal = to_minor(totals.subtotal, currency)
        inv.tax_amount = to_minor(totals.tax_amount, currency)
        inv.total_amount = to_minor(totals.total_amount, currency)

    def _check_parties(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check the customer user belongs to the customer; fill names from the host."""
        filled: dict[str, Any] = {}
        if self.host is None:
            return filled
        customers = self.host.customers
        cid, uid = data.get("customer_id"), data.get("customer_user_id")
        if cid is not None:
            customer = customers.get_customer(cid)
            if customer is None:
                raise ValidationError([("customer_id", f"Customer {cid} does not exist.")])
            if not data.get("customer_name"):
                filled["customer_name"] = customer.name
        if uid is not None:
            user = customers.get_customer_user(uid)
            if user is None:
                raise ValidationError([("customer_user_id", f"Customer user {uid} does not exist.")])
            if cid is not None and user.customer_id != cid:
                raise ValidationError([("customer_user_id",
                                        f"Customer user {uid} does not belong to customer {cid}.")])
            if not data.get("customer_user_email"):
                filled["customer_user_email"] = user.email
        return filled

    def create(self, payload: Mapping[str, Any], *, actor: str = "system") -> InvoiceDocument:
        """Create a draft (or, with ``"status": "posted"``, a posted invoice) from a payload."""
        data = load_input(payload)
        data.update(self._check_parties(data))
        lines = data.pop("lines")
        want_status = data.pop("status", "draft")
        forced = data.pop("payment_status", None)
        now = self.clock()
        inv = Invoice(status="draft", payment_token=secrets.token_urlsafe(24), created_by=actor,
                      created_at=now, updated_at=now)
        for key, value in data.items():
            setattr(inv, key, value)
        self._apply_lines(inv, lines, data["currency"])
        with self._translate_errors():
            with self._write() as s:
                s.add(inv)
                s.flush()
                s.add(PaymentState(invoice_id=inv.id, payment_status=(forced or "pending"),
                                   forced=forced is not None, updated_at=now))
                activity.record(s, inv.id, "created", actor,
                                f"Created with {len(lines)} line(s), total {from_minor(inv.total_amount, inv.currency)} {inv.currency}",
                                {"external_id": inv.external_id})
                if want_status == "posted":
                    self._post_locked(s, inv, actor)
                s.flush()
                doc = self._document(s, inv)
        self._hook("invoice_created", invoice=doc, actor=actor)
        if doc.is_posted:
            self._hook("invoice_posted", invoice=doc, actor=actor)
            doc = self._after_post(doc)
        return doc

    def update(self, invoice_id: int, payload: Mapping[str, Any], *, actor: str = "system") -> InvoiceDocument:
        """Change a draft. On a posted invoice only ``payment_status`` may be given."""
        data = load_input(payload, partial=True)
        if "status" in data:
            raise ValidationError([("status", "Use post() (POST /invoices/{id}/post) to post an invoice.")])
        forced = data.pop("payment_status", None) if "payment_status" in data else ...
        with self._translate_errors():
            with self._write() as s:
                inv = self._load(s, invoice_id, lock=True)
                doc_fields = sorted(set(data) & DOCUMENT_FIELDS)
                if inv.status == "posted" and doc_fields:
                    raise InvoiceIsPosted(
                        f"Invoice {inv.invoice_number} is posted and can no longer be modified "
                        f"(tried to change: {', '.join(doc_fields)}). Only its payment status, "
                        "payments and notes may change.")
                merged = {"currency": inv.currency, **data}
                if doc_fields:
                    merged_parties = {k: data.get(k, getattr(inv, k)) for k in
                                      ("customer_id", "customer_user_id", "customer_name", "customer_user_email")}
                    data.update(self._check_parties(merged_parties))
                    inv_date = data.get("invoice_date", inv.invoice_date)
                    due = data.get("due_date", inv.due_date)
                    if due is not None and due < inv_date:
                        raise ValidationError([("due_date", "Must not be before the invoice date.")])
                    for key, value in data.items():
                        if key != "lines":
                            setattr(inv, key, value)
                    if "lines" in data or "currency" in data:
                        lines = data.get("lines") or [
                            dict(description=l.description, sku=l.sku, unit=l.unit, quantity=l.quantity,
                                 unit_price=l.unit_price, tax_rate=l.tax_rate) for l in inv.lines]
                        inv.lines.clear()
                        s.flush()
                        self._apply_lines(inv, lines, merged["currency"])
                    inv.updated_at = self.clock()
                    activity.record(s, inv.id, "updated", actor, f"Changed {', '.join(doc_fields)}",
                                    {"fields": doc_fields})
                status_change = None
                if forced is not ...:
                    status_change = self._force_status(s, inv, forced, actor)
                s.flush()
                doc = self._document(s, inv)
        if doc_fields:
            self._hook("invoice_updated", invoice=doc, actor=actor)
        self._status_hooks(doc, status_change, actor)
        return doc

    def delete(self, invoice_id: int, *, actor: str = "system") -> None:
        """Delete a draft. A posted invoice is a document issued to the customer: refused."""
        with self._translate_errors():
            with self._write() as s:
                inv = self._load(s, invoice_id, lock=True)
                if inv.status == "posted":
                    raise InvoiceIsPosted(
                        f"Invoice {inv.invoice_number} is posted and cannot be deleted: it has been "
                        "issued and is kept as a legal record. Record a refund or issue a credit instead.")
                doc = self._document(s, inv)
                activity.record(s, inv.id, "deleted", actor, f"Deleted draft {doc.display_number}",
                                {"external_id": inv.external_id, "total_amount": str(doc.total_amount)})
                s.delete(inv)
        self._hook("invoice_deleted", invoice=doc, actor=actor)

    # ---- posting ----------------------------------------------------------------

    def post(self, invoice_id: int, *, actor: str = "system") -> InvoiceDocument:
        """Post a draft: assign its number, freeze it, extend the chain, make its PDF.

        Idempotent: posting a posted invoice returns it unchanged.
        """
        with self._translate_errors():
            with self._write() as s:
                inv = self._load(s, invoice_id, lock=True)
                state = s.get(PaymentState, inv.id)
                was_posted = inv.status == "posted"
                if not was_posted:
                    self._post_locked(s, inv, actor)
            pdf = None
            if was_posted:
                with self.db.session() as s:
                    pdf = s.get(InvoiceDocumentRow, inv.id)
            doc = views.document(inv, state, pdf)
        if not was_posted:
            self._hook("invoice_posted", invoice=doc, actor=actor)
        return self._after_post(doc)

    def _post_locked(self, s: Session, inv: Invoice, actor: str) -> None:
        """Post ``inv`` (row-locked by the caller). The counter row is locked last and briefly."""
        if not inv.lines:
            raise ValidationError([("lines", "An invoice without lines cannot be posted.")])
        now = self.clock()
        period = numbering.period_of(now)
        needs_number = inv.invoice_number is None
        if needs_number:
            prefix = self._invoice_setting("oro_invoices.number_prefix", inv) or ""
            draft_doc = self._document(s, inv)
        if not inv.seller:
            inv.seller = self._seller(inv)
        seq = numbering.lock_sequence(s, inv.organization_id, period)
        if needs_number:
            seq.last_number += 1
            number = self._hook("invoice_number", invoice=draft_doc, prefix=prefix, posted_at=now,
                                sequence=seq.last_number)
            inv.invoice_number = number or numbering.format_default(prefix, now, seq.last_number)
        inv.status = "posted"
        inv.posted_at = now
        inv.updated_at = now
        seq.chain_length += 1
        inv.chain_key = chain.chain_key(inv.organization_id, period)
        inv.chain_seq = seq.chain_length
        inv.prev_hash = seq.head_hash or chain.GENESIS
        inv.content_hash = chain.link_hash(inv, inv.prev_hash)
        seq.head_hash = inv.content_hash
        activity.record(s, inv.id, "posted", actor, f"Posted as {inv.invoice_number}",
                        {"invoice_number": inv.invoice_number})
        s.flush()

    def _after_post(self, doc: InvoiceDocument) -> InvoiceDocument:
        batch = _current_batch.get()
        if batch is not None:
            batch.posted.append(doc.id)
            return doc
        if doc.pdf is None and self.storage is not None and self.renderer is not None \
                and self._invoice_setting("oro_invoices.generate_pdf_on_post", doc):
            return self.ensure_pdf(doc.id)
        return doc

    # ---- notes -------------------------------------------------------------------

    def add_note(self, invoice_id: int, body: str, *, actor: str = "system") -> views.NoteView:
        """Add a note (allowed on posted invoices too)."""
        errors = NoteInputSchema().validate({"body": body})
        if errors or not str(body).strip():
            raise ValidationError([("body", "Write the note's text (up to 10,000 characters).")])
        with self._write() as s:
            self._load(s, invoice_id)
            note = Note(invoice_id=invoice_id, body=body.strip(), author=actor, created_at=self.clock())
            s.add(note)
            s.flush()
            activity.record(s, invoice_id, "note", actor, body.strip()[:200], {"note_id": note.id})
            return views.note(note)

    # ---- errors -----------------------------------------------------------------

    def _translate_errors(self):
        return translate_db_errors()


@contextlib.contextmanager
def _savepoint(session: Session) -> Iterator[Session]:
    with session.begin_nested():
        yield session
