"""The reference host's Flask application factory.

    app = create_app(data_dir="./demo")      # SQLite + local PDF storage under data_dir

The add-on is installed into the host only through ``oro_invoices.integration.profile.install``
(menu entry, order tab, email template, settings group, storefront entries); it is built by
the composition root (``oro_invoices.composition.build_addon``) over the host, its pages are
mounted by the Flask adapter and its API under ``/api``. The built add-on is
``app.extensions["oro_invoices"].addon``.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import flask
from sqlalchemy import bindparam, select

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.adapters.flask import OroInvoices, templates_reload
from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.adapters.ui import MenuEntry
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.headers import install_security_headers
from oro_invoices.hosts.reference.language import _, install_shop_language
from oro_invoices.hosts.reference.reference import (
    TEMPLATES,
    ReferenceHost,
    host_engine,
)
from oro_invoices.hosts.reference.request_cache import install_request_scope
from oro_invoices.i18n import N_
from oro_invoices.integration import profile
from oro_invoices.persistence.engine import pool_options, reading
from oro_invoices.services.celery_queue import DEFAULT_QUEUE
from oro_invoices.web.api import ApiClient, InvoiceApi

HOST_MENU = (
    MenuEntry(key="host.dashboard", label=N_("Dashboard"), endpoint="host_admin.dashboard",
              parent="dashboard", position=10),
    MenuEntry(key="host.orders", label=N_("Orders"), endpoint="host_admin.orders", parent="sales",
              position=10),
    MenuEntry(key="host.customers", label=N_("Customers"), endpoint="host_admin.customers",
              parent="customers", position=10),
    MenuEntry(key="host.configuration", label=N_("Configuration"), endpoint="host_config.config",
              parent="system", position=10, permission="oro_invoices.configure"),
)
HOST_ACCOUNT_MENU = (
    MenuEntry(key="host.account", label=N_("My Profile"), endpoint="host_store.account",
              parent="account", position=10),
    MenuEntry(key="host.account_orders", label=N_("Order History"), endpoint="host_store.orders",
              parent="account", position=20),
)


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(data_dir: str | os.PathLike[str] | None = None, *, database_url: str | None = None,
               storage_url: str | None = None, base_url: str = "http://127.0.0.1:8765",
               smtp_url: str | None = None, secret_key: str | None = None,
               install: bool = True, migrate: bool = True, testing: bool = False,
               secure_cookies: bool = False, jobs_broker_url: str | None = None,
               jobs_queue: str = DEFAULT_QUEUE,
               database_pool: Mapping[str, Any] | None = None) -> flask.Flask:
    """The reference shop with oro-invoices installed.

    :param data_dir: where the SQLite file, PDFs and the session secret live.
    :param database_url: one database for the host's and the add-on's tables: SQLite or
        PostgreSQL (default ``sqlite:///DATA_DIR/shop.db``).
    :param storage_url: where PDFs are stored (default ``DATA_DIR/pdf``).
    :param base_url: where the shop is reached; absolute URLs start with it unless
        ``oro_invoices.storefront_base_url`` is configured globally.
    :param smtp_url: ``smtp://HOST:PORT``; without it mail stays in the outbox.
    :param secure_cookies: send the session cookie over HTTPS only (``Secure``); use it
        whenever the shop is served over HTTPS.
    :param install: run ``profile.install`` (the conformance kit builds hosts without it).
    :param migrate: create or upgrade the add-on's tables.
    :param jobs_broker_url: the Celery broker of the background jobs and ``jobs_queue`` their
        queue (docs/jobs.md); None: no background jobs.
    :param database_pool: connection-pool options of both engines, the host's and the add-on's
        (``AddonConfig.database_pool``); None: SQLAlchemy's defaults.
    """
    data = Path(data_dir or "./oro-invoices-demo").resolve()
    data.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{data / 'shop.db'}"
    storage_url = storage_url or (data / "pdf").as_uri()
    app = flask.Flask("oro_invoices.hosts.reference", template_folder=TEMPLATES,
                      instance_path=str(data), instance_relative_config=False)
    install_shop_language(app.jinja_env)
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(data), TESTING=testing,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        ORO_INVOICES_ORDER_ENDPOINT="host_admin.order",
        ORO_INVOICES_STOREFRONT_ORDER_ENDPOINT="host_store.order",
        ORO_INVOICES_LOGIN_ENDPOINT="host_admin.login",
        ORO_INVOICES_STOREFRONT_LOGIN_ENDPOINT="host_store.login",
        ORO_INVOICES_RENDER_FLASHES=False,  # the host's layouts show flashed messages
        ORO_REFERENCE_DATA_DIR=str(data), ORO_REFERENCE_STORAGE_URL=storage_url)
    host = ReferenceHost(host_engine(database_url, **pool_options(database_pool or {})), base_url=base_url)
    host.urls.app = app
    app.extensions["oro_reference_host"] = host
    install_security_headers(app)
    install_request_scope(app)
    for entry in HOST_MENU:
        host.menu.register(entry)
    for entry in HOST_ACCOUNT_MENU:
        host.storefront.register_account_entry(entry)
    if install:
        profile.install(host)

    from oro_invoices.hosts.reference.config_page import bp as config_bp
    from oro_invoices.hosts.reference.storefront_website import admin_websites, request_website, website_name
    from oro_invoices.hosts.reference.storefront_website import bp as website_bp
    from oro_invoices.hosts.reference.views_admin import bp as admin_bp
    from oro_invoices.hosts.reference.views_store import bp as store_bp
    app.register_blueprint(admin_bp)
    app.register_blueprint(config_bp)
    app.register_blueprint(store_bp)
    app.register_blueprint(website_bp)

    addon = build_addon(AddonConfig(database_url=database_url, storage_url=storage_url,
                                    smtp=smtp_url, migrate=migrate, jobs_broker_url=jobs_broker_url,
                                    jobs_queue=jobs_queue, database_pool=dict(database_pool or {})),
                        host=host)
    OroInvoices(app, addon=addon, website_name=lambda wid: website_name(host, wid),
        customer_choices=lambda scope: _customers(host, scope),
        website_choices=lambda scope: admin_websites(host, scope),
        storefront_website=request_website)
    host.layout.env.auto_reload = templates_reload(app)  # the layouts as the add-on's pages
    api = InvoiceApi(addon.invoices, authenticate=lambda token: _api_client(host, token),
                     settings=addon.settings, base_path="/api", mail=addon.mail)
    app.register_blueprint(make_api_blueprint(api, url_prefix="/api"))
    app.extensions["oro_reference_api"] = api

    @app.errorhandler(500)
    def _server_error(exc: Exception) -> flask.Response:
        body = (f"<h1>{_('Something went wrong')}</h1><p>"
                + _("An unexpected error occurred. It has been logged; please try again.") + "</p>")
        return flask.Response(host.layout.wrap(body, title=_("Error")), status=500)

    @app.errorhandler(404)
    def _not_found(exc: Exception) -> flask.Response:
        area = "backoffice" if flask.request.path.startswith("/admin") else "storefront"
        body = f"<h1>{_('Page not found')}</h1><p>{_('The page you asked for does not exist.')}</p>"
        return flask.Response(host.layout.wrap(body, title=_("Page not found"), area=area), status=404)

    @app.errorhandler(405)
    def _method_not_allowed(exc: Exception) -> flask.Response:
        """A method no page here answers: the add-on's own error page on its pages, else the shop's."""
        invoices: OroInvoices = app.extensions["oro_invoices"]
        page = invoices.method_not_allowed(exc)
        if page is not None:
            return page
        area = "backoffice" if flask.request.path.startswith("/admin") else "storefront"
        body = f"<h1>{_('Request not accepted')}</h1><p>{_('This method is not allowed here.')}</p>"
        headers = {"Allow": ", ".join(getattr(exc, "valid_methods", None) or ())}
        return flask.Response(host.layout.wrap(body, title=_("Request not accepted"), area=area),
                              status=405, headers=headers)

    @app.errorhandler(400)
    def _bad_request(exc: Exception) -> flask.Response:
        area = "backoffice" if flask.request.path.startswith("/admin") else "storefront"
        message = getattr(exc, "description", "") or _("The request was not accepted.")
        body = flask.render_template_string(
            "<h1>{{ _('Request not accepted') }}</h1><p>{{ message }}</p>", message=message)
        return flask.Response(host.layout.wrap(body, title=_("Request not accepted"), area=area),
                              status=400)
    return app


#: Above this many customers the grid's Customer filter is a field for the start of a name
#: (with suggestions), not a list.
CUSTOMER_CHOICES_LIMIT = 200


def _customers(host: ReferenceHost, scope: ScopeContext) -> list[tuple[int, str]] | None:
    """The customers the grid's Customer filter lists, by name; None when there are too many
    to list on every page (the filter then takes the start of a name)."""
    with reading(host.engine) as conn:
        if scope.organization_id is None:
            rows = conn.execute(_CUSTOMER_CHOICES).all()
        else:
            rows = conn.execute(_ORGANIZATION_CUSTOMER_CHOICES, {"organization_id": scope.organization_id}).all()
    return [(r.id, r.name) for r in rows] if len(rows) <= CUSTOMER_CHOICES_LIMIT else None


_CUSTOMER_CHOICES = (select(m.customers.c.id, m.customers.c.name).order_by(m.customers.c.name)
                     .limit(CUSTOMER_CHOICES_LIMIT + 1))
_ORGANIZATION_CUSTOMER_CHOICES = _CUSTOMER_CHOICES.where(
    m.customers.c.organization_id == bindparam("organization_id"))


def _api_client(host: ReferenceHost, token: str) -> ApiClient | None:
    admin = host.records.admin_for_token(token)
    if admin is None or admin.organization_id is None:
        return None
    # the token acts for its admin: it may do over the API what they may do in the back-office
    return ApiClient(name=admin.username, organization_id=admin.organization_id,
                     permissions=frozenset(admin.permissions or ()))
