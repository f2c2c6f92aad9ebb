"""The service API: create, update, get, list, delete, post, notes, payments, PDFs.

``InvoiceService`` is a facade: it builds one ``ServiceContext`` and the services
composed over it (``Reads``, ``Notes``, ``Documents``, ``Payments``, ``Lifecycle``)
and hands each call to the one that does it.

Every write runs in one transaction: bad input raises ``ValidationError``
before anything is written, and a failure rolls everything back.

    db = Database("sqlite:///invoices.db")
    service = InvoiceService(db)
    invoice = service.create({...}, actor="import")
    invoice = service.post(invoice.id, actor="admin")
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from pluggy import PluginManager

from oro_invoices.adapters.base import HostAdapter
from oro_invoices.documents.storage import Storage
from oro_invoices.domain.customer_credit import CreditBalance
from oro_invoices.domain.errors import NotFound
from oro_invoices.domain.invoice import DocumentRef, InvoiceDocument, PaymentStatus, PdfInfo, SellerInfo
from oro_invoices.integration.config import Settings
from oro_invoices.integration.payment_methods import PaymentMethods, ProviderCallback
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.corrections import Corrections
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import utcnow
from oro_invoices.persistence.queries import InvoiceFilter, Page
from oro_invoices.persistence.statement import OpenItemRow
from oro_invoices.services import activity_statement as activity_statements
from oro_invoices.services import aging, aging_detail, statement
from oro_invoices.services.checkout import Availability, Checkout, PayableInvoice, StartedPayment
from oro_invoices.services.checkout_several import SeveralAvailability, SeveralCheckout, ShareView
from oro_invoices.services.context import (
    Batch,
    Clock,
    DocumentScope,
    PaymentUrl,
    Renderer,
    ServiceContext,
    ZoneScope,
)
from oro_invoices.services.credit_events import CustomerCreditEvents
from oro_invoices.services.credit_notes import Creditable, CreditNotes, CreditResult, ReissueResult
from oro_invoices.services.customer_credit import CustomerCredit, CustomerCreditView, PaidOut
from oro_invoices.services.documents import Documents
from oro_invoices.services.jobs import JobQueue
from oro_invoices.services.lifecycle import Lifecycle, Posting
from oro_invoices.services.manual_payments import ManualPayments
from oro_invoices.services.notes import Notes
from oro_invoices.services.order_invoicing import LineQuantities, OrderInvoicing
from oro_invoices.services.payment_events import CallbackOutcome, PaymentEvents
from oro_invoices.services.payment_records import AttemptView
from oro_invoices.services.payments import Payments, RecordedPayment
from oro_invoices.services.reads import InvoiceHistory, Reads
from oro_invoices.services.refunds import ExpiringAuthorization, ProviderOutcome, Refunds, TransactionActions
from oro_invoices.services.status_events import PaymentStatusEvents


class InvoiceService:
    """The add-on's Python API over one database.

    :param db: the database.
    :param plugins: a pluggy plugin manager (``oro_invoices.integration.plugins.get_plugin_manager()``).
    :param settings: resolves configuration values (``oro_invoices.integration.config.Settings``);
        None uses the defaults of ``config_schema.yaml``.
    :param storage: where PDFs are stored (``oro_invoices.documents.storage``).
    :param renderer: renders PDFs (``oro_invoices.documents.render.PdfRenderer``).
    :param payment_url: builds the guest payment link of an invoice, or None.
    :param host: the host adapter, used to check customers and fill in names.
    :param clock: returns the current UTC time (tests use it to cross months).
    :param jobs: where background work goes (``services.jobs``: ``InlineJobs`` by default, or
        ``services.celery_queue.CeleryJobs``); see docs/jobs.md.
    """

    def __init__(self, db: Database, *, plugins: PluginManager | None = None,
                 settings: Settings | None = None, storage: Storage | None = None,
                 renderer: Renderer | None = None, payment_url: PaymentUrl | None = None,
                 host: HostAdapter | None = None, clock: Clock = utcnow, jobs: JobQueue | None = None):
        self.context = ServiceContext(db, plugins=plugins, settings=settings, storage=storage,
                                      renderer=renderer, payment_url=payment_url, host=host, clock=clock,
                                      jobs=jobs)
        self.reads = Reads(self.context)
        self.notes_service = Notes(self.context)
        self.documents = Documents(self.context, self.reads)
        self.payments = Payments(self.context)
        self.manual_payments = ManualPayments(self.context, self.reads, self.payments)
        self.lifecycle = Lifecycle(self.context, self.reads, self.documents, self.payments)
        self.order_invoicing = OrderInvoicing(self.context, self.reads, self.lifecycle)
        self.status_events = PaymentStatusEvents(self.context)
        self.credit_events = CustomerCreditEvents(self.context)
        self.checkout = Checkout(self.context, self.reads)
        self.several_checkout = SeveralCheckout(self.context, self.checkout)
        self.payment_events = PaymentEvents(self.context, self.payments, self.checkout)
        self.refunds = Refunds(self.context, self.checkout, self.payment_events)
        self.context.can_pay = self.checkout.can_pay
        self.customer_credit = CustomerCredit(self.context, self.payments)
        self.payments.on_recorded = self.customer_credit.on_recorded
        self.credit_notes = CreditNotes(self.context, self.lifecycle, self.payments, self.refunds,
                                        self.customer_credit)
        self.lifecycle.on_credit_note = self.credit_notes.take_off

    # ---- what the service was built with ------------------------------------------------

    @property
    def db(self) -> Database:
        return self.context.db

    @property
    def plugins(self) -> PluginManager | None:
        return self.context.plugins

    @property
    def settings(self) -> Settings | None:
        return self.context.settings

    @property
    def storage(self) -> Storage | None:
        return self.context.storage

    @property
    def renderer(self) -> Renderer | None:
        return self.context.renderer

    @property
    def payment_url(self) -> PaymentUrl:
        return self.context.payment_url

    @property
    def host(self) -> HostAdapter | None:
        return self.context.host

    @property
    def clock(self) -> Clock:
        return self.context.clock

    def today(self, scope: ZoneScope | None = None) -> dt.date:
        """Today by the clock in the time zone of ``scope`` (an invoice, a page's or a list's
        scope; a website's own where it sets one: ``ServiceContext.today``), the customer's day
        reminders speak of; documents are dated by ``books_today``."""
        return self.context.today(scope)

    @property
    def jobs(self) -> JobQueue:
        return self.context.jobs

    def guest_link_expired(self, invoice: InvoiceDocument) -> bool:
        """Whether ``invoice``'s guest payment link has expired (``oro_invoices.payment_link_ttl_days``
        after posting), so that no page or email hands it out."""
        return self.context.guest_link_expired(invoice)

    def setting(self, key: str, *, organization_id: int | None = None, website_id: int | None = None,
                customer_id: int | None = None) -> Any:
        """The effective value of a setting for the given scope."""
        return self.context.setting(key, organization_id=organization_id, website_id=website_id,
                                    customer_id=customer_id)

    def setting_values(self, key: str, *, down_to: str = "customer") -> list[Any]:
        """Every value a setting takes in some scope (``Settings.values_anywhere``; with
        ``down_to``, in it and wider scopes only)."""
        return self.context.setting_values(key, down_to=down_to)

    def seller(self, invoice: InvoiceDocument | DocumentScope) -> SellerInfo:
        """The seller as configured now for the invoice's organization and website."""
        return self.context.seller(invoice)

    def document_locale(self, invoice: InvoiceDocument | DocumentScope) -> str:
        """The locale of the invoice's PDF and emails: its customer's, else its customer group's,
        website's or organization's ``oro_invoices.locale``."""
        return self.context.document_locale(invoice)

    def atomic(self) -> contextlib.AbstractContextManager[Batch]:
        """Run several writes as one transaction; hooks follow the commit."""
        return self.lifecycle.atomic()

    # ---- reading ------------------------------------------------------------------------

    def get(self, invoice_id: int) -> InvoiceDocument:
        """The invoice with its lines, totals, payment state and PDF record."""
        return self.reads.get(invoice_id)

    def find_id(self, *, external_id: str | None = None, invoice_number: str | None = None,
                payment_token: str | None = None, organization_id: int | None = None) -> int:
        """The id of the invoice with this external id, number or payment token."""
        return self.reads.find_id(external_id=external_id, invoice_number=invoice_number,
                                  payment_token=payment_token, organization_id=organization_id)

    def id_of_external_id(self, organization_id: int, external_id: str) -> int | None:
        """The id of ``organization_id``'s invoice with ``external_id``, or None when it has none
        (what a create-or-update by external id looks up)."""
        try:
            return self.reads.find_id(external_id=external_id, organization_id=organization_id)
        except NotFound:
            return None

    def list_invoices(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                      sort: str = "-invoice_date", limit: int = 25, cursor: str | None = None,
                      with_total: bool = False, total_cap: int | None = None,
                      status_order: Sequence[str] | None = None,
                      with_currencies: bool = False, overdue_at_most: int | None = None) -> Page[views.InvoiceSummary]:
        """One page of invoice summaries; pass ``next_cursor`` back for the next page.

        ``with_total`` counts the matches too; ``total_cap`` stops counting past that many
        (``Page.total`` is then ``total_cap + 1``) and reads the count with the page.
        ``status_order``: the payment status codes in the order a sort by payment status reads
        them (the pages give their labels' order in the page's language); None: by code.
        ``with_currencies`` (with ``total_cap``): ``Page.currencies``, in how many currencies the
        counted matches are, read with the page. ``overdue_at_most``: how many invoices the
        Overdue filter can find at most, as the caller knows (a storefront's balance counted the
        open invoices of its scope): a few spare the count that chooses how to read them."""
        return self.reads.list_invoices(filters, sort=sort, limit=limit, cursor=cursor,
                                        with_total=with_total, total_cap=total_cap, status_order=status_order,
                                        with_currencies=with_currencies, overdue_at_most=overdue_at_most)

    def list_invoices_or_first(self, filters: InvoiceFilter | Mapping[str, Any] | None, *, sort: str,
                               other_sort: str, limit: int = 25, cursor: str | None = None, total_cap: int,
                               with_currencies: bool = False, overdue_at_most: int | None = None,
                               ) -> tuple[Page[views.InvoiceSummary], Page[views.InvoiceSummary]]:
        """``list_invoices(filters, sort=sort, cursor=cursor, with_total=True, ...)`` and, read in
        the same statement, the first page in ``other_sort`` (a date or number sort each): for a
        list that finds its rows in several currencies (``Page.currencies``) and then shows them
        in ``other_sort`` instead of by an amount, without reading again. ``overdue_at_most`` as
        for ``list_invoices``."""
        return self.reads.list_invoices_or_first(filters, sort=sort, other_sort=other_sort, limit=limit,
                                                 cursor=cursor, total_cap=total_cap, with_currencies=with_currencies,
                                                 overdue_at_most=overdue_at_most)

    def checked_filter(self, filters: InvoiceFilter | Mapping[str, Any] | None) -> InvoiceFilter:
        """``filters`` as the listings read them, checked before anything is read (for a reply
        that starts before its rows are read, such as a streamed archive)."""
        return self.reads.checked_filter(filters)

    def count_invoices(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                       cap: int | None = None) -> int:
        """How many invoices match; with ``cap``, at most ``cap + 1``: counting stops there, so
        the count stays cheap however many invoices there are."""
        return self.reads.count_invoices(filters, cap=cap)

    def receivables_aging(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                          today: dt.date | None = None, credit: bool = True,
                          names: bool = True) -> aging.AgingReport:
        """What each customer still owes, by how many days it is overdue (``services.aging``):
        the open invoices ``filters`` select (as ``list_invoices`` takes them: ``organization_id``,
        ``currency``, customers, websites …; every organization's without one), on ``today``
        (the clock's UTC date unless given), with the credit each customer holds (``credit``; a
        customer holding credit and owing nothing has a line of its own), the lines named as the
        host names the customers (``names``; without, as their invoices do). ``ValidationError`` on
        ``currency`` when it is no currency code."""
        if filters is None:
            filters = InvoiceFilter()
        elif isinstance(filters, Mapping):
            filters = InvoiceFilter(**filters)
        return aging.read_report(self.context, filters, today=today, credit=credit, names=names)

    def books_zone(self, scope: ZoneScope | None = None) -> dt.tzinfo:
        """The time zone of the books of ``scope``'s organization (``ServiceContext.books_zone``),
        whatever its website's: the zone of ``books_today``."""
        return self.context.books_zone(scope)

    def books_today(self, scope: ZoneScope | None = None) -> dt.date:
        """The day the books of ``scope``'s organization are on (``ServiceContext.books_today``):
        the day an invoice of it is judged overdue on, and an aging, balance or statement unless
        one is given; a day before it is past. Documents are dated by it by default and a payment
        can have been received on it at the latest."""
        return self.context.books_today(scope)

    def aging_customer_names(self, filters: InvoiceFilter, prefix: str, *, today: dt.date | None = None,
                             limit: int = 20) -> list[str]:
        """Up to ``limit`` names of the customers ``receivables_aging(filters, today=today)`` may
        list that start with ``prefix`` (any case), as it names them, in name order; read without
        making the report (``services.aging.customer_names``)."""
        return aging.customer_names(self.context, filters, prefix, today=today, limit=limit)

    def aging_detail(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                     today: dt.date | None = None) -> tuple[dt.date, Iterator[OpenItemRow]]:
        """Every invoice ``receivables_aging`` counts on ``today``, with its amounts, by currency,
        customer name and due date, and the day judged on (``services.aging_detail``; today's are
        read as they are taken). ``ValidationError`` as ``receivables_aging``'s."""
        if filters is None:
            filters = InvoiceFilter()
        elif isinstance(filters, Mapping):
            filters = InvoiceFilter(**filters)
        return aging_detail.aging_detail(self.context, filters, today=today)

    def aging_pdf(self, report: aging.AgingReport, *, organization_id: int) -> bytes:
        """``report`` (``receivables_aging`` of ``organization_id``) as PDF, made now in the
        organization's document language, headed by its seller as configured now.

        :raises NotFound: no renderer here makes aging reports.
        :raises PdfFailed: the template or a font failed.
        """
        return aging.aging_pdf(self.context, report, organization_id, self.documents.renderer_for)

    def customer_statement(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                           today: dt.date | None = None, customer_id: int | None = None,
                           customer_name: str = "", with_credit: bool = False) -> statement.Statement:
        """A statement of account (``services.statement``): the open invoices ``filters`` select
        (as ``receivables_aging`` takes them: one customer's, or what a storefront user sees), each
        with what it still owes and how late it is, and per currency the aging of them all, on
        ``today`` (the clock's UTC date unless given). It is addressed to ``customer_id`` (else the
        filter's customer) and named ``customer_name`` (else the name on its latest open invoice);
        ``with_credit``: it says that customer's credit too (a view of the whole customer's account).
        ``ValidationError`` on ``currency`` when it is no currency code."""
        return statement.read_statement(self.context, self.reads.checked_filter(filters), today=today,
                                        customer_id=customer_id, customer_name=customer_name,
                                        with_credit=with_credit)

    def statement_of(self, customer_id: int, *, organization_id: int | None = None, currency: str | None = None,
                     today: dt.date | None = None) -> statement.Statement:
        """The statement of the host's customer ``customer_id`` (``customer_statement`` of its open
        invoices of ``organization_id``; None: of any), named as the host names it.

        :raises NotFound: the customer belongs to another organization, or is unknown to the host
            and named by no invoice.
        """
        return statement.statement_of(self.context, customer_id, organization_id=organization_id,
                                      currency=currency, today=today)

    def statement_customer(self, customer_id: int, organization_id: int | None = None, *,
                           infer: bool = False) -> tuple[int | None, str]:
        """The organization a statement of ``customer_id`` is of and the customer's name
        (``statement.customer_of``; ``infer``: a customer the host does not know is of its latest
        invoice's organization). :raises NotFound: as ``statement_of``."""
        return statement.customer_of(self.context, customer_id, organization_id, infer=infer)

    def activity_statement(self, customer_id: int, *, start: dt.date | None, end: dt.date | None,
                           organization_id: int | None = None,
                           currency: str | None = None) -> activity_statements.ActivityStatement:
        """The activity statement (balance forward) of the host's customer ``customer_id`` from
        ``start`` to ``end``: per currency the opening balance, each invoice, credit note, payment
        and refund dated in the period with the balance after it, and the closing balance.

        :raises ValidationError: a bad period, or one that starts or ends after today in the time
            zone of the statement's organization (``today``). :raises NotFound: as ``statement_of``.
        """
        return activity_statements.activity_statement(self.context, customer_id, start=start, end=end,
                                                      organization_id=organization_id, currency=currency,
                                                      label_of=self.payments.method_label)

    def customer_activity(self, filters: InvoiceFilter, *, start: dt.date | None, end: dt.date | None,
                          customer_id: int, customer_name: str = "") -> activity_statements.ActivityStatement:
        """The activity statement of the posted invoices ``filters`` select (what a storefront user
        sees) from ``start`` to ``end``, addressed to ``customer_id``. :raises ValidationError."""
        return activity_statements.activity_within(self.context, filters, start=start, end=end,
                                                   customer_id=customer_id, customer_name=customer_name,
                                                   label_of=self.payments.method_label)

    def activity_pdf(self, of: activity_statements.ActivityStatement) -> bytes:
        """The activity statement as PDF, made now in its customer's language, headed by the
        seller as configured now. :raises NotFound: no renderer here makes it. :raises PdfFailed."""
        latest = self.reads.get(of.latest_invoice_id) if of.latest_invoice_id is not None else None
        return activity_statements.activity_pdf(self.context, of, latest, self.documents.renderer_for)

    def activity_locale(self, of: activity_statements.ActivityStatement) -> str:
        """The locale the activity is written in for its customer (its PDF's, ``document_locale``;
        ``i18n.using`` it for ``activity_csv_text``); ``en_US`` for one of no organization."""
        if of.organization_id is None:
            return "en_US"
        latest = self.reads.get(of.latest_invoice_id) if of.latest_invoice_id is not None else None
        return self.context.document_locale(activity_statements.activity_scope(of, latest))

    def statement_pdf(self, of: statement.Statement, *, latest: InvoiceDocument | None = None) -> bytes:
        """The statement as PDF, made now (statements are not kept: each payment changes them), in
        its customer's language, headed by the seller as configured now. ``latest``: its latest
        open invoice when the caller has read it already.

        :raises NotFound: no renderer here makes statements.
        :raises PdfFailed: the template or a font failed.
        """
        if latest is None or latest.id != of.latest_invoice_id:
            latest = self.reads.get(of.latest_invoice_id) if of.latest_invoice_id is not None else None
        return statement.statement_pdf(self.context, of, latest, self.documents.renderer_for)

    def customer_names(self, filters: InvoiceFilter | Mapping[str, Any] | None = None, *,
                       limit: int = 20) -> list[str]:
        """Up to ``limit`` distinct customer names of the matching invoices, in name order
        (with ``customer_name_prefix``: the names starting with it, in any case)."""
        return self.reads.customer_names(filters, limit=limit)

    def activities(self, invoice_id: int) -> list[views.ActivityView]:
        """The invoice's activity, newest first."""
        return self.reads.activities(invoice_id)

    def transactions(self, invoice_id: int) -> list[views.TransactionView]:
        """The invoice's payment transactions."""
        return self.reads.transactions(invoice_id)

    def notes(self, invoice_id: int) -> list[views.NoteView]:
        """The invoice's notes, newest first."""
        return self.notes_service.notes(invoice_id)

    def history(self, invoice_id: int) -> InvoiceHistory:
        """The invoice's notes, activity, payment transactions and emails (those in this
        database's outbox), read together in one statement."""
        return self.reads.history(invoice_id)

    # ---- writing ------------------------------------------------------------------------

    def create(self, payload: Mapping[str, Any], *, actor: str = "system",
               pdf: bytes | None = None, defer_pdf: bool = False,
               einvoice_xml: bytes | None = None, seller_address: str = "") -> InvoiceDocument:
        """Create a draft (or, with ``"status": "posted"``, a posted invoice) from a payload.

        ``pdf``: a posted invoice's own PDF (an imported invoice), stored at posting.
        ``defer_pdf``: post without rendering the PDF; it stays pending until ``ensure_pdf``.
        ``einvoice_xml``: the XML a posted invoice is imported from: kept (Download XML gives it)
        and, when CII, carried by its PDF (made once the invoice is committed) instead of an XML
        built from its fields; a UBL one's PDF carries no XML.
        ``seller_address``: the seller's electronic address (BT-34) an imported e-invoice states,
        kept in the posted invoice's seller (``InvoiceDocument.seller``) instead of the setting's.
        """
        return self.lifecycle.create(payload, actor=actor, pdf=pdf, defer_pdf=defer_pdf, einvoice_xml=einvoice_xml,
                                     seller_address=seller_address)

    def create_from_order(self, order_id: int, *, actor: str, organization_id: int | None = None,
                          invoice_date: dt.date | None = None, due_date: dt.date | None = None,
                          lines: LineQuantities | None = None, invoice_again: bool = False,
                          buyer: Mapping[str, str] | None = None,
                          purchase_order: str | None = None) -> InvoiceDocument:
        """Create a draft invoice of the host's order ``order_id``: its lines, customer, customer
        user, website, currency, addresses and the link to it (``order_invoicing.order_payload``),
        through ``create`` and its checks.

        ``organization_id``: the caller's organization (an order of another one does not exist for
        it). ``invoice_date``: today (UTC) when not given; ``due_date``: none when not given.
        ``lines``: only these order lines (position from 1 → quantity to invoice, at most what
        was ordered), for invoicing an order in parts (``order_invoicing.invoiced_lines`` says
        what remains of each). ``invoice_again``: create it even though the order's invoices
        already come to its total. ``buyer``: what the invoice states of its buyer (``create``'s
        ``buyer``, such as its ``electronic_address``); the rest comes from the customer at posting.
        ``purchase_order``: the buyer's PO number the invoice states instead of the order's (empty:
        none); None: the order's.

        :raises NotFound: the host has no such order (in ``organization_id``), or there is no host.
        :raises ValidationError: the order has no lines or no customer; ``lines`` names a line it
            does not have, or a quantity that is no decimal number, not above 0, with more than 6
            decimals or above what was ordered (``order_invoicing.line_problem``), or no line; the
            payload fails ``create``'s checks.
        :raises AlreadyInvoiced: (a ``Conflict``) the order's invoices, drafts included, net of their
            credit notes, already come to its total; it names them.
        """
        return self.order_invoicing.create(order_id, actor=actor, organization_id=organization_id,
                                           invoice_date=invoice_date, due_date=due_date, lines=lines,
                                           invoice_again=invoice_again, buyer=buyer,
                                           purchase_order=purchase_order)

    def update(self, invoice_id: int, payload: Mapping[str, Any], *, actor: str = "system") -> InvoiceDocument:
        """Change a draft. On a posted invoice only ``payment_status`` may be given."""
        return self.lifecycle.update(invoice_id, payload, actor=actor)

    def delete(self, invoice_id: int, *, actor: str = "system") -> None:
        """Delete a draft; a posted invoice is refused."""
        self.lifecycle.delete(invoice_id, actor=actor)

    def post(self, invoice_id: int, *, actor: str = "system", pdf: bytes | None = None,
             defer_pdf: bool = False, einvoice_xml: bytes | None = None,
             apply_credit: bool = True, seller_address: str = "") -> InvoiceDocument:
        """Post a draft (idempotent, all or nothing): number, freeze, chain link, PDF.

        ``pdf``: the invoice's own PDF (an imported invoice), stored instead of a rendered one.
        ``defer_pdf``: post without rendering the PDF; it stays pending until ``ensure_pdf``.
        ``einvoice_xml``, ``seller_address``: of an e-invoice imported onto the draft, kept as ``create`` keeps them.
        ``apply_credit``: where ``oro_invoices.customer_credit.apply_on_posting`` is on, the
        customer's credit then pays what it covers (False: an invoice imported as it was).
        """
        return self.posting(invoice_id, actor=actor, pdf=pdf, defer_pdf=defer_pdf, einvoice_xml=einvoice_xml,
                            apply_credit=apply_credit, seller_address=seller_address).invoice

    def posting(self, invoice_id: int, *, actor: str = "system", pdf: bytes | None = None,
                defer_pdf: bool = False, einvoice_xml: bytes | None = None,
                apply_credit: bool = True, seller_address: str = "") -> Posting:
        """``post``, saying whether this call posted the invoice (``Posting.posted_now``; False:
        it was posted already, e.g. by another request at the same moment)."""
        done = self.lifecycle.posting(invoice_id, actor=actor, pdf=pdf, defer_pdf=defer_pdf,
                                      einvoice_xml=einvoice_xml, seller_address=seller_address)
        if apply_credit and self.customer_credit.apply_on_posting(done.invoice, actor=actor):
            return Posting(self.get(invoice_id), done.posted_now)
        return done

    def add_note(self, invoice_id: int, body: str, *, actor: str = "system",
                 author_id: int | None = None, once: str | None = None) -> views.NoteView:
        """Add a note (allowed on posted invoices too); ``author_id``: the user who may edit it;
        ``once``: the form's one-time key (``NoteSentBefore`` for a second note from it)."""
        return self.notes_service.add_note(invoice_id, body, actor=actor, author_id=author_id, once=once)

    def edit_note(self, invoice_id: int, note_id: int, body: str, *, author_id: int | None,
                  actor: str = "system", once: str | None = None) -> views.NoteView:
        """Replace a note's text (only its author may; ``PermissionDenied`` otherwise); ``once``:
        the edit form's one-time key (``NoteSentBefore`` when it changed the note before)."""
        return self.notes_service.edit_note(invoice_id, note_id, body, author_id=author_id, actor=actor,
                                            once=once)

    def delete_note(self, invoice_id: int, note_id: int, *, author_id: int | None,
                    actor: str = "system") -> None:
        """Delete a note (only its author may; ``PermissionDenied`` otherwise)."""
        self.notes_service.delete_note(invoice_id, note_id, author_id=author_id, actor=actor)

    # ---- payments -----------------------------------------------------------------------

    def record_payment(self, invoice_id: int, payload: Mapping[str, Any], *,
                       actor: str = "system") -> views.TransactionView:
        """Record a payment transaction and recalculate the payment status."""
        return self.payments.record_payment(invoice_id, payload, actor=actor)

    def record_received_payment(self, invoice_id: int, *, amount: Decimal | str, method: str,
                                received_on: dt.date | None, reference: str = "", notes: str = "", actor: str,
                                request_key: str, remittance: views.RemittanceView | None = None,
                                receipt: bool = True, keep_surplus: bool = False) -> RecordedPayment:
        """Record a payment received outside the payment methods (a bank transfer, a check, cash),
        while the invoice can be paid; ``created`` False: this form recorded it before
        (``services.manual_payments``). ``remittance``: the payment for several invoices it is a
        share of (``services.remittances``); ``receipt`` False: no receipt email (over the API);
        ``keep_surplus``: what is over the amount due is kept as the customer's credit."""
        return self.manual_payments.record(invoice_id, amount=amount, method=method, received_on=received_on,
                                           reference=reference, notes=notes, actor=actor, request_key=request_key,
                                           remittance=remittance, receipt=receipt, keep_surplus=keep_surplus)

    def receipt_for_shares(self, transaction_ids: list[int]) -> None:
        """Email the customer one receipt for payments recorded by hand (``receipt`` False) as the
        shares of one payment received for several invoices, where receipts are on."""
        self.manual_payments.receipt_together(transaction_ids)

    def received_payment(self, invoice_id: int, request_key: str) -> views.TransactionView | None:
        """The payment the Record Payment form ``request_key`` recorded on ``invoice_id``, if any."""
        return self.manual_payments.recorded_with(invoice_id, request_key)

    def received_payment_problems(self, *, method: str, received_on: dt.date | None, reference: str,
                                  notes: str, scope: ZoneScope | None = None) -> list[tuple[str, str]]:
        """What is wrong with how, when and under which reference a payment recorded by hand was
        received (``[]``: nothing); ``received_on`` no later than the day of the books of
        ``scope``'s organization (``books_today``; ``scope``: an invoice, or a ``ScopeContext``)."""
        return self.manual_payments.check_receipt(method=method, received_on=received_on, reference=reference,
                                                  notes=notes, scope=scope)

    def reverse_received_payment(self, invoice_id: int, transaction_id: int, *, reason: str,
                                 actor: str) -> RecordedPayment:
        """Undo a payment recorded outside the payment methods in error (by hand, or over the API):
        the invoice is due again as if it had never been recorded; ``created`` False: it was
        reversed before."""
        return self.manual_payments.reverse(invoice_id, transaction_id, reason=reason, actor=actor)

    def reversible(self, payment: views.TransactionView) -> bool:
        """Whether ``reverse_received_payment`` takes ``payment`` (unless it was reversed already)."""
        return self.manual_payments.reversible(payment)

    # ---- customers' credit --------------------------------------------------------------

    def customer_credit_of(self, customer_id: int, *, organization_id: int, currency: str | None = None,
                           before_id: int | None = None) -> CustomerCreditView:
        """The customer's credit in ``organization_id``: its balance per currency and its newest
        ledger entries (``services.customer_credit``)."""
        return self.customer_credit.of(customer_id, organization_id=organization_id, currency=currency,
                                       before_id=before_id)

    def credit_balances(self, customer_id: int, *, organization_id: int) -> tuple[CreditBalance, ...]:
        """What the customer has to spend in ``organization_id``, per currency it has any in (one
        statement)."""
        return self.customer_credit.balances(customer_id, organization_id=organization_id)

    def credit_balances_of(self, customer_ids: Collection[int], *,
                           organization_id: int) -> dict[int, tuple[CreditBalance, ...]]:
        """``credit_balances`` of several customers in one statement: each one holding credit."""
        return self.customer_credit.balances_of(customer_ids, organization_id=organization_id)

    def available_credit(self, invoice: InvoiceDocument) -> Decimal:
        """The credit the invoice's customer has in the invoice's currency."""
        return self.customer_credit.available(invoice)

    def apply_credit(self, invoice_id: int, *, amount: Decimal | str | None = None, actor: str,
                     request_key: str | None = None) -> RecordedPayment:
        """Pay (part of) the invoice from its customer's credit; ``amount`` left out: as much as
        the credit covers; ``created`` False: this form applied it before."""
        return self.customer_credit.apply(invoice_id, amount=amount, actor=actor, request_key=request_key)

    def credit_applied_with(self, invoice_id: int, request_key: str | None) -> bool:
        """Whether the Apply Credit form ``request_key`` applied credit to the invoice already."""
        return self.customer_credit.applied_with(invoice_id, request_key)

    def pay_out_credit(self, customer_id: int, *, organization_id: int, currency: str, amount: Decimal | str,
                       reference: str = "", notes: str = "", actor: str, request_key: str | None = None) -> PaidOut:
        """Give (part of) the customer's credit back outside the add-on (a bank transfer, a check)."""
        return self.customer_credit.pay_out(customer_id, organization_id=organization_id, currency=currency,
                                            amount=amount, reference=reference, notes=notes, actor=actor,
                                            request_key=request_key)

    def record_payment_once(self, invoice_id: int, payload: Mapping[str, Any], *,
                            actor: str = "system", same_amount: bool = False) -> RecordedPayment:
        """``record_payment``, saying whether this call recorded it (False: a redelivery);
        ``same_amount``: another amount under a provider reference recorded before is a
        ``Conflict`` (what an external system sends), not a redelivery."""
        return self.payments.record(invoice_id, payload, actor=actor, same_amount=same_amount)

    def force_payment_status(self, invoice_id: int, status: str | PaymentStatus | None, *,
                             actor: str = "system") -> InvoiceDocument:
        """Set the payment status from outside; ``None`` resumes recalculation."""
        return self.payments.force_payment_status(invoice_id, status, actor=actor)

    # ---- paying online (services.checkout, payment_events, refunds) ----------------------

    @property
    def payment_methods(self) -> PaymentMethods:
        """The registered payment methods."""
        return self.checkout.methods

    def payment_availability(self, invoice: PayableInvoice) -> Availability:
        """Whether the invoice can be paid now, how and which amounts (the one rule)."""
        return self.checkout.availability(invoice)

    def payment_availabilities(self, invoices: Iterable[PayableInvoice]) -> dict[int, Availability]:
        """``payment_availability`` of several invoices, by id."""
        return self.checkout.availabilities(invoices)

    def can_pay(self, invoice: PayableInvoice) -> bool:
        """Whether anything may offer to pay the invoice (Pay, links, QR codes)."""
        return self.checkout.can_pay(invoice)

    def pay_link(self, invoice: InvoiceDocument) -> str | None:
        """The link that leaves the request to pay the invoice, None while it cannot be paid."""
        return self.context.pay_link(invoice)

    def start_payment(self, invoice_id: int, *, amount: object = None, actor: str, origin: str,
                      return_path: str, cancel_path: str, request_key: str | None = None,
                      payer_email: str = "") -> StartedPayment:
        """Record a payment attempt and get what the payment page shows (``Checkout.start_payment``;
        ``payer_email``: who pays, as the provider is told)."""
        return self.checkout.start_payment(invoice_id, amount=amount, actor=actor, origin=origin,
                                           return_path=return_path, cancel_path=cancel_path,
                                           request_key=request_key, payer_email=payer_email)

    def pays_several(self, organization_id: int, website_id: int | None) -> bool:
        """Whether the payment method of this scope takes one payment for several invoices."""
        return self.several_checkout.offered(organization_id, website_id)

    def several_payment_availability(self, invoice_ids: Sequence[int]) -> SeveralAvailability:
        """Whether the invoices ``invoice_ids`` can be paid together with one payment
        (``SeveralCheckout.availability``); ``NotFound`` names one that does not exist."""
        return self.several_checkout.availability(self.several_checkout.documents(invoice_ids))

    def start_several_payment(self, invoice_ids: Sequence[int], *, actor: str, origin: str, return_path: str,
                              cancel_path: str, total: object = None, request_key: str | None = None,
                              payer_email: str = "") -> StartedPayment:
        """Record one payment attempt for several invoices, each paid in full, and get what the
        payment page shows (``SeveralCheckout.start``; ``payer_email``: who pays, as the provider
        is told)."""
        return self.several_checkout.start(invoice_ids, actor=actor, origin=origin, return_path=return_path,
                                           cancel_path=cancel_path, total=total, request_key=request_key,
                                           payer_email=payer_email)

    def payment_attempt(self, public_id: str) -> AttemptView:
        """A payment attempt by its public id."""
        return self.checkout.attempt(public_id)

    def processing_payments(self, invoice_ids: Iterable[int]) -> dict[int, list[AttemptView]]:
        """The payments of each invoice that the provider reported as processing and that are still
        on their way (a SEPA Direct Debit): each holds its amount until its outcome is reported."""
        return self.checkout.processing(invoice_ids)

    def payment_shares(self, public_id: str) -> tuple[ShareView, ...]:
        """The invoices a payment attempt of several pays, with their shares (empty for one invoice)."""
        return self.several_checkout.shares(public_id)

    def handle_payment_callback(self, method: str, callback: ProviderCallback, *,
                                actor: str | None = None) -> CallbackOutcome:
        """Verify a provider callback and apply each event it reports once (a renewal it reports
        whose answer was lost: the authorization it replaced is released then)."""
        outcome = self.payment_events.handle_callback(method, callback, actor=actor)
        self.refunds.release_renewed(method, outcome.outcomes)
        return outcome

    def transaction_actions(self, invoice_id: int) -> dict[int, TransactionActions]:
        """What remains to refund, capture or cancel of each of the invoice's provider transactions."""
        return self.refunds.actions(invoice_id)

    def refund_payment(self, transaction_id: int, amount: object = None, *, notes: str = "",
                       actor: str, request_key: str | None = None) -> ProviderOutcome:
        """Refund (part of) a charge through its provider, never more than remains.

        ``request_key``: the form's one-time key; the same form again raises ``AlreadyRequested``.
        """
        return self.refunds.refund(transaction_id, amount, notes=notes, actor=actor, request_key=request_key)

    def cancel_authorization(self, transaction_id: int, *, notes: str = "",
                             actor: str, request_key: str | None = None) -> ProviderOutcome:
        """Cancel what remains of an authorization through its provider (``request_key``: as
        for ``refund_payment``)."""
        return self.refunds.cancel(transaction_id, notes=notes, actor=actor, request_key=request_key)

    def capture_authorization(self, transaction_id: int, amount: object = None, *, notes: str = "",
                              actor: str, request_key: str | None = None) -> ProviderOutcome:
        """Capture ``amount`` (default: all that remains) of an authorization through its
        provider, when its method can (``CapturingMethod``; less than remains only when it
        ``captures_part``, and its provider releases the rest; ``request_key``: as for
        ``refund_payment``)."""
        return self.refunds.capture(transaction_id, amount, notes=notes, actor=actor, request_key=request_key)

    def expiring_authorizations(self, until: dt.datetime) -> list[ExpiringAuthorization]:
        """The open authorizations their provider releases between now and ``until``, soonest first."""
        return self.refunds.expiring(until)

    def reauthorize_authorization(self, transaction_id: int, *, notes: str = "",
                                  actor: str, request_key: str | None = None) -> ProviderOutcome:
        """Renew what an authorization still holds before its provider releases it, when its method
        can (``ReauthorizingMethod``; ``request_key``: as for ``refund_payment``). The outcome's
        ``transaction_id`` is the new authorization."""
        return self.refunds.reauthorize(transaction_id, notes=notes, actor=actor, request_key=request_key)

    def confirm_unanswered_request(self, transaction_id: int, attempt_id: str, *, made: bool,
                                   reference: str = "", actor: str) -> ProviderOutcome:
        """Say what the provider did with a refund or cancellation of ``transaction_id`` whose answer
        was lost (``TransactionActions.unanswered``), as checked at the provider: recorded when
        ``made``, else released (a capture or re-authorization: only released)."""
        return self.refunds.confirm_unanswered(transaction_id, attempt_id, made=made, reference=reference,
                                               actor=actor)

    # ---- corrections (services.credit_notes) --------------------------------------------

    def creditable(self, invoice_id: int) -> Creditable:
        """What remains creditable of a posted invoice: per line, per tax rate, in total."""
        return self.credit_notes.creditable(invoice_id)

    def create_credit_note(self, invoice_id: int, payload: Mapping[str, Any], *,
                           actor: str = "system", request_key: str | None = None) -> CreditResult:
        """Post a credit note (full, or chosen lines/amounts) against a posted invoice.

        ``request_key``: the form's one-time key; the same form again raises ``AlreadyCredited``.
        """
        return self.credit_notes.create(invoice_id, payload, actor=actor, request_key=request_key)

    def void(self, invoice_id: int, *, reason: str = "", actor: str = "system") -> CreditResult:
        """Void a posted invoice nothing was paid for: a full credit note, status "Voided"."""
        return self.credit_notes.void(invoice_id, reason=reason, actor=actor)

    def reissue(self, invoice_id: int, *, reason: str = "", actor: str = "system") -> ReissueResult:
        """Void the invoice and create a corrected draft copied from it, in one transaction."""
        return self.credit_notes.reissue(invoice_id, reason=reason, actor=actor)

    def credit_notes_of(self, invoice_id: int) -> list[views.InvoiceSummary]:
        """The credit notes of an invoice, oldest first."""
        return self.credit_notes.credit_notes_of(invoice_id)

    def reissues_of(self, invoice_id: int) -> list[DocumentRef]:
        """The invoices issued to replace this voided one."""
        return self.credit_notes.reissues_of(invoice_id)

    def corrections_of(self, invoice_id: int) -> Corrections:
        """An invoice's credit notes and the invoices issued to replace it, in one read."""
        return self.credit_notes.corrections_of(invoice_id)

    # ---- the stored PDF -----------------------------------------------------------------

    def ensure_pdf(self, invoice_id: int, *, actor: str = "system") -> InvoiceDocument:
        """The invoice with its PDF, rendering and storing it once if it has none yet."""
        return self.documents.ensure_pdf(invoice_id, actor=actor)

    def attach_pdf(self, invoice_id: int, data: bytes, *, actor: str = "system") -> InvoiceDocument:
        """Store a PDF supplied by the external system."""
        return self.documents.attach_pdf(invoice_id, data, actor=actor)

    def open_pdf(self, invoice_id: int) -> tuple[PdfInfo, BinaryIO]:
        """``(PdfInfo, binary stream)`` of the stored PDF; never renders a second one.

        :raises PdfPending: the PDF is being made in the background (docs/jobs.md).
        """
        return self.documents.open_pdf(invoice_id)

    def pdf_info(self, invoice_id: int) -> PdfInfo:
        """What ``open_pdf`` would stream (length and hash, as recorded), without opening the
        storage: what a HEAD request of the PDF answers.

        :raises PdfPending: the PDF is being made in the background (docs/jobs.md).
        """
        return self.documents.pdf_info(invoice_id)

    def pdf_for_download(self, invoice_id: int) -> PdfInfo:
        """What a download of the PDF answers (``pdf_info``: a posted invoice's PDF not made yet is
        made first, once); while a background job makes it, that job is queued again (a lost one's
        PDF gets made) and ``PdfPending`` raised.

        :raises PdfPending: the PDF is being made in the background (docs/jobs.md).
        :raises InvoiceNotPosted: a draft has no PDF.
        """
        return self.documents.pdf_for_download(invoice_id)

    def receipt_pdf(self, invoice_id: int, transaction_id: int) -> tuple[InvoiceDocument, bytes]:
        """The invoice and the receipt PDF of its successful payment, capture or refund
        ``transaction_id``, made on request in the invoice's language from what was recorded.

        :raises NotFound: the invoice has no such payment, or no renderer here makes receipts.
        """
        return self.documents.receipt_pdf(invoice_id, transaction_id, self.payments.method_label)

    def open_xml(self, invoice_id: int) -> tuple[InvoiceDocument, bytes]:
        """The invoice and its e-invoice XML: the CII or UBL XML it was imported from, else the
        one (``factur-x.xml``) attached to its stored PDF.

        :raises NotFound: it was not imported from XML and its stored PDF carries no e-invoice
            (docs/einvoicing.md).
        """
        return self.documents.open_xml(invoice_id)

    def kept_einvoice(self, invoice_id: int) -> bytes | None:
        """The e-invoice XML (CII or UBL) the invoice was imported from, as it came; None when it
        was not imported from XML."""
        return self.documents.einvoicing.kept_xml(invoice_id)

    def einvoice_enabled(self, invoice: InvoiceDocument) -> bool:
        """Whether e-invoices are on for ``invoice`` (its XML may be offered for download)."""
        return self.documents.einvoicing.enabled(invoice)

    def offers_xml(self, invoice: InvoiceDocument) -> bool:
        """Whether **Download XML** is offered for ``invoice``, whatever the settings: it keeps an
        e-invoice XML (imported from it, or issued as UBL), or its stored PDF carries one. For a
        PDF stored before that was recorded (``PdfInfo.carries_xml`` None): while e-invoices are on."""
        if not invoice.is_posted:
            return False
        if invoice.einvoice_kept:
            return True
        pdf = invoice.pdf
        if pdf is None:
            return False
        return pdf.carries_xml if pdf.carries_xml is not None else self.einvoice_enabled(invoice)

    def pdf_pending(self, invoice: InvoiceDocument) -> bool:
        """Whether the posted ``invoice``'s PDF is still being made in the background."""
        return self.documents.pdf_pending(invoice)

    def pdf_awaited(self, invoice: InvoiceDocument) -> bool:
        """Whether the posted ``invoice`` has no PDF yet although one is expected (being made in
        the background, or an imported invoice's still to render), decided without a query."""
        return self.documents.pdf_awaited(invoice)

    def pdf_made_on_download(self, invoice: InvoiceDocument) -> bool:
        """Whether the posted ``invoice``'s expected PDF, not stored yet, is made by its first
        download (no background job makes it), so pages offer Download rather than "being prepared"."""
        return self.documents.pdf_made_on_download(invoice)

    def pdf_attachable(self, invoice: InvoiceDocument) -> bool:
        """Whether an email of the posted ``invoice`` can carry its PDF: it is stored, being made
        in the background (the message waits for it), or made by its first download, which the
        send does then (``MailService.attachments_for``), once."""
        return invoice.pdf is not None or self.pdf_pending(invoice) or self.pdf_made_on_download(invoice)
