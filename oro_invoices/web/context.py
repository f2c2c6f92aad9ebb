"""What the page handlers need from their surroundings, and how they render.

``WebContext`` is built once per application by a framework adapter (see
``oro_invoices.adapters.flask``) and shared by every handler. Nothing here
imports a web framework: the adapter supplies the CSRF provider and URLs.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import jinja2
from babel.numbers import format_decimal

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.documents.formatting import Formatter
from oro_invoices.domain.invoice import PAYMENT_STATUS_LABELS, InvoiceDocument, PaymentStatus
from oro_invoices.domain.money import minor_units
from oro_invoices.domain.overdue import days_overdue, local_today
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import flatten
from oro_invoices.integration.profile import ENDPOINT_STOREFRONT_PAY
from oro_invoices.services.mail.render import template_label
from oro_invoices.web.http import Request

if TYPE_CHECKING:
    from oro_invoices.adapters.base import HostAdapter
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService

TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), "templates")


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
    :param customer_choices: the customers offered by the grid's Customer filter.
    :param storefront_website: the website a storefront request is on (None: the host does
        not say); storefront settings set per website are resolved with it.
    :param static_url: the URL of one of the add-on's static files (its stylesheet).
    :param locale: formatting locale of the pages.
    :param page_size: rows per grid page.
    :param template_dirs: directories searched before the package's page templates.
    :param url_builder: builds the URLs of the add-on's pages (default: the host's ``Urls``).
    """

    service: InvoiceService
    host: HostAdapter
    csrf: CsrfProvider
    mail: MailService | None = None
    order_url: Callable[[int], str | None] = lambda order_id: None
    storefront_order_url: Callable[[int], str | None] = lambda order_id: None
    website_name: Callable[[int], str] = lambda website_id: f"Website #{website_id}"
    customer_choices: Callable[[ScopeContext], list[tuple[int, str]]] | None = None
    storefront_website: Callable[[Request], int | None] = lambda request: None
    static_url: Callable[[str], str] = lambda filename: f"/oro-invoices/static/{filename}"
    locale: str = "en_US"
    page_size: int = 25
    template_dirs: tuple[str, ...] = ()
    url_builder: Callable[..., str] | None = None
    env: jinja2.Environment = field(init=False)
    settings: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.settings = self.service.settings or Settings(self.host.config)
        fmt = Formatter(self.locale)
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(list(self.template_dirs)),
                                        jinja2.FileSystemLoader(TEMPLATES_DIR)]),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined)
        self.env.filters.update(fmt.filters())
        self.env.filters["payment_status"] = payment_status_label
        self.env.filters["template_label"] = template_label
        self.env.filters["iso"] = lambda d: d.isoformat() if d else ""
        self.env.filters["amount"] = lambda value, currency: fmt.decimal(value, amount_pattern(currency))
        self.env.globals["url_for"] = self.url_for
        self.env.globals["static_url"] = self.static_url
        self.env.globals["days_overdue"] = self.days_overdue

    def url_for(self, endpoint: str, **params: Any) -> str:
        """A URL of one of the add-on's pages (the adapter's router, else the host's URLs)."""
        if self.url_builder is not None:
            return self.url_builder(endpoint, **params)
        return str(self.host.urls.url_for(endpoint, **params))

    def payment_link(self, invoice: InvoiceDocument) -> str | None:
        """The guest payment link a page shows: the configured absolute link, else a site-relative one.

        Pages may link relatively; what leaves the request (PDFs, emails) gets only the
        absolute link built from the configured storefront base URL.
        """
        link = self.service.payment_url(invoice)
        if link is None and invoice.payment_token:
            link = self.url_for(ENDPOINT_STOREFRONT_PAY, token=invoice.payment_token)
        return link

    def render(self, template: str, request: Request, **values: Any) -> str:
        """Render one of the add-on's templates with the request's CSRF token."""
        return self.env.get_template(template).render(
            request=request, csrf_token=self.csrf.token(request), **values)

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
        return dt.datetime.now(dt.UTC)

    def days_overdue(self, invoice: Any) -> int:
        """Days ``invoice`` is overdue today, by the services' clock (``domain.overdue``); 0: not."""
        return days_overdue(invoice, local_today(self.service.clock()))


def amount(value: Any, currency: str, locale: str = "en_US") -> str:
    """An amount with the currency's decimals and no symbol ("1,234.50", JPY "1,235")."""
    return format_decimal(Decimal(value), format=amount_pattern(currency), locale=locale,
                          decimal_quantization=True)


def amount_pattern(currency: str) -> str:
    """The number pattern of ``amount``: the currency's decimals, grouped thousands."""
    digits = minor_units(currency)
    return "#,##0" + ("." + "0" * digits if digits else "")


def payment_status_label(value: Any) -> str:
    try:
        return PAYMENT_STATUS_LABELS[PaymentStatus(value)]
    except ValueError:
        return str(value)
