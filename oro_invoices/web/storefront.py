"""Storefront pages: Account > Invoices, the invoice page and its download (paying: ``checkout_pages``).

Who sees what follows the customer user's invoice role: none sees nothing,
own their own invoices, department their customer's, corporate their
customer's and every sub-customer's — always only invoices of their customer's
organization. Customers only ever see posted invoices; any other invoice
answers 404, exactly like one that does not exist.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from oro_invoices.adapters.commerce import InvoiceRole
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.customer_credit import CreditBalance
from oro_invoices.domain.errors import NotFound, PermissionDenied, ValidationError
from oro_invoices.domain.invoice import (
    PAYMENT_STATUS_LABELS,
    InvoiceDocument,
)
from oro_invoices.domain.limits import parse_id
from oro_invoices.i18n import _
from oro_invoices.integration import features
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.read_models import TransactionView, over_refund_left
from oro_invoices.services.manual_payments import reversed_payments
from oro_invoices.web import guard, listing, storefront_scope
from oro_invoices.web.backoffice import choice_options
from oro_invoices.web.backoffice_actions import pdf_response, xml_response
from oro_invoices.web.context import WebContext
from oro_invoices.web.downloads import archive_download, receipt_download, statement_download
from oro_invoices.web.errors import LoginRequired
from oro_invoices.web.http import Request, Response
from oro_invoices.web.language import document_title
from oro_invoices.web.storefront_rows import storefront_rows

ENDPOINT_RECEIPT = "oro_invoices.storefront.receipt"
LIST_SORTS = ("invoice_number", "invoice_date", "customer_name", "due_date", "total_amount", "payment_status")
#: The list's order when the link names none: newest first.
LIST_DEFAULT_SORT = "-invoice_date"
LIST_FILTERS = ("number", "document_type", "date", "payment_status", "overdue")


def list_sort_labels() -> dict[str, str]:
    """The list's header of each sort key (``LIST_SORTS``), as a refused sort names them."""
    return {"invoice_number": _("Invoice Number"), "invoice_date": _("Invoice Date"),
            "customer_name": _("Customer"), "due_date": _("Due Date"), "total_amount": _("Total"),
            "payment_status": _("Payment Status")}


class Viewer:
    """The logged-in customer user, their customer and what they may see."""

    def __init__(self, ctx: WebContext, req: Request):
        user = req.user
        if user is None or getattr(user, "kind", "") != "customer_user":
            # a storefront switched off everywhere is a 404; on somewhere, the visitor logs in first
            if not features.on_somewhere(ctx.settings, features.STOREFRONT):
                features.require(ctx.settings, features.STOREFRONT, ScopeContext())
            raise LoginRequired(_("Please log in to see your invoices."))
        ref = ctx.host.customers.get_customer_user(user.customer_user_id or user.id)
        if ref is None:
            raise LoginRequired(_("Please log in to see your invoices."))
        self.ref = ref
        self.customer = ctx.host.customers.get_customer(ref.customer_id)
        self.scope = storefront_scope.customer_scope(self.customer, ref.customer_id,
                                                     ctx.storefront_website(req))
        guard.check(ctx, req, feature=features.STOREFRONT, scope=self.scope,
                    user_kind="customer_user", permission="oro_invoices.view", denied=self._no_access())
        self.ctx = ctx
        self._customers: list[tuple[int, str]] | None = None

    def _no_access(self) -> str | None:
        """Why this user sees no invoice at all (their customer in no organization, no invoice
        role), checked as a missing permission is; None when they see some."""
        if getattr(self.customer, "organization_id", None) is None:
            return _("Your account belongs to no organization, so it has no invoices.")
        if self.ref.invoice_role not in (InvoiceRole.OWN, InvoiceRole.DEPARTMENT, InvoiceRole.CORPORATE):
            return _("Your account has no access to invoices.")
        return None

    def visibility(self) -> InvoiceFilter:
        """The filter of every invoice this user may see (posted, of their customer's organization)."""
        role = self.ref.invoice_role
        org = getattr(self.customer, "organization_id", None)
        if org is None:
            raise PermissionDenied(_("Your account belongs to no organization, so it has no invoices."))
        base = InvoiceFilter(status="posted", organization_id=org)
        if role is InvoiceRole.OWN:
            return replace(base, customer_id=self.ref.customer_id, customer_user_id=self.ref.id)
        if role is InvoiceRole.DEPARTMENT:
            return replace(base, customer_id=self.ref.customer_id)
        if role is InvoiceRole.CORPORATE:
            return replace(base, customer_ids=[cid for cid, _name in self.customers()])
        raise PermissionDenied(_("Your account has no access to invoices."))

    @property
    def sees_the_account(self) -> bool:
        """Whether the user's role shows every invoice of their customer (department, corporate):
        then their customer's credit too (``services.customer_credit``)."""
        return self.ref.invoice_role in (InvoiceRole.DEPARTMENT, InvoiceRole.CORPORATE)

    def customers(self) -> list[tuple[int, str]]:
        """The customers whose invoices this user sees, as (id, name): theirs, and for the
        corporate role every sub-customer (read once per request)."""
        if self._customers is None:
            own = (self.ref.customer_id, self.customer.name if self.customer is not None else "")
            subs = (self.ctx.host.customers.descendants(self.ref.customer_id)
                    if self.ref.invoice_role is InvoiceRole.CORPORATE else [])
            self._customers = [own] + [(c.id, c.name) for c in subs]
        return self._customers

    def customer_ids(self) -> list[int]:
        """The ids of ``customers``: what the list's Customer filter chooses from."""
        return [customer_id for customer_id, _name in self.customers()]

    def list_filters(self, visible: InvoiceFilter) -> tuple[str, ...]:
        """The filters of the invoice list: with Customer (one of ``customers``) where the list
        spans several, a corporate user's. Never elsewhere: a customer filter there would take
        the place of the one their role sets."""
        return LIST_FILTERS + ("customer",) if visible.customer_ids is not None else LIST_FILTERS

    def may_see(self, doc: InvoiceDocument) -> bool:
        f = self.visibility()
        if not doc.is_posted or doc.organization_id != f.organization_id:
            return False
        if f.customer_ids is not None:
            return doc.customer_id in f.customer_ids
        if doc.customer_id != f.customer_id:
            return False
        return f.customer_user_id is None or doc.customer_user_id == f.customer_user_id


def of_status(visible: InvoiceFilter, query: Mapping[str, str]) -> InvoiceFilter:
    """``visible``, of invoices only while the list is filtered by payment status: the list
    shows no payment status for a credit note, so none is listed under one."""
    if query.get("payment_status") and not query.get("document_type"):
        return replace(visible, document_type="invoice")
    return visible


#: The transactions a customer sees on their invoice: money taken and money given back.
CUSTOMER_PAYMENT_ACTIONS = ("charge", "capture", "refund")


@dataclass(frozen=True)
class Refunded:
    """What the refunds an invoice's Payments section lists gave back, in its currency: in all, and
    beyond what was paid for the invoice (``over``: its over-refund now, what payments since covered
    left out; 0 without one)."""

    amount: Decimal
    over: Decimal
    currency: str


def refunds_of(payments: Sequence[TransactionView]) -> Refunded | None:
    """What the refunds among ``payments`` (one invoice's, as the customer sees them) gave back,
    or None when there is no refund."""
    refunds = [t for t in payments if t.action == "refund"]
    if not refunds:
        return None
    return Refunded(sum((t.amount for t in refunds), Decimal(0)), over_refund_left(payments), refunds[0].currency)


class StorefrontPages:
    """Account > Invoices and the pages behind it."""

    def __init__(self, ctx: WebContext):
        self.ctx = ctx

    def _load(self, viewer: Viewer, invoice_id: Any) -> InvoiceDocument:
        number = parse_id(invoice_id)
        if number is None:
            raise NotFound(_("That invoice does not exist."))
        try:
            doc = self.ctx.service.get(number)
        except NotFound:
            raise NotFound(_("That invoice does not exist.")) from None
        if not viewer.may_see(doc):
            raise NotFound(_("That invoice does not exist."))
        features.require(self.ctx.settings, features.STOREFRONT, self._scope(viewer, doc))
        return doc

    def load_visible(self, viewer: Viewer, invoice_id: Any) -> InvoiceDocument:
        """The invoice if ``viewer`` may see it, else ``NotFound`` (as if it did not exist)."""
        return self._load(viewer, invoice_id)

    def _payable(self, req: Request, items: Sequence[Any]) -> tuple[Callable[[Any], bool], Callable[[Any], bool]]:
        """Pay is offered per row by the services' one rule (``InvoiceService.payment_availability``);
        and whether each row may be ticked for Pay Selected: paid online here, in a scope whose
        method takes several invoices in one payment, by a user who may pay, on a page with at
        least two such rows."""
        found = self.ctx.service.payment_availabilities(items)
        several: dict[tuple[int, int | None], bool] = {}

        def online(invoice: Any) -> bool:
            available = found.get(invoice.id)
            if available is None or not available.online:
                return False
            key = (invoice.organization_id, invoice.website_id)
            if key not in several:
                several[key] = self.ctx.service.pays_several(*key)
            return several[key]

        ticks = {inv.id for inv in items if online(inv)} if req.can("oro_invoices.pay") else set()
        if len(ticks) < 2:
            ticks = set()
        return (lambda invoice: bool(found.get(invoice.id))), (lambda invoice: invoice.id in ticks)

    def index(self, req: Request) -> Response:
        """Account > Invoices: the balance (what the user's invoices still owe, and of it what is
        overdue, per currency; whatever the list's filters), then the list."""
        viewer = Viewer(self.ctx, req)
        visible = storefront_scope.website_filter(self.ctx.settings, viewer.scope,
                                                  viewer.visibility())
        # the list's Overdue and the balance judged on one day, that of the customer's organization
        today = self.ctx.service.books_today(viewer.scope)
        visible = replace(visible, today=today)
        # read first: owed in several currencies, the list is in several too (Total is refused unread)
        balance = self.ctx.service.receivables_aging(visible, credit=False, names=False).totals
        page = listing.load_page(self.ctx.service, of_status(visible, req.query), req.query,
                                 allowed_filters=viewer.list_filters(visible), sort_keys=LIST_SORTS,
                                 default_sort=LIST_DEFAULT_SORT, limit=self.ctx.page_size,
                                 inline_errors=True, count=True, customers=viewer.customer_ids(),
                                 sort_labels=list_sort_labels(), currency_sorts=listing.CURRENCY_SORTS,
                                 one_currency_sorts=True,    # by Total only while all are in one currency
                                 currencies_of_base=len(balance),
                                 # the Overdue filter finds no more than the balance's open invoices
                                 open_of_base=sum(line.invoices for line in balance))
        can_pay, selectable = self._payable(req, page.items)
        # a corporate user's list spans their customer and its sub-customers: say whose each is
        several = len(visible.customer_ids or ()) > 1
        show_payment_method = req.query.get("show_payment_method") == "1"  # hidden by default
        if show_payment_method:
            page.query["show_payment_method"] = "1"  # kept through paging, sorting and filters
        # Download PDFs (ZIP) and the balance's statement follow one setting
        may_download = features.is_enabled(self.ctx.settings, features.PDF_DOWNLOAD, viewer.scope)
        own_credit, others_credit = self._credit(viewer, visible)
        html = self.ctx.render(
            "storefront/list.html", req, page=page, statuses=PAYMENT_STATUS_LABELS,
            balance=balance, credit=own_credit,
            sub_customer_credit=others_credit,
            statement=may_download,
            show_payment_method=show_payment_method,
            show_customer=several,
            customer_options=choice_options(viewer.customers(), page.query.get("customer")) if several else None,
            # nothing listed, nothing to download: no button offering an empty archive
            download_all=may_download and bool(page.items or page.total),
            page_sizes=listing.page_sizes(self.ctx.page_size),
            written={"rows": lambda: storefront_rows(self.ctx, page.items, can_pay, selectable, today=today)},
            pay_several=any(selectable(inv) for inv in page.items),
            # still there for a host's own list template that writes page.items itself
            can_pay=can_pay, status_badge=self.ctx.written_once("payment_badge"))
        return Response.html(html, status=422 if page.errors else 200, title=guard.error_title(_("Invoices"), page.errors))

    def _credit(self, viewer: Viewer, visible: InvoiceFilter) -> tuple[tuple[CreditBalance, ...],
                                                                        list[tuple[str, CreditBalance]]]:
        """The credit of the user's customer, and for the corporate role that of each sub-customer
        holding some (named), for a role that sees those customers' whole accounts: one statement."""
        if not viewer.sees_the_account or visible.organization_id is None:
            return (), []
        held = self.ctx.service.credit_balances_of(viewer.customer_ids(), organization_id=visible.organization_id)
        others = [(name, balance) for customer_id, name in viewer.customers()[1:]
                  for balance in held.get(customer_id, ())]
        return held.get(viewer.ref.customer_id, ()), others

    def view(self, req: Request) -> Response:
        viewer = Viewer(self.ctx, req)
        doc = self._load(viewer, req.path_params.get("invoice_id"))
        may_download = features.is_enabled(self.ctx.settings, features.PDF_DOWNLOAD, self._scope(viewer, doc))
        payments = self.payments(doc)
        html = self.ctx.render(
            "storefront/view.html", req, invoice=doc,
            download=may_download and (doc.pdf is not None or self.ctx.service.pdf_made_on_download(doc)),
            download_xml=may_download and self.ctx.service.offers_xml(doc),
            pdf_pending=may_download and self.ctx.service.pdf_pending(doc),
            order_url=self.ctx.storefront_order_url(doc.order_id) if doc.order_id else None,
            payment_url=self.ctx.payment_link(doc), can_pay=self.ctx.service.can_pay(doc),
            credit_notes=self._credit_notes(viewer, doc), payments=payments, receipts=may_download,
            refunds=refunds_of(payments),
            processing=self.ctx.service.processing_payments([doc.id]).get(doc.id, []) if doc.amount_processing else [],
            show_customer=len(viewer.customers()) > 1,     # a corporate user: which of their customers
            sections=self.ctx.view_sections(doc, "storefront"))
        return Response.html(html, title=document_title(doc))

    def payments(self, doc: InvoiceDocument) -> list[TransactionView]:
        """What the customer paid and got back on the invoice: its successful charges, captures
        and refunds, oldest first (authorizations, cancellations and failed tries are the
        back-office's, and so are a payment recorded in error and reversed, and its reversal)."""
        if doc.is_credit_note or not doc.is_posted:
            return []
        transactions = self.ctx.service.transactions(doc.id)
        undone = reversed_payments(transactions)    # recorded by hand in error: no money moved
        return [t for t in transactions if t.successful and t.action in CUSTOMER_PAYMENT_ACTIONS
                and t.reverses is None and t.id not in undone]

    def _credit_notes(self, viewer: Viewer, doc: InvoiceDocument) -> list[Any]:
        """The invoice's credit notes (they name the same customer and user as the invoice)."""
        if doc.is_credit_note or not doc.amount_credited:
            return []
        f = replace(viewer.visibility(), credited_invoice_id=doc.id, document_type="credit_note")
        return self.ctx.service.list_invoices(f, sort="invoice_date", limit=100).items

    def has_receipt(self, scope: ScopeContext, doc: InvoiceDocument, transaction_id: int | None) -> bool:
        """Whether the payment ``transaction_id`` of ``doc`` is one the Payments section shows with a
        receipt (money moved: not credit applied) and PDF download is on for ``scope`` (the
        invoice's, as the viewer or the guest link sees it)."""
        return (transaction_id is not None and transaction_id in {t.id for t in self.payments(doc) if t.moved_money}
                and features.is_enabled(self.ctx.settings, features.PDF_DOWNLOAD, scope))

    def receipt_url(self, viewer: Viewer, doc: InvoiceDocument, transaction_id: int | None) -> str | None:
        """The link to the receipt of the payment ``transaction_id`` of ``doc`` (``has_receipt``), or None."""
        if not self.has_receipt(self._scope(viewer, doc), doc, transaction_id):
            return None
        return self.ctx.url_for(ENDPOINT_RECEIPT, invoice_id=doc.id, transaction_id=transaction_id)

    def _scope(self, viewer: Viewer, doc: InvoiceDocument) -> ScopeContext:
        return storefront_scope.invoice_scope(viewer.scope, doc)

    def download(self, req: Request) -> Response:
        viewer = Viewer(self.ctx, req)
        doc = self._load(viewer, req.path_params.get("invoice_id"))
        features.require(self.ctx.settings, features.PDF_DOWNLOAD, self._scope(viewer, doc))
        return pdf_response(self.ctx.service, req, doc)

    def download_all(self, req: Request) -> Response:
        """**Download PDFs (ZIP)** of the list: the stored PDFs of every invoice and credit note its
        filters select that this user may see and download, in the list's order
        (``invoices-YYYY-MM-DD.zip``)."""
        viewer = Viewer(self.ctx, req)
        features.require(self.ctx.settings, features.PDF_DOWNLOAD, viewer.scope)
        visible = storefront_scope.website_filter(self.ctx.settings, viewer.scope, viewer.visibility())
        args, _echo = listing.parse_filters(req.query, viewer.list_filters(visible),  # a bad one: 422
                                            customers=viewer.customer_ids())
        order = listing.read_order(req.query, LIST_SORTS, LIST_DEFAULT_SORT, currency=False,
                                   sort_labels=list_sort_labels())
        chosen = replace(of_status(visible, req.query), **args)
        if order[0].lstrip("-") in listing.CURRENCY_SORTS:
            # by Total only as the list sorts: while every invoice it selects is in one currency
            found = self.ctx.service.list_invoices(chosen, limit=1, with_total=True, total_cap=listing.COUNT_CAP,
                                                   with_currencies=True)
            if found.total and (found.total > listing.COUNT_CAP or found.currencies != 1):
                raise ValidationError([("sort", _("These invoices are in several currencies, whose amounts "
                                                  "do not compare: they cannot be sorted by Total."))])
        settings, scope = self.ctx.settings, viewer.scope
        allowed: dict[tuple[int, int | None], bool] = {}

        def admits(invoice: Any) -> bool:           # the download setting of the invoice's website
            key = (invoice.organization_id, invoice.website_id)
            if key not in allowed:
                allowed[key] = features.is_enabled(settings, features.PDF_DOWNLOAD,
                                                   storefront_scope.invoice_scope(scope, invoice))
            return allowed[key]

        return archive_download(self.ctx.service, chosen, "invoices", admits=admits, order=order)

    def statement(self, req: Request) -> Response:
        """**Download statement (PDF)** of the balance: the open invoices this user's role shows
        (as the balance counts them), each with what it still owes and how late it is, addressed
        to their customer (``statement-<customer id>-YYYY-MM-DD.pdf``)."""
        viewer = Viewer(self.ctx, req)
        features.require(self.ctx.settings, features.PDF_DOWNLOAD, viewer.scope)
        visible = storefront_scope.website_filter(self.ctx.settings, viewer.scope, viewer.visibility())
        found = self.ctx.service.customer_statement(
            visible, customer_id=viewer.ref.customer_id,
            customer_name=viewer.customer.name if viewer.customer is not None else "",
            with_credit=viewer.sees_the_account)
        return statement_download(self.ctx.service, found)

    def download_xml(self, req: Request) -> Response:
        viewer = Viewer(self.ctx, req)
        doc = self._load(viewer, req.path_params.get("invoice_id"))
        features.require(self.ctx.settings, features.PDF_DOWNLOAD, self._scope(viewer, doc))
        return xml_response(self.ctx.service, doc)

    def receipt(self, req: Request) -> Response:
        """The receipt PDF of a payment or refund shown in the invoice's Payments section, where
        PDF download is on (404 for a transaction the section does not show)."""
        viewer = Viewer(self.ctx, req)
        doc = self._load(viewer, req.path_params.get("invoice_id"))
        features.require(self.ctx.settings, features.PDF_DOWNLOAD, self._scope(viewer, doc))
        transaction_id = parse_id(req.path_params.get("transaction_id"))
        if transaction_id is None or transaction_id not in {t.id for t in self.payments(doc) if t.moved_money}:
            raise NotFound(_("Invoice %(number)s has no payment or refund %(id)s to make a receipt of.",
                             number=doc.display_number, id=req.path_params.get("transaction_id")))
        return receipt_download(self.ctx.service, doc.id, transaction_id)
