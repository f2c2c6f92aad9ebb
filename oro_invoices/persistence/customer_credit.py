"""Customers' credit with the seller: a balance per customer and currency, and its ledger.

``oro_invoice_customer_credit`` holds one row per (organization, customer, currency) with what
the customer has to spend; every change locks that row first, so two changes at once never
spend the same credit. ``oro_invoice_credit_entry`` holds one row per change, never updated:
what came in (a credit note's money kept, a payment's surplus, an application reversed) and
what went out (applied to an invoice, given back outside the add-on). The balance is the sum
of the ledger; ``balance_after`` says what it was after each entry.

Amounts are integer minor units of ``currency``.

Each entry written is noted on its session; ``take_entries`` hands over, just before the commit,
those still there (not undone by a rolled-back savepoint), for the outgoing events.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from oro_invoices.persistence.models import NEVER_REUSE_IDS, Base, BigId, utcnow
from oro_invoices.persistence.read_models import CREDIT_METHOD
from oro_invoices.persistence.types import UTCDateTime

__all__ = ["CREDIT_METHOD"]   # the payment method of an application of credit (defined with the read models)
BALANCE_TABLE = "oro_invoice_customer_credit"
ENTRY_TABLE = "oro_invoice_credit_entry"
_WRITTEN = "oro_invoices.credit_entries_written"


class EntryKind(str, Enum):
    """Why a customer's credit changed."""

    #: A credit note gave back money the customer had paid, kept as credit.
    CREDIT_NOTE = "credit_note"
    #: A payment recorded by hand was more than the amount due; the rest was kept.
    SURPLUS = "surplus"
    #: Credit used to pay an invoice (a payment of the method ``customer_credit``).
    APPLIED = "applied"
    #: A use of credit reversed: the credit is back.
    RETURNED = "returned"
    #: The payment a surplus came from was reversed: its surplus is taken back.
    SURPLUS_REVERSED = "surplus_reversed"
    #: Given back to the customer outside the add-on (a bank transfer, a check).
    PAID_OUT = "paid_out"


KINDS = tuple(kind.value for kind in EntryKind)


class CustomerCreditRow(Base):
    """What one customer of one organization has to spend in one currency."""

    __tablename__ = BALANCE_TABLE
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    organization_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditEntryRow(Base):
    """One change of a customer's credit."""

    __tablename__ = ENTRY_TABLE
    __table_args__ = (
        CheckConstraint("kind IN ('" + "', '".join(KINDS) + "')", name="kind"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        # a form (or an API client's key) changes the credit once
        UniqueConstraint("organization_id", "request_key", name="uq_oro_invoice_credit_entry_request"),
        Index("ix_oro_invoice_credit_entry_customer", "organization_id", "customer_id", "currency", "id"),
        Index("ix_oro_invoice_credit_entry_invoice_id", "invoice_id"),
        Index("ix_oro_invoice_credit_entry_transaction_id", "transaction_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: Positive: credit came in; negative: it went out.
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    #: The invoice the credit came from (credit note, surplus) or was applied to.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("oro_invoice_invoice.id"))
    #: The credit note that kept it.
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("oro_invoice_invoice.id"))
    #: The payment that applied it, reversed an application, or carried the surplus.
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("oro_invoice_payment_transaction.id"))
    #: What the admin typed for a credit given back: a bank transfer's or a check's reference.
    reference: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(255), default="")
    request_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Owner:
    """Whose credit: a customer of an organization, in a currency."""

    organization_id: int
    customer_id: int
    currency: str


def lock(s: Session, owner: Owner, now: dt.datetime) -> CustomerCreditRow:
    """The owner's balance row, row-locked (made, with nothing on it, when there is none)."""
    key = (owner.organization_id, owner.customer_id, owner.currency)
    row = s.get(CustomerCreditRow, key, with_for_update=True, populate_existing=True)
    if row is not None:
        return row
    # made by a concurrent change meanwhile (its insert wins): then that one is locked
    with contextlib.suppress(IntegrityError), s.begin_nested():
        s.add(CustomerCreditRow(organization_id=owner.organization_id, customer_id=owner.customer_id,
                                currency=owner.currency, balance=0, updated_at=now))
    found = s.get(CustomerCreditRow, key, with_for_update=True, populate_existing=True)
    assert found is not None
    return found


def change(s: Session, row: CustomerCreditRow, amount: int, kind: EntryKind, *, actor: str, now: dt.datetime,
           invoice_id: int | None = None, credit_note_id: int | None = None, transaction_id: int | None = None,
           reference: str = "", notes: str = "", request_key: str | None = None) -> CreditEntryRow:
    """Add ``amount`` (negative: take it) to the locked balance ``row`` and write its entry.

    The caller has checked that the balance covers a negative amount (the table refuses a
    negative balance all the same).
    """
    row.balance += amount
    row.updated_at = now
    entry = CreditEntryRow(organization_id=row.organization_id, customer_id=row.customer_id, currency=row.currency,
                           amount=amount, balance_after=row.balance, kind=kind.value, invoice_id=invoice_id,
                           credit_note_id=credit_note_id, transaction_id=transaction_id, reference=reference,
                           notes=notes, actor=actor, request_key=request_key, created_at=now)
    s.add(entry)
    s.flush()
    s.info.setdefault(_WRITTEN, set()).add(entry.id)
    return entry


def take_entries(s: Session) -> list[CreditEntryRow]:
    """The entries this session wrote that its transaction still holds, oldest first; forgets the
    notes. (An entry of a rolled-back savepoint is no longer in the table, so it is left out.)"""
    written: set[int] = s.info.pop(_WRITTEN, set())
    if not written:
        return []
    s.flush()
    return list(s.execute(select(CreditEntryRow).where(CreditEntryRow.id.in_(sorted(written)))
                          .order_by(CreditEntryRow.id)).scalars())


def balance(s: Session, owner: Owner) -> int:
    """What the owner has to spend now (0 when it never had credit)."""
    found = s.execute(select(CustomerCreditRow.balance).where(
        CustomerCreditRow.organization_id == owner.organization_id,
        CustomerCreditRow.customer_id == owner.customer_id,
        CustomerCreditRow.currency == owner.currency)).scalar_one_or_none()
    return found or 0


def balances(s: Session, organization_id: int, customer_id: int) -> list[tuple[str, int]]:
    """The customer's balance in every currency it ever had credit in, by currency."""
    return [(currency, amount) for _customer, currency, amount in balances_of(s, organization_id, [customer_id])]


def balances_of(s: Session, organization_id: int, customer_ids: Collection[int]) -> list[tuple[int, str, int]]:
    """``(customer id, currency, balance)`` of each of the customers in every currency it ever had
    credit in, by customer and currency: one statement for them all."""
    if not customer_ids:
        return []
    return [(customer, currency, amount) for customer, currency, amount in s.execute(
        select(CustomerCreditRow.customer_id, CustomerCreditRow.currency, CustomerCreditRow.balance)
        .where(CustomerCreditRow.organization_id == organization_id,
               CustomerCreditRow.customer_id.in_(sorted(set(customer_ids))))
        .order_by(CustomerCreditRow.customer_id, CustomerCreditRow.currency)).all()]


def entries(s: Session, organization_id: int, customer_id: int, *, currency: str | None = None,
            before_id: int | None = None, limit: int = 50) -> Sequence[CreditEntryRow]:
    """The customer's ledger, newest first: at most ``limit`` entries older than ``before_id``."""
    stmt = select(CreditEntryRow).where(CreditEntryRow.organization_id == organization_id,
                                        CreditEntryRow.customer_id == customer_id)
    if currency is not None:
        stmt = stmt.where(CreditEntryRow.currency == currency)
    if before_id is not None:
        stmt = stmt.where(CreditEntryRow.id < before_id)
    return s.execute(stmt.order_by(CreditEntryRow.id.desc()).limit(limit)).scalars().all()


def entry_with_key(s: Session, organization_id: int, request_key: str) -> CreditEntryRow | None:
    """The entry a form (or an API client's key) wrote before, if any."""
    return s.execute(select(CreditEntryRow).where(CreditEntryRow.organization_id == organization_id,
                                                  CreditEntryRow.request_key == request_key)).scalar_one_or_none()


def entries_of_transaction(s: Session, transaction_id: int) -> Sequence[CreditEntryRow]:
    """The entries a payment transaction wrote (its application, or its surplus kept)."""
    return s.execute(select(CreditEntryRow).where(CreditEntryRow.transaction_id == transaction_id)
                     .order_by(CreditEntryRow.id)).scalars().all()
