"""The example shop's URLs: oro-invoices' before Oscar's."""
from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),  # business customers, buyers, email templates
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("oro_invoices.adapters.oscar.urls")),  # oro-invoices
    path("", include(apps.get_app_config("oscar").urls[0])),
]
