"""The JSON API's one rule for a query parameter given empty (``?status=``, ``?currency=%20``).

An empty filter would otherwise widen the answer as if the client had asked for none (every
status, every currency), so a filter given empty or only whitespace is refused (422 naming it)
rather than ignored. Parameters that only choose the order or the page (``sort``, ``limit``,
``cursor``, ``before``) are not checked: given empty they are their default, the first page,
which widens nothing. The back-office and storefront pages do not use this: a browser sends
every field of a filter form, the empty ones too, and the pages ignore those.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from oro_invoices.web.http import Request

#: What leaving a filter out does, as the refusal of an empty one says it.
NOT_FILTERING = "not to filter by it"


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
