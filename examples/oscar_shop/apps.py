"""The example shop's own app: only its ``seed_invoices`` command."""
from __future__ import annotations

from django.apps import AppConfig


class OscarShopConfig(AppConfig):
    name = "examples.oscar_shop"
    label = "oro_example_shop"
