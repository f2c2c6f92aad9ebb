"""The ASGI adapter: mount the add-on's pages, static files and JSON API in a Starlette application.

    app = Starlette(routes=[...], middleware=[Middleware(SessionMiddleware, secret_key=...)])
    invoices = OroInvoices(app, addon=build_addon(config, host=my_host),
                           login_route="admin_login", storefront_login_route="login",
                           api_authenticate=lookup_token)

One call adds every route to the application's router (in front of the host's own), so
Starlette, FastAPI or any application built on Starlette's router serves them. Any other
ASGI application can serve ``invoices.router`` (a Starlette ``Router``) under the same paths,
inside Starlette's ``SessionMiddleware`` and ``KeepRootPath`` (which keeps where the application
is mounted, such as ``Mount("/shop", app=...)``, for every link). The state is ``app.state.oro_invoices``.

Handlers are synchronous (database work); each request runs in Starlette's thread pool with
the request bound (``oro_invoices.web.current_request``), so the host's ``Users``, ``Layout`` and
``Urls`` read it there. Everything but the glue is shared with the Flask adapter
(``oro_invoices.web.mounting``).
"""
from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import BaseRoute, Mount, NoMatchFound, Route, Router
from starlette.staticfiles import StaticFiles

from oro_invoices.adapters.asgi.convert import (
    KeepRootPath,
    api_request,
    host_request,
    page_request,
    to_response,
)
from oro_invoices.composition import Addon, AddonConfig, payment_link_builder
from oro_invoices.domain.limits import MAX_PDF_BYTES
from oro_invoices.web import mounting
from oro_invoices.web.api import MAX_JSON_BYTES, ApiClient, InvoiceApi
from oro_invoices.web.current import current_request
from oro_invoices.web.http import Request, Response
from oro_invoices.web.pages import DEFAULT_PREFIXES
from oro_invoices.web.sessions import SessionCsrf, SessionFlashes

log = logging.getLogger("oro_invoices.asgi")

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.base import HostAdapter
    from oro_invoices.adapters.config_store import ScopeContext
    from oro_invoices.domain.invoice import InvoiceDocument

__all__ = ["API_METHODS", "OroInvoices", "host_request"]

#: Every method of HTTP but CONNECT: the API answers each itself (see ``adapters.flask.api``).
API_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
STATE_KEY = "oro_invoices"


class OroInvoices:
    """The add-on mounted in a Starlette application (the same options as the Flask extension).

    :param app: the application; None to call ``init_app(app)`` later.
    :param addon: the add-on built by ``oro_invoices.composition.build_addon``, or
    :param config: an ``AddonConfig`` to build it from (over ``host``).
    :param host: the host adapter (default: the ``addon``'s).
    :param backoffice_prefix: where the back-office pages live (``/admin/invoices``).
    :param storefront_prefix: where the storefront pages live (``/customer/invoices``).
    :param pay_prefix: where the guest payment page lives (``/invoices/pay``).
    :param login_route: the name of the host's back-office login route; anonymous visitors of
        a back-office page are redirected there with ``next``. None: they get a 401 page.
    :param storefront_login_route: the same for the storefront.
    :param order_route: the name of the host's back-office order route (taking ``order_id``),
        linked from invoices; :param storefront_order_route: the storefront's.
    :param render_flashes: show flash messages at the top of the add-on's pages (default); False
        when the host's layout shows them (``SessionFlashes(request.session).pop()``).
    :param page_size: rows per grid page. :param locale: how amounts and dates are formatted
        (default: each page's ``oro_invoices.locale`` setting). :param template_dirs: directories
        searched before the package's page templates.
    :param template_reload: read the add-on's templates again when edited on disk (each render
        then checks their files); default: when the application runs with ``debug``, as
        Starlette's own error pages do. Off, each template is read once per process.
    :param website_name: ``website_name(id) -> str`` (default: the host's ``websites``).
    :param customer_choices: ``customer_choices(scope) -> [(id, name)]`` for the grid's filter.
    :param website_choices: ``website_choices(scope) -> [(id, name)]`` for the grid's Website filter.
    :param storefront_website: ``storefront_website(request) -> website id | None``.
    :param api_authenticate: ``token -> ApiClient | None``: mounts the JSON API at ``api_prefix``.
    :param api: an ``InvoiceApi`` to mount instead (its ``base_path`` is the prefix).
    """

    def __init__(self, app: Starlette | None = None, *, addon: Addon | None = None,
                 config: AddonConfig | None = None, host: HostAdapter | None = None,
                 backoffice_prefix: str = DEFAULT_PREFIXES["backoffice"],
                 storefront_prefix: str = DEFAULT_PREFIXES["storefront"],
                 pay_prefix: str = DEFAULT_PREFIXES["guest"],
                 login_route: str | None = None, storefront_login_route: str | None = None,
                 order_route: str | None = None, storefront_order_route: str | None = None,
                 render_flashes: bool = True, page_size: int = 25, locale: str | None = None,
                 template_dirs: Iterable[str] = (), template_reload: bool | None = None,
                 website_name: Callable[[int], str] | None = None,
                 customer_choices: Callable[[ScopeContext], list[tuple[int, str]]] | None = None,
                 website_choices: Callable[[ScopeContext], list[tuple[int, str]] | None] | None = None,
                 storefront_website: Callable[[Request], int | None] | None = None,
                 api_authenticate: Callable[[str], ApiClient | None] | None = None,
                 api: InvoiceApi | None = None, api_prefix: str = "/api"):
        host = host if host is not None else (addon.host if addon is not None else None)
        if host is None:
            raise RuntimeError("OroInvoices needs the host adapter: pass host=..., or an addon "
                               "built with one (build_addon(config, host=my_host)).")
        self.host: HostAdapter = host
        self.services = mounting.compose(host, addon=addon,
                                         config=(lambda: config) if config is not None else None)
        self.addon = self.services.addon
        self.service = self.services.invoices
        self.settings = self.services.settings
        self.mail = self.services.mail
        self.login_routes = {"backoffice": login_route, "storefront": storefront_login_route}
        self.ctx = mounting.build_context(
            self.services, host, csrf=SessionCsrf(),
            url_builder=self.url_for, static_url=self._static_url,
            order_url=_route_url(order_route), storefront_order_url=_route_url(storefront_order_route),
            website_name=website_name, customer_choices=customer_choices, website_choices=website_choices,
            storefront_website=storefront_website, locale=locale, page_size=page_size,
            template_dirs=template_dirs,
            template_reload=template_reload if template_reload is not None else app is not None and app.debug)
        self._template_reload = template_reload
        self.mount = mounting.PageMount(
            self.ctx, prefixes={"backoffice": backoffice_prefix, "storefront": storefront_prefix,
                                "guest": pay_prefix},
            login_url=self._login_url, render_flashes=render_flashes)
        self.pages = self.mount.pages
        if api is None and api_authenticate is not None:
            api = InvoiceApi(self.service, authenticate=api_authenticate, settings=self.settings,
                             base_path=api_prefix, mail=self.mail)
        self.api = api
        self.routes: list[BaseRoute] = self._page_routes() + self._static_routes() + self._api_routes()
        self.router = Router(routes=self.routes)
        self.app: Starlette | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Starlette) -> OroInvoices:
        """Put every route in front of ``app``'s own and keep this object on ``app.state``."""
        if getattr(app.state, STATE_KEY, None) is not None:
            raise RuntimeError("oro-invoices is already mounted on this application; mount it once.")
        if self.app is not None:
            raise RuntimeError("This OroInvoices object is already mounted on another application.")
        app.router.routes[0:0] = self.routes
        try:
            app.add_middleware(KeepRootPath)   # where the application is mounted, for every link
            self._answer_405(app)
        except RuntimeError:
            log.warning("oro-invoices was mounted on an application that has started: mounted under a "
                        "prefix (Mount(\"/shop\", app=...)), its links would miss it. Mount it before "
                        "the application serves requests.")
        if self._template_reload is None:
            self.ctx.set_template_reload(bool(app.debug))
        setattr(app.state, STATE_KEY, self)
        self.app = app
        return self

    def _answer_405(self, app: Starlette) -> None:
        """The add-on's 405 page (in the layout and the reader's language, ``Allow`` set) for a
        method no page of the add-on answers at one of its paths; the application's own handler,
        or Starlette's plain one, for any other path."""
        previous = app.exception_handlers.get(405) or app.exception_handlers.get(HTTPException)

        async def not_allowed(request: StarletteRequest, exc: Exception) -> StarletteResponse:
            # Starlette lists a route's methods in no set order: Allow names them sorted, as the pages do
            allowed = sorted(m.strip() for m in (getattr(exc, "headers", None) or {}).get("Allow", "").split(",")
                             if m.strip())
            session = request.scope.get("session")
            flashes = SessionFlashes(session) if session is not None else SessionFlashes({})
            out = await run_in_threadpool(self.mount.not_allowed, host_request(request), flashes, allowed)
            if out is not None:
                return to_response(out)
            if previous is not None:
                answer = previous(request, exc)
                return cast(StarletteResponse, await answer if inspect.isawaitable(answer) else answer)
            assert isinstance(exc, HTTPException)
            return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)

        app.add_exception_handler(405, not_allowed)

    # -- routes -----------------------------------------------------------------------------
    def _page_routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for route in self.mount.routes:
            path = route.template(lambda conv, name: "{" + name + (f":{conv}" if conv else "") + "}")
            routes.append(Route(path, self._view(route.endpoint), methods=list(route.methods),
                                name=route.endpoint))
        return routes

    def _static_routes(self) -> list[BaseRoute]:
        return [Mount(mounting.STATIC_PATH, app=StaticFiles(directory=mounting.STATIC_DIR),
                      name="oro_invoices.static")]

    def _api_routes(self) -> list[BaseRoute]:
        api = self.api
        if api is None:
            return []
        limit = max(MAX_JSON_BYTES, MAX_PDF_BYTES)

        async def dispatch(request: StarletteRequest) -> StarletteResponse:
            req = await api_request(request, limit)
            return to_response(await run_in_threadpool(mounting.answer_api, api, req))
        base = api.base_path or ""
        return [Route(base or "/", dispatch, methods=API_METHODS, name="oro_invoices_api.root"),
                Route(base + "/{rest:path}", dispatch, methods=API_METHODS,
                      name="oro_invoices_api.dispatch")]

    def _view(self, endpoint: str) -> Callable[[StarletteRequest], Any]:
        async def view(request: StarletteRequest) -> StarletteResponse:
            req = await page_request(request)
            flashes = SessionFlashes(request.session)
            out = await run_in_threadpool(self.mount.respond, endpoint, req, flashes)
            return to_response(out)
        view.__name__ = endpoint.replace(".", "_")
        return view

    # -- URLs -------------------------------------------------------------------------------
    def url_for(self, endpoint: str, **params: Any) -> str:
        """The path of one of the add-on's pages (``oro_invoices.admin.view``, ``invoice_id=…``)."""
        return self.mount.url_for(endpoint, **params)

    def _static_url(self, filename: str) -> str:
        return self.mount.static_url(filename)

    def _login_url(self, area: str, request: Request) -> str | None:
        name = self.login_routes.get(area)
        native = request.native
        if not name or not isinstance(native, StarletteRequest):
            return None
        try:
            return str(native.url_for(name).path)
        except NoMatchFound:
            raise RuntimeError(f"The {area} login route {name!r} given to OroInvoices is not a "
                               "route of the application.") from None

    # -- helpers for the host ---------------------------------------------------------------
    async def fragment(self, request: StarletteRequest, endpoint: str, **path_params: Any) -> Response:
        """A page's unwrapped ``Response`` for the user of ``request`` (embed the order tab)."""
        call = functools.partial(self.mount.fragment, endpoint, host_request(request), **path_params)
        return await run_in_threadpool(call)

    def payment_url(self, invoice: InvoiceDocument) -> str | None:
        """The guest payment link of a posted invoice (absolute; None without a configured base URL)."""
        build = payment_link_builder(self.host, self.settings)
        return build(invoice) if build is not None else None


def _route_url(name: str | None) -> Callable[[int], str | None]:
    """The host's route ``name`` for an order id, built from the current request's router."""
    def url(order_id: int) -> str | None:
        request = current_request()
        native = request.native if request is not None else None
        if not name or not isinstance(native, StarletteRequest):
            return None
        return str(native.url_for(name, order_id=order_id).path)
    return url
