"""The URLconf of the minimal shop (``shop_settings``): the add-on's pages, then Oscar's."""
from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # Oscar's layouts link the language form
    path("", include("oro_invoices.adapters.oscar.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
