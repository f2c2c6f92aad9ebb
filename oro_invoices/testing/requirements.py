"""Capability flags: which optional parts of the kit apply to a host.

By default they come from the host's ``capabilities``; override the
``oro_requirements`` fixture with a subclass to decide otherwise.
"""
from __future__ import annotations

from typing import Any


class Requirements:
    """What the host under test supports."""

    def __init__(self, host: Any, seeder: Any = None):
        self.host = host
        self.seeder = seeder
        self.capabilities = frozenset(getattr(host, "capabilities", ()))

    @property
    def supports_storefront(self) -> bool:
        return "storefront" in self.capabilities and self.host.storefront is not None

    @property
    def supports_customer_groups(self) -> bool:
        return "customer_groups" in self.capabilities

    @property
    def supports_customer_hierarchy(self) -> bool:
        return "customer_hierarchy" in self.capabilities

    @property
    def supports_buyer_tax_data(self) -> bool:
        """Customers carry a VAT id, country code and buyer reference (for e-invoices)."""
        return "buyer_tax_data" in self.capabilities

    @property
    def supports_einvoice_address(self) -> bool:
        """Customers carry the address they receive e-invoices at (BT-49)."""
        return "einvoice_address" in self.capabilities

    @property
    def supports_email_customisation(self) -> bool:
        return "email_customisation" in self.capabilities

    @property
    def supports_seeding(self) -> bool:
        """The kit can put customers, orders and users into the host."""
        return self.seeder is not None

    def check(self, names: tuple[str, ...]) -> str | None:
        """The first unmet requirement's name among ``names`` (``"storefront"`` …), or None."""
        for name in names:
            if not getattr(self, f"supports_{name}"):
                return name
        return None
