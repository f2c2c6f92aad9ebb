"""The customers' unapplied credit beside the receivables aging: per organization, customer and
currency, what a customer has to spend now (``persistence.customer_credit``'s balances), or at
the end of a past day. Amounts are integer minor units of the row's currency.

On a past day each ledger entry counts on the day the account's ledger (``persistence.ledger``)
dates the money it is of, not the day it was written: a payment's surplus on the day the
payment counts (received, as an admin recorded it by hand, else recorded), a credit note's
money kept on the credit note's date, an application on the day it was recorded; an entry
undoing a payment or an application recorded in error (a reversal) on the day of what it
undoes, so that neither counts on any day, as the ledger has it. A surplus taken back by a
refund counts on the refund's day; credit given back outside the add-on on the day it was.

The credit is read for the customers an aging selects (its organization, customer or customers
and currency). A customer holding credit is named as its invoices name it; when the aging is
filtered on anything its invoices hold (a name's start, a customer user, websites …), only the
customers with an invoice it selects are kept.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from oro_invoices.persistence.aging import NOT_READ, STATE_FIELDS, states_within
from oro_invoices.persistence.customer_credit import CreditEntryRow, CustomerCreditRow, EntryKind
from oro_invoices.persistence.ledger import counts_before, midnight
from oro_invoices.persistence.models import Invoice, PaymentTransaction
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter

#: How many customers' names are looked up in one statement.
CHUNK = 500


@dataclass(frozen=True)
class CreditRow:
    """What one customer of one organization has to spend in one currency (above zero)."""

    organization_id: int
    customer_id: int
    customer_name: str
    currency: str
    amount: int


def credit_rows(session: Session, *, within: InvoiceFilter, on: dt.date | None = None,
                zone: dt.tzinfo) -> list[CreditRow]:
    """The credit above zero of the customers ``within`` selects: now, or (``on``) at the end of
    that day in ``zone`` (its organization's time zone), each entry counted on the day of its
    money; in no set order."""
    table: Any = CustomerCreditRow if on is None else CreditEntryRow
    conditions = states_within(within, table)
    if on is None:
        stmt = select(CustomerCreditRow.organization_id, CustomerCreditRow.customer_id, CustomerCreditRow.currency,
                      CustomerCreditRow.balance).where(CustomerCreditRow.balance > 0, *conditions)
    else:
        stmt = _credit_on(on, conditions, zone)
    found = [(org, customer, currency, int(amount)) for org, customer, currency, amount in session.execute(stmt)]
    if not found:
        return []
    rest = replace(within, **dict.fromkeys((*STATE_FIELDS, *NOT_READ)))
    names = _names(session, sorted({(org, customer) for org, customer, _c, _a in found}), rest)
    keep_unnamed = rest == InvoiceFilter()
    return [CreditRow(org, customer, names.get((org, customer), ""), currency, amount)
            for org, customer, currency, amount in found if keep_unnamed or (org, customer) in names]


def _credit_on(day: dt.date, conditions: list[ColumnElement[bool]], zone: dt.tzinfo) -> Any:
    """The sum of the ledger entries (``conditions`` on ``CreditEntryRow``) counting up to the end
    of ``day``, per organization, customer and currency, where above zero."""
    entry, tx, undone, note = CreditEntryRow, aliased(PaymentTransaction), aliased(PaymentTransaction), aliased(Invoice)
    since = day + dt.timedelta(days=1)
    reversal = tx.data["reverses"].as_integer().is_not(None)
    counts = case(
        (and_(entry.kind == EntryKind.CREDIT_NOTE.value, note.invoice_date.is_not(None)), note.invoice_date < since),
        (and_(reversal, undone.id.is_not(None)), counts_before(undone, since, zone=zone)),
        (tx.id.is_not(None), counts_before(tx, since, zone=zone)),
        else_=entry.created_at < midnight(since, zone=zone))
    total = func.sum(entry.amount)
    return (select(entry.organization_id, entry.customer_id, entry.currency, total).select_from(entry)
            .outerjoin(tx, tx.id == entry.transaction_id).outerjoin(undone, undone.id == tx.parent_id)
            .outerjoin(note, note.id == entry.credit_note_id)
            .where(counts, *conditions)
            .group_by(entry.organization_id, entry.customer_id, entry.currency).having(total > 0))


def _names(session: Session, customers: list[tuple[int, int]], rest: InvoiceFilter) -> dict[tuple[int, int], str]:
    """The name the invoices of each customer carry (the greatest, as the aging groups them),
    of the invoices ``rest`` selects."""
    names: dict[tuple[int, int], str] = {}
    for start in range(0, len(customers), CHUNK):
        chunk = set(customers[start:start + CHUNK])
        stmt = (select(Invoice.organization_id, Invoice.customer_id, func.max(Invoice.customer_name))
                .where(Invoice.customer_id.in_(sorted({customer for _org, customer in chunk})),
                       Invoice.organization_id.in_(sorted({org for org, _customer in chunk})))
                .group_by(Invoice.organization_id, Invoice.customer_id))
        if rest != InvoiceFilter():
            stmt = apply_filter(stmt, rest)
        for org, customer, name in session.execute(stmt):
            if customer is not None and (org, customer) in chunk:
                names[(org, customer)] = name or ""
    return names
