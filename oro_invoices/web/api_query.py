"""The JSON API's rules for a query parameter given empty (``?status=``, ``?currency=%20``), and
for a query string that is not UTF-8 (``?external_id=%FF``).

An empty filter would otherwise widen the answer as if the client had asked for none (every
status, every currency), so a filter given empty or only whitespace is refused (422 naming it)
rather than ignored. Parameters that only choose the order or the page (``sort``, ``limit``,
``cursor``, ``before``) are not checked: given empty they are their default, the first page,
which widens nothing. The back-office and storefront pages do not use this: a browser sends
every field of a filter form, the empty ones too, and the pages ignore those.

A query whose bytes are not UTF-8 after percent-decoding is refused on every endpoint, before
anything is looked up, 422 naming each such parameter (``unreadable_errors``): the framework
would have put U+FFFD where those bytes were, and a filter would search for text nobody sent.
It is found as the pages find it (``web.form_text.unreadable_query``), so a U+FFFD sent on
purpose (``%EF%BF%BD``) is text like any other.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from oro_invoices.web.form_text import unreadable_query
from oro_invoices.web.http import Request

#: What leaving a filter out does, as the refusal of an empty one says it.
NOT_FILTERING = "not to filter by it"
#: How to send a query's text, as the refusal of one that is not UTF-8 says it.
_ENCODE = "percent-encode the UTF-8 bytes of each character"
#: The ``field`` of the error for a query whose parameter names cannot be read.
QUERY_FIELD = "query"


def is_empty(value: str) -> bool:
    """Whether ``value`` is empty or only whitespace."""
    return not value.strip()


def empty_errors(given: Mapping[str, Sequence[str]], optional: Iterable[str] = (), *,
                 required: Iterable[str] = (), left_out: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """An error for each parameter of ``optional`` or ``required`` given once with an empty value
    (or only whitespace), in the order named; one given twice is left to "Give this parameter once".
    ``left_out`` says, per optional parameter, what leaving it out does (by default
    ``NOT_FILTERING``)."""
    def empty(name: str) -> bool:
        values = given.get(name, ())
        return len(values) == 1 and is_empty(values[0])

    said = left_out or {}
    errors = [(name, f"Must not be empty: give a value, or leave {name} out {said.get(name, NOT_FILTERING)}.")
              for name in optional if empty(name)]
    errors += [(name, f"Must not be empty: {name} is required, give its value.") for name in required if empty(name)]
    return errors


def given(request: Request) -> dict[str, list[str]]:
    """Every value of each query parameter of ``request`` (a request built with ``query`` alone: its one value)."""
    return {**{name: [value] for name, value in request.query.items()}, **request.query_lists}


def first_values(given: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Each parameter's first value, those empty or only whitespace left out (``empty_errors``
    refuses the filters among them; an order or page parameter given empty is its default)."""
    return {name: values[0] for name, values in given.items() if values and not is_empty(values[0])}


def unreadable_errors(request: Request) -> list[tuple[str, str]]:
    """An error for each query parameter of ``request`` whose value is not UTF-8 after
    percent-decoding, in the order sent; one error on ``QUERY_FIELD`` when a parameter's name is
    not (no parameter can then be told apart); none for a query that reads as text."""
    fields = unreadable_query(request)
    if fields is None:
        return [(QUERY_FIELD, "A parameter's name is not UTF-8 after percent-decoding (a byte such as %FF stands "
                              f"alone): {_ENCODE}.")]
    return [(name, f"Not UTF-8 after percent-decoding (a byte such as %FF stands alone): {_ENCODE}.")
            for name in fields]
