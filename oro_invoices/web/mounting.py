"""Mounting the pages in a web framework: everything the framework adapters share.

A framework adapter (``adapters.flask``, ``adapters.asgi``, or one of your own) is glue only:

1. build the context once: ``compose`` (the services, from the composition root's ``Addon``)
   then ``build_context`` (the ``WebContext``);
2. route every ``PageMount.routes`` entry (full paths, ``<int:name>`` parameters) to a view;
3. in the view, turn the framework's request into a ``web.http.Request`` carrying the
   host's session mapping, and call ``PageMount.respond(endpoint, request, flashes)``;
4. turn the returned ``Outcome`` into the framework's response (stream an iterable body).

``respond`` binds the request (``oro_invoices.web.current_request``), reads the user and
their permissions from the host's ``Users`` once, runs the handler, and decides: a 401
becomes a redirect to the login page with ``next``; a redirect stores its flash messages
in the session; a page fragment is wrapped in the host's layout (flash messages on top);
anything else (downloads, 304s) passes through; a HEAD request gets the headers only.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from markupsafe import escape

from oro_invoices import i18n
from oro_invoices.adapters.identity import PERMISSIONS, CurrentUser
from oro_invoices.composition import Addon, AddonConfig, build_addon, build_mail, build_settings
from oro_invoices.i18n import N_, _
from oro_invoices.integration import profile
from oro_invoices.integration.config import Settings
from oro_invoices.integration.settings_memo import remember_settings
from oro_invoices.persistence.engine import one_connection_per_engine
from oro_invoices.web import csp
from oro_invoices.web.context import CsrfProvider, WebContext
from oro_invoices.web.current import bind_request, current_request
from oro_invoices.web.errors import MethodNotAllowed, headers_for, unreachable
from oro_invoices.web.guard import TITLES, error_response
from oro_invoices.web.http import Request, Response
from oro_invoices.web.language import page_language
from oro_invoices.web.page_formatting import page_scope
from oro_invoices.web.pages import DEFAULT_PREFIXES, LAYOUT_AREA, ROUTES, InvoicePages
from oro_invoices.web.sessions import Flashes

if TYPE_CHECKING:  # pragma: no cover
    import pluggy

    from oro_invoices.adapters.base import HostAdapter
    from oro_invoices.adapters.config_store import ScopeContext
    from oro_invoices.persistence.engine import Database
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService
    from oro_invoices.web.api import InvoiceApi

log = logging.getLogger("oro_invoices.web.mounting")

#: The add-on's stylesheet and script, served by the adapter under ``STATIC_PATH``.
STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
STATIC_PATH = "/oro-invoices/static"
#: What a visitor sent to the login page reads there.
LOGIN_FLASH = ("info", N_("Please log in to continue."))
HTML = "text/html; charset=utf-8"
#: The largest raw body a page accepts (a payment provider's notification); larger ones get 413.
MAX_PAGE_BODY = 1024 * 1024
_PARAM = re.compile(r"<(?:(int):)?([A-Za-z_][A-Za-z0-9_]*)>")
_CONVERTERS = {"int": "[0-9]+", None: "[^/]+"}


# -- the services and the context --------------------------------------------------------

@dataclass
class Services:
    """What the pages run on: the composition root's parts (``addon`` when it built them)."""

    invoices: InvoiceService
    settings: Settings
    mail: MailService | None = None
    plugins: pluggy.PluginManager | None = None
    addon: Addon | None = None
    db: Database | None = None


def compose(host: HostAdapter, *, addon: Addon | None = None, service: InvoiceService | None = None,
            mail: MailService | None = None, plugins: pluggy.PluginManager | None = None,
            config: Callable[[], AddonConfig] | None = None, smtp: str | None = None) -> Services:
    """The services: ``addon`` as built, else ``service`` as given (with the mail of the add-on
    ``build_addon`` made it in, unless ``mail`` or ``smtp`` is given), else ``build_addon(config())``."""
    if addon is None and service is None:
        if config is None:
            raise RuntimeError("oro-invoices needs the add-on: pass addon=build_addon(...) "
                               "(oro_invoices.composition) or the configuration to build it.")
        addon = build_addon(config(), host=host, plugins=plugins)
    if addon is not None:
        return Services(invoices=addon.invoices, settings=addon.settings,
                        mail=mail if mail is not None else addon.mail, plugins=addon.plugins,
                        addon=addon, db=addon.db)
    assert service is not None
    settings = build_settings(host)
    if mail is None and smtp is None:      # a service build_addon made: its add-on's mail, as InvoiceApi finds it
        mail = getattr(getattr(service, "context", None), "mail", None)
    if mail is None and getattr(service, "db", None) is not None:
        mail = build_mail(service, settings=settings, host=host, plugins=plugins, smtp=smtp)
    return Services(invoices=service, settings=settings, mail=mail, plugins=plugins,
                    db=getattr(service, "db", None))


def default_website_name(host: HostAdapter) -> Callable[[int], str]:
    """A website's name from the host's ``websites`` (``Website #id`` when it has none)."""
    def name(website_id: int) -> str:
        websites = getattr(host, "websites", None)
        ref = websites.get_website(website_id) if websites is not None else None
        return ref.name if ref is not None and ref.name else _("Website #%(id)s", id=website_id)
    return name


def build_context(services: Services, host: HostAdapter, *, csrf: CsrfProvider,
                  url_builder: Callable[..., str], static_url: Callable[[str], str],
                  order_url: Callable[[int], str | None] | None = None,
                  storefront_order_url: Callable[[int], str | None] | None = None,
                  website_name: Callable[[int], str] | None = None,
                  customer_choices: Callable[[ScopeContext], list[tuple[int, str]] | None] | None = None,
                  website_choices: Callable[[ScopeContext], list[tuple[int, str]] | None] | None = None,
                  storefront_website: Callable[[Request], int | None] | None = None,
                  locale: str | None = None, timezone: str | None = None, page_size: int = 25,
                  template_dirs: Iterable[str] = (), template_reload: bool = True) -> WebContext:
    """The ``WebContext`` every handler shares; without ``locale`` each page formats with the
    ``oro_invoices.locale`` setting of its scope; its times are always in the
    ``oro_invoices.timezone`` of its scope, as the PDF and emails (``timezone``: deprecated, ignored);
    ``template_reload``: whether templates edited on disk are read again (off in production)."""
    if page_size < 1:
        raise ValueError(f"page_size must be a positive number of rows, not {page_size!r}")
    if profile.installed_version(host) is None:
        log.warning("oro-invoices is not installed in the host %s: its pages answer, but no menu entry, "
                    "order tab, Account entry or settings group leads to them. Install it once "
                    "(oro_invoices.integration.profile.install(host), e.g. on deploy).", getattr(host, "name", host))
    return WebContext(
        service=services.invoices, host=host, csrf=csrf, mail=services.mail,
        order_url=order_url or (lambda order_id: None),
        storefront_order_url=storefront_order_url or (lambda order_id: None),
        website_name=website_name or default_website_name(host),
        customer_choices=customer_choices, website_choices=website_choices,
        storefront_website=storefront_website or (lambda request: None),
        static_url=static_url, url_builder=url_builder,
        locale=locale, timezone=timezone,
        page_size=page_size, template_dirs=tuple(template_dirs), template_reload=template_reload)


# -- routes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class MountedRoute:
    """One page at its full path: ``rule`` uses ``<int:name>``/``<name>`` parameters."""

    endpoint: str
    rule: str
    methods: tuple[str, ...]
    area: str          # backoffice | storefront | guest: which prefix it is under
    layout_area: str   # backoffice | storefront: the layout it is wrapped in

    @functools.cached_property
    def params(self) -> tuple[tuple[str | None, str], ...]:
        """``(converter, name)`` of each path parameter (converter ``"int"`` or None)."""
        return tuple((conv or None, name) for conv, name in _PARAM.findall(self.rule))

    @functools.cached_property
    def int_params(self) -> frozenset[str]:
        """The names of the path parameters when every one is ``<int:…>`` (else empty)."""
        if any(conv != "int" for conv, _name in self.params):
            return frozenset()
        return frozenset(name for _conv, name in self.params)

    def template(self, param: Callable[[str | None, str], str]) -> str:
        """The rule with each parameter written by ``param(converter, name)``."""
        return _PARAM.sub(lambda m: param(m.group(1) or None, m.group(2)), self.rule)

    @functools.cached_property
    def braces(self) -> str:
        """The rule with ``{name}`` parameters (Starlette without converters, ``str.format``)."""
        return self.template(lambda conv, name: "{" + name + "}")

    @property
    def regex(self) -> re.Pattern[str]:
        parts, pos = [], 0
        for m in _PARAM.finditer(self.rule):
            parts.append(re.escape(self.rule[pos:m.start()]))
            parts.append(f"(?P<{m.group(2)}>{_CONVERTERS[m.group(1) or None]})")
            pos = m.end()
        parts.append(re.escape(self.rule[pos:]))
        return re.compile("".join(parts) + r"\Z")

    def build(self, params: Mapping[str, Any]) -> str:
        """The path with ``params`` filled in; the others become the query string."""
        names = {name for _, name in self.params}
        missing = sorted(names - set(params))
        if missing:
            raise ValueError(f"{self.endpoint} needs {', '.join(missing)}")
        path = self.template(lambda conv, name: quote(str(params[name]), safe=""))
        query = {k: v for k, v in params.items() if k not in names and v is not None}
        return path + ("?" + urlencode(query, doseq=True) if query else "")


def check_prefixes(prefixes: Mapping[str, str] | None) -> dict[str, str]:
    """The three area prefixes (defaults filled in), or ``ValueError`` saying which one is wrong."""
    given = dict(prefixes or {})
    unknown = sorted(set(given) - set(DEFAULT_PREFIXES))
    if unknown:
        raise ValueError(f"unknown page area(s) {', '.join(unknown)}; the areas are "
                         f"{', '.join(DEFAULT_PREFIXES)}")
    out = {area: given.get(area) or default for area, default in DEFAULT_PREFIXES.items()}
    for area, prefix in out.items():
        if not isinstance(prefix, str) or not prefix.startswith("/") or (
                prefix != "/" and prefix.endswith("/")) or "<" in prefix:
            raise ValueError(f"the {area} prefix {prefix!r} must start with '/', not end with '/' "
                             "and hold no parameters (for example '/admin/invoices')")
    if len(set(out.values())) != len(out):
        raise ValueError(f"the page areas need three different prefixes, got {out}")
    return out


def mounted_routes(prefixes: Mapping[str, str]) -> tuple[MountedRoute, ...]:
    """Every page of ``web.pages.ROUTES`` under its area's prefix."""
    return tuple(MountedRoute(r.endpoint, (prefixes[r.area].rstrip("/") + r.rule) or "/",
                              r.methods, r.area, LAYOUT_AREA[r.area]) for r in ROUTES)


# -- what a handler's response becomes ------------------------------------------------------

@dataclass
class Outcome:
    """The response to send, decided; ``kind`` says why (``page``, ``redirect``, ``login``, ``raw``).

    ``body`` is bytes or an iterable of chunks to stream (then ``close()`` it when the client
    goes away, if it has ``close``).
    """

    kind: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    content_type: str = HTML

    @property
    def streamed(self) -> bool:
        return not isinstance(self.body, (bytes, bytearray))

    def headers_only(self) -> Outcome:
        """The same response without its body (HEAD); an iterable body is closed.

        A streamed body stays a stream (of nothing), so that the framework sends no length for
        it, as for GET, rather than ``Content-Length: 0``.
        """
        headers = dict(self.headers)
        body: bytes | Iterable[bytes] = b""
        if self.streamed:
            close = getattr(self.body, "close", None)
            if callable(close):
                close()
            body = iter(())  # an iterator: not a sequence whose length a framework would count
        elif self.body and not any(k.lower() == "content-length" for k in headers):
            headers["Content-Length"] = str(len(bytes(self.body)))  # type: ignore[arg-type]
        return replace(self, headers=headers, body=body)


#: Every page the add-on answers shows one reader's invoices, and its forms carry one-time keys: no
#: cache keeps it, neither a shared one nor the browser's (the guest link's pages hold the link's
#: token), unless its handler says otherwise.
PAGE_CACHE_CONTROL = "private, no-store"


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """What lasts one request: settings resolved once, one reading connection per engine."""
    with remember_settings(), one_connection_per_engine():
        yield


def raw_outcome(resp: Response, request: Request) -> Outcome:
    """A handler's response passed through as it is (API answers, downloads)."""
    out = Outcome("raw", resp.status, dict(resp.headers), resp.body, resp.content_type)
    return out.headers_only() if request.method.upper() == "HEAD" else out


def answer_api(api: InvoiceApi, request: Request) -> Outcome:
    """The JSON API's answer to ``request`` (bound as the current request while it runs)."""
    with request_scope(), bind_request(request):
        return raw_outcome(api.handle(request), request)


def login_location(login_url: str, request: Request) -> str:
    """``login_url`` with ``next`` set to the page asked for (path and query). The query is kept
    as sent (``query_string``) where the framework gives it: bytes that are not UTF-8 stay as they
    were, so that after the login the page refuses them naming the filter rather than searching
    for the U+FFFD its framework decoded them to."""
    target = (request.root_path + request.path).encode()
    if request.query_string:
        target += b"?" + request.query_string
    elif request.query_lists or request.query:
        target += b"?" + urlencode(request.query_lists or request.query, doseq=True).encode()
    sep = "&" if "?" in login_url else "?"
    return f"{login_url}{sep}next={quote(target, safe='/')}"


def principal(host: HostAdapter) -> tuple[CurrentUser, frozenset[str]]:
    """Who is logged in and which of the add-on's ``PERMISSIONS`` they hold (nothing when anonymous)."""
    user = host.users.current()
    if user is None or user.is_anonymous:
        return user or CurrentUser(id=None), frozenset()
    return user, frozenset(p for p in PERMISSIONS if host.users.can(p))


class PageMount:
    """The pages of one application: routes, URLs and the answer to each request.

    :param ctx: the ``WebContext`` (``build_context``).
    :param prefixes: where the ``backoffice``, ``storefront`` and ``guest`` pages live
        (``web.pages.DEFAULT_PREFIXES`` for any left out).
    :param login_url: ``login_url(area, request)`` → the host's login page for ``backoffice`` or
        ``storefront``; None (or a None answer) leaves a 401 page instead of a redirect.
    :param render_flashes: show waiting flash messages at the top of the add-on's pages; False
        when the host's layout shows them (then they stay in ``flashes`` for it).
    """

    def __init__(self, ctx: WebContext, *, prefixes: Mapping[str, str] | None = None,
                 login_url: Callable[[str, Request], str | None] | None = None,
                 render_flashes: bool = True):
        self.ctx = ctx
        self.host = ctx.host
        self.pages = InvoicePages(ctx)
        self.prefixes = check_prefixes(prefixes)
        self.routes = mounted_routes(self.prefixes)
        self.by_endpoint = {r.endpoint: r for r in self.routes}
        self.login_url = login_url or (lambda area, request: None)
        self.render_flashes = render_flashes

    # -- URLs -------------------------------------------------------------------------------
    def url_for(self, endpoint: str, **params: Any) -> str:
        """The path of one of the pages (under the current request's ``root_path``)."""
        route = self.by_endpoint.get(endpoint)
        if route is None:
            raise ValueError(f"{endpoint!r} is not a page of oro-invoices; the pages are "
                             f"{', '.join(sorted(self.by_endpoint))}")
        return _root_path() + route.build(params)

    def match(self, method: str, path: str) -> tuple[MountedRoute, dict[str, str]] | None:
        """The route answering ``method`` at ``path`` and its parameters; None when there is none.

        ``method_allowed`` tells a 405 from a 404 when this returns None.
        """
        wanted = "GET" if method.upper() == "HEAD" else method.upper()
        for route in self.routes:
            found = route.regex.match(path)
            if found and wanted in route.methods:
                return route, found.groupdict()
        return None

    def method_allowed(self, path: str) -> list[str]:
        """The methods some page answers at ``path`` (empty: no page is there)."""
        return sorted({m for r in self.routes if r.regex.match(path) for m in r.methods})

    # -- answering --------------------------------------------------------------------------
    def speaking(self, request: Request) -> contextlib.AbstractContextManager[str]:
        """Translate into ``request``'s page language, writing the values of messages in the
        page's formats (``page_formatting``)."""
        language = page_language(request)
        user = request.user
        writer = self.ctx.formatters.value_writer(
            lambda: page_scope(user, self.ctx.storefront_website(request), {}), language,
            getattr(user, "locale", "") or "")
        return i18n.using(language, values=writer)

    def identify(self, request: Request) -> Request:
        """``request`` with the user and permissions the host's ``Users`` give while it is bound."""
        with bind_request(request):
            user, granted = principal(self.host)
        return replace(request, user=user, permissions=granted)

    def respond(self, endpoint: str, request: Request, flashes: Flashes) -> Outcome:
        """Answer ``request`` with the page at ``endpoint``; never raises."""
        route = self.by_endpoint[endpoint]
        try:
            with request_scope():
                request = self.identify(request)
                with bind_request(request), self.speaking(request):
                    resp = self.pages.dispatch(endpoint, request)
                    out = self.decide(resp, request, route.layout_area, flashes)
        except Exception as exc:  # the host's users, layout or session failed: still a page
            log.exception("oro-invoices could not answer %s %s", request.method, request.path)
            with i18n.using(i18n.negotiate(request.header("accept-language"))):
                out = self.failure(route.layout_area, exc)
        return out.headers_only() if request.method.upper() == "HEAD" else out

    def decide(self, resp: Response, request: Request, area: str, flashes: Flashes) -> Outcome:
        """What a handler's ``resp`` becomes: login redirect, redirect, wrapped page or passed through."""
        if resp.status == 401:
            login = self.login_url(area, request)
            if login:
                flashes.add(LOGIN_FLASH[0], _(LOGIN_FLASH[1]))
                return Outcome("login", 302, {"Location": login_location(login, request)})
        location = resp.headers.get("Location")
        if 300 <= resp.status < 400 and location:
            if resp.supersedes:
                replaced = {(category, str(_(message))) for category, message in resp.supersedes}
                for category, message in flashes.pop():
                    if (category, message) not in replaced:
                        flashes.add(category, message)
            for category, message in resp.flashes:  # stored as text: in the reader's language now
                flashes.add(category, _(message))
            return Outcome("redirect", resp.status, dict(resp.headers))
        if resp.page_title is not None:
            return self.page(resp, area, flashes)
        return raw_outcome(resp, request)

    def page(self, resp: Response, area: str, flashes: Flashes) -> Outcome:
        """A fragment wrapped in the host's layout, waiting flash messages on top."""
        if self.render_flashes:
            waiting = flashes.pop() + list(resp.flashes)
            shown = self.ctx.env.get_template("_flashes.html").render(flashes=waiting) \
                if waiting else ""
        else:  # the host's layout shows them
            for category, message in resp.flashes:
                flashes.add(category, _(message))
            shown = ""
        title = resp.page_title or ""
        html = self.host.layout.wrap(shown + resp.text(), title=title, area=area)
        headers = dict(resp.headers)
        for name in [n for n in headers if n.lower() == csp.HEADER.lower()]:  # the layout's scripts too
            headers[name] = csp.allow_inline_scripts(headers[name], html)
        if not any(name.lower() == "cache-control" for name in headers):
            headers["Cache-Control"] = PAGE_CACHE_CONTROL
        return Outcome("page", resp.status, headers, html.encode(), resp.content_type)

    def not_allowed(self, request: Request, flashes: Flashes, allowed: Iterable[str] = ()) -> Outcome | None:
        """The 405 of ``request``, whose method no page answers at a path some page answers with
        another (``method_allowed``): the add-on's error page in the layout, in the reader's
        language, ``Allow`` naming ``allowed`` (by default the pages' methods); None when no
        page is at that path (not the add-on's to answer)."""
        methods = self.method_allowed(request.path)
        if not methods:
            return None
        area = next(r.layout_area for r in self.routes if r.regex.match(request.path))
        refused = MethodNotAllowed(allowed=tuple(allowed) or methods)
        try:
            with request_scope():
                request = self.identify(request)
                with bind_request(request), self.speaking(request):
                    resp = error_response(self.ctx, request, refused, area=area)
                    resp.headers.update(headers_for(refused))
                    out = self.page(resp, area, flashes)
        except Exception as exc:  # the host's users, layout or session failed: still a page
            log.exception("oro-invoices could not answer %s %s", request.method, request.path)
            with i18n.using(i18n.negotiate(request.header("accept-language"))):
                return self.failure(area, exc)
        return out.headers_only() if request.method.upper() == "HEAD" else out

    def failure(self, area: str, exc: BaseException | None = None) -> Outcome:
        """The last resort: a 500 page without internals (in the layout when it still works); a
        503 saying so, with ``Retry-After``, when ``exc`` is the database not answering."""
        out_of_reach = None if exc is None else unreachable(exc)
        if out_of_reach is not None:
            title, message = _(TITLES[503]), _(out_of_reach.message)
        else:
            title = _("Something went wrong")
            message = _("An unexpected error occurred. It has been logged; please try again or contact support.")
        body = f"<div class='oi'><h1>{escape(title)}</h1><p>{escape(message)}</p></div>"
        try:
            html = self.host.layout.wrap(body, title=title, area=area)
        except Exception:
            log.exception("the host's layout failed while showing an error")
            html = body
        if out_of_reach is not None:
            return Outcome("page", 503, headers_for(out_of_reach), html.encode())
        return Outcome("page", 500, {}, html.encode())

    def fragment(self, endpoint: str, request: Request, **path_params: Any) -> Response:
        """The unwrapped ``Response`` of a page for the user of ``request`` (the order tab).

        ``request`` is the host's own request (its session identifies the user); the page is
        run as a GET with ``path_params`` (``order_id=…``) and nothing else: the query, form and
        body of the host's page are the host's (``?tab=invoices``, a byte that is not UTF-8), not
        the embedded page's to read or refuse.
        """
        if endpoint not in self.by_endpoint:
            raise ValueError(f"{endpoint!r} is not a page of oro-invoices")
        own = replace(request, method="GET", query={}, query_lists={}, query_string=b"", form={}, form_lists={},
                      body=b"", files={}, file_lists={}, path_params={k: str(v) for k, v in path_params.items()})
        with request_scope():
            request = self.identify(own)
            with bind_request(request), self.speaking(request):
                return self.pages.dispatch(endpoint, request)

    def static_url(self, filename: str) -> str:
        """Where one of the add-on's static files is served (``STATIC_PATH``)."""
        return f"{_root_path()}{STATIC_PATH}/{quote(filename)}"


def _root_path() -> str:
    request = current_request()
    return request.root_path if request is not None else ""
