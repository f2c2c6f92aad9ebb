"""Whether the app's own tables (settings, registries, business customers) are in the shop's
database: until ``manage.py migrate oro_invoices_oscar`` has run they are not, and the add-on
cannot start there (``runtime``); Oscar's pages then show no invoice parts instead of a 500."""
from __future__ import annotations

import logging

from django.apps import apps
from django.db import connections

from oro_invoices.domain.errors import DatabaseNotMigrated
from oro_invoices.i18n import N_

APP_LABEL = "oro_invoices_oscar"
MIGRATE = f"python manage.py migrate {APP_LABEL}"

log = logging.getLogger("oro_invoices.oscar")
#: The databases (alias and name) found holding every table: they are not looked at again.
_complete: set[tuple[str, str]] = set()
_warned: set[tuple[str, str]] = set()


class AppNotMigrated(DatabaseNotMigrated):
    """The app's tables are missing from the shop's database: its migrations have not run."""

    default_message = N_("The invoice tables are missing from the shop's database: run "
                         "python manage.py migrate oro_invoices_oscar.")


def missing_tables(using: str = "default") -> list[str]:
    """The app's tables that database ``using`` lacks (none once all were found there)."""
    place = (using, str(connections[using].settings_dict.get("NAME")))
    if place in _complete:
        return []
    wanted = sorted(m._meta.db_table for m in apps.get_app_config(APP_LABEL).get_models()
                    if m._meta.managed)
    present = set(connections[using].introspection.table_names())
    missing = [table for table in wanted if table not in present]
    if not missing:
        _complete.add(place)
    return missing


def require_tables(using: str = "default") -> None:
    """:raises AppNotMigrated: the app's tables are missing (logged once per database)."""
    missing = missing_tables(using)
    if not missing:
        return
    place = (using, str(connections[using].settings_dict.get("NAME")))
    if place not in _warned:
        _warned.add(place)
        log.warning("The tables of %s (%s) are missing from database %r: the invoice menu entries, "
                    "order tab and account entry stay hidden and the invoice pages answer 503 until "
                    "`%s` has run.", APP_LABEL, ", ".join(missing), using, MIGRATE)
    raise AppNotMigrated()
