"""The add-on's URLs: include them at the root of the shop's URLconf, before Oscar's::

    path("", include("oro_invoices.adapters.oscar.urls")),

Each page area (``ORO_INVOICES["PREFIXES"]``) is one catch-all pattern; the add-on's own
routing decides the page. ``oro_invoices:backoffice`` is the invoice grid.
"""
from __future__ import annotations

import re

from django.apps import apps
from django.urls import URLPattern, re_path
from django.views.static import serve

from oro_invoices.adapters.oscar import config_page, email_editor, views
from oro_invoices.adapters.oscar.commerce import option
from oro_invoices.adapters.oscar.host import prefixes
from oro_invoices.web.mounting import STATIC_DIR, STATIC_PATH

app_name = "oro_invoices"


def _area(prefix: str) -> str:
    return "^" + re.escape(prefix.strip("/")) + "(?:/.*)?$"


def _email_editor() -> list[URLPattern]:
    """Oscar's email editor URL, answered by ``email_editor`` with Oscar's own permission check."""
    dashboard = re.escape(option("DASHBOARD_PATH", "/dashboard/").strip("/"))
    comms = apps.get_app_config("communications_dashboard")
    view = email_editor.InvoiceEmailUpdateView.as_view()
    guard = comms.get_url_decorator(re_path("^$", view, name="comms-update"))  # Oscar's own check
    return [re_path("^" + dashboard + r"/comms/(?P<slug>[\w-]+)/$", guard(view) if guard else view,
                    name="email_editor")]


urlpatterns = [
    *_email_editor(),
    re_path("^" + re.escape(option("SETTINGS_PATH", "/dashboard/invoice-settings").strip("/")) + "/?$",
            config_page.settings_page, name="settings"),
    *(re_path(_area(prefix), views.page, name=area) for area, prefix in prefixes().items()),
    re_path(_area(option("API_PREFIX", "/api")), views.api, name="api"),
    re_path("^" + re.escape(STATIC_PATH.strip("/")) + "/(?P<path>.+)$", serve,
            {"document_root": STATIC_DIR}, name="static"),
]
