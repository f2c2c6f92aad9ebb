"""What every service shares: the database and collaborators, settings, hooks, the unit of work.

One ``ServiceContext`` is built per ``InvoiceService`` and handed to each of the
composed services (``Reads``, ``Notes``, ``Documents``, ``Payments``, ``Lifecycle``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pluggy import PluginManager
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from oro_invoices.adapters.base import HostAdapter, UsesServiceClock
from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.documents.storage import Storage
from oro_invoices.domain.errors import NotFound, UsageError
from oro_invoices.domain.invoice import Address, DocumentRef, InvoiceDocument, SellerInfo
from oro_invoices.domain.messages import Message
from oro_invoices.domain.overdue import local_today
from oro_invoices.formatting.zones import check_timezone
from oro_invoices.integration.config import Settings, load_schema, resolve_seller
from oro_invoices.integration.links import PAYMENT_LINK_TTL, link_expired
from oro_invoices.integration.plugins import notify
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.error_translation import translate_db_errors
from oro_invoices.persistence.invoice_rows import invoice_for_reading
from oro_invoices.persistence.models import Invoice, InvoiceDocumentRow, PaymentState, utcnow
from oro_invoices.persistence.received_payments import ReceivedPayment
from oro_invoices.services import follow_ups
from oro_invoices.services.jobs import RENDER_PDF, InlineJobs, Job, JobQueue

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.services.mail.service import MailService

#: Hooks announcing a change: called after the commit, a failing listener is logged, not raised.
EVENT_HOOKS = frozenset({"invoice_created", "invoice_updated", "invoice_posted", "invoice_deleted",
                         "invoice_paid", "invoice_payment_status_changed",
                         "invoice_payment_status_updated", "customer_credit_changed"})

PaymentUrl = Callable[[InvoiceDocument], str | None]
Clock = Callable[[], dt.datetime]
#: Runs in a write transaction just before it commits; returns what to run after the commit.
CommitStep = Callable[[Session], Sequence[Callable[[], None]]]

log = logging.getLogger("oro_invoices.services")


class SettingsSource(Protocol):
    """Where setting values come from: ``Settings``, or ``SchemaDefaults`` when none are configured."""

    def value(self, key: str, ctx: ScopeContext = ...) -> Any:
        """The effective value of ``key`` for the scope ``ctx``."""


class SchemaDefaults:
    """The settings when none are configured: each value is its default in ``config_schema.yaml``."""

    def value(self, key: str, ctx: ScopeContext | None = None) -> Any:
        """The schema default of ``key``; an unknown key raises ``ConfigurationError``."""
        return load_schema()[key].default


class Renderer(Protocol):
    """Renders an invoice to PDF bytes (``oro_invoices.documents.render.PdfRenderer``)."""

    def render(self, invoice: InvoiceDocument, *, payment_url: str | None = None,
               extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The invoice as PDF bytes."""


@runtime_checkable
class ArchivalRenderer(Protocol):
    """A renderer that can also make the PDF/A-3 an e-invoice's XML is attached to."""

    def render_archival(self, invoice: InvoiceDocument, *, payment_url: str | None = None,
                        extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The invoice as PDF/A-3b bytes."""


@runtime_checkable
class ReceiptRenderer(Protocol):
    """A renderer that can also make the receipt of one payment or refund of an invoice."""

    def render_receipt(self, invoice: InvoiceDocument, payment: ReceivedPayment, *,
                       extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The receipt as PDF bytes."""


@runtime_checkable
class StatementRenderer(Protocol):
    """A renderer that can also make a customer's statement of account (``services.statement``)."""

    def render_statement(self, statement: Any, *, seller: SellerInfo, bill_to: Address | None = None,
                         extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The statement as PDF bytes."""


@runtime_checkable
class ActivityRenderer(Protocol):
    """A renderer that can also make a customer's activity statement (``services.activity_statement``)."""

    def render_activity(self, activity: Any, *, seller: SellerInfo, bill_to: Address | None = None,
                        extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The activity statement as PDF bytes."""


@runtime_checkable
class AgingRenderer(Protocol):
    """A renderer that can also make an organization's receivables aging (``services.aging``)."""

    def render_aging(self, report: Any, *, seller: SellerInfo, past: bool = False,
                     extra_context: Mapping[str, Any] | None = None) -> bytes:
        """The aging report as PDF bytes."""


@runtime_checkable
class RendererVariants(Protocol):
    """A renderer that can make variants of itself for another page size, locale, time zone or
    templates."""

    def variant(self, *, page_size: str | None = None, locale: str | None = None,
                extra_template_dirs: Sequence[str] = (), timezone: str | None = None) -> Renderer:
        """A renderer like this one with the given page size, locale, extra template dirs and
        time zone."""


#: The setting naming the time zone of an invoice's times and of its "today".
TIMEZONE = "oro_invoices.timezone"


class ZoneScope(Protocol):
    """Whose time zone: what has an organization and a website (an invoice, a ``ScopeContext``)."""

    @property
    def organization_id(self) -> int | None: ...

    @property
    def website_id(self) -> int | None: ...


@functools.lru_cache(maxsize=64)
def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone of a configured IANA name (``check_timezone``), looked up once."""
    return check_timezone(name)


@dataclass(frozen=True)
class DocumentScope:
    """Whose settings a document that is not one invoice follows (a customer's statement): its
    organization, website and customer, as an invoice's are read (``seller``, ``document_locale``)."""

    organization_id: int
    website_id: int | None = None
    customer_id: int | None = None


@dataclass
class Batch:
    """Writes grouped by ``InvoiceService.atomic()``: one transaction, events after the commit."""

    session: Session
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    callbacks: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the batch has committed."""
        self.callbacks.append(callback)


@dataclass(frozen=True)
class _JobSubmission:
    """Submit ``job`` through ``ctx`` (``ServiceContext.job_after_commit``)."""

    ctx: ServiceContext
    job: Job

    def __call__(self) -> None:
        self.ctx.submit_job(self.job)


_current_batch: ContextVar[Batch | None] = ContextVar("oro_invoices_batch", default=None)


def current_batch() -> Batch | None:
    """The batch the calling code runs in, or None outside ``atomic()``."""
    return _current_batch.get()


class ServiceContext:
    """The database, collaborators and shared helpers of the composed services.

    :param db: the database.
    :param plugins: a pluggy plugin manager, or None (no hooks are called).
    :param settings: resolves configuration values; None uses the schema defaults.
    :param storage: where PDFs are stored, or None.
    :param renderer: renders PDFs, or None.
    :param payment_url: builds the guest payment link of an invoice; None gives none.
    :param host: the host adapter, used to check customers and fill in names; or None.
    :param clock: returns the current UTC time; ``db``'s records are stamped with it too, and so
        are the host's own rows where it takes the clock (``UsesServiceClock``).
    :param jobs: where background work goes (``services.jobs``); ``InlineJobs`` by default.
    """

    def __init__(self, db: Database, *, plugins: PluginManager | None = None,
                 settings: Settings | None = None, storage: Storage | None = None,
                 renderer: Renderer | None = None, payment_url: PaymentUrl | None = None,
                 host: HostAdapter | None = None, clock: Clock = utcnow,
                 jobs: JobQueue | None = None):
        self.db = db
        self.plugins = plugins
        self.settings = settings
        self.storage = storage
        self.renderer = renderer
        self.payment_url: PaymentUrl = payment_url or _no_payment_url
        #: Whether an invoice can be paid now (``services.checkout``; set by ``InvoiceService``).
        self.can_pay: Callable[[InvoiceDocument], bool] = _cannot_pay
        self.host = host
        self.clock = clock
        db.clock = lambda: self.clock()  # the records are stamped with it (``persistence.clock``)
        if isinstance(host, UsesServiceClock):  # and the host's own rows (the kit's orders …)
            host.use_clock(lambda: self.clock())
        self.jobs: JobQueue = jobs if jobs is not None else InlineJobs()
        #: The mail service composed beside these services (``composition.build_addon`` sets it),
        #: found by an entry point given none (``composition.mail_for``); None: not composed.
        self.mail: MailService | None = None
        self._values: SettingsSource = settings if settings is not None else SchemaDefaults()
        self._commit_steps: list[CommitStep] = []

    # ---- configuration and hooks ------------------------------------------------------

    def setting(self, key: str, *, organization_id: int | None = None, website_id: int | None = None,
                customer_id: int | None = None, customer_group_id: int | None = None) -> Any:
        """The effective value of a setting for the given scope."""
        scope = ScopeContext(organization_id=organization_id, website_id=website_id,
                             customer_group_id=customer_group_id, customer_id=customer_id)
        return self._values.value(key, scope)

    def customer_group_of(self, customer_id: int | None) -> int | None:
        """The group of the host's customer ``customer_id``; None without one (or without a host)."""
        if customer_id is None or self.host is None:
            return None
        customer = self.host.customers.get_customer(customer_id)
        return customer.group_id if customer is not None else None

    def setting_values(self, key: str, *, down_to: str = "customer") -> list[Any]:
        """Every value a setting takes in some scope (``Settings.values_anywhere``: each valid
        stored value, and the default unless a global value hides it; with ``down_to``, only
        those of it and wider scopes); only the default without configured settings."""
        if self.settings is None:
            return [self._values.value(key)]
        return self.settings.values_anywhere(key, down_to=down_to)

    def invoice_setting(self, key: str, invoice: Invoice | InvoiceDocument | DocumentScope) -> Any:
        """The effective value of a setting for the invoice's organization and website."""
        return self.setting(key, organization_id=invoice.organization_id, website_id=invoice.website_id)

    def document_locale(self, invoice: Invoice | InvoiceDocument | DocumentScope) -> str:
        """The locale of the invoice's PDF and emails (their words and formats): the
        ``oro_invoices.locale`` set for its customer, else for the customer's group, its website
        or organization."""
        return str(self.setting("oro_invoices.locale", organization_id=invoice.organization_id,
                                website_id=invoice.website_id, customer_id=invoice.customer_id,
                                customer_group_id=self.customer_group_of(invoice.customer_id)) or "en_US")

    def time_zone(self, scope: ZoneScope | None = None) -> zoneinfo.ZoneInfo:
        """The time zone of ``scope``'s invoices (an invoice, a document's or a list's scope):
        the ``oro_invoices.timezone`` of its organization and website; the global one without."""
        return zone_named(str(self.setting(TIMEZONE, organization_id=getattr(scope, "organization_id", None),
                                           website_id=getattr(scope, "website_id", None))))

    def today(self, scope: ZoneScope | None = None) -> dt.date:
        """Today by the clock in ``scope``'s own time zone (``time_zone``, a website's where it sets
        one): the day its customer's calendar is on, which reminders speak of. A document is dated
        by the books' day instead (``books_today``)."""
        return local_today(self.clock(), zone=self.time_zone(scope))

    def books_zone(self, scope: ZoneScope | None = None) -> zoneinfo.ZoneInfo:
        """The time zone of the books of ``scope``'s organization: its ``oro_invoices.timezone``
        whatever website ``scope`` names (the global one without an organization). The organization,
        the legal seller whose books they are, owns the day of every book figure: overdue, aging
        buckets, balances and statements' period boundaries, so that every page, list, statement
        and the API judge one invoice on one day (docs/reminders.md#overdue)."""
        return self.time_zone(ScopeContext(organization_id=getattr(scope, "organization_id", None)))

    def books_today(self, scope: ZoneScope | None = None) -> dt.date:
        """Today by the clock in ``books_zone``: the day an invoice of ``scope`` is judged overdue
        on, before which a day of its books is past, the day a document of it (an invoice from an
        order, a credit note, a reissued draft) is dated by default and the last day a payment to
        it can have been received, so that what is dated today is in its books' today."""
        return local_today(self.clock(), zone=self.books_zone(scope))

    def pay_link(self, invoice: InvoiceDocument) -> str | None:
        """The link that leaves the request to pay ``invoice`` (PDF, email): the guest payment
        link, else the external payment URL; None while the invoice cannot be paid."""
        if not self.can_pay(invoice):
            return None
        return (None if self.guest_link_expired(invoice) else self.payment_url(invoice)) \
            or invoice.external_payment_url

    def guest_link_expired(self, invoice: InvoiceDocument) -> bool:
        """Whether ``invoice``'s guest payment link has expired (``oro_invoices.payment_link_ttl_days``
        after posting): then nothing hands it out, as it would only answer that it expired."""
        days = self.setting(PAYMENT_LINK_TTL, organization_id=invoice.organization_id, website_id=invoice.website_id)
        return link_expired(invoice.posted_at, days, self.clock())

    def seller(self, invoice: Invoice | InvoiceDocument | DocumentScope) -> SellerInfo:
        """The seller as configured for the invoice's organization and website (and, for the
        settings a customer may have, such as the payment terms, for its customer and its group)."""
        group = self.customer_group_of(invoice.customer_id)
        return resolve_seller(lambda key: self.setting(key, organization_id=invoice.organization_id,
                                                       website_id=invoice.website_id,
                                                       customer_id=invoice.customer_id,
                                                       customer_group_id=group))

    def hook(self, name: str, **kwargs: Any) -> Any:
        """Call a hook. Events are announced after the commit (of the batch, inside ``atomic()``)."""
        if self.plugins is None:
            return None
        if name in EVENT_HOOKS:
            batch = current_batch()
            if batch is not None:
                batch.events.append((name, kwargs))
            else:
                notify(self.plugins, name, on_failure=functools.partial(_hook_failed, name, kwargs), **kwargs)
            return None
        return getattr(self.plugins.hook, name)(**kwargs)

    # ---- the unit of work ---------------------------------------------------------------

    def write(self) -> contextlib.AbstractContextManager[Session]:
        """A write transaction, or a savepoint of the batch's transaction inside ``atomic()``."""
        batch = current_batch()
        return self._transaction() if batch is None else _savepoint(batch.session)

    def before_every_commit(self, step: CommitStep) -> None:
        """Run ``step`` in every write transaction (or batch) just before it commits.

        What it writes commits with the transaction, and an error it raises rolls the whole
        transaction back; the callables it returns run after the commit.
        """
        self._commit_steps.append(step)

    def _before_commit(self, session: Session) -> list[Callable[[], None]]:
        # one job submission per job, however many steps asked for it (a status and a credit
        # change of one transaction both want their events delivered)
        return list(dict.fromkeys(after for step in self._commit_steps for after in step(session)))

    def job_after_commit(self, job: Job) -> Callable[[], None]:
        """What a commit step returns to have ``job`` submitted once its transaction commits
        (equal for equal jobs, so that one commit submits each job once)."""
        return _JobSubmission(self, job)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self.db.transaction() as session:
            yield session
            after_commit = self._before_commit(session)
        _after_commit(after_commit)

    def submit_job(self, job: Job, *, invoice: InvoiceDocument | None = None) -> None:
        """Hand ``job`` to the job queue once what it works on is committed.

        Call it after the write that made the work; inside ``atomic()`` the job waits for the
        batch's commit (and is dropped if the batch rolls back). Never raises: the work is
        committed, and a queue that raises all the same (breaking its "never raises") is logged
        and noted (``follow_ups``, of ``invoice`` when given); the periodic sweeps do the work.
        """
        if not self.jobs.background:
            return
        batch = current_batch()
        if batch is not None:
            batch.on_commit(functools.partial(self.submit_job, job, invoice=invoice))
            return
        try:
            self.jobs.submit(job)
        except Exception as exc:
            log.exception("the job %s was not handed to the job queue; the periodic sweeps do its work", job.name)
            pdf_of = job.args[0] if job.name == RENDER_PDF and job.args else None
            follow_ups.note(follow_ups.PDF_JOB if pdf_of is not None else follow_ups.JOB, exc, what=job.name,
                            invoice=invoice, invoice_id=pdf_of)

    def translate_errors(self, number: str | None = None) -> contextlib.AbstractContextManager[None]:
        """Turn the database's refusals into the add-on's errors (a number taken names ``number``,
        the invoice number being written, when given)."""
        return translate_db_errors(number)

    @contextlib.contextmanager
    def batch(self) -> Iterator[Batch]:
        """One transaction for several writes; events and on-commit callbacks run after the commit."""
        if current_batch() is not None:
            raise UsageError("InvoiceService.atomic() cannot be nested.")
        with self.db.transaction() as session:
            batch = Batch(session=session)
            token = _current_batch.set(batch)
            try:
                yield batch
                after_commit = self._before_commit(session)
            finally:
                _current_batch.reset(token)
        _after_commit([*(functools.partial(self.hook, name, **kwargs) for name, kwargs in batch.events),
                       *after_commit, *batch.callbacks])

    # ---- loading ------------------------------------------------------------------------

    def load(self, session: Session, invoice_id: int, *, lock: bool = False) -> Invoice:
        """The invoice row with its lines (row-locked with ``lock``); ``NotFound`` if there is none."""
        stmt = select(Invoice).where(Invoice.id == invoice_id).options(selectinload(Invoice.lines))
        if lock:
            stmt = stmt.with_for_update(of=Invoice)
        invoice = session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
        if invoice is None:
            raise no_invoice(invoice_id)
        return invoice

    def read(self, session: Session, invoice_id: int) -> InvoiceDocument:
        """The invoice value for reading only: its row, lines, payment state and PDF record in
        one statement; ``NotFound`` if there is none."""
        found = invoice_for_reading(session, invoice_id)
        if found is None:
            raise no_invoice(invoice_id)
        invoice, state, pdf = found
        return views.document(invoice, state, pdf, **self.references(session, invoice))

    def read_many(self, session: Session, invoice_ids: Sequence[int]) -> list[InvoiceDocument]:
        """``read`` for several invoices, in the order of ``invoice_ids``, with two statements
        (rows, then lines); an id that does not exist is left out."""
        stmt = (select(Invoice, PaymentState, InvoiceDocumentRow)
                .join(PaymentState, PaymentState.invoice_id == Invoice.id)
                .outerjoin(InvoiceDocumentRow, InvoiceDocumentRow.invoice_id == Invoice.id)
                .where(Invoice.id.in_(invoice_ids)).options(selectinload(Invoice.lines)))
        found = {invoice.id: views.document(invoice, state, pdf, **self.references(session, invoice))
                 for invoice, state, pdf in session.execute(stmt.execution_options(populate_existing=True))}
        return [found[invoice_id] for invoice_id in invoice_ids if invoice_id in found]

    def payment_state(self, session: Session, invoice_id: int, *, lock: bool = False) -> PaymentState:
        """The invoice's payment state row (row-locked with ``lock``)."""
        state = session.get(PaymentState, invoice_id, with_for_update=lock or None, populate_existing=True)
        if state is None:  # deleted by another transaction meanwhile
            raise no_invoice(invoice_id)
        return state

    def document(self, session: Session, invoice: Invoice) -> InvoiceDocument:
        """The invoice value with its current payment state and PDF record."""
        pdf = session.get(InvoiceDocumentRow, invoice.id)
        return views.document(invoice, self.payment_state(session, invoice.id), pdf,
                              **self.references(session, invoice))

    def references(self, session: Session, invoice: Invoice) -> dict[str, DocumentRef | None]:
        """The documents ``invoice`` names (the credited invoice, the one it replaces), as
        keyword arguments of ``read_models.document``."""
        refs: dict[str, DocumentRef | None] = {}
        for key, other_id in (("credited_invoice", invoice.credited_invoice_id),
                              ("reissued_from", invoice.reissued_from_id)):
            other = session.get(Invoice, other_id) if other_id is not None else None
            refs[key] = views.reference(other) if other is not None else None
        return refs


def _after_commit(callbacks: Sequence[Callable[[], None]]) -> None:
    """Run what follows a commit, each on its own. The commit stands, so none may fail it: one
    that raises (a plugin, a step's bug) is logged and noted (``follow_ups``), and the others
    still run. (A job's submission notes its own failure: ``submit_job``.)"""
    for callback in callbacks:
        try:
            callback()
        except Exception as exc:
            log.exception("%s failed after its commit; the change is committed", _step_name(callback))
            follow_ups.note(follow_ups.STEP, exc, what=_step_name(callback))


def _step_name(callback: Callable[..., Any]) -> str:
    """What the log and ``follow_ups`` call ``callback``: the function it calls."""
    if isinstance(callback, functools.partial):
        return _step_name(callback.func)
    return str(getattr(callback, "__qualname__", None) or type(callback).__qualname__)


def _hook_failed(name: str, kwargs: Mapping[str, Any], _plugin: str, exc: Exception) -> None:
    """A plugin failed in the event hook ``name`` (logged): a follow-up of the committed change."""
    invoice = kwargs.get("invoice")
    follow_ups.note(follow_ups.HOOK, exc, what=name,
                    invoice=invoice if isinstance(invoice, InvoiceDocument) else None)


def _no_payment_url(invoice: InvoiceDocument) -> str | None:
    return None


def _cannot_pay(invoice: InvoiceDocument) -> bool:
    return False


@contextlib.contextmanager
def _savepoint(session: Session) -> Iterator[Session]:
    with session.begin_nested():
        yield session


def no_invoice(invoice_id: int) -> NotFound:
    """What is said of an invoice id that no invoice has (or none the reader may know of)."""
    return NotFound(Message("Invoice %(id)s does not exist.", id=invoice_id))
