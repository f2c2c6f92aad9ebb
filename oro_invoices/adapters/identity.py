"""The current user and what they may do."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

#: Permissions the add-on asks the host about (``Users.can``).
PERMISSIONS = (
    "oro_invoices.view",        # back-office: see invoices
    "oro_invoices.delete",      # back-office: delete a draft invoice
    "oro_invoices.send",        # back-office: post and send to the customer
    "oro_invoices.manage_payments",  # back-office: refund, cancel, re-authorise
    "oro_invoices.import",      # API: create and update invoices
    "oro_invoices.configure",   # change invoice settings
    "oro_invoices.pay",         # storefront: pay an invoice the user may see
)


@dataclass(frozen=True)
class CurrentUser:
    """Who is making the request: kind is "admin", "customer_user" or "anonymous"."""

    id: int | None
    kind: str = "anonymous"
    name: str = ""
    email: str = ""
    organization_id: int | None = None
    customer_user_id: int | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"


ANONYMOUS = CurrentUser(id=None)


@runtime_checkable
class Users(Protocol):
    """The host's authentication and authorisation."""

    def current(self) -> CurrentUser:
        """The user of the current request (``ANONYMOUS`` when nobody is logged in)."""

    def can(self, permission: str) -> bool:
        """Whether the current user holds ``permission`` (one of ``PERMISSIONS``)."""
