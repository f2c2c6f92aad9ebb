"""Django system checks (``manage.py check``) of what the app needs of the shop: Django's CSRF
middleware, and its migrations applied (a database check: ``manage.py check --database default``)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from oro_invoices.adapters.oscar.tables import APP_LABEL, MIGRATE

CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"


def _has_subclass(paths: Iterable[str], wanted: type) -> bool:
    for path in paths:
        try:
            found = import_string(path)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, wanted):
            return True
    return False


@register(Tags.security)
def csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An error when ``MIDDLEWARE`` lacks Django's CSRF middleware: the add-on's forms accept a
    POST only when that middleware accepts its token, so without it every form "has expired"."""
    if _has_subclass(getattr(settings, "MIDDLEWARE", None) or (), CsrfViewMiddleware):
        return []
    return [Error(
        f"oro-invoices needs Django's CSRF middleware: without {CSRF_MIDDLEWARE} in MIDDLEWARE "
        "every form of its pages (settings, Send to Customer, payments …) is refused as expired.",
        hint=f"Add '{CSRF_MIDDLEWARE}' to MIDDLEWARE, after SessionMiddleware (docs/oscar.md).",
        id=f"{APP_LABEL}.E001")]


@register(Tags.database)
def migrations_applied(app_configs: Any = None, databases: Iterable[str] | None = None,
                       **kwargs: Any) -> list[CheckMessage]:
    """A warning for each database checked that lacks migrations of the app."""
    found: list[CheckMessage] = []
    for alias in databases or ():
        loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
        missing = sorted(name for app, name in loader.graph.nodes
                         if app == APP_LABEL and (app, name) not in loader.applied_migrations)
        if missing:
            command = MIGRATE + ("" if alias == "default" else f" --database {alias}")
            found.append(Warning(
                f"Database {alias!r} lacks the migrations {', '.join(missing)} of {APP_LABEL}, the "
                "Django app of oro-invoices (its settings, registries and business customers).",
                hint=f"Run `{command}`: until its tables exist, the invoice menu entries, order tab "
                     "and account entry stay hidden and the invoice pages answer 503.",
                id=f"{APP_LABEL}.W001"))
    return found
