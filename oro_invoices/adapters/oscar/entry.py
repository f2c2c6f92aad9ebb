"""The entry point ``oscar`` (``oro_invoices.hosts``): importable before Django is set up."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.oscar.host import OscarHost


def make_host() -> OscarHost:
    """In a shop whose Django is set up, an adapter over the shop's database. In a process
    without Django settings (the conformance kit), a fresh adapter over a throwaway migrated
    SQLite shop of its own, emptied again for every adapter (``testing.isolated_shop``)."""
    from django.conf import settings

    from oro_invoices.adapters.oscar import testing
    if not settings.configured:
        testing.isolated_shop()
    db = testing.fresh_database_if_isolated()
    from oro_invoices.adapters.oscar.host import OscarHost
    return OscarHost(db)
