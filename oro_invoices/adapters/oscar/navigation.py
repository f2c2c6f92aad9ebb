"""The dashboard navigation entry: Oscar builds its menu from ``OSCAR_DASHBOARD_NAVIGATION``.

In the shop's settings::

    from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION
    from oro_invoices.adapters.oscar.navigation import with_invoices
    OSCAR_DASHBOARD_NAVIGATION = with_invoices(OSCAR_DASHBOARD_NAVIGATION)

or add ``NAVIGATION_ENTRY`` yourself where it belongs. The entry shows while the add-on's
menu entry is registered, invoices are on for the user's organization and the user holds
``oro_invoices.view`` (``menu_access``).
"""
from __future__ import annotations

import copy
from typing import Any

from oro_invoices import i18n
from oro_invoices.adapters.oscar.translation import gettext_lazy as _label

MENU_KEY = "oro_invoices.invoices"


def menu_access(user: Any, url_name: str | None, url_args: Any = None, url_kwargs: Any = None) -> bool:
    """Oscar's ``access_fn``: the add-on's menu entry is visible to ``user``."""
    from oro_invoices.adapters.oscar.identity import backoffice_login
    from oro_invoices.adapters.oscar.runtime import runtime
    from oro_invoices.adapters.oscar.tables import AppNotMigrated
    from oro_invoices.integration.config import Settings
    from oro_invoices.integration.features import entry_visible

    try:
        host = runtime().host
    except AppNotMigrated:  # logged: hidden until the app's migrations have run
        return False
    who, granted = backoffice_login(user)
    if who.is_anonymous:
        return False
    entry = next((e for e in host.menu.entries() if e.key == MENU_KEY), None)
    if entry is None:
        return False
    ctx = host.scope_of(who)
    return (entry_visible(Settings(host.config), entry.feature, ctx)
            and (entry.permission is None or entry.permission in granted))


def settings_access(user: Any, url_name: str | None, url_args: Any = None, url_kwargs: Any = None) -> bool:
    """Oscar's ``access_fn`` of the settings page: ``oro_invoices.configure`` (hidden while the
    app's tables are missing)."""
    from oro_invoices.adapters.oscar.identity import backoffice_login
    from oro_invoices.adapters.oscar.tables import missing_tables
    return "oro_invoices.configure" in backoffice_login(user)[1] and not missing_tables()


#: The entries ``with_invoices`` adds after Fulfilment > Orders: the grid and the settings page.
NAVIGATION_ENTRY: dict[str, Any] = {
    "label": _label(i18n.N_("Invoices")),
    "url_name": "oro_invoices:backoffice",
    "access_fn": menu_access,
}
SETTINGS_ENTRY: dict[str, Any] = {
    "label": _label(i18n.N_("Invoice settings")),
    "url_name": "oro_invoices:settings",
    "access_fn": settings_access,
}


def with_invoices(navigation: list[dict[str, Any]], *, after: str = "dashboard:order-list") -> list[dict[str, Any]]:
    """A copy of ``navigation`` with ``NAVIGATION_ENTRY`` and ``SETTINGS_ENTRY`` right after the
    entry whose ``url_name`` is ``after`` (Fulfilment > Orders), or in a group of their own when
    there is none; adding them again moves them there."""
    found = copy.deepcopy(navigation)
    added = [dict(NAVIGATION_ENTRY), dict(SETTINGS_ENTRY)]
    ours = {e["url_name"] for e in added}
    for group in found:
        children = group.get("children")
        if not isinstance(children, list):
            continue
        if after in [c.get("url_name") for c in children]:
            kept = [c for c in children if c.get("url_name") not in ours]
            at = [c.get("url_name") for c in kept].index(after) + 1
            group["children"] = kept[:at] + added + kept[at:]
            return found
    found.append({"label": _label(i18n.N_("Invoices")), "icon": "fas fa-file-invoice", "children": added})
    return found
