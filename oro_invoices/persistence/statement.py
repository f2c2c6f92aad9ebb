"""The open items of a customer statement: every invoice that can still be paid, with what it
still owes. Amounts are integer minor units of the row's currency.

The open invoices are those of the receivables aging (``persistence.aging``): the payment states
with an open due date. Their states keep the organization, customer, currency and amounts, so
they are found on the aging index; the invoice row adds its number and date. Those open at the
end of a past day are read by ``persistence.aging_history``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oro_invoices.persistence.aging import NOT_READ, STATE_FIELDS, states_within
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter

#: At most this many open items are read for one statement (the oldest due first); a statement
#: that would list more says how many it left out.
ITEMS_MAX = 2000


@dataclass(frozen=True)
class OpenItemRow:
    """One invoice that can still be paid: its number, dates and amounts (minor units)."""

    invoice_id: int
    organization_id: int
    number: str
    invoice_date: dt.date
    due_date: dt.date
    currency: str
    customer_id: int | None
    customer_name: str
    total: int
    paid: int
    credited: int
    #: Held in full (``open_due``'s ``held_in_full``): the seller collects what it owes by
    #: capturing its authorized payment, so it is not overdue.
    held: bool = False
    #: What open authorizations hold of its payment (the state's ``amount_held``).
    held_amount: int = 0

    @property
    def due(self) -> int:
        """What the invoice still owes."""
        return self.total - self.paid - self.credited

    @property
    def holding(self) -> int:
        """What open authorizations hold of what it owes: all of it when held in full, else what
        they hold, at most that (as the aging's ``held`` counts it)."""
        return held_of(self.due, self.held, self.held_amount)


def held_of(owed: int, held_in_full: bool, held: int) -> int:
    """What open authorizations hold of ``owed``: all of it when held in full, else ``held``, at
    most ``owed`` (as ``aging``'s ``held`` counts it)."""
    return owed if held_in_full else max(min(held, owed), 0)


def open_items(session: Session, *, within: InvoiceFilter, limit: int = ITEMS_MAX) -> tuple[list[OpenItemRow], int]:
    """The open invoices ``within`` selects (its organization, customers, currency, customer user,
    websites …; ``aging.NOT_READ`` are not read), by currency, then due date, invoice date and
    number; at most ``limit`` of them, and how many there are in all."""
    state = PaymentState
    stmt = open_items_query(within)
    ordered = stmt.order_by(state.currency, state.open_due_date, Invoice.invoice_date, Invoice.invoice_number,
                            state.invoice_id)
    rows = session.execute(ordered.limit(limit + 1)).all()
    total = len(rows)
    if total > limit:
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    return [item_row(row) for row in rows[:limit]], int(total)


def latest_open_item(session: Session, *, within: InvoiceFilter) -> OpenItemRow | None:
    """The open invoice ``within`` selects with the latest invoice date (then id), listed or not."""
    stmt = open_items_query(within).order_by(Invoice.invoice_date.desc(), PaymentState.invoice_id.desc()).limit(1)
    found = session.execute(stmt).first()
    return None if found is None else item_row(found)


def item_row(row: Any) -> OpenItemRow:
    """The ``OpenItemRow`` of a row of ``_open_items``."""
    invoice_id, org, number, invoice_date, due_date, currency, customer_id, name, amount, paid, credited, held, \
        held_amount = row
    return OpenItemRow(invoice_id, org, number or "", invoice_date, due_date, currency, customer_id, name or "",
                       int(amount or 0), int(paid or 0), int(credited or 0), bool(held), int(held_amount or 0))


def open_items_query(within: InvoiceFilter) -> Any:
    """The open invoices ``within`` selects, unordered: each row the columns of ``OpenItemRow``."""
    state = PaymentState
    stmt: Any = (select(state.invoice_id, state.organization_id, Invoice.invoice_number, Invoice.invoice_date,
                        state.open_due_date, state.currency, state.customer_id, state.customer_name,
                        state.total_amount, state.amount_paid, state.amount_credited, state.held_in_full,
                        state.amount_held)
                 .join(Invoice, Invoice.id == state.invoice_id)
                 .where(state.open_due_date.is_not(None), state.currency.is_not(None), *states_within(within)))
    rest = replace(within, **dict.fromkeys((*STATE_FIELDS, *NOT_READ)))
    if rest != InvoiceFilter():
        stmt = apply_filter(stmt, rest)
    return stmt


def invoice_users(session: Session, organization_id: int, customer_id: int, *, limit: int = 50) -> list[int]:
    """The customer users named on the customer's posted invoices, whose latest invoice is the
    latest first (at most ``limit``): whom a statement of the customer may be addressed to."""
    latest = func.max(Invoice.invoice_date)
    rows = session.execute(
        select(Invoice.customer_user_id)
        .where(Invoice.organization_id == organization_id, Invoice.customer_id == customer_id,
               Invoice.status == "posted", Invoice.customer_user_id.is_not(None))
        .group_by(Invoice.customer_user_id)
        .order_by(latest.desc(), func.max(Invoice.id).desc())
        .limit(limit)).scalars()
    return [int(user_id) for user_id in rows if user_id is not None]
