"""``GET /api/events``, ``GET /api/events/{id}`` and ``POST /api/events/{id}/redeliver``: the
client organization's outgoing webhook events, one row per event and endpoint, and resending one
(``services.event_log``). Another organization's event is answered as one that does not exist.
"""
from __future__ import annotations

import re
from typing import Any

from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.limits import (
    MOMENT_YEARS,
    is_storable_text,
    moment_outside_years,
    parse_id,
    parse_moment,
    quoted,
)
from oro_invoices.persistence.outgoing_events import STATUSES
from oro_invoices.persistence.queries import MAX_LIMIT
from oro_invoices.services.event_log import LIST_ERROR_MAX, EventFilter, EventRow, decode_cursor
from oro_invoices.web import api_query
from oro_invoices.web.openapi import DEFAULT_LIMIT, EVENT_TYPES

#: The query's parameters.
PARAMETERS = ("status", "type", "invoice_id", "endpoint", "occurred_from", "occurred_to", "limit", "cursor")
#: Those that filter: given empty, they are refused (``web.api_query``); an empty ``limit`` or
#: ``cursor`` is the default, the first page.
FILTERS = PARAMETERS[:6]


def query(organization_id: int, given: dict[str, list[str]]) -> tuple[EventFilter, int, str | None]:
    """The filter, page size and cursor of a ``GET /events`` query; every problem at once (422)."""
    errors = [(name, f"Unknown query parameter; use one of {', '.join(PARAMETERS)}.")
              for name in given if name not in PARAMETERS]
    errors += [(name, "Give this parameter once.") for name, values in given.items() if len(values) > 1]
    errors += [(name, "Must not contain NUL or unpaired surrogate characters.")
               for name, values in given.items() if not all(is_storable_text(v) for v in values)]
    errors += api_query.empty_errors(given, FILTERS)
    if errors:
        raise ValidationError(errors)
    q = api_query.first_values(given)
    found: dict[str, Any] = {}
    if "status" in q:
        if q["status"] not in STATUSES:
            errors.append(("status", f"Must be one of {', '.join(STATUSES)}."))
        found["status"] = q["status"]
    if "type" in q:
        if q["type"] not in EVENT_TYPES:
            errors.append(("type", f"Must be one of {', '.join(EVENT_TYPES)}."))
        found["event_type"] = q["type"]
    if "invoice_id" in q:
        found["invoice_id"] = parse_id(q["invoice_id"])
        if found["invoice_id"] is None:
            errors.append(("invoice_id", "Must be a positive integer."))
    if "endpoint" in q:
        found["endpoint_url"] = q["endpoint"]
    for name, end_of_day in (("occurred_from", False), ("occurred_to", True)):
        if name in q:
            found[name] = parse_moment(q[name], end_of_day=end_of_day)
            outside = moment_outside_years(q[name])
            if outside:
                errors.append((name, f"Out of range: must fall within the years {MOMENT_YEARS} (UTC, once its "
                                     f"offset is applied); this is {outside} them."))
            elif found[name] is None:
                errors.append((name, "Must be a day such as 2026-12-01 (UTC) or a time with its offset "
                                     "such as 2026-12-01T09:30:00Z."))
    if found.get("occurred_from") and found.get("occurred_to") and found["occurred_from"] > found["occurred_to"]:
        errors.append(("occurred_to", "Must not be before occurred_from."))
    limit = DEFAULT_LIMIT
    if "limit" in q:
        if not re.fullmatch(r"[0-9]{1,4}", q["limit"], re.ASCII) or not 1 <= int(q["limit"]) <= MAX_LIMIT:
            errors.append(("limit", f"Must be an integer from 1 to {MAX_LIMIT}."))
        else:
            limit = int(q["limit"])
    cursor = q.get("cursor")
    if cursor is not None:
        try:
            decode_cursor(cursor)
        except ValidationError as exc:
            errors += exc.errors
    if errors:
        raise ValidationError(errors)
    return EventFilter(organization_id=organization_id, **found), limit, cursor


def event_row_id(raw: str) -> int:
    """The id of ``/events/{id}``; a path that is no positive integer names no event (404)."""
    found = parse_id(raw)
    if found is None:
        raise NotFound(f"Event {quoted(raw)} does not exist: event ids are positive integers.")
    return found


def _shortened(error: str, detail: bool) -> str:
    """An error as a list row (``detail`` False: at most ``LIST_ERROR_MAX`` characters) or the detail gives it."""
    return error if detail or len(error) <= LIST_ERROR_MAX else error[:LIST_ERROR_MAX - 1] + "…"


def row_json(event: EventRow, base_path: str, *, detail: bool = False) -> dict[str, Any]:
    """What ``openapi.EventOut`` (``detail``: ``EventDetailOut``, with the body and every resend,
    newest first) dumps."""
    error = _shortened(event.last_error, detail)
    data: dict[str, Any] = {
        "id": event.id, "event_id": event.event_id, "type": event.event_type, "invoice_id": event.invoice_id,
        "endpoint": event.endpoint_url, "status": event.status, "attempts": event.attempts,
        "next_attempt_at": event.next_attempt_at, "last_http_status": event.response_status,
        "last_error": error, "occurred_at": event.occurred_at, "delivered_at": event.delivered_at,
        "updated_at": event.updated_at, "redeliveries": event.redeliveries,
        "redelivered_at": event.redelivered_at, "redelivered_by": event.redelivered_by,
        "previous_attempts": event.previous_attempts, "previous_http_status": event.previous_response_status,
        "previous_error": _shortened(event.previous_error, detail),
        "links": {"self": f"{base_path}/events/{event.id}", "redeliver": f"{base_path}/events/{event.id}/redeliver"}}
    if detail:
        data["body"] = event.body
        data["redelivery_history"] = [{
            "redelivered_at": r.resent_at, "redelivered_by": r.resent_by, "previous_status": r.previous_status,
            "previous_attempts": r.previous_attempts, "previous_http_status": r.previous_response_status,
            "previous_error": r.previous_error} for r in event.resends]
    return data

