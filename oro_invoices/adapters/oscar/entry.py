"""The entry point ``oscar`` (``oro_invoices.hosts``): importable before Django is set up."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from oro_invoices.domain.errors import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.oscar.host import OscarHost

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"
THROWAWAY_SHOP = "oro_invoices.adapters.oscar.entry:throwaway_shop_host"


def make_host() -> OscarHost:
    """In a shop whose Django is set up, or named by ``DJANGO_SETTINGS_MODULE`` (a command such
    as ``oro-invoices worker --host oscar``, which sets Django up with it), an adapter over the
    shop's database. Without either, a ``ConfigurationError`` saying to set
    ``DJANGO_SETTINGS_MODULE``: a command must never work on a shop that is not the user's."""
    from django.conf import settings

    from oro_invoices.adapters.oscar import testing
    if not settings.configured:
        if not os.environ.get(SETTINGS_ENV):
            raise ConfigurationError(
                f"The oscar host needs the shop's Django settings: set {SETTINGS_ENV} to its settings "
                f"module (as for manage.py, e.g. {SETTINGS_ENV}=shop.settings) and run the command in "
                f"the shop's project folder with PYTHONPATH=. (the conformance kit's throwaway shop is "
                f"--oro-host {THROWAWAY_SHOP}).")
        _set_up_django(os.environ[SETTINGS_ENV])
    db = testing.fresh_database_if_isolated()
    from oro_invoices.adapters.oscar.host import OscarHost
    return OscarHost(db)


def throwaway_shop_host() -> OscarHost:
    """The conformance kit's host (``--oro-host oro_invoices.adapters.oscar.entry:throwaway_shop_host``):
    in a process without Django settings, a fresh adapter over a throwaway migrated SQLite shop of
    its own, emptied again for every adapter (``testing.isolated_shop``); in a process whose
    Django is set up, ``make_host``'s adapter over that shop."""
    from django.conf import settings

    from oro_invoices.adapters.oscar import testing
    if not settings.configured:
        testing.isolated_shop()
    return make_host()


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
