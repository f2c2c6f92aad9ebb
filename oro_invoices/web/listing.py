"""Grid plumbing shared by the back-office and storefront lists: filters, sorting, paging.

Paging is keyset only, in both directions: *Next* continues after the last
row shown (``after``), *Previous* reads backwards from the first row shown
(``before``, a cursor in the reversed sort) and flips the rows. No OFFSET is
ever used, so page 2,000 costs what page 1 costs.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.domain.limits import parse_id
from oro_invoices.domain.money import to_minor
from oro_invoices.persistence.queries import InvoiceFilter, encode_cursor, parse_sort
from oro_invoices.persistence.read_models import InvoiceSummary

FAR_FUTURE = dt.date(9999, 12, 31)
TEXT_SORTS = frozenset({"invoice_number", "customer_name", "currency", "payment_status"})


def sort_value(key: str, row: InvoiceSummary) -> Any:
    """The value a cursor stores for ``row`` under sort ``key`` (mirrors ``queries``)."""
    if key == "invoice_date":
        return row.invoice_date
    if key == "due_date":
        return row.due_date or FAR_FUTURE
    if key == "invoice_number":
        return row.invoice_number or ""
    if key == "total_amount":
        return to_minor(row.total_amount, row.currency)
    if key in ("created_at", "id"):
        return row.id
    if key == "payment_status":
        return row.payment_status.value
    return getattr(row, key)


def reverse_sort(sort: str) -> str:
    return sort[1:] if sort.startswith("-") else "-" + sort


def cursor_after(sort: str, row: InvoiceSummary) -> str:
    """Cursor of the rows after ``row`` in ``sort``."""
    return encode_cursor(sort, sort_value(parse_sort(sort)[0], row), row.id)


def cursor_before(sort: str, row: InvoiceSummary) -> str:
    """Cursor of the rows before ``row`` in ``sort`` (read in the reversed sort)."""
    rev = reverse_sort(sort)
    return encode_cursor(rev, sort_value(parse_sort(rev)[0], row), row.id)


@dataclass
class GridPage:
    """One page of a grid and the links around it."""

    items: list[InvoiceSummary]
    sort: str
    next_cursor: str | None
    prev_cursor: str | None
    page_number: int
    query: dict[str, str] = field(default_factory=dict)  # the active filters

    def link(self, **changes: Any) -> str:
        """The query string of this grid with ``changes`` (None drops a parameter)."""
        params = {**self.query, "sort": self.sort, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    @property
    def next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        return self.link(after=self.next_cursor, page=self.page_number + 1)

    @property
    def prev_link(self) -> str | None:
        if not self.prev_cursor:
            return None
        return self.link(before=self.prev_cursor, page=max(1, self.page_number - 1))

    def sort_link(self, key: str) -> str:
        """Clicking a header: sort by ``key``, flipping direction when already sorted by it."""
        if self.sort == key:
            new = "-" + key
        elif self.sort == "-" + key:
            new = key
        else:
            new = key if key in TEXT_SORTS else "-" + key  # text A→Z, dates and amounts newest first
        return self.link(sort=new)

    def sort_state(self, key: str) -> str:
        """"ascending", "descending" or "none" (for aria-sort)."""
        return "ascending" if self.sort == key else "descending" if self.sort == "-" + key else "none"


def _date(query: Mapping[str, str], name: str, errors: list[tuple[str, str]]) -> dt.date | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append((name, f"{raw!r} is not a date (use YYYY-MM-DD)."))
        return None


def parse_filters(query: Mapping[str, str], allowed: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn grid query parameters into ``InvoiceFilter`` arguments (and the echoed values)."""
    errors: list[tuple[str, str]] = []
    args: dict[str, Any] = {}
    echo: dict[str, str] = {}
    if "number" in allowed and (query.get("number") or "").strip():
        echo["number"] = query["number"].strip()[:64]
        args["number_contains"] = echo["number"]
    if "date" in allowed:
        for name in ("date_from", "date_to"):
            value = _date(query, name, errors)
            if value:
                echo[name] = value.isoformat()
                args[name] = value
    if "payment_status" in allowed and query.get("payment_status"):
        try:
            args["payment_status"] = PaymentStatus(query["payment_status"]).value
            echo["payment_status"] = args["payment_status"]
        except ValueError:
            errors.append(("payment_status", "Unknown payment status."))
    if "status" in allowed and query.get("status"):
        if query["status"] in ("draft", "posted"):
            args["status"] = echo["status"] = query["status"]
        else:
            errors.append(("status", "Use Draft or Posted."))
    if "overdue" in allowed and query.get("overdue"):
        if query["overdue"] in ("yes", "no"):
            args["overdue"] = query["overdue"] == "yes"
            echo["overdue"] = query["overdue"]
        else:
            errors.append(("overdue", "Use Yes or No."))
    if "document_type" in allowed and query.get("document_type"):
        if query["document_type"] in ("invoice", "credit_note"):
            args["document_type"] = echo["document_type"] = query["document_type"]
        else:
            errors.append(("document_type", "Use Invoice or Credit note."))
    if "customer" in allowed and (query.get("customer") or "").strip():
        raw = query["customer"].strip()
        customer_id = parse_id(raw)
        if customer_id is not None:
            args["customer_id"] = customer_id
            echo["customer"] = raw
        else:
            errors.append(("customer", "Choose a customer from the list."))
    if args.get("date_from") and args.get("date_to") and args["date_from"] > args["date_to"]:
        errors.append(("date_to", "Must not be before the start date."))
    if errors:
        raise ValidationError(errors)
    return args, echo


def load_page(service: Any, base: InvoiceFilter, query: Mapping[str, str], *,
              allowed_filters: Sequence[str], sort_keys: Sequence[str], default_sort: str,
              limit: int) -> GridPage:
    """Read the page the query asks for (first, ``after`` a cursor, or ``before`` one)."""
    args, echo = parse_filters(query, allowed_filters)
    flt = replace(base, **args)
    sort = query.get("sort") or default_sort
    if sort.lstrip("-") not in sort_keys:
        sort = default_sort
    try:
        page_number = max(1, int(query.get("page") or 1))
    except ValueError:
        page_number = 1
    before, after = query.get("before"), query.get("after")
    if before:
        rows, more = fetch(service, flt, sort=reverse_sort(sort), limit=limit, cursor=before)
        items = list(reversed(rows))
        has_prev, has_next = more, bool(items)
    else:
        items, more = fetch(service, flt, sort=sort, limit=limit, cursor=after or None)
        has_prev, has_next = bool(after) and bool(items), more
    if not has_prev:
        page_number = 1
    return GridPage(
        items=items, sort=sort, page_number=page_number, query=echo,
        next_cursor=cursor_after(sort, items[-1]) if has_next and items else None,
        prev_cursor=cursor_before(sort, items[0]) if has_prev and items else None)


def fetch(service: Any, flt: InvoiceFilter, *, sort: str, limit: int,
          cursor: str | None) -> tuple[list[InvoiceSummary], bool]:
    """One page of rows and whether more follow (a visibility over a few customers, the
    corporate role, is read a page per customer in one statement: ``list_rows``)."""
    page = service.list_invoices(flt, sort=sort, limit=limit, cursor=cursor)
    return page.items, page.next_cursor is not None


def query_string(params: Mapping[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
