"""What the page handlers need from their surroundings, and how they render.

``WebContext`` is built once per application by a framework adapter (see
``oro_invoices.adapters.flask``) and shared by every handler. Nothing here
imports a web framework: the adapter supplies the CSRF provider and URLs.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import jinja2

from oro_invoices import i18n
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.invoice import PAYMENT_STATUS_LABELS, InvoiceDocument, PaymentStatus
from oro_invoices.domain.overdue import awaits_capture, days_overdue
from oro_invoices.domain.payment_labels import action_label
from oro_invoices.formatting import Formatter
from oro_invoices.formatting.line_breaks import soft_hyphens
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import flatten
from oro_invoices.integration.profile import ENDPOINT_STOREFRONT_PAY
from oro_invoices.persistence.outbox import STATUS_LABELS as EMAIL_STATUS_LABELS
from oro_invoices.services.mail.render import template_label
from oro_invoices.web.http import Request
from oro_invoices.web.language import actor_label, reminder_step
from oro_invoices.web.page_formatting import PageFormatters, page_scope
from oro_invoices.web.template_output import use_text_output

if TYPE_CHECKING:
    from oro_invoices.adapters.base import HostAdapter
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger(__name__)

TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), "templates")
#: A whole number no row has, put in a URL where ``url_maker`` puts each row's value.
_URL_MARKER = 90_817_263_545_362


class CsrfProvider(Protocol):
    """Per-session CSRF tokens (the framework adapter implements it over its session)."""

    def token(self, request: Request) -> str:
        """The token forms of this session must carry as ``csrf_token``."""

    def check(self, request: Request) -> bool:
        """Whether the submitted ``csrf_token`` belongs to this session."""


@dataclass
class WebContext:
    """Everything the pages use.

    :param service: the ``InvoiceService``.
    :param host: the host adapter (users, customers, URLs).
    :param csrf: the CSRF provider.
    :param mail: the ``MailService`` (None: the email actions are not offered).
    :param order_url: the host's back-office order page for an order id, or None.
    :param storefront_order_url: the storefront order page for an order id, or None.
    :param website_name: a website's display name for its id.
    :param customer_choices: the customers offered by the grid's Customer filter; None from it
        (too many to list) makes the filter a field for the start of a customer's name (or an id),
        with suggestions.
    :param website_choices: the websites offered by the grid's Website filter; None from it (or
        without it) makes the filter a field for a website's id.
    :param storefront_website: the website a storefront request is on (None: the host does
        not say); storefront settings set per website are resolved with it.
    :param static_url: the URL of one of the add-on's static files (its stylesheet).
    :param locale: formatting locale of every page (None: each page's scope decides, see
        ``page_formatting``).
    :param timezone: deprecated and not used: every page writes its times in the
        ``oro_invoices.timezone`` of its scope, as the PDF and the emails do (set it globally
        for one zone everywhere); a value given is logged as ignored.
    :param page_size: rows per grid page.
    :param template_dirs: directories searched before the package's page templates.
    :param url_builder: builds the URLs of the add-on's pages (default: the host's ``Urls``).
    :param template_reload: whether a template edited on disk is read again (each render then
        checks its files' times); off, each is read once per process.
    """

    service: InvoiceService
    host: HostAdapter
    csrf: CsrfProvider
    mail: MailService | None = None
    order_url: Callable[[int], str | None] = lambda order_id: None
    storefront_order_url: Callable[[int], str | None] = lambda order_id: None
    website_name: Callable[[int], str] = lambda website_id: i18n.gettext("Website #%(id)s", id=website_id)
    customer_choices: Callable[[ScopeContext], list[tuple[int, str]] | None] | None = None
    website_choices: Callable[[ScopeContext], list[tuple[int, str]] | None] | None = None
    storefront_website: Callable[[Request], int | None] = lambda request: None
    static_url: Callable[[str], str] = lambda filename: f"/oro-invoices/static/{filename}"
    locale: str | None = None
    timezone: str | None = None
    page_size: int = 25
    template_dirs: tuple[str, ...] = ()
    url_builder: Callable[..., str] | None = None
    template_reload: bool = True
    env: jinja2.Environment = field(init=False)
    settings: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.settings = self.service.settings or Settings.of_host(self.host)
        if self.timezone:
            log.warning("The time zone %r given to the web context is ignored: pages, PDFs and emails "
                        "write their times in the oro_invoices.timezone setting (set it globally for one "
                        "zone everywhere).", self.timezone)
        self.formatters = PageFormatters(self.settings, self.locale)
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(list(self.template_dirs)),
                                        jinja2.FileSystemLoader(TEMPLATES_DIR)]),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined, auto_reload=self.template_reload)
        use_text_output(self.env)
        self.env.filters.update(self.formatters.filters())
        i18n.install(self.env)  # each page in its user's language (docs/i18n.md)
        self.env.filters["reminder_step"] = reminder_step
        self.env.filters["actor"] = actor_label
        self.env.filters["payment_status"] = lambda value: i18n.gettext(payment_status_label(value))
        self.env.filters["template_label"] = lambda name: i18n.gettext(template_label(name))
        self.env.filters["payment_method"] = self.payment_method_label
        self.env.filters["transaction_action"] = lambda code: i18n.gettext(action_label(code))
        self.env.filters["email_status"] = lambda code: i18n.gettext(EMAIL_STATUS_LABELS.get(code) or str(code))
        self.env.filters["iso"] = lambda d: d.isoformat() if d else ""
        self.env.filters["soft_hyphens"] = lambda text: soft_hyphens(str(text), i18n.current_language())
        self.env.globals["url_for"] = self.url_for
        self.env.globals["url_maker"] = self.url_maker
        self.env.globals["static_url"] = self.static_url
        self.env.globals["days_overdue"] = self.days_overdue
        self.env.globals["awaits_capture"] = awaits_capture

    def set_template_reload(self, reload: bool) -> None:
        """From now on, read templates edited on disk again (``reload``) or once per process: for
        an adapter that learns its framework's debug setting after building the context."""
        self.template_reload = reload
        self.env.auto_reload = reload

    def url_for(self, endpoint: str, **params: Any) -> str:
        """A URL of one of the add-on's pages (the adapter's router, else the host's URLs)."""
        if self.url_builder is not None:
            return self.url_builder(endpoint, **params)
        return str(self.host.urls.url_for(endpoint, **params))

    def url_maker(self, endpoint: str, param: str, **params: Any) -> Callable[[int], str]:
        """``url_for(endpoint, **params, param=value)`` for many whole-number values (a page's
        rows): the URL is built once with a marker in the value's place, then each value is put
        there. Build it within the request whose links it makes."""
        built = self.url_for(endpoint, **params, **{param: _URL_MARKER})
        head, found, tail = built.partition(str(_URL_MARKER))
        if not found or str(_URL_MARKER) in tail:  # the marker is not where a value goes alone
            return lambda value: self.url_for(endpoint, **params, **{param: value})
        return lambda value: f"{head}{value:d}{tail}"

    def written_once(self, macro: str) -> Callable[[Any], Any]:
        """The ``_macros.html`` macro ``macro`` of one argument, written once per value on the
        page that calls this (a badge repeated on many rows)."""
        write = getattr(self.env.get_template("_macros.html").module, macro)
        return functools.cache(write)

    def payment_link(self, invoice: InvoiceDocument) -> str | None:
        """The guest payment link a page shows: the configured absolute link, else a site-relative one.

        Pages may link relatively; what leaves the request (PDFs, emails) gets only the
        absolute link built from the configured storefront base URL. None once the link expired
        (``oro_invoices.payment_link_ttl_days`` after posting): it would only say so.
        """
        if self.service.guest_link_expired(invoice):  # by the services' clock, as the emails judge it
            return None
        link = self.service.payment_url(invoice)
        if link is None and invoice.payment_token:
            link = self.url_for(ENDPOINT_STOREFRONT_PAY, token=invoice.payment_token)
        return link

    def render(self, template: str, request: Request, *,
               written: Mapping[str, Callable[[], Any]] | None = None, **values: Any) -> str:
        """Render one of the add-on's templates with the request's CSRF token, its values
        formatted for the page's scope (``page_formatting``). ``written``: values made just
        before rendering, in the page's formats and language (a grid's rows, written in Python)."""
        with self.formatters.using(self.page_formatter(request, values.get("invoice"))):
            made = {name: make() for name, make in written.items()} if written else {}
            return self.env.get_template(template).render(
                request=request, csrf_token=self.csrf.token(request), **values, **made)

    def page_formatter(self, request: Request, invoice: Any = None) -> Formatter:
        """How the page ``request`` shows (``invoice``'s page, when it shows one) writes its values,
        and so how the numbers typed into its forms read (``Formatter.typed_number``)."""
        scope = page_scope(request.user, self.storefront_website(request), {"invoice": invoice})
        return self.formatters.for_page(scope, i18n.current_language(), getattr(request.user, "locale", "") or "")

    def payment_method_label(self, code: str | None) -> str:
        """A payment method's label in the current language ("" without a method)."""
        return i18n.gettext(self.service.payment_methods.label(code)) if code else ""

    def view_sections(self, invoice: Any, area: str) -> list[Any]:
        """Sections plugins add to an invoice's view page (``invoice_view_sections``), by position."""
        plugins = getattr(self.service, "plugins", None)
        if plugins is None:
            return []
        results = plugins.hook.invoice_view_sections(invoice=invoice, area=area)
        return sorted(flatten(results), key=lambda section: section.position)

    def backoffice_scope(self, request: Request) -> ScopeContext:
        """Where back-office settings are looked up: the admin's organization."""
        return ScopeContext(organization_id=getattr(request.user, "organization_id", None))

    def now(self) -> dt.datetime:
        """The current time by the services' clock: pages judge "today" (overdue, a link's expiry)
        as the emails sent from them and the invoices' records do."""
        return self.service.clock()

    def days_overdue(self, invoice: Any) -> int:
        """Days ``invoice`` is overdue today, by the services' clock in its organization's time zone
        (``domain.overdue``, ``InvoiceService.books_today``); 0: not."""
        return days_overdue(invoice, self.service.books_today(invoice))


def payment_status_label(value: Any) -> str:
    try:
        return PAYMENT_STATUS_LABELS[PaymentStatus(value)]
    except ValueError:
        return str(value)
