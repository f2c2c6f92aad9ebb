"""Grid plumbing shared by the back-office and storefront lists: filters, sorting, paging.

Paging is keyset only, in both directions: *Next* continues after the last
row shown (``after``), *Previous* reads backwards from the first row shown
(``before``, a cursor in the reversed sort) and flips the rows. No OFFSET is
ever used, so page 2,000 costs what page 1 costs. *Last* reads the first rows of
the reversed sort: as many as the last page holds when the total is known, so that
its pages line up with those read forwards.

The total is counted up to ``COUNT_CAP`` matches at most (a bounded read, however
many invoices there are); above it the grid says "more than 10,000" rather than
guess, and numbers the pages read from the end backwards from the last one.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.invoice import PAYMENT_STATUS_LABELS, PaymentStatus
from oro_invoices.domain.limits import is_storable_text, parse_day, parse_id, quoted
from oro_invoices.domain.money import (
    KNOWN_CURRENCIES,
    is_decimal_text,
    minor_units,
    not_a_decimal,
    to_minor,
    too_many_decimals,
)
from oro_invoices.i18n import _, written_list
from oro_invoices.persistence.queries import (
    DRAFT_GROUP,
    NAME_PREFIX_MAX,
    InvoiceFilter,
    decode_cursor,
    encode_cursor,
    parse_sort,
)
from oro_invoices.persistence.read_models import InvoiceSummary
from oro_invoices.services.schemas import total_bound_problem

FAR_FUTURE = dt.date(9999, 12, 31)
#: The longest text the Invoice Number and External ID filters take: as long as what they match
#: can be (the field's ``maxlength``; longer is refused, never cut short).
NUMBER_FILTER_MAX, EXTERNAL_ID_FILTER_MAX = 64, 128
#: The groups a page sorted by payment status lists: each status, then the drafts (``list_rows``).
PAYMENT_STATUS_GROUPS = frozenset({*(status.value for status in PaymentStatus), DRAFT_GROUP})
TEXT_SORTS = frozenset({"invoice_number", "customer_name", "currency", "payment_status",
                        "customer_user", "document_type", "payment_method", "external_payment_url"})
#: The page sizes a grid offers (``per_page``).
PAGE_SIZES = (10, 25, 50, 100)
#: Matches are counted up to this many; above it the total is "more than COUNT_CAP".
COUNT_CAP = 10_000
#: Sorts that only make sense within one currency (amounts of different currencies do
#: not compare): offered only while the Currency filter is set.
CURRENCY_SORTS = frozenset({"total_amount"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+", re.ASCII)
#: The filters whose text reaches a query as it was typed (the others are parsed first).
TEXT_FILTERS = ("number", "external_id", "customer", "customer_user")


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
    if key == "payment_status":  # the pages sort drafts as a group of their own (``list_rows``)
        return DRAFT_GROUP if row.status.value == DRAFT_GROUP else row.payment_status.value
    if key == "document_type":
        return row.document_type.value
    if key == "customer_user":
        return row.customer_user_email
    if key == "website":
        return row.website_id or 0
    if key == "external_payment_url":
        return (row.external_payment_url or "")[:255]
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
    """One page of a grid and the links around it.

    ``page_number`` counts from 1 at the start; a page reached from *Last* while the total
    is not known counts from the end instead: -1 is the last page, -2 the one before it.
    """

    items: list[InvoiceSummary]
    sort: str
    next_cursor: str | None
    prev_cursor: str | None
    page_number: int
    query: dict[str, str] = field(default_factory=dict)  # the active filters
    #: how many invoices match (None: not counted, or more than ``more_than``)
    total: int | None = None
    #: set when more than this many match (the count stopped there)
    more_than: int | None = None
    per_page: int = 25
    #: filter problems, by field: shown next to the field, the filter left out
    errors: dict[str, str] = field(default_factory=dict)
    #: the document type every row is of (``invoice``, ``credit_note``), "" when the list mixes
    #: them: the pager counts "invoices", "credit notes" or "documents"
    counts: str = ""
    #: the page link's cursor is one no row follows any more (the rows it led to were deleted or
    #: changed since): the page is empty though rows may match, and the list should start again
    gone: bool = False
    #: the link's sort, by Total Amount, was dropped for the default one because no Currency is
    #: chosen any more (the filter form sent it on): the page says so instead of refusing it
    sort_dropped: bool = False
    #: in how many currencies the matches are, when read (``load_page``'s ``one_currency_sorts``)
    #: and all of them were counted; None otherwise
    currencies: int | None = None

    def link(self, **changes: Any) -> str:
        """The query string of this grid with ``changes`` (None drops a parameter)."""
        params = {**self.query, "sort": self.sort, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    @property
    def page_count(self) -> int | None:
        """How many pages there are, when the total is known."""
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        return self.link(after=self.next_cursor, page=self.page_number + 1)

    @property
    def prev_link(self) -> str | None:
        if not self.prev_cursor:
            return None
        page = self.page_number - 1 if self.page_number < 0 else max(1, self.page_number - 1)
        return self.link(before=self.prev_cursor, page=page)

    @property
    def first_link(self) -> str | None:
        """The first page, unless this is it."""
        return self.link() if self.prev_cursor else None

    @property
    def last_link(self) -> str | None:
        """The last page, unless this is it."""
        if not self.next_cursor:
            return None
        return self.link(last="1", page=self.page_count or -1)

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
    day = parse_day(raw)
    if day is None:
        errors.append((name, _("%(value)s is not a date (use YYYY-MM-DD).", value=quoted(raw))))
    return day


def _choice(query: Mapping[str, str], name: str, choices: Sequence[str], message: str,
            args: dict[str, Any], echo: dict[str, str], errors: list[tuple[str, str]]) -> None:
    raw = query.get(name)
    if not raw:
        return
    if raw in choices:
        args[name] = echo[name] = raw
    else:
        errors.append((name, message))


def _amount(query: Mapping[str, str], name: str, currency: str | None,
            echo: dict[str, str], errors: list[tuple[str, str]], typed: Callable[[str], str]) -> int | None:
    """A total bound in ``currency``'s minor units (amounts only compare within a currency),
    typed as the page writes numbers (``typed``)."""
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    value = typed(raw) if len(raw) <= 40 else raw
    if not is_decimal_text(value):
        errors.append((name, _(not_a_decimal(raw))))   # how the page reads a number, in its format
        return None
    if (large := total_bound_problem(Decimal(value))) is not None:
        errors.append((name, _(large)))
        return None
    if currency is None:
        if "currency" not in dict(errors):   # once, beside the currency, for either bound
            errors.append(("currency", _("Choose a currency to filter by total: amounts in different "
                                         "currencies do not compare.")))
        return None
    amount = Decimal(value)
    if amount.as_tuple().exponent < -minor_units(currency):  # type: ignore[operator]
        errors.append((name, _(too_many_decimals(currency))))
        return None
    echo[name] = raw
    return to_minor(amount, currency)


def read_filters(query: Mapping[str, str], allowed: Sequence[str], typed: Callable[[str], str] = str, *,
                 customers: Collection[int] | None = None,
                 ) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, str]]]:
    """Grid query parameters as ``InvoiceFilter`` arguments, the values to echo in the form,
    and what is wrong with the others (field, message): a bad value is left out, never guessed.
    ``typed`` reads an amount as the page writes numbers (``Formatter.typed_number``).
    ``customers``: the ids the Customer filter chooses from (a list offering them, the
    storefront's): any other value is an error; None: any id, or the start of a name."""
    errors: list[tuple[str, str]] = []
    args: dict[str, Any] = {}
    echo: dict[str, str] = {}
    unstorable = [name for name in TEXT_FILTERS if name in allowed and not is_storable_text(query.get(name) or "")]
    for name in unstorable:  # no database column holds them: a NUL even fails the statement on PostgreSQL
        errors.append((name, _("Must not contain NUL or unpaired surrogate characters.")))
    query = {k: v for k, v in query.items() if k not in unstorable}
    if "number" in allowed and (query.get("number") or "").strip():
        if len(query["number"].strip()) > NUMBER_FILTER_MAX:
            errors.append(("number", _("Give at most %(count)s characters of the invoice or PO number.",
                                       count=NUMBER_FILTER_MAX)))
        else:
            echo["number"] = args["number_contains"] = query["number"].strip()
    if "external_id" in allowed and (query.get("external_id") or "").strip():
        if len(query["external_id"].strip()) > EXTERNAL_ID_FILTER_MAX:
            errors.append(("external_id", _("Give at most %(count)s characters of the external ID.",
                                            count=EXTERNAL_ID_FILTER_MAX)))
        else:
            echo["external_id"] = args["external_id"] = query["external_id"].strip()
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
            errors.append(("payment_status", _("Unknown payment status.")))
    if "status" in allowed:
        _choice(query, "status", ("draft", "posted"), _("Use Draft or Posted."), args, echo, errors)
    if "payment_status" in args and "status" in allowed:    # a draft is not payable yet: it has none
        if args.get("status") == "draft":
            errors.append(("payment_status", _("A draft has no payment status until it is posted: choose Any "
                                               "here, or Posted as the Status.")))
            del args["payment_status"], echo["payment_status"]
        else:
            args["status"] = "posted"
    if "overdue" in allowed and query.get("overdue"):
        if query["overdue"] in ("yes", "no"):
            args["overdue"] = query["overdue"] == "yes"
            echo["overdue"] = query["overdue"]
        else:
            errors.append(("overdue", _("Use Yes or No.")))
    if "document_type" in allowed:
        _choice(query, "document_type", ("invoice", "credit_note"), _("Use Invoice or Credit note."),
                args, echo, errors)
    if "customer" in allowed and (query.get("customer") or "").strip():
        raw = query["customer"].strip()
        customer_id = parse_id(raw)
        if customers is not None and customer_id not in customers:  # none of the list's choices
            errors.append(("customer", _("Choose a customer from the list.")))
        elif customer_id is not None:  # an id: the list's choice, or an old link
            args["customer_id"] = customer_id
            echo["customer"] = raw
        elif raw.isascii() and raw.isdigit():  # digits, but no id (beyond 64 bits)
            errors.append(("customer", _("Choose a customer from the list.")))
        elif len(raw) > NAME_PREFIX_MAX:
            errors.append(("customer", _("Give at most %(count)s characters of the customer's name.",
                                         count=NAME_PREFIX_MAX)))
        else:  # the start of the customer's name, any case
            args["customer_name_prefix"] = echo["customer"] = raw
    if "customer_user" in allowed and (query.get("customer_user") or "").strip():
        raw = query["customer_user"].strip()
        if parse_id(raw) is not None:
            args["customer_user_id"] = parse_id(raw)
        elif _EMAIL.fullmatch(raw) and len(raw) <= 255:
            args["customer_user_email"] = raw
        else:
            errors.append(("customer_user", _("Give the customer user's email address or id.")))
        if "customer_user" not in dict(errors):
            echo["customer_user"] = raw
    if "website" in allowed and (query.get("website") or "").strip():
        raw = query["website"].strip()
        if parse_id(raw) is not None:
            args["website_id"] = parse_id(raw)
            echo["website"] = raw
        else:
            errors.append(("website", _("Give the website's id (a whole number).")))
    currency = None
    if "currency" in allowed and (query.get("currency") or "").strip():
        raw = query["currency"].strip().upper()
        if raw in KNOWN_CURRENCIES:
            currency = args["currency"] = echo["currency"] = raw
        else:
            errors.append(("currency", _("%(value)s is not a currency code such as EUR.",
                                         value=repr(query["currency"][:12]))))
    if "total" in allowed:
        for name in ("total_min", "total_max"):
            bound = _amount(query, name, currency, echo, errors, typed)
            if bound is not None:
                args[name] = bound
        if args.get("total_min") is not None and args.get("total_max") is not None \
                and args["total_min"] > args["total_max"]:
            errors.append(("total_max", _("Must not be less than the minimum.")))
            del args["total_max"], echo["total_max"]
    if args.get("date_from") and args.get("date_to") and args["date_from"] > args["date_to"]:
        errors.append(("date_to", _("Must not be before the start date.")))
        del args["date_to"], echo["date_to"]
    return args, echo, errors


def parse_filters(query: Mapping[str, str], allowed: Sequence[str], typed: Callable[[str], str] = str, *,
                  customers: Collection[int] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn grid query parameters into ``InvoiceFilter`` arguments (and the echoed values);
    ``ValidationError`` naming every bad one. ``customers``: as for ``read_filters``."""
    args, echo, errors = read_filters(query, allowed, typed, customers=customers)
    if errors:
        raise ValidationError(errors)
    return args, echo


def page_sizes(default: int) -> list[int]:
    """The page sizes offered: ``PAGE_SIZES`` and the host's own default size."""
    return sorted({*PAGE_SIZES, default})


def _per_page(query: Mapping[str, str], default: int, errors: list[tuple[str, str]]) -> int | None:
    """The page size asked for (one of ``PAGE_SIZES``), or None for the default."""
    raw = (query.get("per_page") or "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and int(raw) in page_sizes(default):
        return int(raw)
    errors.append(("per_page", _("Show %(sizes)s rows per page.",
                                 sizes=", ".join(str(n) for n in page_sizes(default)))))
    return None


def _sort(query: Mapping[str, str], sort_keys: Sequence[str], default: str, currency: bool,
          currency_sorts: frozenset[str], errors: list[tuple[str, str]],
          sort_labels: Mapping[str, str] | None = None, dropped: list[str] | None = None) -> str:
    """The sort the query asks for, else ``default``, with why in ``errors``; with ``dropped``,
    a sort of ``currency_sorts`` without a currency is not an error but noted there."""
    sort = query.get("sort") or default
    key = sort.lstrip("-")
    if key not in sort_keys or sort not in (key, "-" + key):
        named = (written_list([sort_labels.get(k, k) for k in sort_keys], style="or")
                 if sort_labels is not None else ", ".join(sort_keys))  # the API's are its keys
        errors.append(("sort", _("Cannot sort by %(key)s; use one of %(keys)s.", key=quoted(sort),
                                 keys=named)))
        return default
    if key in currency_sorts and not currency:
        if dropped is not None:
            dropped.append(sort)
            return default
        errors.append(("sort", _("Choose one currency to sort by total: amounts in different "
                                 "currencies do not compare.")))
        return default
    return sort


def read_order(query: Mapping[str, str], sort_keys: Sequence[str], default: str, *, currency: bool,
               currency_sorts: frozenset[str] = frozenset(),
               sort_labels: Mapping[str, str] | None = None) -> tuple[str, tuple[str, ...] | None]:
    """The order a download of a list follows: its ``sort`` (``default`` when absent) and, by
    payment status, the statuses' order in the request's language (``payment_status_order``),
    worked out now since the download is written after the request. A sort the list does not
    offer raises ``ValidationError``."""
    errors: list[tuple[str, str]] = []
    sort = _sort(query, sort_keys, default, currency, currency_sorts, errors, sort_labels)
    if errors:
        raise ValidationError(errors)
    return sort, payment_status_order() if parse_sort(sort)[0] == "payment_status" else None


def _page_number(query: Mapping[str, str], errors: list[tuple[str, str]]) -> int:
    """The page number the link carries (only a label: the cursor says which rows); 1 when
    absent or wrong. Negative numbers count from the end (see ``GridPage``)."""
    raw = (query.get("page") or "").strip()
    if not raw:
        return 1
    if re.fullmatch(r"-?[0-9]{1,18}", raw, re.ASCII) and int(raw) != 0:
        return int(raw)
    errors.append(("page", not_a_page_number(raw)))
    return 1


def not_a_page_number(raw: str) -> str:
    """What a list or report says of ``?page=raw`` when it names no page it shows (one wording
    for all of them): a negative number, that pages are numbered from 1; anything else, what to
    write instead."""
    if re.fullmatch(r"-[0-9]+", raw, re.ASCII) and int(raw) < 0:
        return _("%(value)s is not a page number: pages are numbered from 1; here is the first page.",
                 value=quoted(raw))
    return _("%(value)s is not a page number: use a whole number such as 2.", value=quoted(raw))


def load_page(service: Any, base: InvoiceFilter, query: Mapping[str, str], *,
              allowed_filters: Sequence[str], sort_keys: Sequence[str], default_sort: str,
              limit: int, inline_errors: bool = False, count: bool = False,
              currency_sorts: frozenset[str] = frozenset(), typed: Callable[[str], str] = str,
              customers: Collection[int] | None = None,
              sort_labels: Mapping[str, str] | None = None, one_currency_sorts: bool = False,
              currencies_of_base: int = 0, read_before: Fetched | None = None,
              open_of_base: int | None = None) -> GridPage:
    """Read the page the query asks for (first, ``after`` a cursor, ``before`` one, or ``last``).

    ``inline_errors``: a bad filter is left out and reported in ``GridPage.errors`` (the grid
    shows it next to its field) instead of raising ``ValidationError``; a ``before``/``after``
    cursor the list did not make for this sort reads the first page, reported at ``page``; one
    no row follows any more (rows deleted since) reads none and sets ``GridPage.gone``.
    ``count``: count the matches (up to ``COUNT_CAP``, in the statement that reads the page),
    offer a page size and the last page. ``currency_sorts``: sort keys allowed only while the Currency filter is set.
    ``typed``, ``customers``: as for ``read_filters``. ``sort_labels``: the column header of each
    sort key, which a refused sort lists (the keys themselves when not given). With
    ``inline_errors`` a sort of ``currency_sorts`` while no currency is chosen (the filter form
    sends the sort on when the Currency is cleared) gives the default sort and
    ``GridPage.sort_dropped`` rather than an error. ``one_currency_sorts`` (with ``count``): a
    sort of ``currency_sorts`` is also one while no currency is chosen but every match is in one
    currency (``GridPage.currencies``, read with the page); while they are in several it is
    refused (or dropped) as without a currency, and the page read again in the default sort.
    ``currencies_of_base``: in how many currencies the caller knows ``base``'s rows to be at least
    (read for its own use, e.g. the storefront's balance); with ``one_currency_sorts`` and no
    filter of the query, more than one drops such a sort before any page is read in it. The page
    in such a sort is read together with the first page in ``default_sort`` (``fetch_or_first``),
    which is shown, with no statement of its own, when the rows prove to be in several
    currencies; ``read_before``: that page, so read (``_by_default_sort``). ``open_of_base``: how
    many open invoices the caller knows ``base`` to select at most (the storefront's balance
    counts them): the Overdue filter finds no more, and a few spare its count
    (``InvoiceService.list_invoices``' ``overdue_at_most``).

    A page number without the cursor that places it (``?page=5``, a link cut short or typed) has
    no rows to show but the first page's: with ``inline_errors`` the page says so at ``page``.
    """
    args, echo, errors = read_filters(query, allowed_filters, typed, customers=customers)
    if count:
        per_page = _per_page(query, limit, errors)
        if per_page is not None:
            limit = per_page
            echo["per_page"] = str(per_page)
    dropped: list[str] = []
    lenient = one_currency_sorts and count and "currency" not in args
    sort = _sort(query, sort_keys, default_sort, "currency" in args or lenient, currency_sorts, errors,
                 sort_labels, dropped if inline_errors else None)
    page_number = _page_number(query, errors)
    if errors and not inline_errors:
        raise ValidationError(errors)
    if lenient and inline_errors and currencies_of_base > 1 and not args and parse_sort(sort)[0] in currency_sorts:
        return _by_default_sort(service, base, query, allowed_filters=allowed_filters, sort_keys=sort_keys,
                                default_sort=default_sort, limit=limit, currency_sorts=currency_sorts,
                                typed=typed, customers=customers, sort_labels=sort_labels, open_of_base=open_of_base)
    flt = replace(base, **args)
    overdue_at_most = open_of_base if flt.overdue else None
    before, after = query.get("before"), query.get("after")
    if inline_errors and not (_cursor_fits(before, reverse_sort(sort)) and _cursor_fits(after, sort)):
        errors.append(("page", _("This page link is damaged or out of date; here is the first page.")))
        before = after = None
    elif inline_errors and page_number != 1 and not (before or after or (count and query.get("last"))) \
            and "page" not in dict(errors):
        if page_number < 0:   # counted from the end only in the links Last gives
            errors.append(("page", not_a_page_number(query.get("page", "").strip())))
        else:
            errors.append(("page", _("Page %(number)s is reached with the pager's links (Next, Last); "
                                     "here is the first page.", number=page_number)))
    counted: int | None = None
    cap = COUNT_CAP if count else None
    # by an amount while the rows may be in several currencies: the default sort's first page too
    either = lenient and parse_sort(sort)[0] in currency_sorts and parse_sort(default_sort)[0] not in TEXT_SORTS
    instead: Fetched | None = None

    def read(in_sort: str, cursor: str | None) -> Fetched:
        nonlocal instead
        if either:
            found, instead = fetch_or_first(service, flt, sort=in_sort, other_sort=default_sort, limit=limit,
                                            cursor=cursor, total_cap=COUNT_CAP, overdue_at_most=overdue_at_most)
            return found
        return fetch(service, flt, sort=in_sort, limit=limit, cursor=cursor, total_cap=cap, with_currencies=lenient,
                     overdue_at_most=overdue_at_most)

    if read_before is not None and not (before or after or query.get("last")):
        items, more, counted, currencies = read_before
        has_prev, has_next = False, more
    elif count and query.get("last") and not (before or after):
        # the reversed sort's first rows, as many as the last page holds (known with the count,
        # read in the same statement)
        rows, more, counted, currencies = read(reverse_sort(sort), None)
        pages = _pages(counted or 0, limit)
        on_last = limit if pages is None else max(1, (counted or 0) - (pages - 1) * limit)
        items = list(reversed(rows[:on_last]))
        has_prev, has_next = more or len(rows) > on_last, False
        page_number = -1 if pages is None else pages
    elif before:
        rows, more, counted, currencies = read(reverse_sort(sort), before)
        items = list(reversed(rows))
        has_prev, has_next = more, bool(items)
    else:
        items, more, counted, currencies = read(sort, after or None)
        has_prev, has_next = bool(after) and bool(items), more
    # every row from the cursor on has gone since the link was made (deleted, or changed out of
    # the filter): the caller sends the reader to the first page rather than show an empty one
    gone = bool(inline_errors and not items and (before or after))
    total = counted if counted is not None and counted <= COUNT_CAP else None
    if total is None:
        currencies = None       # those of the first COUNT_CAP matches only
    if lenient and parse_sort(sort)[0] in currency_sorts and currencies != 1 and counted != 0:
        # several currencies (or too many matches to tell): as without a currency, read again by default
        if not inline_errors:
            _sort({"sort": sort}, sort_keys, default_sort, False, currency_sorts, errors, sort_labels)
            raise ValidationError(errors)
        return _by_default_sort(service, base, query, allowed_filters=allowed_filters, sort_keys=sort_keys,
                                default_sort=default_sort, limit=limit, currency_sorts=currency_sorts,
                                typed=typed, customers=customers, sort_labels=sort_labels, count=count,
                                read_before=instead, open_of_base=open_of_base)
    more_than = COUNT_CAP if counted is not None and counted > COUNT_CAP else None
    pages = _pages(counted, limit) if counted is not None else None
    if not has_prev:
        page_number = 1
    elif page_number < 0:  # counted from the end: numbered from the start once the total is known
        if pages is not None:
            page_number = max(2, pages + 1 + page_number)
    else:
        page_number = max(2, page_number) if pages is None else min(max(2, page_number), pages)
    return GridPage(
        items=items, sort=sort, page_number=page_number, query=echo, total=total,
        more_than=more_than, per_page=limit, errors=dict(errors), counts=flt.document_type or "", gone=gone,
        sort_dropped=bool(dropped), currencies=currencies,
        next_cursor=cursor_after(sort, items[-1]) if has_next and items else None,
        prev_cursor=cursor_before(sort, items[0]) if has_prev and items else None)


def _by_default_sort(service: Any, base: InvoiceFilter, query: Mapping[str, str], *,
                     allowed_filters: Sequence[str], sort_keys: Sequence[str], default_sort: str, limit: int,
                     currency_sorts: frozenset[str], typed: Callable[[str], str],
                     customers: Collection[int] | None, sort_labels: Mapping[str, str] | None,
                     count: bool = True, read_before: Fetched | None = None,
                     open_of_base: int | None = None) -> GridPage:
    """The first page of ``query``'s rows in ``default_sort``, its sort of ``currency_sorts``
    dropped (``GridPage.sort_dropped``): the rows are in several currencies (``load_page``).
    ``read_before``: that page, read already."""
    again = {k: v for k, v in query.items() if k not in ("sort", "before", "after", "last", "page")}
    page = load_page(service, base, {**again, "sort": default_sort}, allowed_filters=allowed_filters,
                     sort_keys=sort_keys, default_sort=default_sort, limit=limit, inline_errors=True,
                     count=count, currency_sorts=currency_sorts, typed=typed, customers=customers,
                     sort_labels=sort_labels, one_currency_sorts=True, read_before=read_before,
                     open_of_base=open_of_base)
    return replace(page, sort_dropped=True)


def _cursor_fits(cursor: str | None, sort: str) -> bool:
    """Whether ``cursor`` is absent or one the list made for reading in ``sort`` (a link kept
    from another sort, or edited, is not)."""
    if not cursor:
        return True
    try:
        value, _last = decode_cursor(cursor, sort)
    except ValidationError:
        return False
    # by payment status, a page resumes in one of the groups it lists: a status, or the drafts'
    return parse_sort(sort)[0] != "payment_status" or value in PAYMENT_STATUS_GROUPS


def _pages(counted: int, per_page: int) -> int | None:
    """How many pages ``counted`` matches fill; None when there are more than ``COUNT_CAP``."""
    return None if counted > COUNT_CAP else max(1, -(-counted // per_page))


#: A page as ``fetch`` reads it: its rows, whether more follow, the count and the currencies.
Fetched = tuple[list[InvoiceSummary], bool, int | None, int | None]


def fetch_or_first(service: Any, flt: InvoiceFilter, *, sort: str, other_sort: str, limit: int,
                   cursor: str | None, total_cap: int, overdue_at_most: int | None = None) -> tuple[Fetched, Fetched]:
    """``fetch`` of the page in ``sort`` (counted, with its currencies) and of the first page in
    ``other_sort``, in one statement (``InvoiceService.list_invoices_or_first``)."""
    pages = service.list_invoices_or_first(flt, sort=sort, other_sort=other_sort, limit=limit, cursor=cursor,
                                           total_cap=total_cap, with_currencies=True,
                                           **_bounded(overdue_at_most))
    one, two = ((page.items, page.next_cursor is not None, page.total, page.currencies) for page in pages)
    return one, two


def fetch(service: Any, flt: InvoiceFilter, *, sort: str, limit: int, cursor: str | None,
          total_cap: int | None = None, with_currencies: bool = False, overdue_at_most: int | None = None,
          ) -> Fetched:
    """One page of rows, whether more follow and, with ``total_cap``, how many match (up to
    ``total_cap + 1``, read with the page) and, ``with_currencies``, in how many currencies. A visibility over a few customers, the corporate
    role, is read a page per customer in one statement: ``list_rows``. By payment status, the
    rows come in the order of the statuses' labels as the page writes them."""
    order = payment_status_order() if parse_sort(sort)[0] == "payment_status" else None
    if total_cap is None:
        page = service.list_invoices(flt, sort=sort, limit=limit, cursor=cursor, status_order=order,
                                     **_bounded(overdue_at_most))
    else:
        page = service.list_invoices(flt, sort=sort, limit=limit, cursor=cursor, with_total=True,
                                     total_cap=total_cap, status_order=order, with_currencies=with_currencies,
                                     **_bounded(overdue_at_most))
    return page.items, page.next_cursor is not None, page.total, page.currencies


def _bounded(overdue_at_most: int | None) -> dict[str, int]:
    """``overdue_at_most`` for the service when known (a service of a host's own may not take it)."""
    return {} if overdue_at_most is None else {"overdue_at_most": overdue_at_most}


def payment_status_order() -> tuple[str, ...]:
    """The payment status codes in the order of their labels in the current language (the
    page's: "Paid in full" before "Pending payment" in English, "Bezahlt" … in German), as a
    sort by payment status lists them."""
    return tuple(sorted((status.value for status in PaymentStatus),
                        key=lambda code: reading_order(_(PAYMENT_STATUS_LABELS[PaymentStatus(code)]))))


def reading_order(text: str) -> tuple[str, str]:
    """A sort key of ``text`` close to how its readers order words, without a collation
    library: its letters without accents or case first ("Ü" with "U", "é" with "e"), then as written."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return plain.casefold(), text


def query_string(params: Mapping[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
