"""The day a scheduled run judges an organization on: today in that organization's time zone
(its ``oro_invoices.timezone``), so at 23:30 UTC on November 30th a Tokyo organization is on
December 1st while a UTC one is still on November 30th."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.persistence.aging import organizations_with_invoices

if TYPE_CHECKING:
    from oro_invoices.services.facade import InvoiceService


def organization_today(invoices: InvoiceService, organization_id: int | None) -> dt.date:
    """Today in the time zone of ``organization_id`` (the global one for None), the day its books
    are on (``InvoiceService.books_today``): the day a run of that organization is judged on when
    none is given."""
    return invoices.books_today(ScopeContext(organization_id=organization_id))


def organizations_by_today(invoices: InvoiceService, organization_id: int | None = None) -> dict[dt.date, list[int]]:
    """Each organization with a posted invoice (``organization_id`` only, when given) under its
    own today, days in order."""
    with invoices.db.session() as s:
        organizations = organizations_with_invoices(s)
    days: dict[dt.date, list[int]] = {}
    for org in organizations:
        if organization_id is None or org == organization_id:
            days.setdefault(organization_today(invoices, org), []).append(org)
    return dict(sorted(days.items()))
