"""Storefront pages: Account > Invoices, the invoice page, its download, the guest payment page.

Who sees what follows the customer user's invoice role: none sees nothing,
own their own invoices, department their customer's, corporate their
customer's and every sub-customer's. Customers only ever see posted invoices;
any other invoice answers 404, exactly like one that does not exist.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from oro_invoices.adapters.commerce import InvoiceRole
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.errors import NotFound, PermissionDenied
from oro_invoices.domain.invoice import (
    PAYMENT_STATUS_LABELS,
    InvoiceDocument,
    PaymentStatus,
)
from oro_invoices.domain.limits import parse_id
from oro_invoices.integration import features
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.web import guard, listing
from oro_invoices.web.backoffice_actions import pdf_response
from oro_invoices.web.context import WebContext
from oro_invoices.web.errors import LoginRequired
from oro_invoices.web.http import Request, Response

LIST_SORTS = ("invoice_number", "invoice_date", "total_amount", "payment_status")
LIST_FILTERS = ("number", "date", "payment_status")
#: Pay is hidden once an invoice is paid in full, authorized or refunded.
SETTLED = frozenset({PaymentStatus.PAID_IN_FULL, PaymentStatus.AUTHORIZED,
                     PaymentStatus.REFUNDED, PaymentStatus.REFUNDED_PARTIALLY,
                     PaymentStatus.CANCELED})


def can_pay(doc: Any) -> bool:
    """Whether Pay is offered for this invoice (posted, money due, not settled)."""
    return (doc.status.value == "posted" and doc.payment_status not in SETTLED
            and doc.amount_due > 0)


class Viewer:
    """The logged-in customer user, their customer and what they may see."""

    def __init__(self, ctx: WebContext, req: Request):
        user = req.user
        if user is None or getattr(user, "kind", "") != "customer_user":
            # check the feature at global scope first, so a switched-off storefront is a 404
            features.require(ctx.settings, features.STOREFRONT, ScopeContext())
            raise LoginRequired("Please log in to see your invoices.")
        ref = ctx.host.customers.get_customer_user(user.customer_user_id or user.id)
        if ref is None:
            raise LoginRequired("Please log in to see your invoices.")
        self.ref = ref
        self.customer = ctx.host.customers.get_customer(ref.customer_id)
        c = self.customer
        self.scope = ScopeContext(organization_id=getattr(c, "organization_id", None),
                                  customer_group_id=getattr(c, "group_id", None),
                                  customer_id=ref.customer_id)
        guard.check(ctx, req, feature=features.STOREFRONT, scope=self.scope,
                    user_kind="customer_user", permission="oro_invoices.view")
        self.ctx = ctx

    def visibility(self) -> InvoiceFilter:
        """The filter of every invoice this user may see (posted only)."""
        role = self.ref.invoice_role
        base = InvoiceFilter(status="posted")
        if role is InvoiceRole.OWN:
            return replace(base, customer_id=self.ref.customer_id, customer_user_id=self.ref.id)
        if role is InvoiceRole.DEPARTMENT:
            return replace(base, customer_id=self.ref.customer_id)
        if role is InvoiceRole.CORPORATE:
            subs = self.ctx.host.customers.descendants(self.ref.customer_id)
            return replace(base, customer_ids=[self.ref.customer_id] + [c.id for c in subs])
        raise PermissionDenied("Your account has no access to invoices.")

    def may_see(self, doc: InvoiceDocument) -> bool:
        f = self.visibility()
        if not doc.is_posted:
            return False
        if f.customer_ids is not None:
            return doc.customer_id in f.customer_ids
        if doc.customer_id != f.customer_id:
            return False
        return f.customer_user_id is None or doc.customer_user_id == f.customer_user_id


class StorefrontPages:
    """Account > Invoices and the pages behind it."""

    def __init__(self, ctx: WebContext):
        self.ctx = ctx

    def _load(self, viewer: Viewer, invoice_id: Any) -> InvoiceDocument:
        number = parse_id(invoice_id)
        if number is None:
            raise NotFound("That invoice does not exist.")
        try:
            doc = self.ctx.service.get(number)
        except NotFound:
            raise NotFound("That invoice does not exist.") from None
        if not viewer.may_see(doc):
            raise NotFound("That invoice does not exist.")
        return doc

    def index(self, req: Request) -> Response:
        viewer = Viewer(self.ctx, req)
        page = listing.load_page(self.ctx.service, viewer.visibility(), req.query,
                                 allowed_filters=LIST_FILTERS, sort_keys=LIST_SORTS,
                                 default_sort="-invoice_date", limit=self.ctx.page_size)
        html = self.ctx.render("storefront/list.html", req, page=page,
                               statuses=PAYMENT_STATUS_LABELS, can_pay=can_pay)
        return Response.html(html, title="Invoices")

    def view(self, req: Request) -> Response:
        viewer = Viewer(self.ctx, req)
        doc = self._load(viewer, req.path_params.get("invoice_id"))
        download = (doc.pdf is not None and
                    features.is_enabled(self.ctx.settings, features.PDF_DOWNLOAD, self._scope(viewer, doc)))
        html = self.ctx.render(
            "storefront/view.html", req, invoice=doc, download=download,
            order_url=self.ctx.storefront_order_url(doc.order_id) if doc.order_id else None,
            payment_url=self.ctx.service.payment_url(doc), can_pay=can_pay(doc),
            sections=self.ctx.view_sections(doc, "storefront"))
        return Response.html(html, title=f"Invoice {doc.display_number}")

    def _scope(self, viewer: Viewer, doc: InvoiceDocument) -> ScopeContext:
        return replace(viewer.scope, website_id=doc.website_id)

    def download(self, req: Request) -> Response:
        viewer = Viewer(self.ctx, req)
        doc = self._load(viewer, req.path_params.get("invoice_id"))
        features.require(self.ctx.settings, features.PDF_DOWNLOAD, self._scope(viewer, doc))
        return pdf_response(self.ctx.service, doc)

    # -- the guest payment page: no login, the token is the key -----------------------
    def _by_token(self, req: Request) -> InvoiceDocument:
        token = req.path_params.get("token") or ""
        try:
            doc = self.ctx.service.get(self.ctx.service.find_id(payment_token=token)) \
                if 16 <= len(token) <= 64 else None
        except NotFound:
            doc = None
        if doc is None or not doc.is_posted:
            raise NotFound("This payment link is not valid. Please check the link or contact "
                           "the seller.")
        scope = ScopeContext(organization_id=doc.organization_id, website_id=doc.website_id,
                             customer_id=doc.customer_id)
        features.require(self.ctx.settings, features.STOREFRONT, scope)
        days = self.ctx.settings.value("oro_invoices.payment_link_ttl_days", scope)
        if days and doc.posted_at and self.ctx.now() > doc.posted_at + dt.timedelta(days=int(days)):
            raise NotFound("This payment link has expired. Please contact the seller, who can "
                           "send you the invoice again.")
        return doc

    def pay(self, req: Request) -> Response:
        """What is due, and how to pay it (external URL with a confirmation, or not yet online)."""
        doc = self._by_token(req)
        external = doc.external_payment_url
        confirm = req.query.get("confirm") == "1" and bool(external)
        html = self.ctx.render("storefront/pay.html", req, invoice=doc, can_pay=can_pay(doc),
                               external=external, confirm=confirm,
                               external_host=urlsplit(external).netloc if external else "")
        return Response.html(html, title=f"Pay invoice {doc.display_number}")
