"""The customers' unapplied credit beside the receivables aging: per organization, customer and
currency, what a customer has to spend now (``persistence.customer_credit``'s balances), or at a
moment past (the balance after its last ledger entry written before it). Amounts are integer
minor units of the row's currency.

The credit is read for the customers an aging selects (its organization, customer or customers
and currency). A customer holding credit is named as its invoices name it; when the aging is
filtered on anything its invoices hold (a name's start, a customer user, websites …), only the
customers with an invoice it selects are kept.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oro_invoices.persistence.aging import NOT_READ, STATE_FIELDS
from oro_invoices.persistence.customer_credit import CreditEntryRow, CustomerCreditRow
from oro_invoices.persistence.models import Invoice
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


def credit_rows(session: Session, *, within: InvoiceFilter, before: dt.datetime | None = None) -> list[CreditRow]:
    """The credit above zero of the customers ``within`` selects: now, or (``before``) as the
    ledger had it just before that moment; in no set order."""
    table: Any = CustomerCreditRow if before is None else CreditEntryRow
    conditions = []
    if within.organization_id is not None:
        conditions.append(table.organization_id == within.organization_id)
    if within.customer_id is not None:
        conditions.append(table.customer_id == within.customer_id)
    if within.customer_ids is not None:
        conditions.append(table.customer_id.in_(list(within.customer_ids)))
    if within.currency is not None:
        conditions.append(table.currency == within.currency)
    if before is None:
        stmt = select(CustomerCreditRow.organization_id, CustomerCreditRow.customer_id, CustomerCreditRow.currency,
                      CustomerCreditRow.balance).where(CustomerCreditRow.balance > 0, *conditions)
    else:
        last = (select(func.max(CreditEntryRow.id)).where(CreditEntryRow.created_at < before, *conditions)
                .group_by(CreditEntryRow.organization_id, CreditEntryRow.customer_id, CreditEntryRow.currency))
        stmt = select(CreditEntryRow.organization_id, CreditEntryRow.customer_id, CreditEntryRow.currency,
                      CreditEntryRow.balance_after).where(CreditEntryRow.id.in_(last), CreditEntryRow.balance_after > 0)
    found = [(org, customer, currency, int(amount)) for org, customer, currency, amount in session.execute(stmt)]
    if not found:
        return []
    rest = replace(within, **dict.fromkeys((*STATE_FIELDS, *NOT_READ)))
    names = _names(session, sorted({(org, customer) for org, customer, _c, _a in found}), rest)
    keep_unnamed = rest == InvoiceFilter()
    return [CreditRow(org, customer, names.get((org, customer), ""), currency, amount)
            for org, customer, currency, amount in found if keep_unnamed or (org, customer) in names]


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
