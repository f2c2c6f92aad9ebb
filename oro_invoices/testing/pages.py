"""The page part of the kit: what a host hands it (a page client), and the shop it seeds.

A host offers ``host.page_client()`` (or overrides the ``oro_page_client`` fixture) returning
an object with the methods of ``PageClient``: it sends requests through the host's own HTTP
stack, where the add-on's pages, static files and login pages are mounted, keeping one
browser session (cookies), and logs users in the way the host does. The kit puts customers
and orders in the host through the seeder, invoices through ``client.addon``, and then only
looks at HTTP answers.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, urlsplit

from oro_invoices.adapters.commerce import InvoiceRole, OrderLine
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.composition import Addon
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.integration.config import Settings
from oro_invoices.web.http import Response

#: A small document that passes the add-on's PDF check (stored as the invoice's own PDF).
KIT_PDF = b"%PDF-1.4\n% oro-invoices conformance kit\n%%EOF\n"
_TOKEN = re.compile(r"""name=["']csrf_token["'][^>]*?value=["']([^"']+)["']""")


@runtime_checkable
class PageClient(Protocol):
    """A browser of the host's pages; ``addon`` is the add-on those pages run on."""

    addon: Addon

    def request(self, method: str, url: str, *, data: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None,
                files: Mapping[str, tuple[str, bytes]] | None = None) -> Response:
        """Send one request with this client's session; never follow a redirect.

        ``data`` is sent as an ``application/x-www-form-urlencoded`` form; with ``files``
        (a field's name → the file's name and content) as a ``multipart/form-data`` form
        holding both, as a browser uploads a file. The answer is a
        ``web.http.Response`` with the status, every header (``headers``; ``content_type`` too)
        and the body as bytes (empty for HEAD).
        """

    def login_admin(self, permissions: Iterable[str] = ..., *, organization_id: int = 1) -> None:
        """Log a new back-office user of ``organization_id`` holding exactly ``permissions`` in."""

    def login_customer_user(self, customer_user_id: int) -> None:
        """Log this customer user (made by the seeder) in to the storefront."""

    def logout(self) -> None:
        """End the session: the next request is anonymous."""


def header(resp: Response, name: str) -> str | None:
    """A response header, whatever the case of its name."""
    wanted = name.lower()
    return next((v for k, v in resp.headers.items() if k.lower() == wanted), None)


class Browser:
    """The kit's view of a page client: GET/HEAD/POST, forms with their CSRF token."""

    def __init__(self, client: PageClient):
        self.client = client

    def get(self, url: str, **headers: str) -> Response:
        return self.client.request("GET", url, headers=headers or None)

    def head(self, url: str) -> Response:
        return self.client.request("HEAD", url)

    def post(self, url: str, data: Mapping[str, str]) -> Response:
        return self.client.request("POST", url, data=data)

    def token(self, page_url: str) -> str:
        """The CSRF token of the first form on the page at ``page_url``."""
        page = self.get(page_url)
        found = _TOKEN.search(page.text())
        if found is None:
            raise AssertionError(f"{page_url} answered {page.status} without a form carrying "
                                 "a csrf_token")
        return found.group(1)

    def submit(self, page_url: str, action: str, data: Mapping[str, str]) -> Response:
        """Open ``page_url``, take its form's token, POST ``data`` with it to ``action``."""
        return self.post(action, {**data, "csrf_token": self.token(page_url)})

    def upload(self, page_url: str, action: str, files: Mapping[str, tuple[str, bytes]],
               data: Mapping[str, str] | None = None) -> Response:
        """Open ``page_url``, take its form's token, POST ``files`` (and ``data``) to ``action``
        as a ``multipart/form-data`` form."""
        return self.client.request("POST", action, data={**(data or {}), "csrf_token": self.token(page_url)},
                                   files=files)


def location(resp: Response) -> str:
    found = header(resp, "location")
    if not found:
        raise AssertionError(f"expected a redirect, got {resp.status} without a Location")
    return found


def next_of(resp: Response) -> str | None:
    """The ``next`` parameter of a redirect's target (where a login sends the user back)."""
    values = parse_qs(urlsplit(location(resp)).query).get("next")
    return values[0] if values else None


def kit_today(addon: Addon, organization_id: int = 1) -> dt.date:
    """Today as the add-on judges it for ``organization_id``'s invoices: the day of its books, by
    the add-on's clock in that organization's ``oro_invoices.timezone``
    (``InvoiceService.books_today``), not the UTC date, so that a host in Auckland or Honolulu
    passes the kit around midnight too. The kit's invoices name no website, so it is also the day
    their documents are dated by (``InvoiceService.today``)."""
    return addon.invoices.books_today(ScopeContext(organization_id=organization_id))


@dataclass
class KitShop:
    """What the page tests run on, made through the seeder and the add-on.

    ACME Corp (organization 1) has the customer users ``own`` (invoice role own),
    ``colleague`` (own), ``department`` (department) and ``nobody`` (role none); Globex Inc
    (organization 1) has ``stranger``. ``posted`` is ``own``'s posted invoice with ``KIT_PDF``
    for ``order``, ``colleague_invoice`` the colleague's, ``draft`` a draft of ``own`` and
    ``foreign`` a posted invoice of Globex.
    """

    settings: Settings
    users: dict[str, Any]
    order: Any
    posted: InvoiceDocument
    colleague_invoice: InvoiceDocument
    draft: InvoiceDocument
    foreign: InvoiceDocument

    @classmethod
    def build(cls, seeder: Any, addon: Addon, settings: Settings) -> KitShop:
        for key in ("oro_invoices.enabled", "oro_invoices.storefront_enabled",
                    "oro_invoices.storefront_pdf_download"):
            settings.set(key, True)
        acme = seeder.add_customer("ACME Corp", organization_id=1)
        globex = seeder.add_customer("Globex Inc", organization_id=1)
        users = {
            "own": seeder.add_customer_user(acme.id, "own@acme.test", "Olivia Own", InvoiceRole.OWN),
            "colleague": seeder.add_customer_user(acme.id, "colleague@acme.test", "Colin Colleague",
                                                  InvoiceRole.OWN),
            "department": seeder.add_customer_user(acme.id, "dept@acme.test", "Dana Department",
                                                   InvoiceRole.DEPARTMENT),
            "nobody": seeder.add_customer_user(acme.id, "nobody@acme.test", "Nora None",
                                               InvoiceRole.NONE),
            "stranger": seeder.add_customer_user(globex.id, "stranger@globex.test", "Sam Stranger",
                                                 InvoiceRole.DEPARTMENT),
        }
        order = seeder.add_order(identifier="SO-KIT-1", currency="USD", organization_id=1,
                                 customer_id=acme.id, customer_user_id=users["own"].id,
                                 lines=[kit_line()])
        invoices, today = addon.invoices, kit_today(addon)
        posted = invoices.post(invoices.create(_payload(today, acme.id, users["own"].id, order.id),
                                               actor="kit").id, actor="kit", pdf=KIT_PDF)
        colleague = invoices.post(invoices.create(_payload(today, acme.id, users["colleague"].id),
                                                  actor="kit").id, actor="kit", pdf=KIT_PDF)
        draft = invoices.create(_payload(today, acme.id, users["own"].id), actor="kit")
        foreign = invoices.post(invoices.create(_payload(today, globex.id, users["stranger"].id),
                                                actor="kit").id, actor="kit", pdf=KIT_PDF)
        return cls(settings=settings, users=users, order=order, posted=posted,
                   colleague_invoice=colleague, draft=draft, foreign=foreign)


def kit_line() -> OrderLine:
    from decimal import Decimal
    return OrderLine(description="Kit widget", quantity=Decimal("2"), unit_price=Decimal("10.00"),
                     tax_rate=Decimal("0.19"), sku="KIT-1")


def _payload(today: dt.date, customer_id: int, customer_user_id: int,
             order_id: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "invoice_date": today.isoformat(),
        "due_date": (today + dt.timedelta(days=30)).isoformat(),
        "currency": "USD", "organization_id": 1, "customer_id": customer_id,
        "customer_user_id": customer_user_id,
        "bill_to": {"name": "Kit Buyer", "street": "1 Kit Street", "city": "Springfield",
                    "postal_code": "12345", "country": "US"},
        "lines": [{"description": "Kit widget", "sku": "KIT-1", "quantity": "2",
                   "unit_price": "10.00", "tax_rate": "0.19"}],
    }
    if order_id is not None:
        payload["order_id"] = order_id
    return payload
