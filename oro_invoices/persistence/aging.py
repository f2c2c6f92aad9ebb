"""The receivables aging in one statement: the amount due of every invoice still owed, summed per customer and currency into the buckets of ``domain.aging``, and what open authorizations hold of
the amounts past due. Amounts are integer minor units of the row's currency.

The invoices are those with an open due date (``open_due``: posted, owed, and due on that
date; posting needs a due date). Their payment states keep copies of what the aging reads (the
organization, customer, currency, total and customer name, by triggers), so an organization's
aging, or a customer's, is read from the states' aging index alone, in the order it groups by.
A filter on anything else (a customer user, websites …) joins the invoices for it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, case, func, select, union_all
from sqlalchemy.orm import Session

from oro_invoices.domain.aging import BUCKETS, AgingBucket
from oro_invoices.persistence.models import Invoice, PaymentState
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter, filter_shape, filter_values

#: What the aging reads from the filter itself, on the states' copies; ``NOT_READ`` it leaves out.
STATE_FIELDS = ("organization_id", "customer_id", "customer_ids", "currency")
NOT_READ = ("status", "document_type", "overdue", "today", "payment_status")


@dataclass(frozen=True)
class AgingRow:
    """What one customer of one organization owes in one currency: its open invoices and their
    amounts due by bucket (``BUCKETS`` order). ``customer_id`` is None for invoices naming no
    customer (then grouped by the name they carry)."""

    organization_id: int | None
    customer_id: int | None
    customer_name: str
    currency: str
    invoices: int
    amounts: tuple[int, ...]
    #: What open authorizations hold of the amounts past due, all of an invoice held in full
    #: (``amounts`` still count it: it is owed until captured, but not overdue: ``domain.overdue``).
    held: int = 0
    #: What they hold of the amounts not yet due: with ``held``, all they hold of what is owed.
    held_current: int = 0


def bucket_condition(bucket: AgingBucket) -> ColumnElement[bool]:
    """``bucket.holds(days_overdue)`` in SQL over an open invoice's due date, on the day whose
    bounds ``bucket_params`` gives."""
    due = PaymentState.open_due_date
    return and_(*([due >= bindparam(f"oi_a_{bucket.key}_from", type_=Date)] if bucket.has_earliest else []),
                *([due <= bindparam(f"oi_a_{bucket.key}_to", type_=Date)] if bucket.has_latest else []))


def bucket_params(today: dt.date) -> dict[str, dt.date]:
    """The due dates each bucket holds on ``today``, as ``bucket_condition`` binds them."""
    params: dict[str, dt.date] = {}
    for bucket in BUCKETS:
        earliest, latest = bucket.due_dates(today)
        if earliest is not None:
            params[f"oi_a_{bucket.key}_from"] = earliest
        if latest is not None:
            params[f"oi_a_{bucket.key}_to"] = latest
    return params


def aging_rows(session: Session, *, today: dt.date, within: InvoiceFilter) -> list[AgingRow]:
    """The aging on ``today`` of the open invoices ``within`` selects (its organization,
    customers, currency, customer user, websites …; ``NOT_READ`` are the aging's own to decide
    and are not read); one row per organization, customer and currency, in no set order.

    The invoices of a customer are grouped in the aging index's own order; those naming no
    customer, by the name they carry, in a second part of the statement (so that the first
    needs no sort: half the time of one grouping of both). The statement is built once per
    shape of ``within`` and run again with its values (as ``queries.list_rows`` does)."""
    rest = replace(within, **dict.fromkeys((*STATE_FIELDS, *NOT_READ)))
    values = filter_values(rest)
    given = {"oi_a_organization": within.organization_id, "oi_a_customer": within.customer_id,
             "oi_a_customers": None if within.customer_ids is None else list(within.customer_ids),
             "oi_a_currency": within.currency}
    given = {name: value for name, value in given.items() if value is not None}
    shape = (tuple(given), filter_shape(rest, values), session.get_bind().dialect.name)
    stmt = _STATEMENTS.get(shape)
    if stmt is None:
        stmt = _statement(within, rest)
        if len(_STATEMENTS) >= STATEMENTS_MAX:
            _STATEMENTS.clear()
        _STATEMENTS[shape] = stmt
    rows = session.connection().execute(stmt, {**given, **values, **bucket_params(today)})
    return [AgingRow(org, customer_id, name or "", code or "", count, tuple(int(amount or 0) for amount in amounts),
                     int(held or 0), int(held_current or 0))
            for org, customer_id, name, code, count, *amounts, held, held_current in rows]


#: Statements kept for reuse, by shape (``aging_rows``); past this many the store is emptied.
STATEMENTS_MAX = 64
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _statement(within: InvoiceFilter, rest: InvoiceFilter) -> Any:
    """The aging statement for filters of ``within``'s shape (``rest``: what the states do not hold)."""
    named = _grouped(within, rest, customer_named=True)
    if within.customer_id is not None or within.customer_ids is not None:
        return named
    return union_all(named, _grouped(within, rest, customer_named=False))


def _grouped(within: InvoiceFilter, rest: InvoiceFilter, *, customer_named: bool) -> Select[*tuple[Any, ...]]:
    """The aging of the invoices naming a customer, grouped by organization, customer and currency
    (``customer_named``), or of those naming none, by organization, currency and name."""
    state = PaymentState
    due = state.total_amount - state.amount_paid - state.amount_credited
    customer = state.customer_id if customer_named else func.max(state.customer_id)   # NULL: none named
    # what authorizations hold of an invoice past due, at most its amount due (all of it when held in full)
    capped = case((state.held_in_full, due), (state.amount_held < due, state.amount_held), else_=due)
    held = case((~bucket_condition(BUCKETS[0]), capped), else_=0)
    held_current = case((bucket_condition(BUCKETS[0]), capped), else_=0)
    columns = (state.organization_id, customer, func.max(state.customer_name), state.currency, func.count(),
               *(func.sum(case((bucket_condition(bucket), due), else_=0)) for bucket in BUCKETS), func.sum(held),
               func.sum(held_current))
    stmt: Select[*tuple[Any, ...]] = select(*columns).where(
        state.open_due_date.is_not(None), state.currency.is_not(None))   # the aging index's rows
    if customer_named:
        stmt = stmt.where(state.customer_id.is_not(None)).group_by(
            state.organization_id, state.customer_id, state.currency)
    else:
        stmt = stmt.where(state.customer_id.is_(None)).group_by(
            state.organization_id, state.currency, state.customer_name)
    if within.organization_id is not None:
        stmt = stmt.where(state.organization_id == bindparam("oi_a_organization", type_=state.organization_id.type))
    if within.customer_id is not None:
        stmt = stmt.where(state.customer_id == bindparam("oi_a_customer", type_=state.customer_id.type))
    if within.customer_ids is not None:
        stmt = stmt.where(state.customer_id.in_(bindparam("oi_a_customers", expanding=True,
                                                          type_=state.customer_id.type)))
    if within.currency is not None:
        stmt = stmt.where(state.currency == bindparam("oi_a_currency", type_=state.currency.type))
    if rest != InvoiceFilter():
        stmt = apply_filter(stmt.join(Invoice, Invoice.id == state.invoice_id), rest)
    return stmt


def aging_customers(session: Session, *, within: InvoiceFilter) -> list[tuple[int | None, str]]:
    """The customers today's aging of ``within`` lists, each once, as ``(customer id, the name
    their invoices carry)`` (``(None, name)`` for invoices naming no customer), in no set order:
    those with an invoice open now, read from the states' aging index, nothing summed. A
    Customer field's suggestions, read without working out what anyone owes (on a past day:
    ``aging_history.aging_customers_on``)."""
    state = PaymentState
    rest = replace(within, **dict.fromkeys((*STATE_FIELDS, *NOT_READ)))
    one_each = (state.customer_id, case((state.customer_id.is_(None), state.customer_name), else_=""))
    stmt = select(state.customer_id, func.max(state.customer_name)).where(
        state.currency.is_not(None), state.open_due_date.is_not(None)).group_by(*one_each)   # the aging index's rows
    if rest != InvoiceFilter():
        stmt = apply_filter(stmt.join(Invoice, Invoice.id == state.invoice_id), rest)
    stmt = stmt.where(*states_within(within))
    return [(customer_id, name or "") for customer_id, name in session.execute(stmt)]


def states_within(within: InvoiceFilter, table: Any = PaymentState) -> list[ColumnElement[bool]]:
    """The conditions on the payment states (or another ``table`` with the same organization,
    customer and currency columns) of ``within``'s organization, customer(s) and currency."""
    state, where = table, []
    if within.organization_id is not None:
        where.append(state.organization_id == within.organization_id)
    if within.customer_id is not None:
        where.append(state.customer_id == within.customer_id)
    if within.customer_ids is not None:
        where.append(state.customer_id.in_(list(within.customer_ids)))
    if within.currency is not None:
        where.append(state.currency == within.currency)
    return where


def organizations_with_invoices(session: Session) -> list[int]:
    """The id of every organization with a posted invoice, in order (those an aging can be made of)."""
    stmt = select(Invoice.organization_id).where(Invoice.status == "posted").distinct()
    return sorted(org for (org,) in session.execute(stmt) if org is not None)
