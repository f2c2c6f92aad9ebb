"""How the kit puts test data into a host (the adapter's interfaces are read-only)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from oro_invoices.adapters.commerce import (
    CustomerRef,
    CustomerUserRef,
    InvoiceRole,
    OrderLine,
    OrderSnapshot,
    WebsiteRef,
)
from oro_invoices.adapters.identity import CurrentUser
from oro_invoices.adapters.ui import EmailTemplate
from oro_invoices.domain.invoice import Address


@runtime_checkable
class Seeder(Protocol):
    """Test-data helper a host offers as ``host.seeder()`` (or through the ``oro_seeder`` fixture)."""

    def add_customer(self, name: str, *, parent_id: int | None = None,
                     group_id: int | None = None, organization_id: int = 1) -> CustomerRef:
        """Create a customer of an organization (optionally under a parent and in a group).

        A host with the ``buyer_tax_data`` capability also takes ``vat_id``, ``country_code``
        and ``buyer_reference`` keywords; one with ``einvoice_address`` an ``einvoice_address``.
        """

    def add_website(self, name: str, *, organization_id: int = 1) -> WebsiteRef:
        """Create a website of an organization."""

    def add_customer_user(self, customer_id: int, email: str, name: str = "",
                          invoice_role: InvoiceRole = InvoiceRole.OWN) -> CustomerUserRef:
        """Create a customer user of ``customer_id`` with a storefront invoice role."""

    def add_order(self, *, identifier: str = "", currency: str = "USD",
                  organization_id: int = 1, customer_id: int | None = None,
                  customer_user_id: int | None = None, website_id: int | None = None,
                  lines: Iterable[OrderLine] = (), bill_to: Address | None = None,
                  ship_to: Address | None = None, purchase_order: str = "") -> OrderSnapshot:
        """Create an order; ``purchase_order``: the buyer's PO number it carries (BT-13), none when
        empty. A host whose orders cannot carry one refuses a non-empty one (never drops it)."""

    def login_admin(self, permissions: Iterable[str] = ...) -> CurrentUser:
        """Make the current user a back-office user holding exactly ``permissions``."""

    def login_customer_user(self, customer_user_id: int) -> CurrentUser:
        """Make the current user this customer user (storefront)."""

    def logout(self) -> None:
        """Make the current user anonymous."""

    def customise_template(self, name: str, **changes: str) -> EmailTemplate:
        """Edit an email template as an admin would (subject, html, text)."""
