"""The entry point ``oscar`` (``oro_invoices.hosts``): importable before Django is set up."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from oro_invoices.domain.errors import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.oscar.host import OscarHost

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"


def make_host() -> OscarHost:
    """In a shop whose Django is set up, or named by ``DJANGO_SETTINGS_MODULE`` (a command such
    as ``oro-invoices worker --host oscar``, which sets Django up with it), an adapter over the
    shop's database. In a process without Django settings (the conformance kit), a fresh
    adapter over a throwaway migrated SQLite shop of its own, emptied again for every adapter
    (``testing.isolated_shop``)."""
    from django.conf import settings

    from oro_invoices.adapters.oscar import testing
    if not settings.configured:
        if os.environ.get(SETTINGS_ENV):
            _set_up_django(os.environ[SETTINGS_ENV])
        else:
            testing.isolated_shop()
    db = testing.fresh_database_if_isolated()
    from oro_invoices.adapters.oscar.host import OscarHost
    return OscarHost(db)


def _set_up_django(module: str) -> None:
    """``django.setup()`` with the shop's settings module, or a ``ConfigurationError`` saying
    why it cannot be read."""
    import django
    try:
        django.setup()
    except ImportError as exc:
        raise ConfigurationError(
            f"The oscar host cannot read the shop's Django settings {SETTINGS_ENV}={module!r}: {exc}. "
            "Run the command in the shop's project folder with PYTHONPATH=. (or the folder that "
            "holds the settings module).") from exc
