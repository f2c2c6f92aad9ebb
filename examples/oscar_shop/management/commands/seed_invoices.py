"""``manage seed_invoices``: a partner, an admin, a buyer, two orders and their invoices."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from oro_invoices.adapters import InvoiceRole, OrderLine
from oro_invoices.adapters.oscar.runtime import runtime
from oro_invoices.adapters.oscar.testing import KitSeeder
from oro_invoices.domain.invoice import Address

ADMIN = ("admin@shop.test", "admin")
BUYER = ("buyer@acme.test", "buyer")


class Command(BaseCommand):
    help = "Seed the example shop: logins admin@shop.test/admin (dashboard), buyer@acme.test/buyer (account)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        if users.filter(email=ADMIN[0]).exists():
            self.stdout.write("The shop is seeded already.")
            return
        found = runtime()  # installs the add-on's profile (menu, tab, settings, email templates)
        host, invoices, settings = found.host, found.addon.invoices, found.addon.settings
        for key in ("oro_invoices.enabled", "oro_invoices.storefront_enabled",
                    "oro_invoices.storefront_pdf_download"):
            settings.set(key, True)
        seeder = KitSeeder(host)
        northwind = seeder.partner(1)
        northwind.name = "Northwind"
        northwind.save()
        users.create_superuser(username="admin", email=ADMIN[0], password=ADMIN[1])
        acme = seeder.add_customer("ACME Corp", organization_id=1, vat_id="DE123456788",
                                   country_code="DE")
        buyer = seeder.add_customer_user(acme.id, BUYER[0], "Bea Buyer", InvoiceRole.DEPARTMENT)
        user = users.get(pk=buyer.id)
        user.set_password(BUYER[1])
        user.save()
        bill_to = Address(name="Bea Buyer", organization="ACME Corp", street="Hauptstr. 1",
                          city="Berlin", postal_code="10115", country="DE")
        today = invoices.today()   # today in the global time zone, as the add-on judges the shop's days
        for number, (title, price) in enumerate((("Widget", "19.99"), ("Gadget", "49.00")), 1):
            order = seeder.add_order(
                identifier=f"SO-{1000 + number}", currency="EUR", organization_id=1,
                customer_id=acme.id, customer_user_id=buyer.id, bill_to=bill_to,
                lines=[OrderLine(title, Decimal("2"), Decimal(price), Decimal("0.19"), f"SKU-{number}")])
            draft = invoices.create({
                "invoice_date": today.isoformat(),
                "due_date": (today + dt.timedelta(days=30)).isoformat(),
                "currency": order.currency, "organization_id": order.organization_id,
                "customer_id": order.customer_id, "customer_user_id": order.customer_user_id,
                "order_id": order.id, "order_identifier": order.identifier,
                "bill_to": bill_to.as_dict(),
                "lines": [{"description": l.description, "sku": l.sku, "quantity": str(l.quantity),
                           "unit_price": str(l.unit_price), "tax_rate": str(l.tax_rate)}
                          for l in order.lines]}, actor="seed")
            if number == 1:
                invoices.post(draft.id, actor="seed")
        self.stdout.write(f"Seeded: dashboard {ADMIN[0]} / {ADMIN[1]}, account {BUYER[0]} / {BUYER[1]}.")
