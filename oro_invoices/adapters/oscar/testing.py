"""What the conformance kit needs from an Oscar shop: a throwaway shop, a seeder, a page client.

``isolated_shop`` configures Django in a process that has no settings of its own (the kit's
``--oro-host oro_invoices.adapters.oscar.entry:throwaway_shop_host``): a minimal Oscar shop on a
temporary SQLite file, migrated once (Oscar's tables and the add-on's) and copied back before
each new host, so every host starts from the same empty shop.
"""
from __future__ import annotations

import atexit
import hashlib
import itertools
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from oro_invoices.adapters.commerce import (
    CustomerRef,
    CustomerUserRef,
    InvoiceRole,
    OrderLine,
    OrderSnapshot,
    WebsiteRef,
)
from oro_invoices.adapters.identity import PERMISSIONS, CurrentUser
from oro_invoices.adapters.ui import EmailTemplate
from oro_invoices.domain.invoice import Address
from oro_invoices.web.http import Response

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.oscar.host import OscarHost
    from oro_invoices.composition import Addon

_shop: dict[str, Path] = {}
_copies = itertools.count(1)
_TOKEN = re.compile(r"name=[\"']csrfmiddlewaretoken[\"'] value=[\"']([^\"']+)[\"']")


def isolated_shop() -> Path:
    """Set Django up for a throwaway shop in a temporary directory (once per process)."""
    if "dir" in _shop:
        return _shop["dir"]
    import django
    from django.conf import settings
    from django.core.management import call_command

    from oro_invoices.adapters.oscar.shop_settings import shop_settings

    workdir = Path(tempfile.mkdtemp(prefix="oro-oscar-shop-"))
    atexit.register(shutil.rmtree, workdir, True)
    database = workdir / "shop.db"
    settings.configure(**shop_settings(
        workdir, str(database), secret_key=secrets.token_hex(32),
        INSTALL=False, MIGRATE=False, STORAGE_URL=(workdir / "pdf").as_uri(),
        BASE_URL="http://shop.test"))
    django.setup()
    cached = _template_cache()
    if cached.is_file():
        shutil.copyfile(cached, database)
    else:
        call_command("migrate", verbosity=0, interactive=False)
        from oro_invoices.composition import AddonConfig, build_addon
        build_addon(AddonConfig(database_url=f"sqlite:///{database}", migrate=True, pdf=False)).close()
        _close_connections()
        partial = cached.with_suffix(f".{secrets.token_hex(4)}.tmp")
        shutil.copyfile(database, partial)
        os.replace(partial, cached)  # atomic: another process may be building it too
    shutil.copyfile(database, workdir / "template.db")
    _shop.update(dir=workdir, database=database)
    return workdir


def _template_cache() -> Path:
    """Where the migrated empty shop is kept between runs: named after everything that
    changes its schema (Django's and Oscar's versions, both sets of migrations)."""
    from importlib.metadata import version

    from oro_invoices.adapters.oscar import migrations as app_migrations
    from oro_invoices.persistence import migrations as addon_migrations
    digest = hashlib.sha256(f"{version('django')} {version('django-oscar')}".encode())
    for package in (app_migrations, addon_migrations):
        for path in sorted(Path(package.__path__[0]).rglob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return Path(tempfile.gettempdir()) / f"oro-oscar-shop-{digest.hexdigest()[:16]}.db"


def fresh_database_if_isolated() -> str:
    """In the throwaway shop of ``isolated_shop``: a copy of the empty migrated shop under a
    database alias of its own (returned), which Django's ``default`` database (the HTTP stack)
    now uses too, so adapters made one after another never share data. Else ``"default"``."""
    if "database" not in _shop:
        return "default"
    from django.db import connections

    from oro_invoices.adapters.oscar.runtime import activate
    activate(None)
    number = next(_copies)
    path = _shop["dir"] / f"shop-{number}.db"
    shutil.copyfile(_shop["dir"] / "template.db", path)
    default = connections.databases["default"]
    connections["default"].close()
    default["NAME"] = str(path)
    alias = f"oro_kit_{number}"
    connections.databases[alias] = {**default, "NAME": str(path)}
    return alias


def release(alias: str) -> None:
    """Forget a database made by ``fresh_database_if_isolated`` (its file goes too)."""
    from django.db import connections
    if alias == "default" or alias not in connections.databases:
        return
    connections[alias].close()
    path = Path(connections.databases.pop(alias)["NAME"])
    if connections.databases["default"]["NAME"] != str(path):
        path.unlink(missing_ok=True)


def _close_connections() -> None:
    from django.db import connections
    connections.close_all()


class KitSeeder:
    """Puts customers, users, sites and orders into the Oscar shop (``oro_invoices.testing.Seeder``)."""

    def __init__(self, host: OscarHost):
        self.host = host
        self.db = host.db
        self._numbers = itertools.count(1)

    def partner(self, organization_id: int) -> Any:
        """The partner that is organization ``organization_id`` (made when missing)."""
        from oscar.core.loading import get_model
        partner, _ = get_model("partner", "Partner").objects.using(self.db).get_or_create(
            pk=organization_id, defaults={"name": f"Organization {organization_id}"})
        return partner

    def add_customer(self, name: str, *, parent_id: int | None = None,
                     group_id: int | None = None, organization_id: int = 1, vat_id: str = "",
                     country_code: str = "", buyer_reference: str = "", einvoice_address: str = "") -> CustomerRef:
        from oro_invoices.adapters.oscar.models import BusinessCustomer
        if group_id is not None:
            raise ValueError("Oscar has no customer groups")
        row = BusinessCustomer.objects.using(self.db).create(
            name=name, parent_id=parent_id, organization=self.partner(organization_id),
            vat_id=vat_id, country_code=country_code, buyer_reference=buyer_reference,
            einvoice_address=einvoice_address)
        found = self.host.customers.get_customer(row.id)
        assert found is not None
        return found

    def add_website(self, name: str, *, organization_id: int = 1) -> WebsiteRef:
        from django.contrib.sites.models import Site

        from oro_invoices.adapters.oscar.models import SiteOrganization
        site = Site.objects.using(self.db).create(domain=f"site{next(self._numbers)}.shop.test", name=name)
        SiteOrganization.objects.using(self.db).create(site=site, organization=self.partner(organization_id))
        return WebsiteRef(site.id, name, organization_id)

    def add_customer_user(self, customer_id: int, email: str, name: str = "",
                          invoice_role: InvoiceRole = InvoiceRole.OWN) -> CustomerUserRef:
        from django.contrib.auth import get_user_model

        from oro_invoices.adapters.oscar.models import Buyer
        first, _, last = (name or "").partition(" ")
        user = get_user_model().objects.db_manager(self.db).create_user(
            username=f"buyer{next(self._numbers)}", email=email, password=None,
            first_name=first, last_name=last)
        Buyer.objects.using(self.db).create(user=user, customer_id=customer_id,
                             invoice_role=InvoiceRole(invoice_role).value)
        found = self.host.customers.get_customer_user(user.pk)
        assert found is not None
        return found

    def add_order(self, *, identifier: str = "", currency: str = "USD",
                  organization_id: int = 1, customer_id: int | None = None,
                  customer_user_id: int | None = None, website_id: int | None = None,
                  lines: Iterable[OrderLine] = (), bill_to: Address | None = None,
                  ship_to: Address | None = None, purchase_order: str = "") -> OrderSnapshot:
        """An Oscar order; its lines are the organization's partner's (a line-less order
        belongs to its site's organization); ``purchase_order``: its ``OrderPurchaseOrder``.
        An order the host would read back otherwise (another organization, another customer)
        is refused with a ``ValueError`` saying why, and nothing of it stays in the shop."""
        from django.core.exceptions import ValidationError
        from django.db import transaction
        from oscar.core.loading import get_model

        from oro_invoices.adapters.oscar.models import OrderPurchaseOrder, check_purchase_order
        try:  # before the order is made: nothing half-written
            check_purchase_order(purchase_order.strip())
        except ValidationError as exc:
            raise ValueError(f"purchase_order {purchase_order!r}: {' '.join(exc.messages)}") from exc
        # one transaction: an order refused below (read back in another organization, or for
        # another customer) leaves nothing behind, neither the order nor its lines and addresses
        with transaction.atomic(using=self.db):
            order_model = get_model("order", "Order")
            partner = self.partner(organization_id)
            order = order_model.objects.using(self.db).create(
                number=identifier or f"KIT-{next(self._numbers):05d}", currency=currency,
                site_id=website_id, user_id=customer_user_id,
                billing_address=_oscar_address(get_model("order", "BillingAddress"), bill_to, self.db),
                shipping_address=_oscar_address(get_model("order", "ShippingAddress"), ship_to, self.db),
                total_incl_tax=Decimal("0"), total_excl_tax=Decimal("0"),
                date_placed=self.host.clock())
            total_excl = total_incl = Decimal("0")
            for line in lines:
                excl = line.unit_price
                incl = (excl * (1 + line.tax_rate)).quantize(Decimal("0.01"))
                quantity = int(line.quantity)
                order.lines.create(partner=partner, partner_name=partner.name,
                                   partner_sku=line.sku or "", title=line.description,
                                   quantity=quantity, unit_price_excl_tax=excl,
                                   unit_price_incl_tax=incl, line_price_excl_tax=excl * quantity,
                                   line_price_incl_tax=incl * quantity,
                                   line_price_before_discounts_excl_tax=excl * quantity,
                                   line_price_before_discounts_incl_tax=incl * quantity,
                                   num_allocated=0)
                total_excl += excl * quantity
                total_incl += incl * quantity
            order_model.objects.using(self.db).filter(pk=order.pk).update(total_excl_tax=total_excl,
                                                                          total_incl_tax=total_incl)
            if purchase_order.strip():
                OrderPurchaseOrder.objects.using(self.db).create(order=order, number=purchase_order.strip())
            found = self.host.orders.get(order.pk)
            if found is None or found.organization_id != organization_id:
                raise ValueError(f"an Oscar order without lines belongs to its site's organization; "
                                 f"give it lines or a website of organization {organization_id}")
            if customer_id is not None and found.customer_id != customer_id:
                raise ValueError(f"customer user {customer_user_id} does not buy for customer {customer_id}")
            return found

    def login_admin(self, permissions: Iterable[str] = PERMISSIONS, *,
                    organization_id: int = 1) -> CurrentUser:
        user = CurrentUser(next(self._numbers), "admin", "Kit Admin", "admin@shop.test", organization_id)
        self.host.users.force(user, permissions)
        return user

    def login_customer_user(self, customer_user_id: int) -> CurrentUser:
        from oro_invoices.adapters.identity import storefront_permissions
        ref = self.host.customers.get_customer_user(customer_user_id)
        if ref is None:
            raise KeyError(f"no customer user {customer_user_id}")
        customer = self.host.customers.get_customer(ref.customer_id)
        user = CurrentUser(ref.id, "customer_user", ref.name, ref.email,
                           customer.organization_id if customer else None, customer_user_id=ref.id)
        self.host.users.force(user, storefront_permissions(ref.invoice_role))
        return user

    def logout(self) -> None:
        from oro_invoices.adapters.identity import ANONYMOUS
        self.host.users.force(ANONYMOUS, ())

    def customise_template(self, name: str, **changes: str) -> EmailTemplate:
        return self.host.email_templates.customise(name, **changes)


def _oscar_address(model: Any, given: Address | None, db: str) -> Any:
    if given is None:
        return None
    from oscar.core.loading import get_model
    country = None
    if given.country:
        country, _ = get_model("address", "Country").objects.using(db).get_or_create(
            iso_3166_1_a2=given.country.upper(), defaults={"name": given.country.upper()})
    first, _, last = given.name.partition(" ")
    street2, _, street3 = given.street2.partition(", ")
    fields = {"first_name": first, "last_name": last, "line1": given.street, "line2": street2,
              "line3": street3, "line4": given.city, "state": given.region,
              "postcode": given.postal_code, "country": country}
    if given.phone and hasattr(model, "phone_number"):
        fields["phone_number"] = given.phone
    return model.objects.using(db).create(**fields)


class KitClient:
    """The kit's page client: Django's test client on the shop, with Django's CSRF checks on,
    logging users in through Oscar's login forms."""

    def __init__(self, host: OscarHost, addon: Addon | None = None):
        from django.test import Client

        from oro_invoices.adapters.oscar.commerce import option
        from oro_invoices.adapters.oscar.payments import OscarPayments
        from oro_invoices.adapters.oscar.runtime import activate, build_runtime, database_url
        from oro_invoices.composition import AddonConfig, build_addon
        self.host = host
        payments = OscarPayments(host.db)
        self.addon = addon or build_addon(AddonConfig(
            database_url=database_url(), storage_url=option("STORAGE_URL"), migrate=False,
            pdf=False, plugins=(payments,)), host=host)
        payments.bind(self.addon.invoices)
        self.runtime = build_runtime(host, self.addon)
        activate(self.runtime)
        self.http = Client(enforce_csrf_checks=True)
        self._numbers = itertools.count(1)

    def request(self, method: str, url: str, *, data: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                files: Mapping[str, tuple[str, bytes]] | None = None) -> Response:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
        if files:
            fields: dict[str, Any] = {**(data or {}), **{field: SimpleUploadedFile(name, content)
                                                         for field, (name, content) in files.items()}}
            body: str | bytes = encode_multipart(BOUNDARY, fields)
            content_type = MULTIPART_CONTENT
        else:
            body, content_type = urlencode(dict(data or {})), "application/x-www-form-urlencoded"
        resp = self.http.generic(method.upper(), url, body, content_type=content_type,
                                 headers=dict(headers or {}))
        content = b"".join(resp.streaming_content) if resp.streaming else resp.content
        return Response(status=resp.status_code, body=content, headers=dict(resp.headers.items()),
                        content_type=resp.headers.get("Content-Type", ""))

    def _form_login(self, path: str, fields: Mapping[str, str]) -> None:
        page = self.http.get(path)
        token = _TOKEN.search(page.content.decode())
        resp = self.http.post(path, {**fields, "csrfmiddlewaretoken": token.group(1) if token else ""})
        assert resp.status_code == 302, f"logging in at {path} failed: {resp.status_code}"

    def login_admin(self, permissions: Iterable[str] = PERMISSIONS, *, organization_id: int = 1) -> None:
        """A partner user of ``organization_id`` with dashboard access and exactly ``permissions``."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission
        from django.urls import reverse

        from oro_invoices.adapters.oscar.identity import DJANGO_PERMISSIONS
        number = next(self._numbers)
        email = f"kit-admin-{number}-{secrets.token_hex(3)}@shop.test"
        user = get_user_model().objects.db_manager(self.host.db).create_user(
            username=email[:30], email=email, password="kit-password")
        wanted = ["partner.dashboard_access"] + [DJANGO_PERMISSIONS[p] for p in permissions
                                                 if p in DJANGO_PERMISSIONS]
        for perm in wanted:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.using(self.host.db).get(content_type__app_label=app_label,
                                                             codename=codename))
        KitSeeder(self.host).partner(organization_id).users.add(user)
        self.http.logout()
        self._form_login(reverse("dashboard:login"), {"username": email, "password": "kit-password"})

    def login_customer_user(self, customer_user_id: int) -> None:
        from django.contrib.auth import get_user_model
        from django.urls import reverse
        user = get_user_model().objects.using(self.host.db).get(pk=customer_user_id)
        user.set_password("kit-password")
        user.save()
        self.http.logout()
        self._form_login(reverse("customer:login"), {"login-username": user.email,
                                                     "login-password": "kit-password",
                                                     "login_submit": "1"})

    def logout(self) -> None:
        self.http.logout()

    def close(self) -> None:
        from oro_invoices.adapters.oscar.runtime import activate
        activate(None)
        self.addon.close()
