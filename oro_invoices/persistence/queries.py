"""Listing invoices: filters, sorting and keyset paging that stay fast at any depth.

A cursor encodes the sort value and id of the last row shown; the next page
is the rows after that pair (a row-value comparison served by an index),
never an OFFSET.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Row, Select, and_, func, literal_column, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.domain.limits import is_int64, is_storable_text
from oro_invoices.persistence.models import (
    SORT_DUE_DATE,
    SORT_INVOICE_NUMBER,
    Invoice,
    PaymentState,
)

T = TypeVar("T")
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])

# Sort keys a caller may use, mapped to (column, value codec). Nullable columns are coalesced.
_SORTS: dict[str, Any] = {
    "invoice_date": (Invoice.invoice_date, "date"),
    "due_date": (SORT_DUE_DATE, "date"),
    "invoice_number": (SORT_INVOICE_NUMBER, "str"),
    "total_amount": (Invoice.total_amount, "int"),
    "created_at": (Invoice.id, "int"),  # ids grow with creation time
    "id": (Invoice.id, "int"),
    "customer_name": (Invoice.customer_name, "str"),
    "currency": (Invoice.currency, "str"),
    "payment_status": (PaymentState.payment_status, "str"),
}
SORT_KEYS = tuple(_SORTS)
MAX_LIMIT = 500


@dataclass(frozen=True)
class InvoiceFilter:
    """What to list. ``customer_ids`` restricts to a set (storefront visibility)."""

    status: str | None = None
    payment_status: str | None = None
    organization_id: int | None = None
    website_id: int | None = None
    customer_id: int | None = None
    customer_ids: Sequence[int] | None = None
    #: only these websites (storefront settings per website); None: any
    website_ids: Sequence[int] | None = None
    #: not these websites; invoices without a website stay in
    exclude_website_ids: Sequence[int] | None = None
    customer_user_id: int | None = None
    order_id: int | None = None
    external_id: str | None = None
    invoice_number: str | None = None
    number_contains: str | None = None
    currency: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None
    sort: str = "-invoice_date"


def parse_sort(sort: str) -> tuple[str, bool]:
    """``"-invoice_date"`` → ("invoice_date", descending=True)."""
    desc = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in _SORTS:
        raise ValidationError([("sort", f"Cannot sort by {key!r}; use one of {', '.join(SORT_KEYS)}.")])
    return key, desc


def encode_cursor(sort: str, value: Any, last_id: int) -> str:
    if isinstance(value, dt.date):
        value = value.isoformat()
    raw = json.dumps([sort, value, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: The longest text a cursor may carry (the longest sortable text column).
MAX_CURSOR_TEXT = 255


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The sort value and id a cursor resumes after; ``ValidationError`` for anything forged."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cur_sort, value, last_id = json.loads(raw)
        key, _ = parse_sort(sort)
        codec = _SORTS[key][1]
        if cur_sort != sort or not is_int64(last_id) or last_id < 0:
            raise ValueError
        if codec == "date":
            value = dt.date.fromisoformat(value)
        elif codec == "int" and not is_int64(value) or codec == "str" and (not isinstance(value, str) or not is_storable_text(value)
                                 or len(value) > MAX_CURSOR_TEXT):
            raise ValueError
        return value, last_id
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValidationError([("cursor", "Invalid or expired cursor; start again from the first page.")]) from None


def unindexed(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """``+column``: the same value, but no index on the column can serve the comparison."""
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)



def apply_filter(stmt: SelectT, f: InvoiceFilter, *, index_organization: bool = True) -> SelectT:
    """``stmt`` restricted to ``f``. ``index_organization=False`` keeps the planner from
    choosing an index for the (unselective) organization filter, so that an index
    matching the sort can drive the query instead."""
    conds: list[ColumnElement[bool]] = []
    if f.status:
        if f.status not in ("draft", "posted"):
            raise ValidationError([("status", "Use 'draft' or 'posted'.")])
        conds.append(Invoice.status == f.status)
    if f.payment_status:
        try:
            PaymentStatus(f.payment_status)
        except ValueError:
            raise ValidationError([("payment_status", f"Unknown payment status {f.payment_status!r}.")]) from None
        conds.append(PaymentState.payment_status == f.payment_status)
    for attr in ("organization_id", "website_id", "customer_id", "customer_user_id", "order_id",
                 "external_id", "invoice_number", "currency"):
        value = getattr(f, attr)
        if value is not None and value != "":
            column = getattr(Invoice, attr)
            if attr == "organization_id" and not index_organization:
                column = unindexed(column)
            conds.append(column == value)
    if f.customer_ids is not None:
        conds.append(Invoice.customer_id.in_(list(f.customer_ids)))
    if f.website_ids is not None:
        conds.append(Invoice.website_id.in_(list(f.website_ids)))
    if f.exclude_website_ids:
        conds.append(or_(Invoice.website_id.is_(None),
                         Invoice.website_id.not_in(list(f.exclude_website_ids))))
    if f.number_contains:
        escaped = f.number_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(Invoice.invoice_number.like(f"%{escaped}%", escape="\\"))
    if f.date_from:
        conds.append(Invoice.invoice_date >= f.date_from)
    if f.date_to:
        conds.append(Invoice.invoice_date <= f.date_to)
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValidationError([("date_to", "Must not be before date_from.")])
    return stmt.where(and_(*conds)) if conds else stmt


def list_rows(session: Session, f: InvoiceFilter, *, sort: str = "-invoice_date", limit: int = 25,
              cursor: str | None = None, with_total: bool = False,
              ) -> tuple[Sequence[Row[Invoice, PaymentState]], str | None, int | None]:
    """One page of (Invoice, PaymentState) rows and the cursor of the next page."""
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise ValidationError([("limit", f"Must be between 1 and {MAX_LIMIT}.")])
    key, desc = parse_sort(sort)
    col = _SORTS[key][0]
    # Break ties by id, taken from the table the sort column lives in so one index serves both.
    tie = PaymentState.invoice_id if key == "payment_status" else Invoice.id
    base = apply_filter(select(Invoice, PaymentState).join(PaymentState, PaymentState.invoice_id == Invoice.id), f,
                        index_organization=key != "payment_status")
    stmt = base
    if cursor:
        value, last_id = decode_cursor(cursor, sort)
        pair, ref = tuple_(col, tie), tuple_(value, last_id)
        stmt = stmt.where(pair < ref if desc else pair > ref)
    order = (col.desc(), tie.desc()) if desc else (col.asc(), tie.asc())
    rows = session.execute(stmt.order_by(*order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        inv, state = rows[-1]
        value = _sort_value(key, inv, state)
        next_cursor = encode_cursor(sort, value, inv.id)
    total = None
    if with_total:
        total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    return rows, next_cursor, total


def _sort_value(key: str, inv: Invoice, state: PaymentState) -> Any:
    if key == "due_date":
        return inv.due_date or dt.date(9999, 12, 31)
    if key == "invoice_number":
        return inv.invoice_number or ""
    if key in ("created_at", "id"):
        return inv.id
    if key == "payment_status":
        return state.payment_status
    return getattr(inv, key)
