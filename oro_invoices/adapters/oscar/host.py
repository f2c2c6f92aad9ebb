"""The django-oscar host adapter (entry point ``oscar``): every part over Oscar's models."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sites.models import Site
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.safestring import mark_safe

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.identity import CurrentUser
from oro_invoices.adapters.oscar.commerce import (
    OscarCustomers,
    OscarOrders,
    OscarWebsites,
    option,
)
from oro_invoices.adapters.oscar.identity import OscarUsers
from oro_invoices.adapters.oscar.parts import (
    OscarConfigStore,
    OscarEmailTemplates,
    OscarMenu,
    OscarOrderView,
    OscarStorefront,
)
from oro_invoices.persistence.clock import machine_now
from oro_invoices.web.crumbs import lift_crumbs
from oro_invoices.web.current import current_request
from oro_invoices.web.mounting import MountedRoute, check_prefixes, mounted_routes

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.oscar.testing import KitClient, KitSeeder

#: Where the add-on's pages live in an Oscar shop unless ``ORO_INVOICES["PREFIXES"]`` says otherwise.
OSCAR_PREFIXES = {"backoffice": "/dashboard/invoices", "storefront": "/accounts/invoices",
                  "guest": "/invoices/pay"}
#: Where Oscar's dashboard lives unless ``ORO_INVOICES["DASHBOARD_PATH"]`` says otherwise.
DASHBOARD_PATH = "/dashboard/"


def prefixes() -> dict[str, str]:
    """The three page areas' prefixes of this shop (``ValueError`` naming a wrong one)."""
    given = option("PREFIXES", {})
    if not isinstance(given, Mapping):
        raise ValueError(f"ORO_INVOICES['PREFIXES'] must be a dict of page areas to paths, not {given!r}")
    try:
        return check_prefixes({**OSCAR_PREFIXES, **given})
    except ValueError as exc:
        raise ValueError(f"ORO_INVOICES['PREFIXES']: {exc}") from None


def _script_prefix() -> str:
    return str(get_script_prefix()).rstrip("/")


class OscarUrls:
    """The add-on's pages by endpoint; any other endpoint is a Django URL name."""

    def __init__(self, area_prefixes: Mapping[str, str]):
        self.routes: dict[str, MountedRoute] = {r.endpoint: r for r in mounted_routes(area_prefixes)}

    def url_for(self, endpoint: str, *, external: bool = False, **params: Any) -> str:
        route = self.routes.get(endpoint)
        if route is not None:
            path = _script_prefix() + route.build(params)
        elif endpoint.startswith("oro_invoices."):
            raise ValueError(f"{endpoint!r} is not a page of oro-invoices")
        else:
            try:
                path = reverse(endpoint, kwargs=params or None)
            except NoReverseMatch:  # parameters the route does not take go to the query
                path = reverse(endpoint) + ("?" + urlencode(params) if params else "")
        return self.base_url() + path if external else path

    @staticmethod
    def base_url() -> str:
        """``ORO_INVOICES["BASE_URL"]``, else the current Django site's domain (never the
        request's ``Host`` header)."""
        configured = option("BASE_URL")
        if configured:
            return str(configured).rstrip("/")
        return "https://" + str(Site.objects.get_current().domain)


class OscarLayout:
    """The add-on's pages inside Oscar's dashboard layout, account layout or shop layout."""

    def __init__(self, host: OscarHost):
        self.host = host

    def wrap(self, fragment: str, *, title: str, area: str = "backoffice") -> str:
        bound = current_request()
        native = bound.native if bound is not None else None
        # the fragment is the add-on's own rendered, escaped HTML
        context = {"fragment": mark_safe(fragment), "page_title": title,
                   "invoices_label": i18n.gettext("Invoices")}  # in the page's language
        if not isinstance(native, HttpRequest):  # Oscar's layouts need a request: a plain page
            return str(render_to_string("oro_invoices_oscar/plain.html", context))
        user = self.host.users.current()
        if area == "backoffice":
            template = "oro_invoices_oscar/backoffice.html"
        elif user.kind == "customer_user":
            template = "oro_invoices_oscar/account.html"
        else:
            return str(render_to_string("oro_invoices_oscar/storefront.html", context, request=native))
        # Oscar's dashboard and account pages draw a breadcrumb bar: the page's trail goes there
        fragment, crumbs = lift_crumbs(fragment)
        context.update(fragment=mark_safe(fragment), invoices_url=mark_safe(crumbs[0].href) if crumbs else "",
                       crumbs=[(mark_safe(c.href), mark_safe(c.label)) for c in crumbs[1:]])
        return str(render_to_string(template, context, request=native))


class OscarHost:
    """The host adapter of an Oscar shop (the Django app must be installed and set up)."""

    name = "oscar"
    capabilities = frozenset({"storefront", "customer_hierarchy", "email_customisation",
                              "buyer_tax_data", "einvoice_address"})

    def __init__(self, db: str = "default") -> None:
        areas = prefixes()
        self.db = db  # the Django database alias of the shop's data
        self.prefixes = areas
        self.config = OscarConfigStore(db)
        self.menu = OscarMenu(self)
        self.order_view = OscarOrderView(self)
        self.email_templates = OscarEmailTemplates(db)
        self.storefront = OscarStorefront(self)
        self.orders = OscarOrders(db)
        self.customers = OscarCustomers(db)
        self.websites = OscarWebsites(db)
        self.users = OscarUsers((areas["backoffice"], option("DASHBOARD_PATH", DASHBOARD_PATH),
                                 option("SETTINGS_PATH", "/dashboard/invoice-settings")))
        self.urls = OscarUrls(areas)
        self.layout = OscarLayout(self)
        #: The time the conformance kit's orders are placed at: the services' clock once they
        #: hand it over (``use_clock``), else the machine's.
        self.clock: Callable[[], dt.datetime] = machine_now
        self._seeder: KitSeeder | None = None

    def scope_of(self, user: CurrentUser) -> ScopeContext:
        """Where a user's menus are decided: the organization, and the customer for buyers."""
        if user.customer_user_id is not None:
            ref = self.customers.get_customer_user(user.customer_user_id)
            customer = self.customers.get_customer(ref.customer_id) if ref else None
            if customer is not None:
                return ScopeContext(organization_id=customer.organization_id, customer_id=customer.id)
        return ScopeContext(organization_id=user.organization_id)

    def use_clock(self, clock: Callable[[], dt.datetime]) -> None:
        """Place the kit's orders at the services' ``clock`` (``UsesServiceClock``)."""
        self.clock = clock

    def default_mail_sender(self) -> str | None:
        """The shop's own From address, as Oscar sends its emails from: ``OSCAR_FROM_EMAIL``,
        else Django's ``DEFAULT_FROM_EMAIL`` (``DefaultMailSender``)."""
        return getattr(settings, "OSCAR_FROM_EMAIL", None) or getattr(settings, "DEFAULT_FROM_EMAIL", None) or None

    def close(self) -> None:
        """Let go of a throwaway database (the conformance kit's); a shop's stays as it is."""
        if self.db != "default":
            from oro_invoices.adapters.oscar.testing import release
            release(self.db)

    # -- the conformance kit --------------------------------------------------------------
    def seeder(self) -> KitSeeder:
        """The kit's test-data helper: one per host, so that the usernames, site domains and order
        numbers it makes stay unique however often it is asked for."""
        if self._seeder is None:
            from oro_invoices.adapters.oscar.testing import KitSeeder
            self._seeder = KitSeeder(self)
        return self._seeder

    def page_client(self) -> KitClient:
        from oro_invoices.adapters.oscar.testing import KitClient
        return KitClient(self)

