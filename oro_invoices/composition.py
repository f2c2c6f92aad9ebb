"""The composition root: the whole add-on built from one configuration object.

    from oro_invoices.composition import AddonConfig, build_addon

    addon = build_addon(AddonConfig(
        database_url="postgresql://shop@db/shop",
        storage_url="file:///var/lib/shop/invoice-pdf",
        smtp="smtp://mail.shop.example:587?security=starttls",
        host="myshop",                       # an ``oro_invoices.hosts`` entry point
        migrate=True))
    addon.invoices.post(invoice_id, actor="admin")
    addon.mail.deliver_pending()
    addon.events.deliver_pending()      # webhooks: docs/events.md
    addon.close()

With ``jobs_broker_url`` (a Redis or RabbitMQ URL) the PDF made at posting, the outbox and the
webhooks are worked off by Celery workers (``oro-invoices worker``); see docs/jobs.md.

Every entry point builds the add-on here: the Flask adapter (``OroInvoices.init_app``), each
``oro-invoices`` command and the reference host's ``create_app``. A host object may be given
instead of a name (``build_addon(config, host=my_host)``); without a host the add-on runs
standalone: settings at their ``config_schema.yaml`` defaults and no customer checks.

Nothing here imports a web framework or WeasyPrint at import time: the PDF renderer is built
only when the ``pdf`` extra is installed (``pip install 'oro-invoices[pdf]'``).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import pluggy

from oro_invoices.adapters import load_host
from oro_invoices.adapters.base import DefaultMailSender, HostAdapter
from oro_invoices.adapters.config_store import ScopeContext, SettingsGroup, StoredSetting
from oro_invoices.adapters.signatures import host_problems
from oro_invoices.documents.storage import Storage, storage_from_url
from oro_invoices.domain.errors import ConfigurationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.integration.config import Settings
from oro_invoices.integration.links import STOREFRONT_BASE_URL, absolute_link
from oro_invoices.integration.payment_methods import PaymentMethods
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.integration.profile import ENDPOINT_STOREFRONT_PAY
from oro_invoices.persistence.engine import Database, pool_options
from oro_invoices.persistence.migrate import upgrade
from oro_invoices.persistence.models import utcnow
from oro_invoices.services.celery_queue import DEFAULT_QUEUE, CeleryJobs
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.event_delivery import DEFAULT_TIMEOUT, EventDelivery
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.jobs import InlineJobs, JobQueue
from oro_invoices.services.mail.compose import has_line_break, is_address
from oro_invoices.services.mail.receipts import PaymentReceipts
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.mail.smtp import SmtpConfig

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.documents.render import PdfRenderer

__all__ = ["Addon", "AddonConfig", "DefaultsOnlyConfigStore", "build_addon", "build_jobs",
           "build_mail", "build_renderer", "build_settings", "build_storage", "configured_sender",
           "host_sender", "mail_for", "payment_link_builder"]

log = logging.getLogger("oro_invoices.composition")

#: Top-level modules of the ``pdf`` extra: when one is missing, there is no renderer.
PDF_EXTRA_MODULES = frozenset({"weasyprint", "segno"})

PaymentLink = Callable[[InvoiceDocument], str | None]


@dataclass(frozen=True)
class AddonConfig:
    """Everything needed to build the add-on; defaults of settings live in ``config_schema.yaml``.

    :param database_url: the add-on's database (``sqlite:///…`` or ``postgresql://…``).
    :param storage_url: where PDFs are stored (``file:///absolute/path`` or a directory);
        None: no storage (no PDFs are made or attached).
    :param smtp: an ``smtp://``/``smtps://`` URL or an ``SmtpConfig``; None: mail stays in the
        outbox until something with SMTP delivers it.
    :param mail_sender: the From address; None: the ``oro_invoices.mail.sender`` setting.
    :param mail_sender_name: its display name; None: the ``oro_invoices.mail.sender_name`` setting.
    :param migrate: create or upgrade the add-on's tables while building.
    :param load_entrypoints: load the plugins installed under the ``oro_invoices`` entry points.
    :param plugins: extra plugin objects or modules, registered last.
    :param blocked_plugins: plugin names not to register (see ``get_plugin_manager``).
    :param host: the host adapter: an ``oro_invoices.hosts`` entry-point name, a host object,
        or None for none.
    :param host_options: keyword arguments for the entry point's factory (with a name only).
    :param pdf: build the PDF renderer: None when the ``pdf`` extra is installed, True always
        (an error without the extra), False never.
    :param pdf_template_dirs: directories searched before the package's PDF templates.
    :param clock: returns the current UTC time (tests use it to cross months); the services, the
        emails and the pages all read it, and every record is stamped with it (activity entries,
        notes, payments: ``persistence.clock``).
    :param webhook_timeout: seconds ``Addon.events`` waits for a webhook endpoint (to connect,
        and for each read).
    :param jobs_broker_url: the Celery broker of the background jobs (``redis://…`` or
        ``amqp://…``); None: no background jobs, everything runs as without them (docs/jobs.md).
    :param jobs_queue: the broker queue the jobs go to (and ``oro-invoices worker`` consumes).
    :param database_pool: connection-pool options of the database engine, each process's own
        (``pool_size``, ``max_overflow``, ``pool_timeout``, ``pool_recycle``, ``pool_pre_ping``;
        see docs/operations.md); empty: SQLAlchemy's defaults.
    """

    database_url: str
    storage_url: str | None = None
    smtp: str | SmtpConfig | None = None
    mail_sender: str | None = None
    mail_sender_name: str | None = None
    migrate: bool = False
    load_entrypoints: bool = True
    plugins: tuple[object, ...] = ()
    blocked_plugins: tuple[str, ...] = ()
    host: str | HostAdapter | None = None
    host_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    pdf: bool | None = None
    pdf_template_dirs: tuple[str, ...] = ()
    clock: Callable[[], dt.datetime] | None = None
    webhook_timeout: float = DEFAULT_TIMEOUT
    jobs_broker_url: str | None = None
    jobs_queue: str = DEFAULT_QUEUE
    database_pool: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    # Read-only mappings cannot be pickled; worker processes receive the configuration pickled.
    def __getstate__(self) -> dict[str, Any]:
        return {name: dict(value) if isinstance(value, MappingProxyType) else value
                for name, value in self.__dict__.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, MappingProxyType(value) if isinstance(value, dict) else value)


@dataclass
class Addon:
    """The built add-on: its parts, wired together. ``close()`` releases what it opened."""

    config: AddonConfig
    db: Database
    settings: Settings
    plugins: pluggy.PluginManager
    storage: Storage | None
    renderer: PdfRenderer | None
    invoices: InvoiceService
    mail: MailService
    events: EventDelivery
    host: HostAdapter | None
    payment_link: PaymentLink | None
    owns_host: bool = False
    jobs: JobQueue = field(default_factory=InlineJobs)

    def close(self) -> None:
        """Dispose of the database's connections and the broker's; close the host if it was loaded by name."""
        if isinstance(self.jobs, CeleryJobs):
            self.jobs.close()
        self.db.dispose()
        if self.owns_host:
            _close_host(self.host)

    dispose = close

    def __enter__(self) -> Addon:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class DefaultsOnlyConfigStore:
    """The config store of an add-on without a host: stores nothing, so every setting is its default."""

    def load(self, key: str, scope: str, scope_id: int | None) -> Any | None:
        return None

    def save(self, key: str, value: Any, scope: str, scope_id: int | None) -> None:
        raise ConfigurationError(f"Cannot store setting {key!r}: the add-on runs without a host, "
                                 "so settings are the defaults of config_schema.yaml.")

    def delete(self, key: str, scope: str, scope_id: int | None) -> None:
        return None

    def stored(self, prefix: str) -> Iterable[StoredSetting]:
        return []

    def declare_settings(self, group: SettingsGroup) -> None:
        return None

    def remove_settings(self, group_key: str) -> None:
        return None

    def declared_settings(self) -> list[SettingsGroup]:
        return []


def build_addon(config: AddonConfig, *, host: HostAdapter | None = None,
                plugins: pluggy.PluginManager | None = None) -> Addon:
    """Build the add-on described by ``config``.

    :param host: a host object; it wins over ``config.host``. A host loaded here by name is
        closed by ``Addon.close()``; a host given as an object is left to its owner.
    :param plugins: an existing plugin manager to use instead of building one from ``config``.
    """
    owns_host = False
    if host is None:
        host, owns_host = resolve_host(config)
    if host is not None:
        check_host(host)
    db: Database | None = None
    try:
        db = Database(config.database_url, **pool_options(config.database_pool))
        if config.migrate:
            upgrade(db)
        if plugins is None:
            plugins = get_plugin_manager(config.load_entrypoints, plugins=config.plugins,
                                         blocked=config.blocked_plugins)
        settings = build_settings(host, payment_methods={m.name: m.label for m in PaymentMethods.from_plugins(plugins)})
        storage = storage_from_url(config.storage_url) if config.storage_url else None
        renderer = build_renderer(settings, enabled=config.pdf, template_dirs=config.pdf_template_dirs)
        payment_link = payment_link_builder(host, settings)
        jobs = build_jobs(config)
        invoices = InvoiceService(db, plugins=plugins, settings=settings, storage=storage,
                                  renderer=renderer, payment_url=payment_link, host=host,
                                  clock=config.clock or utcnow, jobs=jobs)
        mail = build_mail(invoices, settings=settings, host=host, plugins=plugins, smtp=config.smtp,
                          sender=config.mail_sender, sender_name=config.mail_sender_name)
        invoices.context.mail = mail
        PaymentReceipts(invoices, mail)
        events = EventDelivery(invoices.context, timeout=config.webhook_timeout)
    except BaseException:
        if db is not None:
            db.dispose()
        if owns_host:
            _close_host(host)
        raise
    return Addon(config=config, db=db, settings=settings, plugins=plugins, storage=storage,
                 renderer=renderer, invoices=invoices, mail=mail, events=events, host=host,
                 payment_link=payment_link, owns_host=owns_host, jobs=jobs)


def check_host(host: HostAdapter) -> None:
    """:raises ConfigurationError: naming every part ``host`` lacks and every method whose
    signature differs from its interface, so a host that the add-on would call wrongly (and
    fail later, in some request) stops the start instead."""
    problems = host_problems(host)
    if problems:
        raise ConfigurationError(
            f"The host adapter {type(host).__name__} does not implement the interfaces the add-on calls "
            "(oro_invoices.adapters):\n  " + "\n  ".join(problems))


def resolve_host(config: AddonConfig) -> tuple[HostAdapter | None, bool]:
    """The host ``config`` names (loaded through the entry points) or holds; and whether it was loaded."""
    if config.host is None:
        return None, False
    if isinstance(config.host, str):
        return load_host(config.host, **dict(config.host_options)), True
    return config.host, False


def build_settings(host: HostAdapter | None, *,
                   payment_methods: Sequence[str] | Mapping[str, str] | None = None) -> Settings:
    """Settings over the host's config store (schema defaults only when there is no host).

    :param payment_methods: the registered payment methods (the Payment Method choices): names,
        or labels by name.
    """
    if host is None:
        return Settings(DefaultsOnlyConfigStore(), payment_methods=payment_methods)
    return Settings.of_host(host, payment_methods=payment_methods)


def build_jobs(config: AddonConfig) -> JobQueue:
    """Celery jobs when ``config`` names a broker, else ``InlineJobs``."""
    if config.jobs_broker_url:
        return CeleryJobs(config.jobs_broker_url, queue=config.jobs_queue)
    return InlineJobs()


def build_storage(url: str) -> Storage:
    """The PDF storage a URL names (``file:///…``, a directory or ``s3://bucket/prefix?…``)."""
    return storage_from_url(url)


def build_renderer(settings: Settings, *, enabled: bool | None = None,
                   template_dirs: Iterable[str] = ()) -> PdfRenderer | None:
    """The PDF renderer at the global page size and locale, or None (see ``AddonConfig.pdf``)."""
    if enabled is False:
        return None
    try:
        from oro_invoices.documents.render import PdfRenderer
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in PDF_EXTRA_MODULES:
            raise
        if enabled:
            raise ConfigurationError("Rendering invoice PDFs needs the pdf extra: "
                                     "pip install 'oro-invoices[pdf]'.") from exc
        log.info("No PDF renderer: the pdf extra is not installed (%s).", exc)
        return None
    return PdfRenderer(template_dirs=tuple(template_dirs),
                       page_size=settings.value("oro_invoices.pdf.page_size"),
                       locale=settings.value("oro_invoices.locale"),
                       timezone=settings.value("oro_invoices.timezone"))


def build_mail(invoices: InvoiceService, *, settings: Settings, host: HostAdapter | None = None,
               plugins: pluggy.PluginManager | None = None, smtp: str | SmtpConfig | None = None,
               sender: str | None = None, sender_name: str | None = None) -> MailService:
    """The mail service over the invoices' database: the host's templates, the sender settings.

    Without a fixed ``sender`` each invoice's email is sent from ``configured_sender`` of its
    website, else organization, else the global scope.
    """
    def sender_for(invoice: InvoiceDocument | DocumentScope) -> tuple[str, str]:
        scope = ScopeContext(organization_id=invoice.organization_id, website_id=invoice.website_id)
        address, name = configured_sender(settings, host, scope)
        return address, sender_name if sender_name is not None else name

    global_address, global_name = configured_sender(settings, host)
    return MailService(
        invoices.db, invoices, templates=getattr(host, "email_templates", None), plugins=plugins,
        smtp=smtp, sender=sender or global_address,
        sender_name=sender_name if sender_name is not None else global_name,
        sender_for=None if sender else sender_for)


def mail_for(invoices: InvoiceService, *, settings: Settings | None = None) -> MailService | None:
    """The mail service of ``invoices`` for an entry point given none (``InvoiceApi(mail=None)``).

    A service ``build_addon`` built: that add-on's ``addon.mail`` (its SMTP server and sender,
    kept in the service's context as ``context.mail``),
    as the CLI's commands and the Flask adapter built with ``addon=`` use. Another service with
    a database: ``build_mail`` over it with its host, plugins and ``settings`` (else its own,
    else the host's), as the Flask adapter given only ``service=`` does; its email waits in
    the outbox for ``deliver-mail`` or the jobs worker. A service without a database: None.
    """
    if (built := getattr(getattr(invoices, "context", None), "mail", None)) is not None:
        return cast(MailService, built)
    if getattr(invoices, "db", None) is None:
        return None
    host = getattr(invoices, "host", None)
    settings = settings if settings is not None else getattr(invoices, "settings", None)
    return build_mail(invoices, settings=settings if settings is not None else build_settings(host), host=host,
                      plugins=getattr(invoices, "plugins", None))


def configured_sender(settings: Settings, host: HostAdapter | None,
                      scope: ScopeContext = ScopeContext()) -> tuple[str, str]:
    """The From address and display name of invoice email at ``scope``: the
    ``oro_invoices.mail.sender`` and ``sender_name`` settings; while no admin has stored a
    sender at any scope, the host's own From address (``DefaultMailSender``) and, unless a
    sender name is stored, its display name."""
    address = settings.resolve("oro_invoices.mail.sender", scope)
    name = str(settings.value("oro_invoices.mail.sender_name", scope) or "")
    if address.scope == "default":
        own = host_sender(host)
        if own is not None:
            return own[0], name or own[1]
    return str(address.value), name


def host_sender(host: object) -> tuple[str, str] | None:
    """The address and display name of ``host.default_mail_sender()`` (``DefaultMailSender``);
    None when the host has none, or gives something that is not one address (logged once)."""
    if not isinstance(host, DefaultMailSender):
        return None
    given = host.default_mail_sender()
    return _parsed_sender(str(given)) if given else None


@functools.lru_cache(maxsize=16)
def _parsed_sender(given: str) -> tuple[str, str] | None:
    name, address = parseaddr(given)
    if has_line_break(given) or not is_address(address):
        log.warning("The host's default mail sender %r is not an email address with a dotted domain; "
                    "invoice email is sent from the default of the oro_invoices.mail.sender setting.", given)
        return None
    return address, " ".join(name.split())


def payment_link_builder(host: HostAdapter | None,
                         settings: Settings | None = None) -> PaymentLink | None:
    """Builds a posted invoice's absolute guest payment link (None: no host).

    The link is the host's site-relative URL of the pay page under the
    ``oro_invoices.storefront_base_url`` configured for the invoice's website (or
    organization, or globally); never a request's Host header. Without a configured base
    URL an invoice gets no link, so PDFs and emails carry none.
    """
    urls = getattr(host, "urls", None)
    if urls is None:
        return None
    values = settings if settings is not None else build_settings(host)

    def payment_link(invoice: InvoiceDocument) -> str | None:
        token = getattr(invoice, "payment_token", None)
        if not token:
            return None
        scope = ScopeContext(organization_id=getattr(invoice, "organization_id", None),
                             website_id=getattr(invoice, "website_id", None))
        base_url = values.value(STOREFRONT_BASE_URL, scope)
        if not base_url:
            return None
        return absolute_link(base_url, str(urls.url_for(ENDPOINT_STOREFRONT_PAY, token=token)))
    return payment_link


def _close_host(host: object) -> None:
    close = getattr(host, "close", None)
    if callable(close):
        close()
