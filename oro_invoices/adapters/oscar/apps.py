"""The Django app: an Oscar dashboard app configuration."""
from __future__ import annotations

from typing import Any

from oscar.core.application import OscarDashboardConfig

from oro_invoices.adapters.oscar.translation import gettext_lazy
from oro_invoices.i18n import N_


class OroInvoicesOscarConfig(OscarDashboardConfig):
    """oro-invoices in an Oscar shop: models, templates, the dashboard navigation entry's access."""

    name = "oro_invoices.adapters.oscar"
    label = "oro_invoices_oscar"
    verbose_name = gettext_lazy(N_("Invoices"))
    namespace = "oro_invoices"
    default_auto_field = "django.db.models.BigAutoField"
    # every view checks the add-on's permissions itself (``identity``)
    default_permissions = None

    def ready(self) -> None:
        from oro_invoices.adapters.oscar import checks  # noqa: F401 (registers the system checks)

    def get_urls(self) -> list[Any]:
        from oro_invoices.adapters.oscar.urls import urlpatterns
        return list(self.post_process_urls(list(urlpatterns)))
