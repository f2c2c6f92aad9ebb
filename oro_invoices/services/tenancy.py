"""Tenant isolation: an invoice's parties exist, belong together and to its organization.

An invoice names an organization and, optionally, a customer, a customer user,
a website and an order. Asked through the host adapter, each of them must
exist in that organization; the customer user must be one of the customer's;
the order must be the customer's and placed on the website; and the invoice's
currency must be the order's. Something of another organization is reported
exactly like something that does not exist, so no organization learns what
another one has.

Without a host adapter nothing can be asked, and these checks are skipped.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from oro_invoices.adapters.base import HostAdapter
from oro_invoices.adapters.commerce import CustomerRef, CustomerUserRef, OrderSnapshot
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.messages import Message

#: The invoice fields the rule reads.
TENANCY_FIELDS = ("organization_id", "customer_id", "customer_user_id", "website_id", "order_id",
                  "currency")


@dataclass(frozen=True)
class Parties:
    """What the host answered for an invoice that passed the checks."""

    customer: CustomerRef | None = None
    customer_user: CustomerUserRef | None = None
    order: OrderSnapshot | None = None


def check_parties(host: HostAdapter, invoice: Mapping[str, Any]) -> Parties:
    """Check the parties of ``invoice`` (its ``TENANCY_FIELDS``) against the host.

    Raises one ``ValidationError`` listing every violation on its field.
    """
    org = invoice.get("organization_id")
    problems: list[tuple[str, str]] = []
    customer = _customer(host, invoice.get("customer_id"), org, problems)
    customer_user = _customer_user(host, invoice.get("customer_user_id"), invoice.get("customer_id"),
                                   customer, org, problems)
    _website(host, invoice.get("website_id"), org, problems)
    order = _order(host, invoice, org, problems)
    if problems:
        raise ValidationError(problems)
    return Parties(customer, customer_user, order)


def _customer(host: HostAdapter, customer_id: int | None, org: int | None,
              problems: list[tuple[str, str]]) -> CustomerRef | None:
    if customer_id is None:
        return None
    customer = host.customers.get_customer(customer_id)
    if customer is None or customer.organization_id != org:
        problems.append(("customer_id", Message("Customer %(customer)s does not exist in organization "
                                                "%(organization)s.", customer=customer_id, organization=org)))
        return None
    return customer


def _customer_user(host: HostAdapter, user_id: int | None, customer_id: int | None,
                   customer: CustomerRef | None, org: int | None,
                   problems: list[tuple[str, str]]) -> CustomerUserRef | None:
    if user_id is None:
        return None
    user = host.customers.get_customer_user(user_id)
    owner = None
    if user is not None:
        owner = customer if customer is not None and customer.id == user.customer_id \
            else host.customers.get_customer(user.customer_id)
    if user is None or owner is None or owner.organization_id != org:
        problems.append(("customer_user_id",
                         Message("Customer user %(user)s does not exist in organization %(organization)s.",
                                 user=user_id, organization=org)))
        return None
    if customer_id is not None and user.customer_id != customer_id:
        problems.append(("customer_user_id",
                         Message("Customer user %(user)s does not belong to customer %(customer)s.",
                                 user=user_id, customer=customer_id)))
        return None
    return user


def _website(host: HostAdapter, website_id: int | None, org: int | None,
             problems: list[tuple[str, str]]) -> None:
    if website_id is None:
        return
    website = host.websites.get_website(website_id)
    if website is None or website.organization_id != org:
        problems.append(("website_id", Message("Website %(website)s does not exist in organization "
                                               "%(organization)s.", website=website_id, organization=org)))


def _order(host: HostAdapter, invoice: Mapping[str, Any], org: int | None,
           problems: list[tuple[str, str]]) -> OrderSnapshot | None:
    order_id = invoice.get("order_id")
    if order_id is None:
        return None
    order = host.orders.get(order_id)
    if order is None or order.organization_id != org:
        problems.append(("order_id", Message("Order %(order)s does not exist in organization %(organization)s.",
                                             order=order_id, organization=org)))
        return None
    customer_id, website_id = invoice.get("customer_id"), invoice.get("website_id")
    if customer_id is not None and order.customer_id is not None and order.customer_id != customer_id:
        problems.append(("order_id", Message("Order %(order)s (%(id)s) is an order of customer %(owner)s, not "
                                             "of customer %(customer)s.", order=order.identifier, id=order_id,
                                             owner=order.customer_id, customer=customer_id)))
    if website_id is not None and order.website_id is not None and order.website_id != website_id:
        problems.append(("order_id", Message("Order %(order)s (%(id)s) was placed on website %(placed)s, not on "
                                             "website %(website)s.", order=order.identifier, id=order_id,
                                             placed=order.website_id, website=website_id)))
    currency = invoice.get("currency")
    if currency is not None and currency != order.currency:
        problems.append(("currency", Message("Must be the currency of order %(order)s (%(id)s): %(expected)s, "
                                             "not %(currency)s.", order=order.identifier, id=order_id,
                                             expected=order.currency, currency=currency)))
    return order
