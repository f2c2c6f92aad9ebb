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
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import InternalStatus, PaymentStatus
from oro_invoices.domain.limits import is_int64, is_storable_text, parse_day, quoted
from oro_invoices.domain.messages import Message
from oro_invoices.domain.statuses import CLOSED
from oro_invoices.persistence.models import (
    CUSTOMER_NAME_KEY,
    SORT_DUE_DATE,
    SORT_INVOICE_NUMBER,
    SORT_PAYMENT_URL,
    SORT_WEBSITE,
    Invoice,
    PaymentState,
)
from oro_invoices.persistence.read_models import SUMMARY_COLUMNS

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
    # the customer user's email, which the invoice carries (the host holds the name)
    "customer_user": (Invoice.customer_user_email, "str"),
    "website": (SORT_WEBSITE, "int"),  # by website id: the host holds the names
    "document_type": (Invoice.document_type, "str"),
    "payment_method": (PaymentState.payment_method, "str"),
    "external_payment_url": (SORT_PAYMENT_URL, "str"),
}
#: Sorts on the payment state's table (tie-broken by its invoice id, ``list_rows``).
PAYMENT_STATE_SORTS = frozenset({"payment_status", "payment_method"})
#: How many payment statuses an order of them (``list_rows``' ``status_order``) names.
STATUS_COUNT = len(PaymentStatus)
#: Drafts in a sort by payment status in a given order: a group of their own after every status
#: (before them, descending), as they have no payment status yet (the pages show "—"), whatever
#: their payment state says; a cursor names it by this value, which no status has.
DRAFT_GROUP = InternalStatus.DRAFT.value
#: The places of such a sort: each status's, then the drafts'.
_RANKS = STATUS_COUNT + 1
#: Above every id: the bound of a status the page reads nothing of (``_status_bounds``).
_ID_END = 2 ** 63 - 1
SORT_KEYS = tuple(_SORTS)
#: The sorts in which a visibility over several customers is read a page per customer, and
#: over at most how many customers (``list_rows``).
PER_CUSTOMER_SORTS = frozenset({"invoice_date", "due_date", "total_amount", "id", "created_at"})
PER_CUSTOMER_MAX = 25
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
    #: Only these invoices (a selection made on the grid); None: any.
    invoice_ids: Sequence[int] | None = None
    #: only these websites (storefront settings per website); None: any
    website_ids: Sequence[int] | None = None
    #: not these websites; invoices without a website stay in
    exclude_website_ids: Sequence[int] | None = None
    customer_user_id: int | None = None
    order_id: int | None = None
    external_id: str | None = None
    invoice_number: str | None = None
    #: Invoices whose number or PO number contains this (LIKE, case as the database compares).
    number_contains: str | None = None
    currency: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    #: True: only overdue invoices; False: only those that are not; None: both.
    overdue: bool | None = None
    #: The day ``overdue`` is judged on (``domain.overdue``); the services fill it in.
    today: dt.date | None = None
    #: "invoice" or "credit_note"; None: both.
    document_type: str | None = None
    #: Only the credit notes of this invoice.
    credited_invoice_id: int | None = None
    #: Only invoices of the customer user with this email (as the invoice carries it).
    customer_user_email: str | None = None
    #: Total at least / at most this many minor units (meaningful within one ``currency``).
    total_min: int | None = None
    total_max: int | None = None
    #: Only invoices whose customer name starts with this, in any case (``name_prefix``).
    customer_name_prefix: str | None = None


_FILTER_FIELDS = tuple(field.name for field in fields(InvoiceFilter))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None = None
    sort: str = "-invoice_date"
    #: in how many currencies the counted matches are (None: not read)
    currencies: int | None = None


#: Under the Overdue filter within one organization, these sorts read the payment state's own
#: column or its copy of the invoice's (``open_due.py``), which the index of the open due dates
#: holds: a few overdue invoices are read from that index alone and sorted. A copy equals the
#: invoice's column for every such invoice, so cursors are the same.
OPEN_SORTS: dict[str, tuple[Any, Any]] = {
    "due_date": (PaymentState.open_due_date, PaymentState.invoice_id),
    "invoice_date": (PaymentState.invoice_date, PaymentState.invoice_id),
    "total_amount": (PaymentState.total_amount, PaymentState.invoice_id),
    "customer_name": (PaymentState.customer_name, PaymentState.invoice_id),
    "payment_status": (PaymentState.payment_status, PaymentState.invoice_id),
    "payment_method": (PaymentState.payment_method, PaymentState.invoice_id),
    "id": (PaymentState.invoice_id, PaymentState.invoice_id),
    "created_at": (PaymentState.invoice_id, PaymentState.invoice_id),
}
#: Those of them with an index of the open invoices in their own order, read when many are overdue.
OPEN_ORDERED = frozenset({"due_date", "invoice_date"})
#: Those whose column leads another of the state's indexes (the open invoices by date, the
#: primary key), kept out of the plan when the few are read by due date and sorted.
OPEN_KEPT_OUT = frozenset({"invoice_date", "id", "created_at"})


def _open_sort(f: InvoiceFilter, key: str) -> bool:
    """Whether a page of ``f`` sorted by ``key`` may read the ``OPEN_SORTS`` columns."""
    return bool(f.overdue) and f.organization_id is not None and f.customer_ids is None \
        and key in OPEN_SORTS


def sort_columns(key: str) -> tuple[Any, Any]:
    """The expression sort ``key`` orders by and the id that breaks its ties (taken from the
    table the sort column lives in, so that one index serves both)."""
    return _SORTS[key][0], PaymentState.invoice_id if key in PAYMENT_STATE_SORTS else Invoice.id


def parse_sort(sort: str) -> tuple[str, bool]:
    """``"-invoice_date"`` → ("invoice_date", descending=True)."""
    desc = sort.startswith("-")
    key = sort[1:] if sort[:1] in ("-", "+") else sort       # one sign at most: "--id" is no sort
    if key not in _SORTS:
        raise ValidationError([("sort", Message("Cannot sort by %(key)s; use one of %(keys)s.", key=quoted(key),
                                                keys=", ".join(SORT_KEYS)))])
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
            value = parse_day(value)
            if value is None:
                raise ValueError
        elif codec == "int" and not is_int64(value) or codec == "str" and (not isinstance(value, str) or not is_storable_text(value)
                                 or len(value) > MAX_CURSOR_TEXT):
            raise ValueError
        return value, last_id
    except (ValueError, TypeError, RecursionError):     # RecursionError: JSON nested too deep to read
        raise ValidationError([("cursor", Message("Invalid or expired cursor; start again from the first page."))]) \
            from None


def unindexed(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """``+column``: the same value, but no index on the column can serve the comparison."""
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)



#: Above every character a name holds: ``prefix + NAME_KEY_END`` ends the range of ``prefix``.
NAME_KEY_END = "\U0010ffff"
#: The longest customer name prefix a filter takes (the column's length).
NAME_PREFIX_MAX = 255


def name_prefix(prefix: str | ColumnElement[str]) -> ColumnElement[bool]:
    """The customer name starts with ``prefix``, in any case: one range of
    ``ix_oro_invoice_invoice_org_name_key_id``. Both sides are lowered by the database, so they
    fold alike: ASCII letters on SQLite, every letter the database's locale knows on PostgreSQL."""
    bound = bindparam(None, prefix, type_=String()) if isinstance(prefix, str) else prefix
    key, low = CUSTOMER_NAME_KEY, func.lower(bound, type_=String())
    return and_(key >= low, key < low.concat(NAME_KEY_END))


def owed_condition() -> ColumnElement[bool]:
    """A posted invoice (not a credit note) that is still owed: ``statuses.is_owed`` in SQL over
    the joined payment state (an amount due, a status that does not close it). The triggers of
    ``open_due`` state the same rule for the open due date; tests hold both to the domain's."""
    return and_(Invoice.status == "posted", Invoice.document_type == "invoice",
                PaymentState.payment_status.not_in([s.value for s in CLOSED]),
                Invoice.total_amount > PaymentState.amount_paid + PaymentState.amount_credited)


#: Up to this many overdue invoices are read through the open-due-date index and sorted; with
#: more, the index of the sort reads them in order and the overdue test is applied row by row.
FEW_OVERDUE = 500
#: The same for the sorts by a column the open-due-date index holds (``OPEN_SORTS``), whose
#: reads by due date touch the index alone (about a microsecond per invoice instead of a row of
#: the invoice table).
FEW_OVERDUE_BY_DATE = 5000


def overdue_condition(today: dt.date | ColumnElement[dt.date], *,
                      index_due_date: bool = True) -> ColumnElement[bool]:
    """``domain.overdue.is_overdue`` in SQL over the joined payment state: owed and due
    before ``today``, which is its open due date (``open_due.py``) being before ``today``, and not
    held in full by open authorizations (``held_in_full``, which the indexes of the open due
    dates hold).

    Within an organization it is one range of the (organization, open due date) index of the
    payment states. ``index_due_date=False`` keeps that index out, so that the index of the
    sort can drive the query (``list_rows`` decides).
    """
    due, held = (PaymentState.open_due_date, PaymentState.held_in_full) if index_due_date else (
        # no "+date" on PostgreSQL
        func.coalesce(PaymentState.open_due_date, PaymentState.open_due_date),
        func.coalesce(PaymentState.held_in_full, PaymentState.held_in_full))
    return and_(due < today, ~held)


#: The filter fields compared for equality, each read through a bound parameter of its own.
_EQUAL_FIELDS = ("organization_id", "website_id", "customer_id", "customer_user_id", "order_id",
                 "external_id", "invoice_number", "currency", "document_type", "credited_invoice_id",
                 "customer_user_email")


def filter_values(f: InvoiceFilter) -> dict[str, Any]:
    """The values ``apply_filter`` binds for ``f``, by parameter name (each ``oi_f_<field>``):
    passed to a statement built earlier for a filter of the same shape (``filter_shape``), they
    replace that filter's values. Raises ``ValidationError`` for a value no listing accepts."""
    values: dict[str, Any] = {}
    if f.status:
        if f.status not in ("draft", "posted"):
            raise ValidationError([("status", Message("Use 'draft' or 'posted'."))])
        values["oi_f_status"] = f.status
    if f.payment_status:
        try:
            PaymentStatus(f.payment_status)
        except ValueError:
            raise ValidationError([("payment_status", Message("Unknown payment status %(status)s.",
                                                              status=quoted(f.payment_status)))]) from None
        if f.status == "draft":
            raise ValidationError([("payment_status", Message(
                "A draft has no payment status until it is posted: leave out the status, or give posted."))])
        values["oi_f_payment_status"] = f.payment_status
        # a draft has no payment status (whatever its state stores): the filter finds posted invoices
        values["oi_f_status"] = "posted"
    if f.document_type and f.document_type not in ("invoice", "credit_note"):
        raise ValidationError([("document_type", Message("Use 'invoice' or 'credit_note'."))])
    for attr in _EQUAL_FIELDS:
        value = getattr(f, attr)
        if value is not None and value != "":
            values[f"oi_f_{attr}"] = value
    if f.customer_ids is not None:
        values["oi_f_customer_ids"] = list(f.customer_ids)
    if f.invoice_ids is not None:
        values["oi_f_invoice_ids"] = list(f.invoice_ids)
    if f.website_ids is not None:
        values["oi_f_website_ids"] = list(f.website_ids)
    if f.exclude_website_ids:
        values["oi_f_exclude_website_ids"] = list(f.exclude_website_ids)
    if f.customer_name_prefix:
        values["oi_f_customer_name_prefix"] = f.customer_name_prefix
    if f.number_contains:
        escaped = f.number_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values["oi_f_number_contains"] = f"%{escaped}%"
    if f.total_min is not None:
        values["oi_f_total_min"] = f.total_min
    if f.total_max is not None:
        values["oi_f_total_max"] = f.total_max
    if f.date_from:
        values["oi_f_date_from"] = f.date_from
    if f.date_to:
        values["oi_f_date_to"] = f.date_to
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValidationError([("date_to", Message("Must not be before date_from."))])
    if f.overdue is not None:
        if f.today is None:
            raise ValueError("InvoiceFilter.overdue needs the day it is judged on (today)")
        values["oi_f_today"] = f.today
    return values


#: The fields ``filter_values`` binds (``overdue`` binds ``today``; its own value is the shape).
_BOUND_FIELDS = frozenset({"status", "payment_status", *_EQUAL_FIELDS, "customer_ids", "invoice_ids",
                           "website_ids", "exclude_website_ids", "customer_name_prefix", "number_contains", "total_min",
                           "total_max", "date_from", "date_to", "today"})


def filter_shape(f: InvoiceFilter, values: dict[str, Any]) -> tuple[Any, ...]:
    """What ``apply_filter``'s conditions for ``f`` depend on besides ``values``: two filters of
    one shape give the same statement with other parameters. A field not bound by name is part
    of the shape with its value."""
    rest = tuple((name, tuple(v) if isinstance(v := getattr(f, name), list) else v)
                 for name in _FILTER_FIELDS if name not in _BOUND_FIELDS)
    return tuple(values), rest


def _bound(name: str, column: Any, values: dict[str, Any], *, expanding: bool = False) -> Any:
    return bindparam(name, values[name], type_=column.type, expanding=expanding)


def apply_filter(stmt: SelectT, f: InvoiceFilter, *, index_organization: bool = True,
                 index_due_date: bool = True, open_rows: bool = False) -> SelectT:
    """``stmt`` restricted to ``f``. ``index_organization=False`` (``index_due_date=False``)
    keeps the planner from choosing an index for the organization (overdue) filter, so that an index
    matching the sort can drive the query instead. ``open_rows``: under the Overdue filter, read
    the payment states of open invoices in the order of one of their own indexes
    (``OPEN_SORTS``).

    Every value of ``f`` is a named bound parameter (``filter_values``), so that the statement
    can be run again for another filter of the same shape."""
    values = filter_values(f)
    conds: list[ColumnElement[bool]] = []
    if "oi_f_status" in values:
        conds.append(Invoice.status == _bound("oi_f_status", Invoice.status, values))
    if "oi_f_payment_status" in values:
        conds.append(PaymentState.payment_status == _bound("oi_f_payment_status", PaymentState.payment_status,
                                                           values))
    for attr in _EQUAL_FIELDS:
        name = f"oi_f_{attr}"
        if name in values:
            column = getattr(Invoice, attr)
            bound = _bound(name, column, values)
            if attr == "organization_id" and not index_organization:
                column = unindexed(column)
            conds.append(column == bound)
            if attr == "organization_id" and f.overdue and (index_due_date or open_rows):
                # the state's copy of it: the first column of the state's open-invoice indexes
                conds.append(PaymentState.organization_id == bound)
    if "oi_f_customer_ids" in values:
        conds.append(Invoice.customer_id.in_(_bound("oi_f_customer_ids", Invoice.customer_id, values,
                                                    expanding=True)))
    if "oi_f_invoice_ids" in values:
        conds.append(Invoice.id.in_(_bound("oi_f_invoice_ids", Invoice.id, values, expanding=True)))
    if "oi_f_website_ids" in values:
        conds.append(Invoice.website_id.in_(_bound("oi_f_website_ids", Invoice.website_id, values,
                                                   expanding=True)))
    if "oi_f_exclude_website_ids" in values:
        conds.append(or_(Invoice.website_id.is_(None), Invoice.website_id.not_in(
            _bound("oi_f_exclude_website_ids", Invoice.website_id, values, expanding=True))))
    if "oi_f_customer_name_prefix" in values:
        conds.append(name_prefix(_bound("oi_f_customer_name_prefix", Invoice.customer_name, values)))
    if "oi_f_number_contains" in values:     # the invoice number or the buyer's PO number
        pattern = _bound("oi_f_number_contains", Invoice.invoice_number, values)
        conds.append(or_(Invoice.invoice_number.like(pattern, escape="\\"),
                         Invoice.purchase_order.like(pattern, escape="\\")))
    if "oi_f_total_min" in values:
        conds.append(Invoice.total_amount >= _bound("oi_f_total_min", Invoice.total_amount, values))
    if "oi_f_total_max" in values:
        conds.append(Invoice.total_amount <= _bound("oi_f_total_max", Invoice.total_amount, values))
    if "oi_f_date_from" in values:
        conds.append(Invoice.invoice_date >= _bound("oi_f_date_from", Invoice.invoice_date, values))
    if "oi_f_date_to" in values:
        conds.append(Invoice.invoice_date <= _bound("oi_f_date_to", Invoice.invoice_date, values))
    if f.overdue is not None:
        overdue = overdue_condition(_bound("oi_f_today", PaymentState.open_due_date, values),
                                    index_due_date=index_due_date)
        # no open due date makes the condition NULL, not false: "not overdue" says so itself
        conds.append(overdue if f.overdue else or_(PaymentState.open_due_date.is_(None), ~overdue))
        if f.overdue and open_rows:
            conds.append(PaymentState.open_due_date.is_not(None))   # the partial index's rows
    return stmt.where(and_(*conds)) if conds else stmt


def list_rows(session: Session, f: InvoiceFilter, *, sort: str = "-invoice_date", limit: int = 25,
              cursor: str | None = None, with_total: bool = False, total_cap: int | None = None,
              status_order: Sequence[str] | None = None, with_currencies: bool = False,
              overdue_at_most: int | None = None) -> PageRows:
    """One page of rows of ``SUMMARY_COLUMNS`` (``read_models.summary_of_row`` reads them) and
    the cursor of the next page.

    ``status_order``: every payment status code once, in the order a sort by payment status reads
    them (a page's: its labels in the page's language), drafts after them all (``DRAFT_GROUP``);
    None: by code. The cursor still carries the code, so a page link works in any language. Such a page reads each status's first rows
    after the cursor from the (payment status, invoice) index, one range per status in that
    order, and sorts only those (``_page_statement``).

    ``with_total`` also counts the matches. With ``total_cap`` the count stops past that many
    (it is then ``total_cap + 1``) and is read in the page's own statement, as a column
    computed once; only an empty page needs a statement of its own for it. With it,
    ``with_currencies`` also reads, in the same statement, in how many currencies the counted
    matches are (returned last; None when not read: not asked, or the page is empty).

    ``overdue_at_most``: how many invoices ``f`` finds overdue at most, as the caller knows
    already (the storefront's balance counted the open invoices of the list's scope). With
    ``f.overdue``, so few leave nothing for the count that chooses how to read them to decide:
    it is not sent (``_plan``).

    The statement is built once per shape of the request (which filters, the sort, whether a
    cursor is given...) and run again with the values of the next request as parameters, on the
    session's connection: the rows come back as plain tuples, not as ORM objects.
    """
    plan = _plan(session, f, sort=sort, limit=limit, cursor=cursor, with_total=with_total, total_cap=total_cap,
                 status_order=status_order, with_currencies=with_currencies, probes={},
                 overdue_at_most=overdue_at_most)
    rows: Sequence[Row[Any]] = session.connection().execute(plan.stmt, plan.params).all()
    return _paged(session, f, plan, rows)


#: What ``list_rows`` returns: a page's rows, the next page's cursor, the count and the currencies.
PageRows = tuple[Sequence[Row[Any]], str | None, int | None, int | None]


def list_rows_or_first(session: Session, f: InvoiceFilter, *, sort: str, other_sort: str, limit: int = 25,
                       cursor: str | None = None, total_cap: int, with_currencies: bool = False,
                       overdue_at_most: int | None = None) -> tuple[PageRows, PageRows]:
    """``list_rows(f, sort=sort, cursor=cursor, ...)`` and, in the same statement, the first page
    of ``f`` in ``other_sort``: for a caller that learns from the page's ``currencies`` that it
    cannot show it in ``sort`` (amounts in several currencies do not compare) and then shows the
    other, without reading again. Both counted up to ``total_cap``; ``overdue_at_most`` as for
    ``list_rows``. Sorts by a date or a number only (each part's rows are put back in their order here, as text would not be)."""
    for key in (parse_sort(sort)[0], parse_sort(other_sort)[0]):
        if _SORTS[key][1] == "str":
            raise ValueError(f"list_rows_or_first reads sorts by a date or a number, not {key!r}")
    probes: dict[int, int] = {}
    plans = [_plan(session, f, sort=sort, limit=limit, cursor=cursor, with_total=True, total_cap=total_cap,
                   status_order=None, with_currencies=with_currencies, probes=probes,
                   overdue_at_most=overdue_at_most),
             _plan(session, f, sort=other_sort, limit=limit, cursor=None, with_total=True, total_cap=total_cap,
                   status_order=None, with_currencies=with_currencies, probes=probes,
                   overdue_at_most=overdue_at_most)]
    params = dict(plans[0].params)
    if any(params.setdefault(name, value) != value for name, value in plans[1].params.items()):
        raise AssertionError("the two pages bind one parameter name to two values")
    shape = ("either", plans[0].shape, plans[1].shape)
    stmt = _PAGE_STATEMENTS.get(shape)
    if stmt is None:
        parts = [plan.stmt.add_columns(literal_column(str(n), Integer).label("oi_part")).subquery()
                 for n, plan in enumerate(plans)]
        stmt = union_all(*(select(part) for part in parts))
        _keep(shape, stmt)
    found: list[list[Row[Any]]] = [[], []]
    for row in session.connection().execute(stmt, params).all():
        found[row._mapping["oi_part"]].append(row)
    for rows, plan in zip(found, plans, strict=True):     # a part's order within the whole is not given
        rows.sort(key=lambda row: (_sort_value(plan.key, row), row.id), reverse=plan.desc)
    either = next((rows[0] for rows in found if rows), None)   # the same count in both parts
    first, second = (_paged(session, f, plan, rows, either) if either is not None else ([], None, 0, None)
                     for plan, rows in zip(plans, found, strict=True))   # a first page of none: none match
    return first, second


@dataclass(frozen=True)
class _Plan:
    """A page's statement (kept per shape) and its parameters, and how to read its rows."""

    stmt: Any
    params: dict[str, Any]
    shape: tuple[Any, ...]
    key: str
    desc: bool
    limit: int
    sort: str
    labelled: bool
    counted: bool
    in_currencies: bool
    with_total: bool
    total_cap: int | None


def _plan(session: Session, f: InvoiceFilter, *, sort: str, limit: int, cursor: str | None, with_total: bool,
          total_cap: int | None, status_order: Sequence[str] | None, with_currencies: bool,
          probes: dict[int, int], overdue_at_most: int | None = None) -> _Plan:
    """The statement of a page of ``list_rows`` and its parameters (``probes``: how many overdue
    invoices ``f`` finds, by the bound counted to, read once for the pages of one request;
    ``overdue_at_most``: the caller's bound of that number, which spares the count when it is a
    few: the count would choose the same)."""
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise ValidationError([("limit", Message("Must be between 1 and %(limit)s.", limit=MAX_LIMIT))])
    key, desc = parse_sort(sort)
    values = filter_values(f)
    params = dict(values)
    after = decode_cursor(cursor, sort) if cursor else None
    if after is not None:
        params["oi_after_value"], params["oi_after_id"] = after
    labelled = key == "payment_status" and status_order is not None
    after_rank: int | None = None
    if labelled:
        assert status_order is not None
        codes = _checked_status_order(status_order)
        params.update({f"oi_status_{n}": code for n, code in enumerate(codes)})
        if after is not None:
            groups = (*codes, DRAFT_GROUP)
            if after[0] not in groups:
                raise ValidationError([("cursor", Message("Invalid or expired cursor; start again from the first "
                                                          "page."))])
            after_rank = params["oi_after_value"] = groups.index(after[0])
    dialect = session.get_bind().dialect.name
    customers = _per_customer(f, key)
    if customers is not None:
        if dialect == "postgresql":
            params["oi_customer_ids"] = customers
        else:
            params.update({f"oi_customer_{n}": customer for n, customer in enumerate(customers)})
    open_sort = _open_sort(f, key)
    few = FEW_OVERDUE_BY_DATE if open_sort else FEW_OVERDUE
    # PostgreSQL tests up to FEW_OVERDUE_BY_DATE of an organization's overdue invoices against
    # their ids in any order (``overdue_set``)
    set_apart = dialect == "postgresql" and _overdue_only(f)
    # by due date, an organization's overdue invoices are one range of an index, in order
    upto = FEW_OVERDUE_BY_DATE if set_apart else few
    if open_sort and key == "due_date":
        found = 0
    elif overdue_at_most is not None and overdue_at_most <= few:
        found = overdue_at_most     # a few at most: read by due date, as a count would decide
    else:
        if upto not in probes:
            probes[upto] = _overdue_found(session, f, upto)
        found = probes[upto]
    index_due_date = found <= few
    overdue_set = set_apart and not index_due_date and found <= FEW_OVERDUE_BY_DATE
    if open_sort and not index_due_date and key not in OPEN_ORDERED:
        open_sort = False   # many: read in the order of the invoices' own index, each tested
    # by the statuses' labels: a range of the status index per status, unless a few overdue are sorted
    by_status = labelled and not open_sort and customers is None and not overdue_set
    if by_status:
        params.pop("oi_after_value", None)
        params.pop("oi_after_id", None)
        params.update(_status_bounds(after_rank, after[1] if after is not None else None, desc))
    counted = with_total and total_cap is not None
    in_currencies = counted and with_currencies
    shape = (filter_shape(f, values), key, desc, after is not None and after[0] is not None,
             after is not None and after[0] is None, None if customers is None else
             (len(customers) if dialect != "postgresql" else 0), dialect, index_due_date, overdue_set,
             int(limit), total_cap if counted else None, labelled, by_status, in_currencies)
    stmt = _PAGE_STATEMENTS.get(shape)
    if stmt is None:
        stmt = _page_statement(f, key, desc, after, customers, limit, total_cap if counted else None,
                               index_due_date, dialect, open_sort, overdue_set, labelled=labelled,
                               by_status=by_status)
        if in_currencies:
            stmt = stmt.add_columns(_currencies(f, total_cap).correlate(None).scalar_subquery()
                                    .label("oi_currencies"))
        bound = {name for name in stmt.compile(dialect=session.get_bind().dialect).params
                 if name.startswith("oi_")}
        if bound != set(params):  # a value the parameters would not replace: never reuse it
            raise AssertionError(f"page statement binds {sorted(bound)}, given {sorted(params)}")
        _keep(shape, stmt)
    return _Plan(stmt=stmt, params=params, shape=shape, key=key, desc=desc, limit=int(limit), sort=sort,
                 labelled=labelled, counted=counted, in_currencies=in_currencies, with_total=with_total,
                 total_cap=total_cap)


def _keep(shape: tuple[Any, ...], stmt: Any) -> None:
    """Keep ``stmt`` for reuse by requests of ``shape`` (``PAGE_STATEMENTS_MAX`` at most)."""
    if len(_PAGE_STATEMENTS) >= PAGE_STATEMENTS_MAX:
        _PAGE_STATEMENTS.clear()
    _PAGE_STATEMENTS[shape] = stmt


def _paged(session: Session, f: InvoiceFilter, plan: _Plan, rows: Sequence[Row[Any]],
           counted_with: Row[Any] | None = None) -> PageRows:
    """The page ``plan`` read as ``rows`` (up to one more than its limit, in its order);
    ``counted_with``: a row of the same statement carrying the count, should ``rows`` be none."""
    total = currencies = None
    counts = rows[0] if rows else counted_with
    if plan.counted and counts is not None:
        total = counts._mapping["oi_total"]
        currencies = counts._mapping["oi_currencies"] if plan.in_currencies else None
    more = len(rows) > plan.limit
    rows = rows[:plan.limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        value = DRAFT_GROUP if plan.labelled and last.status == DRAFT_GROUP else _sort_value(plan.key, last)
        next_cursor = encode_cursor(plan.sort, value, last.id)
    if plan.with_total and total is None:
        total = count_rows(session, f, cap=plan.total_cap)
    return rows, next_cursor, total, currencies


#: Page statements kept for reuse, by shape (``list_rows``); past this many the store is emptied.
PAGE_STATEMENTS_MAX = 512
_PAGE_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _page_statement(f: InvoiceFilter, key: str, desc: bool, after: tuple[Any, int] | None,
                    customers: list[int] | None, limit: int, total_cap: int | None,
                    index_due_date: bool, dialect: str, open_sort: bool,
                    overdue_set: bool, *, labelled: bool = False, by_status: bool = False) -> Select[*tuple[Any, ...]]:
    """The statement of one page of ``list_rows``: its values are the named parameters of
    ``filter_values`` (``oi_f_*``), the cursor's (``oi_after_value``, ``oi_after_id``) and the
    customers' (``oi_customer_ids``, or ``oi_customer_<n>`` on SQLite). ``overdue_set``: the
    sort's own index read in order, each invoice tested against the organization's overdue ids
    (PostgreSQL, ``list_rows``). ``labelled``: payment statuses in the order ``oi_status_<n>``
    give (the cursor's value is then its status's place, ``oi_after_value``); ``by_status``: read
    as one range per status (``_by_status``)."""
    col, tie = OPEN_SORTS[key] if open_sort else sort_columns(key)
    if labelled:  # an overdue invoice is posted: the rank of those read from the payment state alone names no draft
        col = _status_rank(drafts=not f.overdue)
    if by_status:
        return _by_status(f, desc, limit, total_cap, index_due_date)
    if open_sort and key in OPEN_KEPT_OUT and index_due_date:
        # read the few by due date (one index, nothing else) and sort them, rather than the
        # states in the column's order, each tested: keep that column's index out of the plan
        col = func.coalesce(col, col)
    joined = select(*SUMMARY_COLUMNS).select_from(Invoice).join(
        PaymentState, PaymentState.invoice_id == Invoice.id)
    index_organization = key not in PAYMENT_STATE_SORTS and not open_sort
    open_rows = open_sort and not index_due_date
    stmt = apply_filter(joined, f, index_organization=index_organization, index_due_date=index_due_date,
                        open_rows=open_rows)
    if key == "invoice_number" and (f.status == "posted" or f.overdue):
        # Drafts (no number) sort first: only posted invoices asked for, skip them in the index.
        # A posted invoice's number is never empty (required; at least one character given).
        stmt = stmt.where(col > literal_column("''"))
    keyset = None
    if after is not None:
        value = bindparam("oi_after_value", after[0], type_=col.type)
        last_id = bindparam("oi_after_id", after[1], type_=BigInteger)
        pair, ref = tuple_(col, tie), tuple_(value, last_id)
        keyset = pair < ref if desc else pair > ref
    order = (col.desc(), tie.desc()) if desc else (col.asc(), tie.asc())
    if overdue_set:
        # The overdue ids from their index alone, hashed once: a sublink under OR is not made a
        # join, which would look up each invoice's payment state (about five buffer pages) instead.
        overdue = select(PaymentState.invoice_id).where(_organization_overdue())
        ids = select(Invoice.id).where(
            Invoice.organization_id == bindparam("oi_f_organization_id", type_=BigInteger),
            or_(Invoice.id.in_(overdue), Invoice.id.is_(None)))
        if key == "invoice_number":
            ids = ids.where(col > literal_column("''"))
        if keyset is not None:
            ids = ids.where(keyset)
        stmt = joined.where(Invoice.id.in_(ids.order_by(*order).limit(limit + 1)))
    elif open_sort and _overdue_only(f):
        # The page's ids from one of the state's indexes alone (the few overdue by due date,
        # then sorted; or the open invoices in the sort's order, each tested there); the rows
        # are read for those ids only.
        ids = select(PaymentState.invoice_id).where(_organization_overdue(index_due_date=index_due_date))
        if not index_due_date:
            ids = ids.where(PaymentState.open_due_date.is_not(None))   # the partial index's rows
        if keyset is not None:
            ids = ids.where(keyset)
        stmt = joined.where(Invoice.id.in_(ids.order_by(*order).limit(limit + 1)))
    elif customers is not None:
        if keyset is not None:
            stmt = stmt.where(keyset)
        stmt = stmt.where(Invoice.id.in_(_first_of_each_customer(
            f, customers, keyset, order, limit + 1, index_due_date, dialect, col=col, desc=desc)))
    elif keyset is not None:
        if dialect == "sqlite" and after is not None and after[0] is not None:
            # SQLite seeks an index by a row value's first column only, then reads every row
            # of a repeated value (a currency, a status) up to the cursor. As two ranges, "this
            # value past the cursor's id" and "past this value", each is one seek; the page is
            # read by id from the ids the two ranges give.
            ids = apply_filter(select(Invoice.id).join(PaymentState, PaymentState.invoice_id == Invoice.id),
                               f, index_organization=index_organization, index_due_date=index_due_date,
                               open_rows=open_rows)
            # Within one value the order is the id's alone: said so, an expression index
            # (coalesce, substr) is read in order instead of sorted.
            same = ids.where(col == value, tie < last_id if desc else tie > last_id).order_by(order[1])
            beyond = ids.where(col < value if desc else col > value).order_by(*order)
            window = union_all(*(select(part.c.id) for part in (
                arm.limit(limit + 1).subquery() for arm in (same, beyond))))
            stmt = joined.where(Invoice.id.in_(window))
        else:
            stmt = stmt.where(keyset)
    if total_cap is not None:
        stmt = stmt.add_columns(_counted(f, total_cap).correlate(None).scalar_subquery().label("oi_total"))
    return stmt.order_by(*order).limit(limit + 1)


def _checked_status_order(order: Sequence[str]) -> tuple[str, ...]:
    """``order`` when it names every payment status code once (a caller's mistake otherwise)."""
    codes = tuple(order)
    if sorted(codes) != sorted(status.value for status in PaymentStatus):
        raise ValueError(f"a status order names every payment status once, not {codes!r}")
    return codes


def _status_rank(*, drafts: bool = True) -> ColumnElement[int]:
    """The place of the payment state's status in the order ``oi_status_<n>`` give; with
    ``drafts``, a draft's after them all (``DRAFT_GROUP``), read from the invoice."""
    statuses = ((PaymentState.payment_status == bindparam(f"oi_status_{n}", type_=String()), n)
                for n in range(STATUS_COUNT))
    return case(*(((_is_draft(), STATUS_COUNT), *statuses) if drafts else statuses), else_=_RANKS)


def _is_draft() -> ColumnElement[bool]:
    """Whether the invoice is a draft (its status written in the statement, not a parameter)."""
    return Invoice.status == literal_column(f"'{DRAFT_GROUP}'", String())


def _status_bounds(after_rank: int | None, after_id: int | None, desc: bool) -> dict[str, int]:
    """The id each status's range of ``_by_status`` starts after (``oi_after_<n>``): past the
    cursor's id in the cursor's status, nothing in those before it, all of those after it."""
    bounds = {}
    for n in range(_RANKS):
        if after_rank is None or (n > after_rank if not desc else n < after_rank):
            bound = _ID_END if desc else 0                       # every id
        elif n == after_rank:
            assert after_id is not None
            bound = after_id
        else:
            bound = 0 if desc else _ID_END                       # none: already read
        bounds[f"oi_after_{n}"] = bound
    return bounds


def _by_status(f: InvoiceFilter, desc: bool, limit: int, total_cap: int | None,
               index_due_date: bool) -> Select[*tuple[Any, ...]]:
    """A page sorted by payment status in the order ``oi_status_<n>`` give: the first ``limit + 1``
    matches of each status past its bound (``_status_bounds``), each a range of the (payment
    status, invoice) index read in order, and of the drafts, put in that order; the rows are read
    for those ids. A ``CASE`` over the statuses would sort every match instead."""
    tie = PaymentState.invoice_id
    arms = []
    for n in range(_RANKS):
        bound = bindparam(f"oi_after_{n}", type_=BigInteger)
        arm = apply_filter(select(tie.label("id"), literal_column(str(n), Integer).label("oi_rank"))
                           .select_from(Invoice).join(PaymentState, PaymentState.invoice_id == Invoice.id),
                           f, index_organization=False, index_due_date=index_due_date)
        group = _is_draft() if n == STATUS_COUNT else and_(
            PaymentState.payment_status == bindparam(f"oi_status_{n}", type_=String()), ~_is_draft())
        arm = arm.where(group, tie < bound if desc else tie > bound)
        arms.append(arm.order_by(tie.desc() if desc else tie.asc()).limit(limit + 1).subquery())
    window = union_all(*(select(arm.c.id, arm.c.oi_rank) for arm in arms)).subquery()
    first = (window.c.oi_rank.desc(), window.c.id.desc()) if desc else (window.c.oi_rank.asc(), window.c.id.asc())
    ids = select(window.c.id).order_by(*first).limit(limit + 1)
    stmt = select(*SUMMARY_COLUMNS).select_from(Invoice).join(PaymentState, PaymentState.invoice_id == Invoice.id) \
        .where(Invoice.id.in_(ids))
    if total_cap is not None:
        stmt = stmt.add_columns(_counted(f, total_cap).correlate(None).scalar_subquery().label("oi_total"))
    rank = _status_rank()
    return stmt.order_by(*((rank.desc(), tie.desc()) if desc else (rank.asc(), tie.asc()))).limit(limit + 1)


def customer_names(session: Session, f: InvoiceFilter, *, limit: int = 20) -> list[str]:
    """The first ``limit`` distinct customer names (in any case) of the invoices matching ``f``
    (``customer_name_prefix`` and ``organization_id`` read from the index), in name order.
    Read in batches that skip past a name once seen, so a customer with many invoices costs
    one seek, not a read of all of them."""
    names: dict[str, str] = {}
    key = CUSTOMER_NAME_KEY
    stmt = apply_filter(select(Invoice.customer_name, key.label("oi_key")), f) \
        .where(Invoice.customer_name != "").order_by(key)
    last: str | None = None
    while len(names) < limit:
        batch = stmt if last is None else stmt.where(key > last)
        rows = session.execute(batch.limit(limit * 2)).all()
        for name, folded in rows:
            names.setdefault(folded, name)
        if len(rows) < limit * 2:
            break
        last = rows[-1][1]
    return list(names.values())[:limit]


def _matching(f: InvoiceFilter, column: Any, cap: int | None) -> Select[Any]:
    """``SELECT column`` of the invoices matching ``f``, at most ``cap + 1`` of them. Every
    invoice has its payment state (written with it), so the state is joined only when the
    filter looks at it."""
    matching = select(column)
    if _reads_payment_state(f):
        matching = matching.join(PaymentState, PaymentState.invoice_id == Invoice.id)
    matching = apply_filter(matching, f)
    return matching if cap is None else matching.limit(cap + 1)


def _counted(f: InvoiceFilter, cap: int | None) -> Select[Any]:
    """``SELECT count(*)`` of the invoices matching ``f``, reading at most ``cap + 1`` (counting
    reads one index and nothing else unless the filter looks at the payment state)."""
    return select(func.count()).select_from(_matching(f, Invoice.id, cap).subquery())


def _currencies(f: InvoiceFilter, cap: int | None) -> Select[Any]:
    """``SELECT count(DISTINCT currency)`` of the invoices ``_counted`` counts (the same ones)."""
    found = _matching(f, Invoice.currency, cap).subquery()
    return select(func.count(found.c.currency.distinct())).select_from(found)


def _reads_payment_state(f: InvoiceFilter) -> bool:
    """Whether ``apply_filter`` reads the payment state for ``f`` (else, every invoice having
    its state, a statement over invoices alone need not join it)."""
    return bool(f.payment_status) or f.overdue is not None


def count_rows(session: Session, f: InvoiceFilter, *, cap: int | None = None) -> int:
    """How many invoices match ``f``; with ``cap``, counting stops past ``cap`` (the answer is
    then ``cap + 1``), so the count reads at most that many index entries."""
    return int(session.execute(_counted(f, cap)).scalar_one())


def _per_customer(f: InvoiceFilter, key: str) -> list[int] | None:
    """The customers of a visibility over a few of them (``customer_ids``: a corporate customer
    user) in a sort every database orders alike, to be read a page per customer
    (``_first_of_each_customer``); None for any other listing."""
    ids = list(dict.fromkeys(f.customer_ids or ()))
    if not 1 < len(ids) <= PER_CUSTOMER_MAX or f.customer_id is not None \
            or key not in PER_CUSTOMER_SORTS:
        return None
    return ids


def _first_of_each_customer(f: InvoiceFilter, customers: list[int], keyset: ColumnElement[bool] | None,
                            order: tuple[Any, ...], count: int, index_due_date: bool,
                            dialect: str, *, col: Any, desc: bool) -> Select[Any] | CompoundSelect[Any]:
    """The ids of each of ``customers``' first ``count`` rows: one keyset read per customer,
    each served by the (customer, sort, id) index, all in one statement. An ``IN`` over the
    customers alone would make the database sort every visible invoice for every page.

    On PostgreSQL the customers are one array parameter (``oi_customer_ids``) read by a
    ``LATERAL`` subquery: one statement for any number of customers, planned in a fraction of a
    millisecond (a ``UNION ALL`` branch per customer took 5 ms to plan for five). SQLite has no
    ``LATERAL`` and gets the ``UNION ALL``, a branch per customer (``oi_customer_<n>``).
    On PostgreSQL the customers' rows are also sorted by ``col`` (the sort's column) and cut
    to ``count`` before the page reads them: it then reads ``count`` invoices and their
    payment states, not ``count`` of each customer's."""
    if dialect == "postgresql":
        listed = func.unnest(bindparam("oi_customer_ids", customers, type_=ARRAY(BigInteger))) \
            .table_valued("customer_id").render_derived(name="oi_customers")
        ids = select(Invoice.id, col.label("oi_sort"))
        if _reads_payment_state(f):
            ids = ids.join(PaymentState, PaymentState.invoice_id == Invoice.id)
        each = apply_filter(ids, replace(f, customer_ids=None), index_due_date=index_due_date) \
            .where(Invoice.customer_id == listed.c.customer_id)
        if keyset is not None:
            each = each.where(keyset)
        leading = each.order_by(*order).limit(count).lateral("oi_first")
        by_sort = [column.desc() if desc else column.asc() for column in (leading.c.oi_sort, leading.c.id)]
        return select(leading.c.id).select_from(listed).join(leading, true()).order_by(*by_sort).limit(count)
    branches = []
    for n, customer_id in enumerate(customers):
        one = apply_filter(select(Invoice.id).join(PaymentState, PaymentState.invoice_id == Invoice.id),
                           replace(f, customer_ids=None), index_due_date=index_due_date) \
            .where(Invoice.customer_id == bindparam(f"oi_customer_{n}", customer_id, type_=BigInteger))
        if keyset is not None:
            one = one.where(keyset)
        first = one.order_by(*order).limit(count).subquery()
        branches.append(select(first.c.id))
    return union_all(*branches)


def _overdue_only(f: InvoiceFilter) -> bool:
    """Whether ``f`` asks for one organization's overdue invoices and nothing else."""
    return bool(f.overdue) and f.organization_id is not None and f.today is not None \
        and replace(f, organization_id=None, overdue=None, today=None) == InvoiceFilter()


def _overdue_found(session: Session, f: InvoiceFilter, upto: int) -> int:
    """How many invoices ``f`` finds, counted up to ``upto + 1``, when it asks for overdue
    ones (else 0). Past a few, reading them in the sort's order beats reading them by due date
    and sorting them all (``list_rows``)."""
    if not f.overdue:
        return 0
    if _overdue_only(f):
        # an organization's overdue invoices: entries of one index, nothing else read
        found: int = session.connection().execute(_ORGANIZATION_OVERDUE, {
            "oi_f_organization_id": f.organization_id, "oi_f_today": f.today, "oi_limit": upto + 1,
        }).scalar_one()
    else:
        probe = apply_filter(select(Invoice.id).join(PaymentState, PaymentState.invoice_id == Invoice.id),
                             f).limit(upto + 1)
        found = session.execute(select(func.count()).select_from(probe.subquery())).scalar_one()
    return found


def _organization_overdue(*, index_due_date: bool = True) -> ColumnElement[bool]:
    """An organization's overdue invoices in their payment states alone, its values bound as
    ``filter_values`` names them (``oi_f_organization_id``, ``oi_f_today``)."""
    return and_(PaymentState.organization_id == bindparam("oi_f_organization_id", type_=BigInteger),
                overdue_condition(bindparam("oi_f_today", type_=PaymentState.open_due_date.type),
                                  index_due_date=index_due_date))


#: How many of an organization's invoices are overdue, counted up to ``oi_limit``.
_ORGANIZATION_OVERDUE = select(func.count()).select_from(
    select(PaymentState.invoice_id).where(_organization_overdue())
    .limit(bindparam("oi_limit", type_=Integer)).subquery())


def _sort_value(key: str, row: Row[Any]) -> Any:
    """The value of sort ``key`` in a page's row, as ``sort_columns`` orders by it."""
    if key == "due_date":
        return row.due_date or dt.date(9999, 12, 31)
    if key == "invoice_number":
        return row.invoice_number or ""
    if key in ("created_at", "id"):
        return row.id
    if key == "customer_user":
        return row.customer_user_email or ""
    if key == "website":
        return row.website_id or 0
    if key == "external_payment_url":
        return (row.external_payment_url or "")[:255]
    return getattr(row, key)
