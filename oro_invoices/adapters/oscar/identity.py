"""Oscar's users and permissions as the add-on's users and permissions.

Inside a request the user is Django's ``request.user``: in the dashboard (and the add-on's
back-office pages) a back-office user when Oscar lets them into the dashboard (staff, or a
partner user with ``partner.dashboard_access``); elsewhere a customer user. Grants:

- superusers hold every back-office permission, ``configure_global`` included;
- other staff hold every back-office permission but ``configure_global``;
- partner users hold the Django permissions they were given
  (``oro_invoices_oscar.view_invoices`` …, ``DJANGO_PERMISSIONS``), in their partner's
  organization;
- customer users hold what their invoice role gives (``storefront_permissions``).
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils import translation

from oro_invoices.adapters.identity import (
    ANONYMOUS,
    PERMISSIONS,
    CurrentUser,
    storefront_permissions,
)
from oro_invoices.adapters.oscar.commerce import default_organization, ensure_buyer
from oro_invoices.web.current import current_request

#: The Django permission of each of the add-on's back-office permissions.
DJANGO_PERMISSIONS = {
    "oro_invoices.view": "oro_invoices_oscar.view_invoices",
    "oro_invoices.delete": "oro_invoices_oscar.delete_invoices",
    "oro_invoices.send": "oro_invoices_oscar.send_invoices",
    "oro_invoices.note": "oro_invoices_oscar.note_invoices",
    "oro_invoices.manage_payments": "oro_invoices_oscar.manage_invoice_payments",
    "oro_invoices.credit": "oro_invoices_oscar.credit_invoices",
    "oro_invoices.import": "oro_invoices_oscar.import_invoices",
    "oro_invoices.configure": "oro_invoices_oscar.configure_invoices",
    "oro_invoices.configure_global": "oro_invoices_oscar.configure_invoices_global",
}
BACKOFFICE_PERMISSIONS = frozenset(DJANGO_PERMISSIONS)
STAFF_PERMISSIONS = BACKOFFICE_PERMISSIONS - {"oro_invoices.configure_global"}

#: A logged-in user and the permissions they hold.
Login = tuple[CurrentUser, frozenset[str]]


def may_enter_dashboard(user: Any) -> bool:
    """Oscar's own rule for the dashboard: active staff, or a partner user with dashboard access."""
    return bool(user.is_authenticated and user.is_active
                and (user.is_staff or user.has_perm("partner.dashboard_access")))


def organization_of(user: Any) -> int | None:
    """A back-office user's organization: their first partner, else the default one."""
    partner: int | None = user.partners.order_by("id").values_list("id", flat=True).first()
    return partner if partner is not None else default_organization(user._state.db or "default")


def _page_locale() -> str:
    """The language Django chose for this request (``LocaleMiddleware``: the language switch's
    cookie, the browser's ``Accept-Language``; else ``LANGUAGE_CODE``), so the add-on's pages
    speak the language of Oscar's around them."""
    return translation.get_language() or ""


def backoffice_login(user: Any) -> Login:
    """The back-office user ``user`` is and what they may do (anonymous when Oscar would not
    let them into the dashboard)."""
    if not may_enter_dashboard(user):
        return ANONYMOUS, frozenset()
    if user.is_superuser:
        granted = BACKOFFICE_PERMISSIONS
    elif user.is_staff:
        granted = STAFF_PERMISSIONS | {p for p in ("oro_invoices.configure_global",)
                                       if user.has_perm(DJANGO_PERMISSIONS[p])}
    else:
        granted = frozenset(p for p, perm in DJANGO_PERMISSIONS.items() if user.has_perm(perm))
    name = user.get_full_name() or user.get_username()
    return CurrentUser(user.pk, "admin", name, user.email or "", organization_of(user),
                       locale=_page_locale()), frozenset(granted)


def storefront_login(user: Any) -> Login:
    """The customer user ``user`` is (a personal customer is made when they have none)."""
    if not (user.is_authenticated and user.is_active):
        return ANONYMOUS, frozenset()
    buyer = ensure_buyer(user, user._state.db or "default")
    if buyer is None:
        return ANONYMOUS, frozenset()
    customer = buyer.customer
    current = CurrentUser(user.pk, "customer_user", user.get_full_name() or user.email, user.email,
                          customer.organization_id, customer_user_id=user.pk, locale=_page_locale())
    return current, storefront_permissions(buyer.invoice_role)


class OscarUsers:
    """Who is logged in: Django's ``request.user`` of the bound request.

    ``backoffice_paths`` are the path prefixes where users are back-office users (Oscar's
    dashboard and the add-on's back-office pages). Outside requests (scripts, the kit's
    seeder) the user set by ``force`` applies.
    """

    def __init__(self, backoffice_paths: Iterable[str]):
        self.backoffice_paths = tuple(backoffice_paths)
        self._local = threading.local()

    def force(self, user: CurrentUser, granted: Iterable[str]) -> None:
        """Use this user outside requests."""
        self._local.forced = (user, frozenset(granted))

    def in_backoffice(self, request: HttpRequest) -> bool:
        path = request.path_info
        return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/")
                   for p in self.backoffice_paths)

    def login_of(self, request: HttpRequest) -> Login:
        """The user of a Django request, worked out once per request."""
        found: Login | None = getattr(request, "_oro_invoices_login", None)
        if found is None:
            user = getattr(request, "user", None)
            if user is None:
                found = (ANONYMOUS, frozenset())
            elif self.in_backoffice(request):
                found = backoffice_login(user)
            else:
                found = storefront_login(user)
            request._oro_invoices_login = found
        return found

    def _who(self) -> Login:
        bound = current_request()
        native = bound.native if bound is not None else None
        if isinstance(native, HttpRequest):
            return self.login_of(native)
        forced: Login | None = getattr(self._local, "forced", None)
        return forced or (ANONYMOUS, frozenset())

    def current(self) -> CurrentUser:
        return self._who()[0]

    def can(self, permission: str) -> bool:
        return permission in self._who()[1] and permission in PERMISSIONS
