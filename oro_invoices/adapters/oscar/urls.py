"""The add-on's URLs: include them at the root of the shop's URLconf, before Oscar's::

    path("", include("oro_invoices.adapters.oscar.urls")),

Each page area (``ORO_INVOICES["PREFIXES"]``) is one catch-all pattern; the add-on's own
routing decides the page. ``oro_invoices:backoffice`` is the invoice grid.
"""
from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.urls import URLPattern, re_path
from django.views.static import serve

from oro_invoices.adapters.oscar import config_page, email_editor, order_page, views
from oro_invoices.adapters.oscar.commerce import option
from oro_invoices.adapters.oscar.host import prefixes
from oro_invoices.web.mounting import STATIC_DIR, STATIC_PATH

app_name = "oro_invoices"


def _area(prefix: str) -> str:
    return "^" + re.escape(prefix.strip("/")) + "(?:/.*)?$"


def _over_oscar(app_label: str, oscar_name: str, view: Any, pattern: str, name: str) -> URLPattern:
    """``view`` at Oscar's dashboard URL ``pattern`` (under ``DASHBOARD_PATH``), guarded by the
    permissions Oscar's app ``app_label`` requires for its own URL ``oscar_name``."""
    dashboard = re.escape(option("DASHBOARD_PATH", "/dashboard/").strip("/"))
    guard = apps.get_app_config(app_label).get_url_decorator(re_path("^$", view, name=oscar_name))
    return re_path("^" + dashboard + pattern, guard(view) if guard else view, name=name)


def _over_oscars_views() -> list[URLPattern]:
    """Oscar's email editor (``email_editor``) and order page (``order_page``), answered by the
    add-on's subclasses of Oscar's views with Oscar's own permission checks."""
    return [
        _over_oscar("communications_dashboard", "comms-update", email_editor.InvoiceEmailUpdateView.as_view(),
                    r"/comms/(?P<slug>[\w-]+)/$", "email_editor"),
        _over_oscar("orders_dashboard", "order-detail", order_page.OrderDetailView.as_view(),
                    r"/orders/(?P<number>[^/]+)/$", "order_detail"),
    ]


urlpatterns = [
    *_over_oscars_views(),
    re_path("^" + re.escape(option("SETTINGS_PATH", "/dashboard/invoice-settings").strip("/")) + "/?$",
            config_page.settings_page, name="settings"),
    *(re_path(_area(prefix), views.page, name=area) for area, prefix in prefixes().items()),
    re_path(_area(option("API_PREFIX", "/api")), views.api, name="api"),
    re_path("^" + re.escape(STATIC_PATH.strip("/")) + "/(?P<path>.+)$", serve,
            {"document_root": STATIC_DIR}, name="static"),
]
