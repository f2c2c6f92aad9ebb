"""A customer's account as dated entries: what each posted invoice and credit note, and each
payment and refund of them, did to what the customer owes. Amounts are integer minor units,
positive when they raise what is owed.

- a posted **invoice**: its total, on its invoice date;
- a posted **credit note**: minus its total, on its date;
- a successful **payment** (a charge, or the capture of an authorization): minus its amount, on the
  day it was received (as an admin recorded it by hand) else the day it was recorded (UTC);
- a **refund**: its amount (money given back), on the day it was recorded.

A payment recorded by hand in error and reversed moved no money: neither it nor its reversal is
an entry. Authorizations, their cancellations and drafts are none either.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.persistence.models import Invoice, PaymentTransaction
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter
from oro_invoices.persistence.read_models import is_reversal, transaction

#: The kinds of entry.
INVOICE, CREDIT_NOTE, PAYMENT, REFUND = "invoice", "credit_note", "payment", "refund"
_PAID = ("charge", "capture")


@dataclass(frozen=True)
class LedgerEntry:
    """One dated change of what a customer owes in ``currency``."""

    on: dt.date
    kind: str
    invoice_id: int
    number: str
    currency: str
    #: what it adds to what is owed (minor units; negative for a credit note or a payment)
    amount: int
    #: a payment's method code, and the reference an admin gave it ("" for the others)
    method: str = ""
    reference: str = ""
    #: the transaction, for a payment or refund
    transaction_id: int | None = None
    #: the customer name its invoice carries
    customer_name: str = ""


def customer_entries(session: Session, *, organization_id: int, customer_id: int, until: dt.date,
                     currency: str | None = None) -> list[LedgerEntry]:
    """The entries of ``customer_id`` (of ``organization_id``; in ``currency``, else every one) dated
    up to ``until``, in date order (a day's invoices first, then its credit notes, payments and
    refunds)."""
    return entries_within(session, InvoiceFilter(organization_id=organization_id, customer_id=customer_id,
                                                 currency=currency), until=until)


def entries_within(session: Session, within: InvoiceFilter, *, until: dt.date) -> list[LedgerEntry]:
    """The entries of the posted invoices and credit notes ``within`` selects (its organization,
    customers, customer user, websites, currency; what concerns payment status, overdue and
    dates is not read), and of their payments and refunds, dated up to ``until``, in date order."""
    shape = replace(within, status="posted", payment_status=None, overdue=None, today=None, date_from=None,
                    date_to=None)
    documents = apply_filter(select(Invoice.id, Invoice.invoice_number, Invoice.document_type, Invoice.invoice_date,
                                    Invoice.total_amount, Invoice.currency, Invoice.customer_name), shape)
    found: dict[int, tuple[str, str, str]] = {}
    entries: list[LedgerEntry] = []
    for invoice_id, number, document_type, invoice_date, total, code, name in session.execute(documents):
        found[invoice_id] = (number or f"#{invoice_id}", code, name or "")
        if invoice_date is not None and invoice_date <= until:
            credit = document_type == "credit_note"
            entries.append(LedgerEntry(invoice_date, CREDIT_NOTE if credit else INVOICE, invoice_id,
                                       found[invoice_id][0], code, -int(total) if credit else int(total),
                                       customer_name=name or ""))
    if found:
        entries.extend(_money(session, found, until))
    order = {INVOICE: 0, CREDIT_NOTE: 1, PAYMENT: 2, REFUND: 3}
    return sorted(entries, key=lambda e: (e.on, order[e.kind], e.number, e.transaction_id or 0))


def customers_with_invoices(session: Session, *, organization_id: int | None, until: dt.date) -> list[tuple[int, int]]:
    """``(organization id, customer id)`` of every customer with a posted invoice or credit note
    dated up to ``until`` (of ``organization_id``; None: of every organization), in that order."""
    stmt = select(Invoice.organization_id, Invoice.customer_id).where(
        Invoice.status == "posted", Invoice.customer_id.is_not(None), Invoice.invoice_date <= until).distinct()
    if organization_id is not None:
        stmt = stmt.where(Invoice.organization_id == organization_id)
    return sorted((org, customer) for org, customer in session.execute(stmt) if customer is not None)


def _money(session: Session, documents: dict[int, tuple[str, str, str]], until: dt.date) -> list[LedgerEntry]:
    """The payments and refunds of ``documents`` (id → number, currency, customer name) up to ``until``."""
    rows: list[PaymentTransaction] = []
    ids = list(documents)
    for start in range(0, len(ids), 500):
        rows.extend(session.execute(select(PaymentTransaction).where(
            PaymentTransaction.invoice_id.in_(ids[start:start + 500]), PaymentTransaction.successful.is_(True),
            PaymentTransaction.action.in_((*_PAID, "refund")))).scalars())
    entries = []
    for row, on in counted(rows):
        if on > until:
            continue
        view = transaction(row)
        number, code, name = documents[row.invoice_id]
        paid = row.action in _PAID
        entries.append(LedgerEntry(on, PAYMENT if paid else REFUND, row.invoice_id, number, code,
                                   -int(row.amount) if paid else int(row.amount), method=row.method,
                                   reference=view.reference, transaction_id=row.id, customer_name=name))
    return entries


def counted(rows: Iterable[PaymentTransaction]) -> Iterator[tuple[PaymentTransaction, dt.date]]:
    """Each of ``rows`` that moved money or may (all but a payment reversed in error and its
    reversal, which must both be among ``rows``), with the day it counts on: the day received,
    as an admin recorded it by hand, else the UTC day it was recorded."""
    rows = list(rows)
    reversed_ids = {row.parent_id for row in rows if row.action == "refund" and is_reversal(row.data)}
    for row in rows:
        if row.id in reversed_ids or (row.action == "refund" and is_reversal(row.data)):
            continue
        yield row, transaction(row).received_on or utc_day(row.created_at)


def utc_day(moment: dt.datetime) -> dt.date:
    """The UTC day of a stored time (SQLite gives it back without its zone)."""
    return (moment if moment.tzinfo is None else moment.astimezone(dt.UTC)).date()
