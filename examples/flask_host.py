"""A minimal shop on Flask with oro-invoices mounted: the whole host in one file.

    pip install 'oro-invoices[flask,pdf]'
    flask --app examples/flask_host.py:demo_app run

Back-office: http://127.0.0.1:5000/admin/login (admin / admin), then Sales > Invoices.
Storefront: http://127.0.0.1:5000/login (buyer@acme.test / buyer), then Account > Invoices.
API: curl -H 'Authorization: Bearer erp-token' http://127.0.0.1:5000/api/invoices

The shop's own data (customers, orders, menus, settings) are the in-memory parts of
``oro_invoices.hosts.memory``; a real shop replaces them with parts over its database. What
is Flask-specific is here: who is logged in (``flask.session``), URLs (``flask.url_for``), the
layout, the login pages, the order page that embeds the Invoices tab, and mounting the add-on
(``OroInvoices``) and its API (``make_api_blueprint``).
"""
from __future__ import annotations

import hmac
import html
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import flask

from oro_invoices.adapters import ANONYMOUS, PERMISSIONS, CurrentUser, InvoiceRole, OrderLine
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.flask import OroInvoices
from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.adapters.flask.pages import SessionCsrf
from oro_invoices.adapters.identity import storefront_permissions
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.hosts.memory import MemoryHost, MemoryLayout, MemoryUrls, MemoryUsers
from oro_invoices.integration import profile
from oro_invoices.web.api import ApiClient, InvoiceApi
from oro_invoices.web.http import Request

ADMIN_AREA = "/admin"
ADMIN_KEY, CUSTOMER_KEY = "shop_admin", "shop_customer_user_id"


# -- the host adapter ---------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    """A back-office account (a real shop keeps password hashes, not passwords)."""

    id: int
    password: str
    permissions: frozenset[str]
    organization_id: int = 1


class FlaskUsers(MemoryUsers):
    """Who is logged in: ``flask.session`` inside a request (admins under /admin).

    Outside requests (scripts, tests) the in-memory ``user`` and ``granted`` apply.
    """

    def __init__(self, host: ShopHost):
        super().__init__()
        self.host = host

    def _who(self) -> tuple[CurrentUser, frozenset[str]]:
        if not flask.has_request_context():
            return self.user, self.granted
        path, session = flask.request.path, flask.session
        if path == ADMIN_AREA or path.startswith(ADMIN_AREA + "/"):
            name = session.get(ADMIN_KEY)
            account = self.host.accounts.get(name) if isinstance(name, str) else None
            if account is None:
                return ANONYMOUS, frozenset()
            return CurrentUser(account.id, "admin", name or "", f"{name}@shop.example",
                               account.organization_id), account.permissions
        ref = self.host.customers.get_customer_user(session.get(CUSTOMER_KEY) or 0)
        if ref is None:
            return ANONYMOUS, frozenset()
        customer = self.host.customers.get_customer(ref.customer_id)
        user = CurrentUser(ref.id, "customer_user", ref.name, ref.email,
                           customer.organization_id if customer else None, customer_user_id=ref.id)
        return user, storefront_permissions(ref.invoice_role)

    def current(self) -> CurrentUser:
        return self._who()[0]

    def can(self, permission: str) -> bool:
        return permission in self._who()[1]


class FlaskUrls(MemoryUrls):
    """Every endpoint (the add-on's and the shop's) through the Flask app's URL map."""

    def __init__(self, base_url: str):
        super().__init__(base_url)
        self.app: flask.Flask | None = None

    def url_for(self, endpoint: str, *, external: bool = False, **params: Any) -> str:
        if self.app is None:
            raise RuntimeError("the shop's URLs need its application (create_app)")
        if flask.has_request_context():
            path = flask.url_for(endpoint, **params)
        else:
            path = self.app.url_map.bind("localhost").build(endpoint, params)
        return self.base_url + path if external else path


class ShopLayout(MemoryLayout):
    """One page layout: the back-office menu or the Account menu, then the content."""

    def __init__(self, host: ShopHost):
        self.host = host

    def wrap(self, fragment: str, *, title: str, area: str = "backoffice") -> str:
        user = self.host.users.current()
        scope = self.host.scope_of(user)
        if user.kind == "admin" and area == "backoffice":
            entries = self.host.menu.visible(scope)
        elif user.kind == "customer_user" and area == "storefront":
            entries = self.host.storefront.visible_account_entries(scope)
        else:
            entries = []
        links = "".join(f'<a data-key="{html.escape(e.key)}" href="{html.escape(self._url(e.endpoint))}">'
                        f"{html.escape(e.label)}</a> " for e in entries)
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
                f"</title></head><body class='{html.escape(area)}'><nav>{links}</nav>"
                f"<main>{fragment}</main></body></html>")

    def _url(self, endpoint: str) -> str:
        try:
            return self.host.urls.url_for(endpoint)
        except Exception:  # an entry whose page this shop does not have
            return "#"


class ShopHost(MemoryHost):
    """The shop's host adapter: in-memory data, Flask users, URLs and layout."""

    name = "flask-example"

    def __init__(self, base_url: str = "http://127.0.0.1:5000"):
        super().__init__(base_url=base_url)
        self.users: FlaskUsers = FlaskUsers(self)
        self.urls: FlaskUrls = FlaskUrls(base_url)
        self.layout: ShopLayout = ShopLayout(self)
        self.accounts: dict[str, Account] = {}
        self.passwords: dict[int, str] = {}       # customer user id -> password
        self.api_tokens: dict[str, ApiClient] = {}

    def scope_of(self, user: CurrentUser) -> ScopeContext:
        """Where the user's menus are decided: the organization, and the customer for buyers."""
        if user.customer_user_id is not None:
            ref = self.customers.get_customer_user(user.customer_user_id)
            customer = self.customers.get_customer(ref.customer_id) if ref else None
            if customer is not None:
                return ScopeContext(organization_id=customer.organization_id,
                                    customer_group_id=customer.group_id, customer_id=customer.id)
        return ScopeContext(organization_id=user.organization_id)


# -- the shop's own pages ---------------------------------------------------------------------

def host_of() -> ShopHost:
    host: ShopHost = flask.current_app.extensions["shop_host"]
    return host


def page(body: str, title: str, area: str, status: int = 200) -> flask.Response:
    return flask.Response(host_of().layout.wrap(body, title=title, area=area), status)


def login_form(field: str, error: str = "") -> str:
    flashes = "".join(f"<p class='flash'>{html.escape(str(m))}</p>"
                      for m in flask.get_flashed_messages())
    problem = f"<p class='error'>{html.escape(error)}</p>" if error else ""
    return (f"<h1>Log in</h1>{flashes}{problem}<form method='post'>"
            f"<input type='hidden' name='csrf_token' value='{SessionCsrf().token()}'>"
            f"<input name='{field}' placeholder='{field}'><input name='password' type='password'>"
            "<button>Log in</button></form>")


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after a login (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def login_view(area: str) -> flask.typing.ResponseReturnValue:
    host, field = host_of(), ("username" if area == "backoffice" else "email")
    if flask.request.method == "GET":
        return page(login_form(field), "Log in", area)
    form = flask.request.form
    if not SessionCsrf().check(Request("POST", flask.request.path, form=form.to_dict())):
        return page(login_form(field, "The form has expired."), "Log in", area, 400)
    name, password = form.get(field, ""), form.get("password", "")
    value: str | int | None
    if area == "backoffice":
        account = host.accounts.get(name)
        ok = account is not None and hmac.compare_digest(account.password, password)
        key, value, landing = ADMIN_KEY, name, "/admin/invoices"
    else:
        ref = next((u for u in host.customers.users.values() if u.email == name), None)
        ok = ref is not None and hmac.compare_digest(host.passwords.get(ref.id, ""), password)
        key, value, landing = CUSTOMER_KEY, (ref.id if ref else None), "/customer/invoices"
    if not ok:
        return page(login_form(field, "Wrong name or password."), "Log in", area, 401)
    flask.session[key] = value
    return flask.redirect(safe_next(flask.request.args.get("next"), landing), 303)


def admin_order(order_id: int) -> flask.typing.ResponseReturnValue:
    """The back-office order page: its tabs come from the registry; the Invoices tab is embedded."""
    host = host_of()
    user = host.users.current()
    if user.kind != "admin":
        return flask.redirect(flask.url_for("admin_login", next=flask.request.path))
    order = host.orders.get(order_id)
    if order is None or order.organization_id != user.organization_id:
        return page("<h1>Page not found</h1>", "Not found", "backoffice", 404)
    invoices: OroInvoices = flask.current_app.extensions["oro_invoices"]
    body = f"<h1>Order {html.escape(order.identifier)}</h1>"
    for tab in host.order_view.visible_tabs(ScopeContext(organization_id=order.organization_id)):
        content = invoices.fragment(tab.endpoint, order_id=order.id)
        if content.status == 200:
            body += f"<section data-tab='{html.escape(tab.key)}'><h2>{html.escape(tab.label)}</h2>{content.text()}</section>"
    return page(body, f"Order {order.identifier}", "backoffice")


# -- the application --------------------------------------------------------------------------

def create_app(host: ShopHost | None = None, *, database_url: str = "sqlite:///shop-invoices.db",
               storage_url: str | None = "file:///tmp/shop-invoice-pdf", secret_key: str = "",
               migrate: bool = True) -> flask.Flask:
    """The shop with oro-invoices installed (``profile.install``) and mounted."""
    host = host or demo_host()
    app = flask.Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        ORO_INVOICES_LOGIN_ENDPOINT="admin_login",
        ORO_INVOICES_STOREFRONT_LOGIN_ENDPOINT="login",
        ORO_INVOICES_ORDER_ENDPOINT="admin_order")
    app.extensions["shop_host"] = host
    app.add_url_rule("/", "home", lambda: page("<h1>Welcome</h1><p><a href='/login'>Log in</a></p>",
                                               "Shop", "storefront"))
    app.add_url_rule("/login", "login", lambda: login_view("storefront"), methods=["GET", "POST"])
    app.add_url_rule("/admin/login", "admin_login", lambda: login_view("backoffice"),
                     methods=["GET", "POST"])
    app.add_url_rule("/admin/orders/<int:order_id>", "admin_order", admin_order)
    profile.install(host)   # menu entry, order tab, settings, email template, Account entry
    addon = build_addon(AddonConfig(database_url=database_url, storage_url=storage_url,
                                    migrate=migrate), host=host)
    OroInvoices(app, addon=addon)
    api = InvoiceApi(addon.invoices, authenticate=host.api_tokens.get, settings=addon.settings, mail=addon.mail)
    app.register_blueprint(make_api_blueprint(api, url_prefix="/api"))
    host.urls.app = app
    return app


def demo_host() -> ShopHost:
    """A shop with an admin, a customer with a buyer, and one order."""
    host = ShopHost()
    host.accounts["admin"] = Account(id=1, password="admin", permissions=frozenset(PERMISSIONS))
    acme = host.add_customer("ACME Corp")
    buyer = host.add_customer_user(acme.id, "buyer@acme.test", "Bea Buyer", InvoiceRole.DEPARTMENT)
    host.passwords[buyer.id] = "buyer"
    host.add_order(customer_id=acme.id, customer_user_id=buyer.id, lines=[
        OrderLine(description="Widget", quantity=Decimal("2"), unit_price=Decimal("19.99"),
                  tax_rate=Decimal("0.19"))])
    host.api_tokens["erp-token"] = ApiClient(name="erp", organization_id=1)
    return host


def demo_app() -> flask.Flask:
    """``flask --app``: the demo shop with invoices switched on."""
    app = create_app()
    app.extensions["oro_invoices"].settings.set("oro_invoices.enabled", True)
    return app
