"""The add-on's tables. No foreign keys into host tables: host ids plus snapshots.

A posted invoice row and its lines are frozen (see ``triggers.py``); what may
still change lives in its own tables: payment state and transactions, notes,
activity, and the stored PDF record (insert-once).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    literal_column,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from oro_invoices.persistence.metadata import metadata
from oro_invoices.persistence.types import ExactDecimal, UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")
#: Table option for surrogate ids: on SQLite, AUTOINCREMENT, so an id is never reused
#: (a deleted draft's id, whose activity is kept, never names another invoice).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def where_set(column: str) -> dict[str, Any]:
    """An index's options to cover only the rows where ``column`` is set (migration 0019: SQLite's
    statistics would count the rows without a value as one value shared by all of them)."""
    clause = text(f"{column} IS NOT NULL")
    return {"sqlite_where": clause, "postgresql_where": clause}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = metadata


class Invoice(Base):
    """The invoice document. Amounts are integer minor units of ``currency``."""

    __tablename__ = "oro_invoice_invoice"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'posted')", name="status"),
        CheckConstraint("status = 'draft' OR invoice_number IS NOT NULL", name="posted_has_number"),
        # Each organization is its own issuer: numbers and external ids are unique within it.
        UniqueConstraint("organization_id", "invoice_number", name="uq_oro_invoice_invoice_org_number"),
        UniqueConstraint("organization_id", "external_id", name="uq_oro_invoice_invoice_org_external_id"),
        Index("ix_oro_invoice_invoice_date_id", "invoice_date", "id"),
        Index("ix_oro_invoice_invoice_org_date_id", "organization_id", "invoice_date", "id"),
        Index("ix_oro_invoice_invoice_customer_date_id", "customer_id", "invoice_date", "id"),
        Index("ix_oro_invoice_invoice_order", "order_id", **where_set("order_id")),
        Index("ix_oro_invoice_invoice_chain", "chain_key", "chain_seq", unique=True),
        Index("ix_oro_invoice_invoice_credited", "credited_invoice_id", **where_set("credited_invoice_id")),
        Index("ix_oro_invoice_invoice_reissued_from", "reissued_from_id", **where_set("reissued_from_id")),
        Index("ix_oro_invoice_invoice_org_type_date_id", "organization_id", "document_type", "invoice_date", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    invoice_number: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(128))
    organization_id: Mapped[int] = mapped_column(BigInteger)
    website_id: Mapped[int | None] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    customer_user_id: Mapped[int | None] = mapped_column(BigInteger)
    customer_name: Mapped[str] = mapped_column(String(255), default="")
    customer_user_email: Mapped[str] = mapped_column(String(255), default="")
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    order_identifier: Mapped[str] = mapped_column(String(128), default="")
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    bill_to: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ship_to: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seller: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    subtotal: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    external_payment_url: Mapped[str | None] = mapped_column(String(2048))
    payment_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    chain_key: Mapped[str | None] = mapped_column(String(64))
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    #: The SHA-256 of the PDF stored in the posting transaction (covered by the chain link).
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    #: The counter value the automatic numbering gave this invoice (None: it brought its number).
    number_sequence: Mapped[int | None] = mapped_column(Integer)
    #: "invoice" or "credit_note" (a credit note credits ``credited_invoice_id``).
    document_type: Mapped[str] = mapped_column(String(16), default="invoice", server_default="invoice")
    credited_invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The voided invoice this one was issued to replace (re-issue).
    reissued_from_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The buyer's VAT id, country code and reference (``BuyerInfo``), frozen at posting.
    buyer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: When the goods or services were supplied: the actual delivery date (BT-72) and/or the
    #: invoicing period (BG-14); all optional (revision 0014).
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    delivery_period_start: Mapped[dt.date | None] = mapped_column(Date)
    delivery_period_end: Mapped[dt.date | None] = mapped_column(Date)
    #: A credit note: why it was issued, as the admin gave it (None: no reason given; revision 0021).
    credit_reason: Mapped[str | None] = mapped_column(Text)
    #: The buyer's purchase order number (BT-13), as the order or the admin gave it (None: none;
    #: revision 0043).
    purchase_order: Mapped[str | None] = mapped_column(String(255))
    #: Whether it keeps an e-invoice XML, imported from it or issued as UBL (``EInvoiceSourceRow``;
    #: revision 0025), set with that record, so a page knows without reading it.
    einvoice_kept: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The SHA-256 of that XML, covered by the invoice's hash-chain link (revision 0026; None for
    #: an invoice that kept its XML before).
    einvoice_sha256: Mapped[str | None] = mapped_column(String(64))

    lines: Mapped[list[InvoiceLineRow]] = relationship(
        order_by="InvoiceLineRow.position", cascade="all, delete-orphan", passive_deletes=True)


# Sort expressions for nullable columns; the indexes below are built on exactly these.
SORT_INVOICE_NUMBER = func.coalesce(Invoice.invoice_number, literal_column("''"))
SORT_DUE_DATE = func.coalesce(Invoice.due_date, literal_column("'9999-12-31'"))

# Grid sorts within an organization (the back-office and the API list one organization).
Index("ix_oro_invoice_invoice_org_total_id", Invoice.organization_id, Invoice.total_amount, Invoice.id)
Index("ix_oro_invoice_invoice_org_name_id", Invoice.organization_id, Invoice.customer_name, Invoice.id)
Index("ix_oro_invoice_invoice_org_number_id", Invoice.organization_id, SORT_INVOICE_NUMBER, Invoice.id)
Index("ix_oro_invoice_invoice_org_due_id", Invoice.organization_id, SORT_DUE_DATE, Invoice.id)
# The Overdue filter: an organization's posted invoices by due date (``queries.overdue_condition``).
Index("ix_oro_invoice_invoice_org_status_due_id", Invoice.organization_id, Invoice.status,
      Invoice.due_date, Invoice.id)
# The back-office grid's other sorts (migration 0012); totals are sorted within one currency.
SORT_WEBSITE = func.coalesce(Invoice.website_id, literal_column("0"))
#: URLs sort by their first 255 characters (an index entry stays small on every database).
SORT_PAYMENT_URL = func.substr(func.coalesce(Invoice.external_payment_url, literal_column("''")),
                               literal_column("1"), literal_column("255"))
Index("ix_oro_invoice_invoice_org_user_email_id", Invoice.organization_id, Invoice.customer_user_email,
      Invoice.id)
Index("ix_oro_invoice_invoice_org_website_id", Invoice.organization_id, SORT_WEBSITE, Invoice.id)
Index("ix_oro_invoice_invoice_org_currency_id", Invoice.organization_id, Invoice.currency, Invoice.id)
Index("ix_oro_invoice_invoice_org_currency_total_id", Invoice.organization_id, Invoice.currency,
      Invoice.total_amount, Invoice.id)
Index("ix_oro_invoice_invoice_org_type_id", Invoice.organization_id, Invoice.document_type, Invoice.id)
Index("ix_oro_invoice_invoice_org_payment_url_id", Invoice.organization_id, SORT_PAYMENT_URL, Invoice.id)
# The API's sorts by id and creation (ids grow with creation time) within an organization.
Index("ix_oro_invoice_invoice_org_id", Invoice.organization_id, Invoice.id)
# The grid's Customer User filter, newest first.
Index("ix_oro_invoice_invoice_user_date_id", Invoice.customer_user_id, Invoice.invoice_date, Invoice.id,
      **where_set("customer_user_id"))


class name_key(FunctionElement[str]):
    """``lower(name)``, compared code point by code point on every database (``COLLATE "C"`` on
    PostgreSQL): a name prefix is then one range of an index on it (``queries.name_prefix``)."""

    type = String()
    name = "name_key"
    inherit_cache = True


@compiles(name_key)
def _name_key(element: name_key, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(name_key, "postgresql")
def _name_key_postgresql(element: name_key, compiler: Any, **kw: Any) -> str:
    return f'(lower({compiler.process(element.clauses, **kw)}) COLLATE "C")'


#: The grid's Customer filter by name: an organization's invoices by customer name, any case
#: (migration 0015). On PostgreSQL the migration gives the index column the collation "C" of
#: ``name_key``; reflection does not report a column's collation, so it is not said here.
CUSTOMER_NAME_KEY = name_key(Invoice.customer_name)
Index("ix_oro_invoice_invoice_org_name_key_id", Invoice.organization_id, func.lower(Invoice.customer_name),
      Invoice.id)


class InvoiceLineRow(Base):
    """One line item; ``row_total`` and ``row_tax`` are minor units, computed."""

    __tablename__ = "oro_invoice_line"
    __table_args__ = (UniqueConstraint("invoice_id", "position", name="uq_oro_invoice_line_position"),
                      Index("ix_oro_invoice_line_credited", "credited_line_id", **where_set("credited_line_id")),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    sku: Mapped[str] = mapped_column(String(128), default="")
    unit: Mapped[str] = mapped_column(String(32), default="")
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal)
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    row_total: Mapped[int] = mapped_column(BigInteger)
    row_tax: Mapped[int] = mapped_column(BigInteger)
    #: On a credit note: the id of the invoice line this line credits (None: an amount per tax rate).
    credited_line_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The VAT category code (``TaxCategory``); None: derived from the rate (Z at 0, else S).
    tax_category: Mapped[str | None] = mapped_column(String(2))
    tax_exemption_reason: Mapped[str | None] = mapped_column(Text)


class NumberSequence(Base):
    """Per organization and month: the last number issued and the head of the hash chain.

    Posting locks only this row, so other organizations and months never wait.
    """

    __tablename__ = "oro_invoice_sequence"

    organization_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: "YYYY-MM" for invoices; another series is named before it ("credit_note/YYYY-MM").
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    chain_length: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str | None] = mapped_column(String(64))
    #: The first counter value whose use ``verify`` can account for (values before it were
    #: issued before skipped numbers were recorded).
    tracked_from: Mapped[int] = mapped_column(Integer, default=1)


class NumberSkip(Base):
    """A counter value the automatic numbering skipped because its number was already taken.

    Insert-only (see ``triggers.py``); ``verify`` explains each gap in a series by one of these.
    """

    __tablename__ = "oro_invoice_number_skip"

    organization_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(64))
    held_by_invoice_id: Mapped[int] = mapped_column(BigInteger)
    skipped_for_invoice_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


#: The payment states of invoices still owed (``open_due.py``).
OPEN = text("open_due_date IS NOT NULL")
#: The aging index's rows: the open ones. Its second term (always true of an open one) is one only
#: the aging states (``persistence.aging``), so that no other query is planned over that index.
AGING_ROWS = text("open_due_date IS NOT NULL AND currency IS NOT NULL")


class PaymentState(Base):
    """What may change after posting: the payment status and the amount paid."""

    __tablename__ = "oro_invoice_payment_state"
    __table_args__ = (Index("ix_oro_invoice_payment_state_status_invoice", "payment_status", "invoice_id"),
                      Index("ix_oro_invoice_payment_state_method_invoice", "payment_method", "invoice_id"),
                      # the Overdue filter (``queries.overdue_condition``): what is open, by due
                      # date with the columns of the sorts read from it (``queries.OPEN_SORTS``),
                      # and by invoice date (its default sort); each with whether authorizations
                      # hold it in full (then it is not overdue)
                      Index("ix_oro_invoice_payment_state_org_open_due", "organization_id", "open_due_date",
                            "invoice_id", "invoice_date", "total_amount", "customer_name", "payment_status",
                            "payment_method", "held_in_full"),
                      Index("ix_oro_invoice_payment_state_org_open_date", "organization_id", "invoice_date",
                            "invoice_id", "open_due_date", "held_in_full", sqlite_where=OPEN, postgresql_where=OPEN),
                      # the receivables aging (``persistence.aging``): what is open, by customer and
                      # currency, with every column it adds up or tests (read from the index alone)
                      Index("ix_oro_invoice_payment_state_org_aging", "organization_id", "customer_id", "currency",
                            "open_due_date", "total_amount", "amount_paid", "amount_credited", "customer_name",
                            "amount_held", "held_in_full", sqlite_where=AGING_ROWS, postgresql_where=AGING_ROWS),
                      # the statuses set from outside that changed after a day (``aging_history``)
                      Index("ix_oro_invoice_payment_state_forced", "forced", "organization_id", "updated_at",
                            "invoice_id"))

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"), primary_key=True)
    payment_status: Mapped[str] = mapped_column(String(32), default="pending")
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    #: What posted credit notes took off the invoice (minor units).
    amount_credited: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: What open authorizations hold for it: neither captured nor canceled (minor units; revision 0034).
    amount_held: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: What payments on their way cover (reported processing by their provider, not yet settled:
    #: ``payment_records.processing_payments``; minor units; revision 0039).
    amount_processing: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    payment_method: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The invoice's organization, date, total, customer, customer name and currency, while it is
    #: owed its due date, and whether it is held in full (its payment authorized, or open
    #: authorizations holding all it has due). Kept by triggers (``open_due.py``, revisions 0016,
    #: 0018, 0028, 0036, 0037, 0038): the add-on's code never writes them.
    organization_id: Mapped[int | None] = mapped_column(BigInteger)
    invoice_date: Mapped[dt.date | None] = mapped_column(Date)
    total_amount: Mapped[int | None] = mapped_column(BigInteger)
    customer_name: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    open_due_date: Mapped[dt.date | None] = mapped_column(Date)
    held_in_full: Mapped[bool] = mapped_column(Boolean, server_default=false())


class PaymentTransaction(Base):
    """One payment operation against a provider (or recorded by hand)."""

    __tablename__ = "oro_invoice_payment_transaction"
    __table_args__ = (
        CheckConstraint("action IN ('charge', 'authorize', 'capture', 'refund', 'cancel', 'invoice')",
                        name="action"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        UniqueConstraint("method", "action", "provider_reference",
                         name="uq_oro_invoice_payment_transaction_provider_event"),
        # the invoices with a transaction recorded after a day (``aging_history``)
        Index("ix_oro_invoice_payment_transaction_created", "created_at", "invoice_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    successful: Mapped[bool] = mapped_column(Boolean)
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(BigInteger)
    notes: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Note(Base):
    """A note an admin added to the invoice."""

    __tablename__ = "oro_invoice_note"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(255))
    author_id: Mapped[int | None] = mapped_column(BigInteger)  # the admin user who may edit it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Activity(Base):
    """What happened to an invoice, by whom and when. Kept after a draft is deleted."""

    __tablename__ = "oro_invoice_activity"
    __table_args__ = (Index("ix_oro_invoice_activity_invoice", "invoice_id", "id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EInvoiceSourceRow(Base):
    """The e-invoice XML an invoice was imported from (CII or UBL), kept in the PDF storage by its
    SHA-256: Download XML gives it, and the invoice's PDF carries a CII one instead of an XML
    built from the invoice's fields.
    Inserted once with the imported invoice, never updated."""

    __tablename__ = "oro_invoice_einvoice_source"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReceiptRow(Base):
    """The receipt PDF of a successful payment, capture or refund, kept in the PDF storage by its
    SHA-256 the first time it is made: every later download and email gives that file.
    Inserted once, never updated (triggers: ``triggers.RECEIPTS``)."""

    __tablename__ = "oro_invoice_receipt"

    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_payment_transaction.id", ondelete="CASCADE"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PdfRequeueRow(Base):
    """When a download last queued a posted invoice's ``render_pdf`` job again while its PDF was
    being made in the background (``Documents.pdf_for_download``): the downloads that follow
    within ``oro_invoices.jobs.pdf_requeue_after`` queue none, whichever web process answers
    them. One row per invoice, its time moved on at each re-queue, deleted with the PDF's record
    when the PDF is stored."""

    __tablename__ = "oro_invoice_pdf_requeue"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"), primary_key=True)
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InvoiceDocumentRow(Base):
    """The stored PDF of a posted invoice: inserted once, never updated or deleted.

    A PDF stored in the posting transaction is covered by the invoice's own chain link
    (``Invoice.pdf_sha256``); one stored later (uploaded by the external system, or
    completed after a crash) gets a link of its own in the invoice's chain (``chain_*``).
    """

    __tablename__ = "oro_invoice_document"
    __table_args__ = (Index("ix_oro_invoice_document_chain", "chain_key", "chain_seq", unique=True),)

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("oro_invoice_invoice.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16), default="generated")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    chain_key: Mapped[str | None] = mapped_column(String(64))
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    #: Whether the PDF carries an e-invoice XML (a Factur-X / ZUGFeRD hybrid); None: stored before
    #: revision 0027, or its e-invoice could not be looked for (unknown).
    carries_xml: Mapped[bool | None] = mapped_column(Boolean)


class PaymentAttempt(Base):
    """One payment, refund or cancellation the add-on asked a payment provider for.

    ``public_id`` is the attempt's reference at the provider (its order id or idempotency
    key) and in the result page's URL; ``request_key`` makes a resubmitted payment form
    return the attempt it started instead of starting another.
    """

    __tablename__ = "oro_invoice_payment_attempt"
    __table_args__ = (
        CheckConstraint("kind IN ('payment', 'refund', 'cancel', 'capture')", name="kind"),
        CheckConstraint("status IN ('started', 'succeeded', 'failed')", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("public_id", name="uq_oro_invoice_payment_attempt_public_id"),
        UniqueConstraint("invoice_id", "request_key", name="uq_oro_invoice_payment_attempt_request"),
        Index("ix_oro_invoice_payment_attempt_invoice", "invoice_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(40))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="started")
    origin: Mapped[str] = mapped_column(String(16), default="")
    request_key: Mapped[str | None] = mapped_column(String(64))
    parent_transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    #: A refund asked for as a credit note's settlement: that credit note (its transaction says so).
    credit_note_id: Mapped[int | None] = mapped_column(BigInteger)
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the provider reported this started payment as processing (on its way for days, a SEPA
    #: Direct Debit): until it reports the outcome, it holds its amount (revision 0039).
    processing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PaymentShare(Base):
    """One invoice's part of a payment started for several invoices at once (the storefront's
    Pay Selected): ``amount`` of the attempt ``attempt_id`` pays ``invoice_id``; ``transaction_id``
    is the payment recorded for it once the provider reported the payment."""

    __tablename__ = "oro_invoice_payment_share"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("attempt_id", "invoice_id", name="uq_oro_invoice_payment_share_invoice"),
        Index("ix_oro_invoice_payment_share_invoice", "invoice_id"),
        Index("ix_oro_invoice_payment_share_transaction", "transaction_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("oro_invoice_payment_attempt.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    transaction_id: Mapped[int | None] = mapped_column(BigInteger)


class PaymentEvent(Base):
    """An outcome a payment provider reported, kept once per method and event id.

    ``outcome``: applied (recorded as ``transaction_id``), deferred (it acts on a
    payment not recorded yet: applied when that arrives) or refused (``reason`` says why).
    """

    __tablename__ = "oro_invoice_payment_event"
    __table_args__ = (
        UniqueConstraint("method", "event_id", name="uq_oro_invoice_payment_event_method_event"),
        CheckConstraint("outcome IN ('applied', 'deferred', 'refused')", name="outcome"),
        Index("ix_oro_invoice_payment_event_outcome", "outcome", "method", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    method: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(255))
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    successful: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    parent_reference: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
