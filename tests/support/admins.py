"""Back-office users of the reference shop other than its seeded admin."""
from __future__ import annotations

from collections.abc import Iterable

from oro_invoices.hosts.reference.testing import ShopClient


def admin_with(shop, permissions: Iterable[str] = ("oro_invoices.view",), *, username: str = "viewer",
               organization_id: int = 1) -> ShopClient:
    """A client logged in as a new admin of ``organization_id`` holding exactly ``permissions``
    (by default one who may only view invoices)."""
    password = f"{username}1234"
    shop[0].extensions["oro_reference_host"].records.add_admin(
        username, password, name=username.title(), email=f"{username}@northwind.example",
        organization_id=organization_id, permissions=list(permissions))
    client = ShopClient(shop[0])
    client.login_admin(username, password)
    return client
