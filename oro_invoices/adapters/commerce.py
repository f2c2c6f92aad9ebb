"""The host's orders, customers, customer users and websites, read as frozen snapshots."""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from oro_invoices.domain.invoice import Address, LineInput

_Ref = TypeVar("_Ref")


class InvoiceRole(str, enum.Enum):
    """Which invoices a customer user sees in the storefront."""

    NONE = "none"
    OWN = "own"                # their own invoices
    DEPARTMENT = "department"  # every invoice of their customer
    CORPORATE = "corporate"    # their customer's and its sub-customers'


#: One ordered item: the same fields as an invoice line as given (amounts Decimal,
#: ``tax_rate`` a fraction such as "0.19"), so an order's lines become an invoice's as they are.
OrderLine = LineInput


@dataclass(frozen=True)
class OrderSnapshot:
    """An order as the add-on needs it to invoice it and to link back to it.

    ``purchase_order`` is the buyer's purchase order number (PO number, BT-13) given at
    checkout, copied onto the invoices made from the order; optional (empty: none), so a host
    whose orders have none leaves it out.
    """

    id: int
    identifier: str
    organization_id: int
    currency: str
    customer_id: int | None = None
    customer_user_id: int | None = None
    website_id: int | None = None
    lines: tuple[OrderLine, ...] = ()
    bill_to: Address | None = None
    ship_to: Address | None = None
    created_at: dt.datetime | None = None
    purchase_order: str = ""


@dataclass(frozen=True)
class CustomerRef:
    """A customer (a company); ``parent_id`` places it in the customer hierarchy.

    ``organization_id`` is the organization the customer belongs to. The add-on
    invoices a customer only within that organization, so a customer without
    one cannot be invoiced (nor see invoices in the storefront).

    ``vat_id``, ``country_code`` (ISO 3166-1 alpha-2), ``buyer_reference`` (the buyer's
    routing reference, such as a German Leitweg-ID) and ``einvoice_address`` (where the
    customer receives e-invoices, BT-49: an invoicing email address or a Peppol participant id
    written ``scheme:id``, such as ``0088:4035811991021``) go into e-invoices; optional.
    """

    id: int
    name: str
    parent_id: int | None = None
    group_id: int | None = None
    organization_id: int | None = None
    vat_id: str = ""
    country_code: str = ""
    buyer_reference: str = ""
    einvoice_address: str = ""


@dataclass(frozen=True)
class WebsiteRef:
    """A storefront website and the organization it belongs to."""

    id: int
    name: str
    organization_id: int


@dataclass(frozen=True)
class CustomerUserRef:
    """A person buying for a customer, with their storefront role on invoices."""

    id: int
    email: str
    name: str
    customer_id: int
    invoice_role: InvoiceRole = InvoiceRole.OWN


@runtime_checkable
class Orders(Protocol):
    """The host's orders."""

    def get(self, order_id: int) -> OrderSnapshot | None:
        """The order with ``order_id``, or None when there is none."""


@runtime_checkable
class Customers(Protocol):
    """The host's customers, their hierarchy and their users."""

    def get_customer(self, customer_id: int) -> CustomerRef | None:
        """The customer with ``customer_id``, or None."""

    def get_customer_user(self, customer_user_id: int) -> CustomerUserRef | None:
        """The customer user with ``customer_user_id``, or None."""

    def children(self, customer_id: int) -> list[CustomerRef]:
        """The direct sub-customers of ``customer_id``."""

    def descendants(self, customer_id: int) -> list[CustomerRef]:
        """Every sub-customer below ``customer_id`` at any depth (not the customer itself)."""


@runtime_checkable
class Websites(Protocol):
    """The host's websites (storefronts), each belonging to one organization."""

    def get_website(self, website_id: int) -> WebsiteRef | None:
        """The website with ``website_id``, or None when there is none."""


def _found_by_id(customers: Customers, batch_name: str, get_one: Callable[[int], _Ref | None],
                 ids: Iterable[int]) -> dict[int, _Ref]:
    """The refs with ``ids`` that exist, by id: in one call of the host's optional batch method
    ``batch_name(ids)`` when it has one, else one ``get_one`` per id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    batch = getattr(customers, batch_name, None)
    if callable(batch):
        found: dict[int, _Ref] = batch(wanted)
        return {i: found[i] for i in wanted if i in found}
    refs = {i: get_one(i) for i in wanted}
    return {i: ref for i, ref in refs.items() if ref is not None}


def customer_users_of(customers: Customers, ids: Iterable[int]) -> dict[int, CustomerUserRef]:
    """The customer users with ``ids`` that exist, by id: in one call of the host's optional
    ``get_customer_users(ids)`` when it has one (one query for a page), else one
    ``get_customer_user`` per id."""
    return _found_by_id(customers, "get_customer_users", customers.get_customer_user, ids)


def customers_of(customers: Customers, ids: Iterable[int]) -> dict[int, CustomerRef]:
    """The customers with ``ids`` that exist, by id: in one call of the host's optional
    ``get_customers(ids)`` when it has one (one query for a report), else one ``get_customer``
    per id."""
    return _found_by_id(customers, "get_customers", customers.get_customer, ids)


def normal_vat_id(vat_id: str) -> str:
    """A VAT id as compared: without spaces, dots and dashes, in capitals (``de 123.456`` → ``DE123456``)."""
    return "".join(ch for ch in vat_id if ch.isalnum()).upper()


def customers_with_vat_id(customers: Customers, organization_id: int, vat_id: str) -> list[CustomerRef] | None:
    """The customers of ``organization_id`` whose VAT id is ``vat_id`` (compared as
    ``normal_vat_id``), from the host's optional ``customers_with_vat_id(organization_id,
    vat_id)``, which is given the id already made normal; None when the host has no such look-up."""
    lookup = getattr(customers, "customers_with_vat_id", None)
    if not callable(lookup):
        return None
    return list(lookup(organization_id, normal_vat_id(vat_id)))


def walk_descendants(customers: Customers, customer_id: int) -> list[CustomerRef]:
    """Breadth-first descendants built from ``children`` (for adapters without a faster query)."""
    found: list[CustomerRef] = []
    seen = {customer_id}
    queue = [customer_id]
    while queue:
        for child in customers.children(queue.pop(0)):
            if child.id not in seen:  # tolerate cycles in bad host data
                seen.add(child.id)
                found.append(child)
                queue.append(child.id)
    return found
