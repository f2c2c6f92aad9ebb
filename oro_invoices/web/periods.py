"""The period a page's query asks for (``?from=YYYY-MM-DD&to=YYYY-MM-DD``), as the activity pages
read it: by default from the first day of the month ``DEFAULT_MONTHS`` back to today."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from oro_invoices.domain.limits import parse_day

#: How many months before the current one a period starts when the query names none.
DEFAULT_MONTHS = 2


def asked_period(query: Mapping[str, str], today: dt.date) -> tuple[dt.date | None, dt.date | None, dict[str, str]]:
    """The first and last day the query asks for (None: no such day, for the check to say so)
    and the form's fields as typed (the defaults where none is given)."""
    first = today.replace(day=1)
    for _month in range(DEFAULT_MONTHS):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    fields = {"from": query.get("from", first.isoformat()).strip(), "to": query.get("to", today.isoformat()).strip()}
    return parse_day(fields["from"]), parse_day(fields["to"]), fields
