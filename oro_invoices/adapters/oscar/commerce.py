"""Oscar's orders, users, partners and sites read as the add-on's snapshots.

- an order's organization is the partner of its lines (else its site's, else the default);
- a customer is a ``BusinessCustomer``; an Oscar user becomes its customer user through a
  ``Buyer`` row. A user without one gets a personal customer named after them in the
  default organization the first time it is needed (``ensure_buyer``), so a plain Oscar
  shop needs no set-up;
- a website is a Django ``Site``, in the organization ``SiteOrganization`` gives it;
- an order's buyer PO number is its ``OrderPurchaseOrder``'s (Oscar's orders have none).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace, Upper
from oscar.core.loading import get_model

from oro_invoices.adapters.commerce import (
    CustomerRef,
    CustomerUserRef,
    InvoiceRole,
    OrderLine,
    OrderSnapshot,
    WebsiteRef,
)
from oro_invoices.adapters.oscar.models import BusinessCustomer, Buyer, OrderPurchaseOrder, SiteOrganization
from oro_invoices.domain.invoice import Address

CENT = Decimal("0.01")


def option(name: str, default: Any = None) -> Any:
    """One entry of the ``ORO_INVOICES`` Django setting."""
    return getattr(settings, "ORO_INVOICES", {}).get(name, default)


def default_organization(db: str = "default") -> int | None:
    """The partner whose invoices customers without one get: ``ORO_INVOICES["DEFAULT_ORGANIZATION"]``,
    else the first partner."""
    configured = option("DEFAULT_ORGANIZATION")
    if configured is not None:
        return int(configured)
    partner = get_model("partner", "Partner")
    first: int | None = partner.objects.using(db).order_by("id").values_list("id", flat=True).first()
    return first


def tax_rate(excl: Decimal | None, incl: Decimal | None) -> Decimal:
    """The rate a line was taxed at, as a fraction: the shortest one (2, 3 or 4 decimals) that
    gives the stored price including tax; Oscar stores prices, not rates."""
    if not excl or incl is None:
        return Decimal("0")
    exact = (incl - excl) / excl
    for places in ("0.01", "0.001", "0.0001"):
        rate = exact.quantize(Decimal(places))
        if (excl * (1 + rate)).quantize(CENT) == incl.quantize(CENT):
            return rate.normalize() if rate else Decimal("0")
    return exact.quantize(Decimal("0.0001"))


def address(row: Any, phone: str = "") -> Address | None:
    """An Oscar billing or shipping address as printed on the invoice."""
    if row is None:
        return None
    name = " ".join(p for p in (row.first_name, row.last_name) if p)
    return Address(name=name, street=row.line1 or "",
                   street2=", ".join(p for p in (row.line2, row.line3) if p),
                   city=row.line4 or "", region=row.state or "", postal_code=row.postcode or "",
                   country=row.country_id or "", phone=phone)


def _line(line: Any) -> OrderLine:
    excl = line.unit_price_excl_tax
    incl = line.unit_price_incl_tax
    if excl is None and line.quantity:
        excl = (line.line_price_excl_tax / line.quantity).quantize(CENT)
        incl = (line.line_price_incl_tax / line.quantity).quantize(CENT)
    return OrderLine(description=line.title, quantity=Decimal(line.quantity),
                     unit_price=excl or Decimal("0"), tax_rate=tax_rate(excl, incl),
                     sku=line.partner_sku or line.upc or "")


class OscarOrders:
    """Oscar's ``order.Order`` with its lines and addresses."""

    def __init__(self, db: str = "default"):
        self.db = db

    def get(self, order_id: int) -> OrderSnapshot | None:
        order_model = get_model("order", "Order")
        order = (order_model.objects.using(self.db)
                 .select_related("billing_address", "shipping_address", "user", "invoice_purchase_order")
                 .filter(pk=order_id).first())
        if order is None:
            return None
        lines = list(order.lines.order_by("id"))
        organization = next((l.partner_id for l in lines if l.partner_id), None)
        if organization is None:
            organization = site_organization(order.site_id, self.db)
        if organization is None:
            return None  # an order of no organization cannot be invoiced
        buyer = ensure_buyer(order.user, self.db) if order.user_id else None
        shipping = order.shipping_address
        ship_to = address(shipping, str(shipping.phone_number or "") if shipping else "")
        # Oscar's checkout asks for no billing address unless the shop adds a step for it: the
        # goods' address is then the buyer's, as Oscar's own order pages show it
        bill_to = address(order.billing_address) or ship_to
        return OrderSnapshot(
            id=order.id, identifier=order.number, organization_id=organization,
            currency=order.currency, customer_id=buyer.customer_id if buyer else None,
            customer_user_id=order.user_id, website_id=order.site_id,
            lines=tuple(_line(l) for l in lines), bill_to=bill_to, ship_to=ship_to,
            created_at=order.date_placed, purchase_order=purchase_order(order))


def purchase_order(order: Any) -> str:
    """The buyer's PO number of an Oscar order: its ``OrderPurchaseOrder``'s, "" without one (Oscar's
    checkout asks for none; staff give it in Django admin, or on the draft invoice)."""
    try:
        found: OrderPurchaseOrder = order.invoice_purchase_order
    except ObjectDoesNotExist:
        return ""
    return str(found.number).strip()


def _customer(row: BusinessCustomer) -> CustomerRef:
    return CustomerRef(row.id, row.name, row.parent_id, None, row.organization_id,
                       vat_id=row.vat_id, country_code=row.country_code,
                       buyer_reference=row.buyer_reference, einvoice_address=row.einvoice_address.strip())


def _customer_user(buyer: Buyer) -> CustomerUserRef:
    user = buyer.user
    return CustomerUserRef(user.id, user.email, user.get_full_name() or user.email,
                           buyer.customer_id, InvoiceRole(buyer.invoice_role))


def ensure_buyer(user: Any, db: str = "default") -> Buyer | None:
    """The user's ``Buyer`` row; a user without one gets a personal customer in the default
    organization (``ORO_INVOICES["PERSONAL_CUSTOMERS"]``, on by default)."""
    found: Buyer | None = (Buyer.objects.using(db).select_related("customer")
                           .filter(user_id=user.pk).first())
    if found is not None or not option("PERSONAL_CUSTOMERS", True):
        return found
    with transaction.atomic(using=db):
        customer = BusinessCustomer.objects.using(db).create(
            name=user.get_full_name() or user.email or user.get_username(),
            organization_id=default_organization(db))
        buyer, _ = Buyer.objects.using(db).get_or_create(user=user, defaults={"customer": customer})
    return buyer if isinstance(buyer, Buyer) else None


class OscarCustomers:
    """Business customers and the Oscar users buying for them."""

    def __init__(self, db: str = "default"):
        self.db = db
        self.customers = BusinessCustomer.objects.db_manager(db)
        self.buyers = Buyer.objects.db_manager(db)

    def customers_with_vat_id(self, organization_id: int, vat_id: str) -> list[CustomerRef]:
        """The organization's business customers (the default organization's: also those of no
        partner) whose VAT id, without spaces, dots and dashes and in capitals, is ``vat_id``."""
        stripped: Any = F("vat_id")
        for mark in (" ", ".", "-"):
            stripped = Replace(stripped, Value(mark), Value(""))
        of_organization = Q(organization_id=organization_id)
        if default_organization(self.db) == organization_id:
            of_organization |= Q(organization__isnull=True)
        rows = (self.customers.filter(of_organization).annotate(normal_vat_id=Upper(stripped))
                .filter(normal_vat_id=vat_id).order_by("id"))
        return [_customer(row) for row in rows]

    def get_customer(self, customer_id: int) -> CustomerRef | None:
        row = self.customers.filter(pk=customer_id).first()
        return None if row is None else _customer(row)

    def get_customer_user(self, customer_user_id: int) -> CustomerUserRef | None:
        buyer = self.buyers.select_related("user").filter(user_id=customer_user_id).first()
        return None if buyer is None else _customer_user(buyer)

    def get_customers(self, ids: Iterable[int]) -> dict[int, CustomerRef]:
        """The customers with ``ids`` that exist, by id, in one query."""
        return {row.pk: _customer(row) for row in self.customers.filter(pk__in=list(ids))}

    def get_customer_users(self, ids: Iterable[int]) -> dict[int, CustomerUserRef]:
        """The customer users with ``ids`` that exist, by id, in one query."""
        rows = self.buyers.select_related("user").filter(user_id__in=list(ids))
        return {b.user_id: _customer_user(b) for b in rows}

    def children(self, customer_id: int) -> list[CustomerRef]:
        return [_customer(r) for r in self.customers.filter(parent_id=customer_id).order_by("id")]

    def descendants(self, customer_id: int) -> list[CustomerRef]:
        found: list[CustomerRef] = []
        seen, level = {customer_id}, [customer_id]
        while level:  # one query per level; repeated ids end a cycle in bad data
            rows = [r for r in self.customers.filter(parent_id__in=level).order_by("id")
                    if r.id not in seen]
            seen.update(r.id for r in rows)
            found.extend(_customer(r) for r in rows)
            level = [r.id for r in rows]
        return found


def site_organization(site_id: int | None, db: str = "default") -> int | None:
    """The organization of a site: its ``SiteOrganization``, else the default one."""
    if site_id is None:
        return default_organization(db)
    mapped: int | None = (SiteOrganization.objects.using(db).filter(site_id=site_id)
                          .values_list("organization_id", flat=True).first())
    return mapped if mapped is not None else default_organization(db)


class OscarWebsites:
    """Django's sites."""

    def __init__(self, db: str = "default"):
        self.db = db

    def get_website(self, website_id: int) -> WebsiteRef | None:
        site = Site.objects.using(self.db).filter(pk=website_id).first()
        organization = site_organization(site.id, self.db) if site is not None else None
        if site is None or organization is None:
            return None
        return WebsiteRef(site.id, site.name or site.domain, organization)
