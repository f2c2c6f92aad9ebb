"""The Flask adapter: mount the add-on's pages in a Flask application.

    invoices = OroInvoices()               # at import time, no app yet
    invoices.init_app(app, host=my_host)   # in the application factory

or in one step ``OroInvoices(app, host=my_host)``. The state lives on
``app.extensions["oro_invoices"]`` (the extension object itself); initialising
the same app twice raises ``RuntimeError``. The services come from the composition
root (``oro_invoices.composition.build_addon``): pass a built ``addon=``, or let
``init_app`` build one from ``app.config`` (``addon_config``). The JSON API is a
separate blueprint (``oro_invoices.adapters.flask.api.make_api_blueprint``).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import flask

from oro_invoices.adapters.flask.api import to_flask_response
from oro_invoices.adapters.flask.pages import FlaskFlashes, SessionCsrf, make_pages_blueprint, to_request
from oro_invoices.composition import Addon, AddonConfig, payment_link_builder
from oro_invoices.web import mounting
from oro_invoices.web.http import Request, Response
from oro_invoices.web.pages import DEFAULT_PREFIXES

EXTENSION_KEY = "oro_invoices"

__all__ = ["EXTENSION_KEY", "OroInvoices", "addon_config"]


def addon_config(app: flask.Flask) -> AddonConfig:
    """The add-on's configuration from ``app.config`` (the ``ORO_INVOICES_*`` keys below)."""
    cfg = app.config
    url = cfg.get("ORO_INVOICES_DATABASE_URL")
    if not url:
        raise RuntimeError("Set app.config['ORO_INVOICES_DATABASE_URL'] (or pass service=).")
    storage_url = cfg.get("ORO_INVOICES_STORAGE_URL") or \
        "file://" + os.path.join(app.instance_path, "oro-invoices-pdf")
    return AddonConfig(database_url=url, storage_url=storage_url,
                       smtp=cfg.get("ORO_INVOICES_SMTP_URL"),
                       migrate=bool(cfg.get("ORO_INVOICES_MIGRATE", False)))


def templates_reload(app: flask.Flask) -> bool:
    """Whether the add-on's templates are read again when edited: as Flask decides for the
    application's own (``TEMPLATES_AUTO_RELOAD``, else debug mode)."""
    reload = app.config.get("TEMPLATES_AUTO_RELOAD")
    return bool(app.debug if reload is None else reload)


class OroInvoices:
    """Flask extension for oro-invoices' back-office and storefront pages.

    :param host: the host adapter, or a callable ``host(app)`` building it (default: the
        ``addon``'s host).
    :param addon: the add-on built by ``oro_invoices.composition.build_addon``; when omitted
        (and no ``service`` is given) it is built from the settings below.
    :param service: an ``InvoiceService`` to use instead of building the add-on.
    :param mail: a ``MailService``; the add-on's when omitted (outbox, plus SMTP if configured).
    :param plugins: the pluggy manager (default: ``get_plugin_manager()``).
    :param website_name: ``website_name(id) -> str`` for the grid's Website column.
    :param website_choices: ``website_choices(scope) -> [(id, name)]`` for the Website filter
        (the websites of the admin's organization; without it the filter takes a website's id).
    :param customer_choices: ``customer_choices(scope) -> [(id, name)]`` for the Customer filter
        (None from it: too many to list; the filter takes the start of a name, or an id).
    :param storefront_website: ``storefront_website(request) -> website id | None``: the
        website a storefront request is on, for settings set per website.

    Settings read from ``app.config``:

    ``SECRET_KEY``
        required: the session carries the CSRF token.
    ``ORO_INVOICES_DATABASE_URL``
        the add-on's database (``sqlite:///…`` or ``postgresql://…``); required unless
        ``addon`` or ``service`` is given.
    ``ORO_INVOICES_STORAGE_URL``
        where PDFs are stored (default ``file://<instance_path>/oro-invoices-pdf``).
    ``ORO_INVOICES_MIGRATE``
        run the schema migrations at start-up (default False).
    ``ORO_INVOICES_SMTP_URL``
        ``smtp://host:port``; without it emails stay in the outbox until delivered elsewhere.
    ``ORO_INVOICES_BACKOFFICE_PREFIX`` / ``ORO_INVOICES_STOREFRONT_PREFIX`` / ``ORO_INVOICES_PAY_PREFIX``
        where the pages are mounted (``/admin/invoices``, ``/customer/invoices``, ``/invoices/pay``).
    ``ORO_INVOICES_ORDER_ENDPOINT`` / ``ORO_INVOICES_STOREFRONT_ORDER_ENDPOINT``
        the host's order pages (endpoints taking ``order_id``), linked from invoices.
    ``ORO_INVOICES_LOGIN_ENDPOINT`` / ``ORO_INVOICES_STOREFRONT_LOGIN_ENDPOINT``
        where anonymous visitors are sent (with ``next``); a 401 page without them.
    ``ORO_INVOICES_RENDER_FLASHES``
        show flashed messages at the top of the add-on's pages (default True); set False
        when the host's layout already shows Flask's flashed messages.
    ``ORO_INVOICES_PAGE_SIZE``
        rows per grid page (default 25).
    ``ORO_INVOICES_LOCALE``
        how every page formats amounts and dates (default: the ``oro_invoices.locale`` setting
        of each page's scope in the page's language, see ``oro_invoices.web.page_formatting``).
    ``ORO_INVOICES_TEMPLATE_DIRS``
        directories searched before the package's page templates (overrides).
    """

    def __init__(self, app: flask.Flask | None = None, *, host: Any = None, service: Any = None,
                 mail: Any = None, plugins: Any = None, addon: Addon | None = None,
                 website_name: Callable[[int], str] | None = None,
                 customer_choices: Callable[..., list[tuple[int, str]] | None] | None = None,
                 website_choices: Callable[..., list[tuple[int, str]] | None] | None = None,
                 storefront_website: Callable[[Request], int | None] | None = None):
        self.host = host
        self.service = service
        self.mail = mail
        self.plugins = plugins
        self.addon = addon
        self.website_name = website_name
        self.customer_choices = customer_choices
        self.website_choices = website_choices
        self.storefront_website = storefront_website
        self.app: flask.Flask | None = None
        self._static_urls: dict[tuple[str | None, str], str] = {}
        if app is not None:
            self.init_app(app)

    # -- set-up ---------------------------------------------------------------------
    def init_app(self, app: flask.Flask, *, host: Any = None) -> OroInvoices:
        """Build the services (through ``build_addon``) and register the pages on ``app``."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("OroInvoices is already initialised on this Flask app; create "
                               "one OroInvoices per app and call init_app once.")
        if self.app is not None:
            raise RuntimeError("This OroInvoices object is already bound to another app; "
                               "create one OroInvoices per app.")
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("oro-invoices needs app.config['SECRET_KEY'] (forms carry "
                               "CSRF tokens kept in the session).")
        host = host if host is not None else self.host
        if host is None and self.addon is not None:
            host = self.addon.host
        if host is None:
            raise RuntimeError("OroInvoices needs the host adapter: OroInvoices(app, host=...)")
        self.host = host(app) if callable(host) and not hasattr(host, "config") else host
        self.app = app
        cfg = app.config
        self.render_flashes = bool(cfg.get("ORO_INVOICES_RENDER_FLASHES", True))
        self._compose(app)
        self.prefixes = mounting.check_prefixes({
            "backoffice": cfg.get("ORO_INVOICES_BACKOFFICE_PREFIX", DEFAULT_PREFIXES["backoffice"]),
            "storefront": cfg.get("ORO_INVOICES_STOREFRONT_PREFIX", DEFAULT_PREFIXES["storefront"]),
            "guest": cfg.get("ORO_INVOICES_PAY_PREFIX", DEFAULT_PREFIXES["guest"]),
        })
        self.ctx = mounting.build_context(
            self.services, self.host, csrf=SessionCsrf(),
            order_url=self._endpoint_url(cfg.get("ORO_INVOICES_ORDER_ENDPOINT")),
            storefront_order_url=self._endpoint_url(cfg.get("ORO_INVOICES_STOREFRONT_ORDER_ENDPOINT")),
            website_name=self.website_name, customer_choices=self.customer_choices,
            website_choices=self.website_choices,
            storefront_website=self.storefront_website,
            static_url=self.static_url,
            url_builder=self.url_for, locale=cfg.get("ORO_INVOICES_LOCALE"),
            page_size=int(cfg.get("ORO_INVOICES_PAGE_SIZE", 25)),
            template_dirs=tuple(cfg.get("ORO_INVOICES_TEMPLATE_DIRS", ())),
            template_reload=templates_reload(app))
        self.mount = mounting.PageMount(self.ctx, prefixes=self.prefixes,
                                        login_url=lambda area, request: self.login_url(area),
                                        render_flashes=self.render_flashes)
        self.pages = self.mount.pages
        app.register_blueprint(make_pages_blueprint(self.mount))
        app.extensions[EXTENSION_KEY] = self
        return self

    def _compose(self, app: flask.Flask) -> None:
        """The services: the given ``addon``, the given ``service``, or built from ``app.config``."""
        self.services = mounting.compose(
            self.host, addon=self.addon, service=self.service, mail=self.mail, plugins=self.plugins,
            config=lambda: addon_config(app), smtp=app.config.get("ORO_INVOICES_SMTP_URL"))
        self.addon = self.services.addon
        self.service = self.services.invoices
        self.settings = self.services.settings
        self.plugins = self.services.plugins
        self.mail = self.services.mail
        self.db = self.services.db

    # -- helpers for the host -------------------------------------------------------
    def payment_url(self, invoice: Any) -> str | None:
        """The guest payment link of a posted invoice (absolute)."""
        build = payment_link_builder(self.host, self.settings)
        return build(invoice) if build is not None else None

    def url_for(self, endpoint: str, **params: Any) -> str:
        """``flask.url_for``; a page of the add-on addressed by whole-number path parameters
        only (a grid links every row) is built from its rule directly, to the same URL."""
        route = self.mount.by_endpoint.get(endpoint) if hasattr(self, "mount") else None
        app = self.app
        if route is not None and app is not None and params and route.int_params == set(params) \
                and all(type(v) is int for v in params.values()) and flask.has_request_context() \
                and not app.url_map.host_matching and not any(app.url_default_functions.values()):
            return flask.request.script_root + route.braces.format(**params)
        return flask.url_for(endpoint, **params)

    def static_url(self, filename: str) -> str:
        """The URL of one of the add-on's static files: ``flask.url_for``'s, kept per root path
        while the application adds no URL defaults (every page links the stylesheet)."""
        app = self.app
        if app is None or app.url_map.host_matching or any(app.url_default_functions.values()):
            return flask.url_for("oro_invoices.static", filename=filename)
        seen = (flask.request.script_root if flask.has_request_context() else None, filename)
        url = self._static_urls.get(seen)
        if url is None:
            url = flask.url_for("oro_invoices.static", filename=filename)
            if len(self._static_urls) < 100:
                self._static_urls[seen] = url
        return url

    def _endpoint_url(self, endpoint: str | None) -> Callable[[int], str | None]:
        if not endpoint:
            return lambda order_id: None
        return lambda order_id: flask.url_for(endpoint, order_id=order_id)

    def login_url(self, area: str) -> str | None:
        key = "ORO_INVOICES_LOGIN_ENDPOINT" if area == "backoffice" \
            else "ORO_INVOICES_STOREFRONT_LOGIN_ENDPOINT"
        endpoint = self.app.config.get(key) if self.app is not None else None
        return flask.url_for(endpoint) if endpoint else None

    def method_not_allowed(self, exc: Any = None) -> flask.Response | None:
        """The add-on's 405 page for the current request, when its path is one of the add-on's
        pages (None otherwise: the host answers). Werkzeug's routing refuses such a method before
        any page runs; a host shows the add-on's page in its layout and language from its own
        handler::

            @app.errorhandler(405)
            def method_not_allowed(exc):
                return invoices.method_not_allowed(exc) or exc

        ``exc``: Werkzeug's ``MethodNotAllowed``, whose ``valid_methods`` the ``Allow`` header names.
        """
        out = self.mount.not_allowed(to_request(flask.request, {}), FlaskFlashes(),
                                     allowed=getattr(exc, "valid_methods", None) or ())
        return to_flask_response(out) if out is not None else None

    def fragment(self, endpoint: str, **path_params: Any) -> Response:
        """Run a page handler for the current user and return its unwrapped ``Response``.

        Hosts use it to embed the order view's Invoices tab in their own page.
        """
        return self.mount.fragment(endpoint, to_request(flask.request, {}), **path_params)
