"""Where the storefront looks up its settings: the customer, the request's website, the invoice's.

"Show Invoices in the Storefront" (and PDF download below it) may be set per website,
customer group and customer. A storefront request resolves them with the customer's
organization, group and id and:

- the website the request is on (``WebContext.storefront_website``; unknown when the host
  does not say), for Account > Invoices and its menu entry;
- the invoice's own website, for the invoice's page, its download and its guest payment
  page; an invoice of a website whose storefront is off is also left out of the list.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.integration import features
from oro_invoices.integration.config import Settings
from oro_invoices.persistence.queries import InvoiceFilter

STOREFRONT_KEY = "oro_invoices.storefront_enabled"


def customer_scope(customer: Any, customer_id: int, website_id: int | None) -> ScopeContext:
    """The scope of a customer's storefront request on ``website_id`` (None: unknown)."""
    return ScopeContext(organization_id=getattr(customer, "organization_id", None),
                        website_id=website_id,
                        customer_group_id=getattr(customer, "group_id", None),
                        customer_id=customer_id)


def invoice_scope(scope: ScopeContext, invoice: Any) -> ScopeContext:
    """``scope`` moved to the invoice's organization and website (the request's when it has none)."""
    website_id = invoice.website_id if invoice.website_id is not None else scope.website_id
    return replace(scope, organization_id=invoice.organization_id, website_id=website_id)


def guest_scope(customers: Any, invoice: Any) -> ScopeContext:
    """The scope of an invoice's guest payment page: its organization, website and customer."""
    customer = customers.get_customer(invoice.customer_id) \
        if invoice.customer_id is not None else None
    return ScopeContext(organization_id=invoice.organization_id, website_id=invoice.website_id,
                        customer_group_id=getattr(customer, "group_id", None),
                        customer_id=invoice.customer_id)


def website_filter(settings: Settings, scope: ScopeContext, flt: InvoiceFilter) -> InvoiceFilter:
    """``flt`` narrowed to invoices whose website shows the storefront for this customer.

    Only websites with their own value of the setting can differ from the customer's
    scope without a website; those are looked up in the config store.
    """
    base = replace(scope, website_id=None)
    shown = features.is_enabled(settings, features.STOREFRONT, base)
    differing = sorted(
        stored.scope_id for stored in settings.stored_everywhere(STOREFRONT_KEY, "website")
        if stored.scope_id is not None
        and features.is_enabled(settings, features.STOREFRONT,
                                replace(base, website_id=stored.scope_id)) != shown)
    if shown:
        return replace(flt, exclude_website_ids=differing) if differing else flt
    return replace(flt, website_ids=differing)
