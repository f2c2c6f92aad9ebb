"""The add-on as one Django process runs it: the host adapter, the services, the mounted pages.

Built on first use from the ``ORO_INVOICES`` setting (docs/oscar.md lists its keys):

- ``DATABASE_URL``: the add-on's own tables (default: the shop's SQLite or PostgreSQL database);
- ``STORAGE_URL``: where invoice PDFs are kept; ``SMTP``: how mail is sent (None: the outbox);
- ``PREFIXES``: the page areas' paths; ``API_PREFIX`` and ``API_TOKENS``
  (``{token: {"name": …, "organization_id": …}}``) mount the JSON API;
- ``INSTALL`` (default True): install the add-on's profile (menu entry, tab, settings,
  email templates) when the runtime is built.

Payments are mirrored onto Oscar's orders by the ``payments.OscarPayments`` plugin.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.db import connections
from django.urls import reverse

from oro_invoices.adapters.oscar.commerce import option
from oro_invoices.adapters.oscar.host import OscarHost
from oro_invoices.adapters.oscar.payments import OscarPayments
from oro_invoices.adapters.oscar.tables import require_tables
from oro_invoices.adapters.oscar.web import DjangoCsrf
from oro_invoices.composition import Addon, AddonConfig, build_addon
from oro_invoices.integration import profile
from oro_invoices.web import mounting
from oro_invoices.web.api import ApiClient, InvoiceApi
from oro_invoices.web.http import Request


@dataclass
class Runtime:
    """What the views, template tags and navigation use."""

    host: OscarHost
    addon: Addon
    mount: mounting.PageMount
    api: InvoiceApi | None


_lock = threading.Lock()
_current: Runtime | None = None


def database_url() -> str:
    """``ORO_INVOICES["DATABASE_URL"]``, else the shop's own database as SQLAlchemy names it."""
    configured = option("DATABASE_URL")
    if configured:
        return str(configured)
    db = django_settings.DATABASES["default"]
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    if "postgresql" in engine:
        port = f":{db['PORT']}" if db.get("PORT") else ""
        auth = db.get("USER", "") + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgresql+psycopg://{auth}@{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"
    raise RuntimeError(f"oro-invoices cannot share the {engine} database: set "
                       "ORO_INVOICES['DATABASE_URL'] to a SQLite or PostgreSQL URL")


def _api_tokens() -> dict[str, ApiClient]:
    tokens: dict[str, Any] = option("API_TOKENS", {})
    return {token: ApiClient(name=str(c["name"]), organization_id=int(c["organization_id"]),
                             permissions=frozenset(c["permissions"]) if c.get("permissions") is not None else None)
            for token, c in tokens.items()}


def _order_url(order_id: int) -> str | None:
    from oscar.core.loading import get_model
    number = get_model("order", "Order").objects.filter(pk=order_id).values_list("number", flat=True).first()
    return reverse("dashboard:order-detail", kwargs={"number": number}) if number else None


def _storefront_order_url(order_id: int) -> str | None:
    from oscar.core.loading import get_model
    number = get_model("order", "Order").objects.filter(pk=order_id).values_list("number", flat=True).first()
    return reverse("customer:order", kwargs={"order_number": number}) if number else None


def _login_url(area: str, request: Request) -> str | None:
    return str(reverse("dashboard:login") if area == "backoffice" else reverse(django_settings.LOGIN_URL))


def build_runtime(host: OscarHost | None = None, addon: Addon | None = None) -> Runtime:
    """The runtime over ``host`` and ``addon`` (both built from the settings when left out)."""
    host = host or OscarHost()
    if option("INSTALL", True):
        profile.install(host)
    if addon is None:
        payments = OscarPayments(host.db)
        addon = build_addon(AddonConfig(database_url=database_url(),
                                        storage_url=option("STORAGE_URL"), smtp=option("SMTP"),
                                        migrate=bool(option("MIGRATE", True)),
                                        plugins=(payments,)), host=host)
        payments.bind(addon.invoices)
    services = mounting.compose(host, addon=addon)
    ctx = mounting.build_context(services, host, csrf=DjangoCsrf(), url_builder=host.urls.url_for,
                                 static_url=_static_url, order_url=_order_url,
                                 storefront_order_url=_storefront_order_url,
                                 template_reload=bool(option("TEMPLATE_RELOAD", django_settings.DEBUG)))
    mount = mounting.PageMount(ctx, prefixes=host.prefixes, login_url=_login_url,
                               render_flashes=False)
    tokens = _api_tokens()
    api = InvoiceApi(services.invoices, authenticate=tokens.get, settings=services.settings,
                     base_path=option("API_PREFIX", "/api"), mail=services.mail) if tokens else None
    return Runtime(host=host, addon=addon, mount=mount, api=api)


def _static_url(filename: str) -> str:
    return str(reverse("oro_invoices:static", kwargs={"path": filename}))


def runtime() -> Runtime:
    """This process's runtime, built on first use.

    :raises AppNotMigrated: the app's tables are missing from the shop's database (logged).
    """
    global _current
    with _lock:
        if _current is None:
            require_tables()
            _current = build_runtime()
        return _current


def activate(found: Runtime | None) -> None:
    """Make ``found`` this process's runtime (None: build it again on next use)."""
    global _current
    with _lock:
        _current = found


def close_connections() -> None:
    """Close Django's connections (after swapping a test database file underneath them)."""
    connections.close_all()
