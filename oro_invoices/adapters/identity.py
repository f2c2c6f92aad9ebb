"""The current user and what they may do."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

#: Permissions the add-on asks the host about (``Users.can``). Who holds which is in
#: docs/adapters.md ("Permissions"): back-office users by their role, customer users by their
#: invoice role (``storefront_permissions``).
PERMISSIONS = (
    "oro_invoices.view",        # back-office: see invoices; storefront: see one's invoices (role not none)
    "oro_invoices.delete",      # back-office: delete a draft invoice
    "oro_invoices.send",        # back-office: post and send to the customer
    "oro_invoices.note",        # back-office and API: add notes to invoices (and edit or delete one's own)
    "oro_invoices.manage_payments",  # back-office: refund, capture, cancel, re-authorize; record payments by hand
    "oro_invoices.credit",      # back-office and API: credit notes, void, re-issue of posted invoices
    "oro_invoices.import",      # create and update invoices: API, Import E-Invoices, Create Invoice of an order
    "oro_invoices.configure",   # change invoice settings of the user's own organization(s)
    "oro_invoices.configure_global",  # also change them at global scope (every organization)
    "oro_invoices.pay",         # storefront: pay an invoice the user may see (role not none)
)

#: What a customer user holds when their invoice role lets them see invoices.
STOREFRONT_PERMISSIONS = frozenset({"oro_invoices.view", "oro_invoices.pay"})
#: The invoice roles (``InvoiceRole`` values) that see invoices in the storefront.
STOREFRONT_ROLES = ("own", "department", "corporate")


def storefront_permissions(invoice_role: str) -> frozenset[str]:
    """The permissions a customer user with ``invoice_role`` holds: none for ``"none"``.

    Deriving a customer user's grants from their invoice role keeps the Account menu entry,
    the pages and the role in agreement: a user of role ``none`` has no entry and no access.
    """
    return STOREFRONT_PERMISSIONS if invoice_role in STOREFRONT_ROLES else frozenset()


@dataclass(frozen=True)
class CurrentUser:
    """Who is making the request: kind is "admin", "customer_user" or "anonymous".

    ``locale`` is the user's preferred language where the host keeps one ("de_DE", "ja");
    the add-on's pages follow it, else the browser's ``Accept-Language`` (docs/i18n.md).
    """

    id: int | None
    kind: str = "anonymous"
    name: str = ""
    email: str = ""
    organization_id: int | None = None
    customer_user_id: int | None = None
    locale: str = ""

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
