"""A minimal shop on Starlette with oro-invoices mounted: the whole host in one file.

    pip install 'oro-invoices[asgi,pdf]' uvicorn
    uvicorn --factory starlette_host:demo_app --app-dir examples

Several processes (gunicorn with uvicorn workers; ``pip install gunicorn uvicorn-worker``):
the session cookie must be signed with one secret in every process, and the schema is
created once before they start:

    oro-invoices migrate --db sqlite:///examples/shop-invoices.db   # where --chdir examples finds it
    SHOP_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))') \
    gunicorn -k uvicorn_worker.UvicornWorker --workers 2 --bind 127.0.0.1:8000 \
        --chdir examples 'starlette_host:demo_app()'

Back-office: http://127.0.0.1:8000/admin/login (admin / admin), then Sales > Invoices.
Storefront: http://127.0.0.1:8000/login (buyer@acme.test / buyer), then Account > Invoices.
API: curl -H 'Authorization: Bearer erp-token' http://127.0.0.1:8000/api/invoices

The shop's own data (customers, orders, menus, settings) are the in-memory parts of
``oro_invoices.hosts.memory``; a real shop replaces them with parts over its database. What
is Starlette-specific is here: who is logged in (the session, read through
``oro_invoices.web.current_request``), URLs, the layout, the login pages, the order page that
embeds the Invoices tab, and the one call that mounts the add-on. At the end: what the
conformance kit needs to drive this host (``kit_host``).
"""
from __future__ import annotations

import hmac
import html
import itertools
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from oro_invoices.adapters import ANONYMOUS, PERMISSIONS, CurrentUser, InvoiceRole, OrderLine
from oro_invoices.adapters.asgi import OroInvoices, host_request
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.identity import storefront_permissions
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.hosts.memory import MemoryHost, MemoryLayout, MemoryUrls, MemoryUsers
from oro_invoices.integration import profile
from oro_invoices.web import bind_request, current_request
from oro_invoices.web.api import ApiClient
from oro_invoices.web.http import Response as PageResponse
from oro_invoices.web.sessions import SessionCsrf, SessionFlashes

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


class SessionUsers(MemoryUsers):
    """Who is logged in: the session of the request being answered (admins under /admin).

    Outside requests (scripts, the conformance kit's seeder) the in-memory ``user`` and
    ``granted`` apply.
    """

    def __init__(self, host: ShopHost):
        super().__init__()
        self.host = host

    def _who(self) -> tuple[CurrentUser, frozenset[str]]:
        request = current_request()
        if request is None or request.session is None:
            return self.user, self.granted
        if request.path == ADMIN_AREA or request.path.startswith(ADMIN_AREA + "/"):
            name = request.session.get(ADMIN_KEY)
            account = self.host.accounts.get(name) if isinstance(name, str) else None
            if account is None:
                return ANONYMOUS, frozenset()
            return CurrentUser(account.id, "admin", name or "", f"{name}@shop.example",
                               account.organization_id), account.permissions
        ref = self.host.customers.get_customer_user(request.session.get(CUSTOMER_KEY) or 0)
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


class ShopUrls(MemoryUrls):
    """The add-on's pages through ``OroInvoices.url_for``; the shop's own routes by name."""

    def __init__(self, base_url: str):
        super().__init__(base_url)
        self.app: Starlette | None = None
        self.invoices: OroInvoices | None = None

    def url_for(self, endpoint: str, *, external: bool = False, **params: Any) -> str:
        if self.app is None or self.invoices is None:
            raise RuntimeError("the shop's URLs need its application (create_app)")
        if endpoint.startswith("oro_invoices."):
            path = self.invoices.url_for(endpoint, **params)
        else:
            path = str(self.app.url_path_for(endpoint, **params))
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
    """The shop's host adapter: in-memory data, Starlette users, URLs and layout."""

    name = "starlette-example"

    def __init__(self, base_url: str = "http://127.0.0.1:8000"):
        super().__init__(base_url=base_url)
        self.users: SessionUsers = SessionUsers(self)
        self.urls: ShopUrls = ShopUrls(base_url)
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

def host_of(request: Request) -> ShopHost:
    host: ShopHost = request.app.state.host
    return host


def page(request: Request, body: str, title: str, area: str, status: int = 200) -> HTMLResponse:
    """A shop page in the layout; the request is bound so the layout sees who is logged in."""
    with bind_request(host_request(request)):
        return HTMLResponse(host_of(request).layout.wrap(body, title=title, area=area), status)


def login_form(request: Request, field: str, error: str = "") -> str:
    token = SessionCsrf().token(host_request(request))
    flashes = "".join(f"<p class='flash'>{html.escape(m)}</p>"
                      for _, m in SessionFlashes(request.session).pop())
    problem = f"<p class='error'>{html.escape(error)}</p>" if error else ""
    return (f"<h1>Log in</h1>{flashes}{problem}<form method='post'>"
            f"<input type='hidden' name='csrf_token' value='{token}'>"
            f"<input name='{field}' placeholder='{field}'><input name='password' type='password'>"
            "<button>Log in</button></form>")


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after a login (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


async def login_view(request: Request, area: str) -> Response:
    host, field = host_of(request), ("username" if area == "backoffice" else "email")
    if request.method == "GET":
        return page(request, login_form(request, field), "Log in", area)
    form = await request.form()
    sent = replace(host_request(request), form={"csrf_token": str(form.get("csrf_token", ""))})
    if not SessionCsrf().check(sent):
        return page(request, login_form(request, field, "The form has expired."), "Log in", area, 400)
    name, password = str(form.get(field, "")), str(form.get("password", ""))
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
        return page(request, login_form(request, field, "Wrong name or password."), "Log in", area, 401)
    request.session[key] = value
    return RedirectResponse(safe_next(request.query_params.get("next"), landing), 303)


async def admin_login(request: Request) -> Response:
    return await login_view(request, "backoffice")


async def login(request: Request) -> Response:
    return await login_view(request, "storefront")


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/", 303)


async def home(request: Request) -> Response:
    return page(request, "<h1>Welcome</h1><p><a href='/login'>Log in</a></p>", "Shop", "storefront")


async def admin_order(request: Request) -> Response:
    """The back-office order page: its tabs come from the registry; the Invoices tab is embedded."""
    host = host_of(request)
    with bind_request(host_request(request)):
        user = host.users.current()
        if user.kind != "admin":
            return RedirectResponse(f"/admin/login?next={request.url.path}", 302)
        order = host.orders.get(request.path_params["order_id"])
        if order is None or order.organization_id != user.organization_id:
            return page(request, "<h1>Page not found</h1>", "Not found", "backoffice", 404)
        tabs = host.order_view.visible_tabs(ScopeContext(organization_id=order.organization_id))
    invoices: OroInvoices = request.app.state.oro_invoices
    body = f"<h1>Order {html.escape(order.identifier)}</h1>"
    for tab in tabs:
        content = await invoices.fragment(request, tab.endpoint, order_id=order.id)
        if content.status == 200:
            body += f"<section data-tab='{html.escape(tab.key)}'><h2>{html.escape(tab.label)}</h2>{content.text()}</section>"
    return page(request, body, f"Order {order.identifier}", "backoffice")


# -- the application --------------------------------------------------------------------------

def create_app(host: ShopHost | None = None, *, database_url: str = "sqlite:///shop-invoices.db",
               storage_url: str | None = "file:///tmp/shop-invoice-pdf", secret_key: str = "",
               migrate: bool = True, install: bool = True) -> Starlette:
    """The shop with oro-invoices installed (``profile.install``) and mounted."""
    host = host or demo_host()
    app = Starlette(routes=[
        Route("/", home, name="home"),
        Route("/login", login, methods=["GET", "POST"], name="login"),
        Route("/admin/login", admin_login, methods=["GET", "POST"], name="admin_login"),
        Route("/logout", logout, methods=["POST"], name="logout"),
        Route("/admin/orders/{order_id:int}", admin_order, name="admin_order"),
    ], middleware=[Middleware(SessionMiddleware, secret_key=secret_key or secrets.token_hex(32),
                              same_site="lax", https_only=False)])
    app.state.host = host
    if install:  # menu entry, order tab, settings, email template, Account entry
        profile.install(host)
    addon = build_addon(AddonConfig(database_url=database_url, storage_url=storage_url,
                                    migrate=migrate), host=host)
    invoices = OroInvoices(app, addon=addon, login_route="admin_login",
                           storefront_login_route="login", order_route="admin_order",
                           api_authenticate=host.api_tokens.get)
    host.urls.app, host.urls.invoices = app, invoices
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


def demo_app() -> Starlette:
    """``uvicorn --factory``: the demo shop with invoices switched on.

    ``SHOP_SECRET_KEY`` signs the session cookie; give it whenever more than one process
    serves the shop (each would otherwise draw its own, and sessions would not cross them).
    The shop's own data here are in memory, the same in every process as ``demo_host`` made
    them; the invoices are in the database every process shares.
    """
    app = create_app(secret_key=os.environ.get("SHOP_SECRET_KEY", ""))
    app.state.oro_invoices.settings.set("oro_invoices.enabled", True)
    return app


# -- for the conformance kit: ``pytest --pyargs oro_invoices.testing.suite
#    --oro-host examples/starlette_host.py:kit_host`` -----------------------------------------

_TOKEN = re.compile(r"name='csrf_token' value='([^']+)'")


class KitClient:
    """The kit's page client: Starlette's TestClient on this shop, logging in through its forms."""

    def __init__(self, host: KitHost):
        from starlette.testclient import TestClient
        self.host = host
        self.addon = host.app.state.oro_invoices.addon
        self.http = TestClient(host.app, follow_redirects=False)
        self._ids = itertools.count(1000)

    def request(self, method: str, url: str, *, data: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                files: Mapping[str, tuple[str, bytes]] | None = None) -> PageResponse:
        r = self.http.request(method, url, data=dict(data or {}), headers=dict(headers or {}),
                              files=dict(files) if files else None)
        return PageResponse(status=r.status_code, body=r.content, headers=dict(r.headers),
                            content_type=r.headers.get("content-type", ""))

    def _log_in(self, path: str, field: str, name: str, password: str) -> None:
        token = _TOKEN.search(self.http.get(path).text)
        resp = self.http.post(path, data={field: name, "password": password,
                                          "csrf_token": token.group(1) if token else ""})
        assert resp.status_code == 303, f"login at {path} failed: {resp.status_code}"

    def login_admin(self, permissions: Iterable[str] = PERMISSIONS, *, organization_id: int = 1) -> None:
        name = f"kit-admin-{next(self._ids)}"
        self.host.accounts[name] = Account(next(self._ids), "kit-password", frozenset(permissions),
                                           organization_id)
        self._log_in("/admin/login", "username", name, "kit-password")

    def login_customer_user(self, customer_user_id: int) -> None:
        self.host.passwords[customer_user_id] = "kit-password"
        email = self.host.customers.users[customer_user_id].email
        self._log_in("/login", "email", email, "kit-password")

    def logout(self) -> None:
        self.http.cookies.clear()

    def close(self) -> None:
        self.http.close()


class KitHost(ShopHost):
    """A fresh shop per kit test, its application built on a temporary SQLite file."""

    def __init__(self) -> None:
        super().__init__()
        self.workdir = Path(tempfile.mkdtemp(prefix="oro-starlette-example-"))
        self.app = create_app(self, database_url=f"sqlite:///{self.workdir / 'invoices.db'}",
                              storage_url=(self.workdir / "pdf").as_uri(), migrate=False,
                              install=False)

    def page_client(self) -> KitClient:  # type: ignore[override]
        from oro_invoices.persistence.migrate import upgrade
        upgrade(self.app.state.oro_invoices.addon.db)
        return KitClient(self)

    def close(self) -> None:
        self.app.state.oro_invoices.addon.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def kit_host() -> KitHost:
    return KitHost()
