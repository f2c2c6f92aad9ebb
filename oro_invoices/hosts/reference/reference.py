"""``ReferenceHost``: the reference commerce host's adapter object, URLs, layout and seeder.

``oro_invoices.hosts`` entry point ``reference`` names ``make_test_host``: a
fresh host on a temporary SQLite file, with its Flask application built (so
its URLs are real routes), closed and deleted by ``close()``.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2
from markupsafe import Markup
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from oro_invoices import i18n
from oro_invoices.adapters.commerce import (
    CustomerRef,
    CustomerUserRef,
    InvoiceRole,
    OrderLine,
    OrderSnapshot,
    WebsiteRef,
)
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.identity import ANONYMOUS, PERMISSIONS, CurrentUser, storefront_permissions
from oro_invoices.adapters.ui import EmailTemplate, MenuEntry
from oro_invoices.domain.invoice import Address
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.adapter import (
    Login,
    ReferenceConfigStore,
    ReferenceCustomers,
    ReferenceEmailTemplates,
    ReferenceMenu,
    ReferenceOrders,
    ReferenceOrderView,
    ReferenceStorefront,
    ReferenceUsers,
    ReferenceWebsites,
)
from oro_invoices.hosts.reference.language import install_shop_language, shop_language
from oro_invoices.hosts.reference.login_sessions import LoginSessions
from oro_invoices.hosts.reference.login_throttle import LoginThrottle
from oro_invoices.hosts.reference.records import Records
from oro_invoices.i18n import N_
from oro_invoices.integration.config import Settings
from oro_invoices.integration.links import STOREFRONT_BASE_URL, absolute_link
from oro_invoices.persistence import engine as addon_engine
from oro_invoices.persistence.engine import normalize_url
from oro_invoices.web.template_output import use_text_output

if TYPE_CHECKING:  # pragma: no cover
    import flask

    from oro_invoices.hosts.reference.testing import ReferencePageClient

T = TypeVar("T")

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
MENU_GROUPS = (("dashboard", N_("Dashboard")), ("sales", N_("Sales")), ("customers", N_("Customers")),
               ("system", N_("System")))


def host_engine(url: str, **pool: Any) -> Engine:
    """The engine of the host's tables: ``sqlite:///…`` or ``postgresql://…`` (psycopg 3), with
    the connection-pool options ``pool`` (``persistence.engine.POOL_OPTIONS``)."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, **{"pool_pre_ping": True, **pool})
    return sqlite_engine(url, **pool)


def sqlite_engine(url: str, **pool: Any) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:
        cur = conn.cursor()
        # the add-on's wait (read when connecting): its tables share the file, and a page waits
        # on this engine (its user, session, layout) no longer than on the add-on's before its 503
        cur.execute(f"PRAGMA busy_timeout = {int(addon_engine.SQLITE_BUSY_TIMEOUT_MS)}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()
    return engine


class ReferenceUrls:
    """URLs from the Flask app's routes: ``flask.url_for`` in a request, the bound map outside.

    Absolute URLs (``external=True``) start with the configured address: the global
    ``oro_invoices.storefront_base_url`` when ``configured`` returns one, else ``base_url``.
    They never come from a request's Host header.
    """

    def __init__(self, base_url: str, configured: Callable[[], str | None] | None = None):
        self.base_url = base_url.rstrip("/")
        self.configured = configured
        self.app: flask.Flask | None = None

    def external_base(self) -> str:
        """Where absolute URLs start: the configured storefront base URL, else ``base_url``."""
        return (self.configured() if self.configured is not None else None) or self.base_url

    def url_for(self, endpoint: str, *, external: bool = False, **params: Any) -> str:
        import flask
        if self.app is None:
            raise RuntimeError("The reference host's URLs need its Flask app (create_app).")
        # Inside a request of this very app (its own routing table), Flask builds the URL.
        if flask.has_request_context() and flask.current_app.url_map is self.app.url_map:
            path = flask.url_for(endpoint, **params)
        else:
            scheme, _, netloc = self.base_url.partition("://")
            path = self.app.url_map.bind(netloc, url_scheme=scheme or "http").build(endpoint, params)
        return absolute_link(self.external_base(), path) if external else path


class ReferenceLayout:
    """The host's two layouts (back-office, storefront), with menus built from the registries.

    What does not depend on the request is worked out once per process: the templates, the
    paths of the layout's links (by endpoint and the application's root path) and the menu's
    labels in each language. Per request only the user's visible entries and which one is
    active are decided.
    """

    def __init__(self, host: ReferenceHost):
        self.host = host
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
        use_text_output(self.env)
        install_shop_language(self.env)
        self._paths: dict[tuple[str, str, tuple[tuple[str, Any], ...]], str] = {}

    def wrap(self, fragment: str, *, title: str, area: str = "backoffice") -> str:
        import flask
        in_request = flask.has_request_context()
        user = self.host.users.current()
        flashes = flask.get_flashed_messages(with_categories=True) if in_request else []
        active_path = flask.request.path if in_request else ""
        ctx = self.host.scope_for(user)
        context = dict(content=Markup(fragment), title=title, user=user,
                       flashes=flashes, shop_name=self.host.shop_name, url=self._url,
                       csrf_token=self._csrf() if in_request else "",
                       active_path=active_path)
        if area == "storefront":
            from oro_invoices.hosts.reference.storefront_website import (
                current_website,
                website_choices,
            )
            website_id = current_website(self.host)
            ctx = replace(ctx, website_id=website_id)
            entries = self.host.storefront.visible_account_entries(ctx) \
                if user.kind == "customer_user" else []
            return self.env.get_template("store_layout.html").render(
                account_entries=self._links(entries, active_path, store=True),
                website_id=website_id,
                websites=website_choices(self.host) if in_request else [], **context)
        groups = []
        if user.kind == "admin":
            visible = self.host.menu.visible(ctx)
            language = shop_language()
            for key, label in MENU_GROUPS:
                items = [e for e in visible if e.parent == key]
                if items:
                    groups.append((_label(language, label),
                                   self._links(items, active_path, store=False)))
        return self.env.get_template("admin_layout.html").render(menu=groups, **context)

    def _links(self, entries: Iterable[MenuEntry], active_path: str, *,
               store: bool) -> list[MenuLink]:
        """The menu's links to ``entries``, the one ``active_path`` is at (or under) marked."""
        links, language = [], shop_language()
        for entry in entries:
            href = self._url(entry.endpoint)
            if store:
                active = active_path == href or bool(
                    active_path and href != "/" and active_path.startswith(href + "/"))
            else:
                active = active_path == href or (
                    not href.endswith("/") and active_path.startswith(href + "/"))
            links.append(MenuLink(entry.key, _label(language, entry.label), href, active))
        return links

    def _url(self, endpoint: str, **params: Any) -> str:
        """The path of ``endpoint`` (``#`` when there is none), built once per process for the
        same parameters and root path; absolute URLs are not the layout's."""
        import flask
        root = flask.request.script_root if flask.has_request_context() else ""
        seen = (endpoint, root, tuple(sorted(params.items())))
        path = self._paths.get(seen)
        if path is None:
            try:
                path = self.host.urls.url_for(endpoint, **params)
            except Exception:
                path = "#"
            if len(self._paths) < 1000:
                self._paths[seen] = path
        return path

    def _csrf(self) -> str:
        from oro_invoices.adapters.flask.pages import SessionCsrf
        return SessionCsrf().token()


@dataclass(frozen=True)
class MenuLink:
    """One link of a layout's menu: the entry's key and label (in the page's language), where it
    leads and whether the page shown is there."""

    key: str
    label: str
    href: str
    active: bool


@functools.lru_cache(maxsize=1024)
def _label(language: str, label: str) -> str:
    """A menu label in ``language`` (once per process for each)."""
    return i18n.translate(language, label)


class ReferenceHost:
    """The reference host adapter (entry point ``reference``)."""

    name = "reference"
    capabilities = frozenset({"storefront", "customer_groups", "customer_hierarchy",
                              "email_customisation", "buyer_tax_data", "einvoice_address"})

    def __init__(self, engine: Engine, *, base_url: str = "http://127.0.0.1:8765",
                 shop_name: str = "Reference Commerce"):
        self.engine = engine
        self.shop_name = shop_name
        m.create_tables(engine)
        self.records = Records(engine)
        self.config = ReferenceConfigStore(engine)
        self.menu = ReferenceMenu(self)
        self.order_view = ReferenceOrderView(self)
        self.email_templates = ReferenceEmailTemplates(engine)
        self.storefront = ReferenceStorefront(self)
        self.orders = ReferenceOrders(engine)
        self.customers = ReferenceCustomers(engine)
        self.websites = ReferenceWebsites(engine)
        self.users = ReferenceUsers(self._session_user)
        self.urls = ReferenceUrls(base_url, self._configured_base_url)
        self.logins = LoginSessions(engine)
        self.throttle = LoginThrottle(engine)
        self.layout = ReferenceLayout(self)
        self._cleanup: list[str] = []

    def use_clock(self, clock: Callable[[], dt.datetime]) -> None:
        """Stamp the shop's new orders and API tokens with the services' ``clock``
        (``UsesServiceClock``)."""
        self.records.clock = clock

    def _configured_base_url(self) -> str | None:
        value: str | None = Settings(self.config).value(STOREFRONT_BASE_URL) or None
        return value

    # -- who is logged in -----------------------------------------------------------
    def _session_user(self) -> Login | None:
        """The user of the current request (admin under /admin, else the customer user).

        None outside a request; anonymous inside one when nobody is logged in.
        """
        import flask
        if not flask.has_request_context():
            return None
        g = flask.g._get_current_object()  # asked once per permission: no proxy lookup each time
        cached: Login | None = getattr(g, "oro_host_user", None)
        if cached is not None:
            return cached
        from oro_invoices.hosts.reference.auth import session_user
        found: Login = session_user(self, flask.request.path, flask.session) \
            or (ANONYMOUS, frozenset())
        g.oro_host_user = found
        return found

    def admin_user(self, row: Sequence[Any]) -> Login:
        """The admin of a row of ``auth.ADMIN_LOGIN_COLUMNS``."""
        id_, name, username, email, organization_id, permissions = row
        user = CurrentUser(id=id_, kind="admin", name=name or username, email=email,
                           organization_id=organization_id)
        return user, frozenset(permissions or ())

    def customer_user(self, ref: CustomerUserRef) -> Login:
        customer = self.customers.get_customer(ref.customer_id)
        user = CurrentUser(id=ref.id, kind="customer_user", name=ref.name, email=ref.email,
                           organization_id=customer.organization_id if customer else None,
                           customer_user_id=ref.id)
        return user, storefront_permissions(InvoiceRole(ref.invoice_role).value)

    def scope_for(self, user: CurrentUser) -> ScopeContext:
        """Where the user's menu entries are decided (organization; customer and group)."""
        if user.kind == "customer_user" and user.customer_user_id is not None:
            ref = self.customers.get_customer_user(user.customer_user_id)
            customer = self.customers.get_customer(ref.customer_id) if ref else None
            if customer is not None:
                return ScopeContext(organization_id=customer.organization_id,
                                    customer_group_id=customer.group_id, customer_id=customer.id)
        return ScopeContext(organization_id=user.organization_id)

    # -- the conformance kit's seeder -------------------------------------------------
    def seeder(self) -> ReferenceHost:
        return self

    def add_customer(self, name: str, *, parent_id: int | None = None,
                     group_id: int | None = None, organization_id: int | None = 1,
                     vat_id: str = "", country_code: str = "", buyer_reference: str = "",
                     einvoice_address: str = "") -> CustomerRef:
        if group_id is not None and self.records.row(m.customer_groups, group_id) is None:
            self.records._insert(m.customer_groups, id=group_id, name=f"Group {group_id}",
                                 organization_id=organization_id)
        cid = self.records.add_customer(name, parent_id=parent_id, group_id=group_id,
                                        organization_id=organization_id, vat_id=vat_id,
                                        country_code=country_code, buyer_reference=buyer_reference,
                                        einvoice_address=einvoice_address)
        return _added(self.customers.get_customer(cid), "customer", cid)

    def add_website(self, name: str, *, organization_id: int = 1) -> WebsiteRef:
        if self.records.row(m.organizations, organization_id) is None:
            self.records._insert(m.organizations, id=organization_id,
                                 name=f"Organization {organization_id}")
        wid = self.records.add_website(organization_id, name)
        return _added(self.websites.get_website(wid), "website", wid)

    def add_customer_user(self, customer_id: int, email: str, name: str = "",
                          invoice_role: InvoiceRole = InvoiceRole.OWN, *,
                          password: str | None = None) -> CustomerUserRef:
        uid = self.records.add_customer_user(customer_id, email, name, password=password,
                                             invoice_role=invoice_role)
        return _added(self.customers.get_customer_user(uid), "customer user", uid)

    def add_order(self, *, identifier: str = "", currency: str = "USD", organization_id: int = 1,
                  customer_id: int | None = None, customer_user_id: int | None = None,
                  website_id: int | None = None, lines: Iterable[OrderLine] = (),
                  bill_to: Address | None = None, ship_to: Address | None = None,
                  purchase_order: str = "") -> OrderSnapshot:
        oid = self.records.add_order(identifier=identifier, currency=currency,
                                     organization_id=organization_id, customer_id=customer_id,
                                     customer_user_id=customer_user_id, website_id=website_id,
                                     lines=lines, bill_to=bill_to, ship_to=ship_to,
                                     purchase_order=purchase_order)
        return _added(self.orders.get(oid), "order", oid)

    def login_admin(self, permissions: Iterable[str] = PERMISSIONS, *, name: str = "Admin",
                    organization_id: int = 1) -> CurrentUser:
        """Outside requests: act as a back-office user holding exactly ``permissions``."""
        user = CurrentUser(id=0, kind="admin", name=name, email="admin@reference.test",
                           organization_id=organization_id)
        self.users.force(user, permissions)
        return user

    def login_customer_user(self, customer_user_id: int) -> CurrentUser:
        ref = self.customers.get_customer_user(customer_user_id)
        if ref is None:
            raise KeyError(f"no customer user {customer_user_id}")
        user, granted = self.customer_user(ref)
        self.users.force(user, granted)
        return user

    def logout(self) -> None:
        self.users.force(ANONYMOUS, ())

    def customise_template(self, name: str, **changes: str) -> EmailTemplate:
        return self.email_templates.customise(name, **changes)

    def page_client(self) -> ReferencePageClient:
        """The conformance kit's client of the add-on's pages in this host's application."""
        from oro_invoices.hosts.reference.testing import ReferencePageClient
        if self.urls.app is None:
            raise RuntimeError("the reference host's pages need its Flask app (create_app)")
        return ReferencePageClient(self.urls.app)

    def close(self) -> None:
        self.engine.dispose()
        for path in self._cleanup:
            shutil.rmtree(path, ignore_errors=True)


def make_test_host(*, addon_options: Mapping[str, Any] | None = None) -> ReferenceHost:
    """A fresh reference host on a temporary SQLite file (for the conformance kit).

    ``addon_options``: ``create_app`` keywords for its add-on and tables (``database_url``,
    ``storage_url``, ``jobs_broker_url``, ``jobs_queue``; the kit passes them).
    """
    from oro_invoices.hosts.reference.app import create_app
    tmp = tempfile.mkdtemp(prefix="oro-reference-host-")
    app = create_app(data_dir=tmp, install=False, migrate=False, **dict(addon_options or {}))
    host: ReferenceHost = app.extensions["oro_reference_host"]
    host._cleanup.append(tmp)
    return host


def _added(found: T | None, what: str, row_id: int) -> T:
    """What the seeder just inserted, read back through the adapter."""
    if found is None:
        raise LookupError(f"the {what} {row_id} just added cannot be read back")
    return found
