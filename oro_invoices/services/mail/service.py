"""Invoice email: compose from templates, Send to Customer, the outbox, delivery.

    mail = MailService(db, invoices, templates=host.email_templates,
                       sender="billing@shop.example", smtp="smtp://mail.shop.example:587?security=starttls")
    draft = mail.send_to_customer(invoice_id, confirm_post=True, actor="admin")
    mail.send(invoice_id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
              actor="admin")
    mail.deliver_pending()          # run by a worker, cron or the CLI

Sending only queues: the message is written to the outbox in the same
transaction as the invoice's activity record; ``deliver_pending`` delivers. With
background jobs (``jobs``, docs/jobs.md) queueing also submits the message's
``deliver_email`` job, which runs ``deliver_one``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import IO, Any, Protocol

from pluggy import PluginManager
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oro_invoices.adapters.commerce import CustomerUserRef
from oro_invoices.adapters.ui import EmailTemplates
from oro_invoices.documents.filenames import invoice_filename
from oro_invoices.domain.errors import (
    ConfirmationRequired,
    Conflict,
    InvoiceNotPosted,
    NotFound,
    PdfPending,
    StorageError,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument, PdfInfo, SellerInfo
from oro_invoices.domain.limits import is_storable_text, quoted
from oro_invoices.domain.messages import N_, Message
from oro_invoices.domain.overdue import local_today
from oro_invoices.domain.reminders import ReminderNotice
from oro_invoices.i18n import translate
from oro_invoices.integration.plugins import merge_dicts
from oro_invoices.integration.profile import (
    CREDIT_NOTE_TEMPLATE,
    CUSTOMER_TEMPLATES,
    NOTIFICATION_TEMPLATE,
    RECEIPT_TEMPLATE,
    REFUND_TEMPLATE,
    REMINDER_TEMPLATE,
    STAFF_TEMPLATES,
)
from oro_invoices.persistence import outbox
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice
from oro_invoices.persistence.outbox import (
    FAILED,
    QUEUED,
    RETRY,
    SENT,
    UNKNOWN,
    Attachment,
    OutboxEmail,
    OutboxView,
)
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.received_payments import latest_received, received_kinds
from oro_invoices.services import follow_ups
from oro_invoices.services.activity_statement import ActivityStatement
from oro_invoices.services.aging import AgingReport
from oro_invoices.services.context import TIMEZONE, DocumentScope, zone_named
from oro_invoices.services.credit_notes import amount_due_after, settlement_of
from oro_invoices.services.jobs import DELIVER_EMAIL, InlineJobs, Job, JobQueue
from oro_invoices.services.mail import einvoice_attachment, history
from oro_invoices.services.mail.compose import (
    EmailDraft,
    check_message,
    check_sender,
    is_address,
    message_key,
    new_message_id,
    recipients,
)
from oro_invoices.services.mail.delivery import (
    RETRY_SCHEDULE,
    Deliverer,
    DeliveryReport,
)
from oro_invoices.services.mail.render import (
    BUILTIN_VARIABLES,
    TemplateRenderer,
    TemplateSource,
    as_source,
    default_names,
    email_renderer,
    load_default,
)
from oro_invoices.services.mail.smtp import SmtpConfig, SmtpTransport, Transport
from oro_invoices.services.statement import Statement

log = logging.getLogger("oro_invoices.mail")

#: Template variables whose ``method`` is a payment method's label, written in the email's language.
METHOD_NAMED = ("payment", "refund", "authorization")


class Invoices(Protocol):
    """What mail needs of the invoices (the ``InvoiceService``)."""

    @property
    def clock(self) -> Callable[[], dt.datetime]: ...

    @property
    def payment_url(self) -> Callable[[InvoiceDocument], str | None]: ...

    def get(self, invoice_id: int) -> InvoiceDocument: ...

    def post(self, invoice_id: int, *, actor: str = ...) -> InvoiceDocument: ...

    def setting(self, key: str, *, organization_id: int | None = ...,
                website_id: int | None = ..., customer_id: int | None = ...) -> Any: ...

    def setting_values(self, key: str, *, down_to: str = ...) -> list[Any]: ...

    def books_zone(self, scope: Invoice) -> dt.tzinfo: ...

    def open_pdf(self, invoice_id: int) -> tuple[PdfInfo, IO[bytes]]: ...

    def pdf_info(self, invoice_id: int) -> PdfInfo: ...

    def pdf_made_on_download(self, invoice: InvoiceDocument) -> bool: ...

    def seller(self, invoice: InvoiceDocument | DocumentScope) -> SellerInfo: ...

    def document_locale(self, invoice: InvoiceDocument | DocumentScope) -> str: ...

    def statement_pdf(self, of: Statement, *, latest: InvoiceDocument | None = None) -> bytes: ...

    def activity_pdf(self, of: ActivityStatement) -> bytes: ...

    def receivables_aging(self, filters: InvoiceFilter, *, today: dt.date | None = None) -> AgingReport: ...

    def aging_pdf(self, report: AgingReport, *, organization_id: int) -> bytes: ...

    def can_pay(self, invoice: InvoiceDocument) -> bool: ...

    def guest_link_expired(self, invoice: InvoiceDocument) -> bool: ...

    def kept_einvoice(self, invoice_id: int) -> bytes | None: ...


class AlreadySent(Conflict):
    """The form was sent before (its one-time key is on a queued message): nothing was sent again."""

    def __init__(self, email: OutboxView):
        super().__init__(Message("This email was already sent to %(to)s (%(when)s); it was not sent again. To "
                                 "send another one, open the email form again.", to=", ".join(email.to),
                                 when=email.sent_at or email.created_at))
        self.email = email


class MailService:
    """Email for invoices over one database.

    :param db: the database (the outbox table lives there).
    :param invoices: the ``InvoiceService`` (invoices, posting, the stored PDF).
    :param templates: the host's email-template store (``load(name)`` returns an
        object with ``subject``, ``html``, ``text``, or None); package defaults otherwise.
    :param plugins: a pluggy manager for ``invoice_email_context``; defaults to the invoices'.
    :param sender: the From address; ``sender_name`` its display name.
    :param sender_for: ``sender_for(invoice) -> (address, name)``: the From of one invoice's
        email (per organization or website); ``sender``/``sender_name`` when not given.
    :param payment_url: builds an invoice's guest payment link; defaults to the invoices'.
    :param transport: delivers messages; built from ``smtp`` (an ``SmtpConfig`` or an
        ``smtp://`` URL) when not given. With neither, messages stay queued.
    :param expired_lease: "unknown" (default: an interrupted send waits for an admin)
        or "resend" (queue it again; the recipient may get it twice).
    :param reconcile: ``reconcile(message_id) -> True/False/None``: whether the server
        has the message, asked before deciding about an interrupted send.
    :param jobs: where a queued message's delivery job goes; defaults to the invoices'
        (``InlineJobs`` when they have none: messages wait for ``deliver_pending``).
    """

    def __init__(self, db: Database, invoices: Invoices, *, templates: EmailTemplates | None = None,
                 plugins: PluginManager | None = None,
                 sender: str = "invoices@example.com", sender_name: str = "",
                 payment_url: Callable[[InvoiceDocument], str | None] | None = None,
                 transport: Transport | None = None, smtp: SmtpConfig | str | None = None,
                 clock: Callable[[], dt.datetime] | None = None,
                 lease: dt.timedelta = dt.timedelta(minutes=5),
                 retry_schedule: Sequence[dt.timedelta] = RETRY_SCHEDULE,
                 expired_lease: str = "unknown",
                 reconcile: Callable[[str], bool | None] | None = None,
                 sender_for: Callable[[InvoiceDocument | DocumentScope], tuple[str, str]] | None = None,
                 jobs: JobQueue | None = None) -> None:
        check_sender(sender, sender_name)
        self.db = db
        self.invoices = invoices
        self.templates = templates
        self.plugins = plugins if plugins is not None else getattr(invoices, "plugins", None)
        self.sender = sender
        self.sender_name = sender_name
        self.sender_for = sender_for
        self.payment_url = payment_url or invoices.payment_url
        # without a clock of its own, the invoices' current one (also when it is replaced later)
        self.clock = clock or (lambda: invoices.clock())
        if transport is None and smtp is not None:
            transport = SmtpTransport(SmtpConfig.from_url(smtp) if isinstance(smtp, str) else smtp)
        self.transport = transport
        self.jobs: JobQueue = jobs or getattr(invoices, "jobs", None) or InlineJobs()
        self.deliverer = Deliverer(db, transport, read_attachment=self._read_attachment,
                                   clock=self.clock, lease=lease, retry_schedule=retry_schedule,
                                   expired_lease=expired_lease, reconcile=reconcile,
                                   resolve_pdf=self._resolve_pdf,
                                   resolve_receipt=self._resolve_receipt)
        self._renderers: dict[tuple[str, str], TemplateRenderer] = {}
        from oro_invoices.services.mail.statements import StatementMail
        #: A customer's statement sent by email (``services.mail.statements``).
        self.statements = StatementMail(self)
        from oro_invoices.services.mail.aging_reports import AgingMail
        #: The Aging Report sent to the seller's staff (``services.mail.aging_reports``).
        self.aging = AgingMail(self)

    # ---- templates ------------------------------------------------------------------

    def templates_available(self) -> list[str]:
        """Names of the templates the email dialog may offer (not those written to the staff)."""
        names = set(default_names())
        if self.templates is not None and hasattr(self.templates, "names"):
            names.update(self.templates.names())
        return sorted(names - STAFF_TEMPLATES - CUSTOMER_TEMPLATES)

    def templates_for(self, invoice: InvoiceDocument) -> list[str]:
        """The templates the email dialog offers for ``invoice``: for an invoice, not the credit
        note's, and a payment (refund) receipt only once it has a payment (refund) received to
        confirm; for a credit note, none of an invoice's (notification, reminder, receipts)."""
        names = self.templates_available()
        if invoice.is_credit_note:
            unfit = {NOTIFICATION_TEMPLATE, REMINDER_TEMPLATE, RECEIPT_TEMPLATE, REFUND_TEMPLATE}
        else:
            unfit = {CREDIT_NOTE_TEMPLATE}
            if RECEIPT_TEMPLATE in names or REFUND_TEMPLATE in names:
                with self.db.session() as s:
                    paid, refunded = received_kinds(s, invoice.id)
                unfit |= {name for name, has in ((RECEIPT_TEMPLATE, paid), (REFUND_TEMPLATE, refunded)) if not has}
        return [name for name in names if name not in unfit]

    def template_source(self, name: str) -> TemplateSource:
        """The email template ``name``: the host's (an admin's edit), else the package default."""
        if not is_storable_text(name):  # no host could have stored that name: never ask it
            raise NotFound(Message("There is no email template named %(name)s.", name=quoted(name)))
        if self.templates is not None:
            found = self.templates.load(name)
            if found is not None:
                return as_source(name, found)
        default = load_default(name)
        if default is None:
            raise NotFound(Message("There is no email template named %(name)s.", name=quoted(name)))
        return default

    def email_locale(self, invoice: InvoiceDocument | DocumentScope | None = None, *,
                     for_staff: bool = False) -> str:
        """The email's locale, its language and formats (docs/i18n.md): its documents' (the
        customer's or the customer group's where one is set), the seller's for staff; without
        ``invoice`` (a template's preview, no one's email), the global ``oro_invoices.locale``."""
        if invoice is not None and not for_staff:
            return self.invoices.document_locale(invoice)
        return str(self.invoices.setting("oro_invoices.locale", organization_id=getattr(invoice, "organization_id", None),
                                         website_id=getattr(invoice, "website_id", None)) or "en_US")

    def email_locales(self, template: str) -> list[str]:
        """Every locale an email of ``template`` can go out in, the shop's first (``email_locale()``,
        the global ``oro_invoices.locale``), then each other one set in a scope it is resolved in,
        in order: a customer's email's (``email_locale(invoice)``) in a customer's, a customer
        group's, a website's or an organization's; a staff-only one's (the aging report, the
        expiring-authorization alert: ``for_staff``, the seller's) in a website's or an
        organization's only. The locales the template's editor previews and checks it in."""
        shop = self.email_locale()
        down_to = "website" if template in STAFF_TEMPLATES else "customer"
        others = {str(value) for value in self.invoices.setting_values("oro_invoices.locale", down_to=down_to)
                  if value} - {shop}
        return [shop, *sorted(others)]

    def renderer_for(self, invoice: InvoiceDocument | DocumentScope, *, for_staff: bool = False) -> TemplateRenderer:
        """The template renderer in the language, formats and time zone of ``invoice``'s (or a
        customer's) email; the seller's for staff."""
        locale = self.email_locale(invoice, for_staff=for_staff)
        timezone = self._timezone(invoice)
        if (locale, timezone) not in self._renderers:
            self._renderers[locale, timezone] = email_renderer(locale, timezone)
        return self._renderers[locale, timezone]

    def _timezone(self, invoice: InvoiceDocument | DocumentScope) -> str:
        """The time zone of ``invoice``'s emails and of its "today" (``ServiceContext.time_zone``)."""
        return str(self.invoices.setting(TIMEZONE, organization_id=invoice.organization_id,
                                         website_id=invoice.website_id) or "UTC")

    def _seller(self, invoice: InvoiceDocument | DocumentScope) -> SellerInfo:
        """The seller snapshot taken at posting; the current settings for a draft, or for a
        customer's message (``DocumentScope``)."""
        if isinstance(invoice, InvoiceDocument) and any(invoice.seller.as_dict().values()):
            return invoice.seller
        return self.invoices.seller(invoice)

    def _pay_link(self, invoice: InvoiceDocument) -> str | None:
        """The payment link of the email: none while the invoice cannot be paid (``can_pay``); the
        guest payment link only until it expires."""
        if not self.invoices.can_pay(invoice):
            return None
        expired = self.invoices.guest_link_expired(invoice)
        return (None if expired else self.payment_url(invoice)) or invoice.external_payment_url

    def sender_of(self, invoice: InvoiceDocument | DocumentScope) -> tuple[str, str]:
        """The From address and name of ``invoice``'s (or a customer's) email (``sender_for``,
        else the fixed sender); without a configured name, the seller's company name."""
        if self.sender_for is None:
            sender, sender_name = self.sender, self.sender_name
        else:
            sender, sender_name = self.sender_for(invoice)
        sender_name = sender_name or " ".join(self._seller(invoice).company_name.split())
        check_sender(sender, sender_name)
        return sender, sender_name

    def reply_to_of(self, invoice: InvoiceDocument | DocumentScope, sender: str) -> str:
        """Where replies go: the seller's contact email, when it is an address other than From."""
        contact = self._seller(invoice).contact_email.strip()
        return contact if is_address(contact) and contact.lower() != sender.lower() else ""

    def context(self, invoice: InvoiceDocument) -> dict[str, Any]:
        """The template variables: plugin extras, then ``invoice``, ``payment_url``, ``seller``."""
        extra: dict[str, Any] = {}
        if self.plugins is not None:
            results = self.plugins.hook.invoice_email_context(invoice=invoice)
            extra = merge_dicts(r for r in results if isinstance(r, dict))
        builtins = dict(zip(BUILTIN_VARIABLES, (
            invoice, self._pay_link(invoice), self._seller(invoice))))
        return {**extra, **builtins}

    # ---- composing ---------------------------------------------------------------------

    def _stored_pdf(self, invoice: InvoiceDocument, *, keep: bool = False) -> tuple[Attachment, bytes | None]:
        """The stored PDF (the bytes Download serves, made first, once, where a download makes
        it), checked against its recorded SHA-256, and with ``keep`` its bytes as read (else None)."""
        info, stream = self.invoices.open_pdf(invoice.id)
        with stream:
            digest, size, chunks = hashlib.sha256(), 0, []
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
                if keep:
                    chunks.append(chunk)
        if digest.hexdigest() != info.sha256 or size != info.size:
            raise StorageError.shown_as_is(Message("The stored PDF of invoice %(number)s does not match its "
                                                   "recorded SHA-256; restore it from a backup before sending.",
                                                   number=invoice.display_number))
        return (Attachment(filename=_pdf_name(invoice), sha256=info.sha256, size=info.size,
                           content_type="application/pdf"), b"".join(chunks) if keep else None)

    def pdf_attachment(self, invoice: InvoiceDocument) -> Attachment:
        """The stored PDF as an attachment, or a pending one while it is made in the background."""
        return self._pdf_read(invoice)[0]

    def _pdf_read(self, invoice: InvoiceDocument, *, keep: bool = False) -> tuple[Attachment, bytes | None]:
        """``_stored_pdf``, or a pending attachment (no bytes) while it is made in the background."""
        try:
            return self._stored_pdf(invoice, keep=keep)
        except PdfPending:
            return Attachment.pending_pdf(_pdf_name(invoice)), None

    def listed_attachments(self, invoice: InvoiceDocument) -> tuple[Attachment, ...]:
        """The PDF as the email dialog lists it: its name and recorded size, the storage neither
        opened nor read (``pdf_info``, what a HEAD request answers), or pending while it is made;
        one made by its first download (``pdf_made_on_download``) is listed by name, not made:
        sending it makes it. With ``oro_invoices.einvoice.attach_xml`` on, its e-invoice XML
        follows, listed from records too (``einvoice_attachment.listed``). They are read, checked
        and joined by the XML itself as the email is sent (``attachments_for``)."""
        name = _pdf_name(invoice)
        if invoice.pdf is None and self.invoices.pdf_made_on_download(invoice):
            pdf = Attachment(filename=name, sha256="", size=0, content_type="application/pdf")
        elif invoice.pdf is not None and getattr(self.invoices, "storage", None) is not None:
            # its record, as read with the invoice (what pdf_info would read it again for)
            pdf = Attachment(filename=name, sha256=invoice.pdf.sha256, size=invoice.pdf.size,
                             content_type="application/pdf")
        else:
            try:
                info = self.invoices.pdf_info(invoice.id)
            except PdfPending:
                pdf = Attachment.pending_pdf(name)
            else:
                pdf = Attachment(filename=name, sha256=info.sha256, size=info.size, content_type="application/pdf")
        if not einvoice_attachment.wanted(self.invoices.setting, invoice):
            return (pdf,)
        with self.db.session() as s:
            xml = einvoice_attachment.listed(s, self.invoices.setting, invoice, name)
        return (pdf,) if xml is None else (pdf, xml)

    def attachments_for(self, invoice: InvoiceDocument) -> tuple[Attachment, ...]:
        """The stored PDF, and its e-invoice XML as a file of its own when
        ``oro_invoices.einvoice.attach_xml`` is on (pending while the PDF is being made): the
        XML the invoice keeps, else the one taken out of the PDF as read here (one read)."""
        if not einvoice_attachment.wanted(self.invoices.setting, invoice):
            return (self.pdf_attachment(invoice),)
        storage = getattr(self.invoices, "storage", None)
        kept = self.invoices.kept_einvoice(invoice.id) if storage is not None and invoice.einvoice_kept else None
        carries = invoice.pdf is None or invoice.pdf.carries_xml is not False
        pdf, data = self._pdf_read(invoice, keep=kept is None and storage is not None and carries)
        if storage is not None and kept is not None:  # imported from XML: that XML, carried or not
            return (pdf, einvoice_attachment.file_attachment(storage, kept, pdf.filename))
        if pdf.pending:     # named as the dialog lists it: for the profile it is made in
            with self.db.session() as s:
                listed = einvoice_attachment.listed(s, self.invoices.setting, invoice, pdf.filename)
            return (pdf, Attachment.pending_xml() if listed is None else Attachment.pending_xml(listed.filename))
        xml = einvoice_attachment.xml_attachment(storage, pdf, data)
        return (pdf,) if xml is None else (pdf, xml)

    def _resolve_pdf(self, invoice_id: int, with_xml: bool) -> tuple[Attachment, Attachment | None] | None:
        """The stored PDF of a message's invoice and, ``with_xml``, the e-invoice XML it carries
        (None: it carries none), taken out of the bytes read to check it (one read); None while
        the PDF is still being made."""
        invoice = self.invoices.get(invoice_id)
        if invoice.pdf is None:
            return None
        storage = getattr(self.invoices, "storage", None)
        pdf, data = self._stored_pdf(invoice, keep=with_xml and storage is not None)
        return pdf, einvoice_attachment.xml_attachment(storage, pdf, data) if with_xml else None

    def receipt_attachment(self, invoice_id: int, transaction_id: int, filename: str = "") -> Attachment:
        """The receipt PDF of the invoice's payment ``transaction_id``, made now and stored (the
        same bytes the pages download), as an attachment named ``filename``.

        :raises NotFound: no such payment, or no renderer here makes receipts.
        :raises StorageError: no PDF storage is configured.
        """
        storage = getattr(self.invoices, "storage", None)
        make = getattr(self.invoices, "receipt_pdf", None)
        if storage is None or make is None:
            raise StorageError.shown_as_is(Message("No PDF storage or receipt renderer is configured; the receipt "
                                                   "cannot be attached."))
        _, pdf = make(invoice_id, transaction_id)
        stored = storage.put(pdf)
        return Attachment(filename=filename, sha256=stored.sha256, size=stored.size)

    def _resolve_receipt(self, invoice_id: int, transaction_id: int) -> Attachment | None:
        """A message's receipt PDF made now; None where this process makes none (no storage, or
        no renderer that makes receipts: the CLI's sender), so a sender that does takes it."""
        documents = getattr(self.invoices, "documents", None)
        if getattr(self.invoices, "storage", None) is None or documents is None \
                or not documents.makes_receipts(self.invoices.get(invoice_id)):
            return None
        return self.receipt_attachment(invoice_id, transaction_id)

    @staticmethod
    def template_for(invoice: InvoiceDocument) -> str:
        """The template Send to Customer uses: the credit note one for a credit note."""
        return CREDIT_NOTE_TEMPLATE if invoice.is_credit_note else NOTIFICATION_TEMPLATE

    def prepare(self, invoice_id: int, template: str | None = None, *,
                to: str | Iterable[str] | None = None,
                extra_context: Mapping[str, Any] | None = None,
                attach_pdf: bool = True, for_staff: bool = False, listed: bool = False,
                invoice: InvoiceDocument | None = None) -> EmailDraft:
        """A draft rendered from ``template`` (by default ``template_for`` the document) with
        the stored PDF attached (when there is one and ``attach_pdf``): read and checked
        (``attachments_for``), or with ``listed`` as a dialog lists it before the email is sent,
        from its record alone (``listed_attachments``: the storage is not opened).

        Without ``to`` the invoice's customer user is the recipient. ``extra_context``: more
        template variables (the payment reminder's ``reminder``); the built-in ones win.
        ``for_staff``: the message is for the seller's staff, in the seller's language rather
        than the customer's. ``invoice``: the document ``invoice_id`` as the caller read it
        already (the email dialog's page), else read here.
        """
        if invoice is None or invoice.id != invoice_id:
            invoice = self.invoices.get(invoice_id)
        template = template or self.template_for(invoice)
        attachments: tuple[Attachment, ...] = ()
        if invoice.is_posted and attach_pdf:
            try:
                attachments = self.listed_attachments(invoice) if listed else self.attachments_for(invoice)
            except NotFound:
                attachments = ()  # supplied later by the external system
        user = self.customer_user(invoice)
        plugged = self.context(invoice)
        # a plugin's variables come first: they add to the composer's and replace none of them
        context = {**plugged, **self._reminder_now(template, invoice), **self._credit(invoice),
                   **self._latest_payment(template, invoice, extra_context), **(extra_context or {}),
                   "recipient_name": user.name.strip() if user is not None and to is None else "",
                   "pdf_attached": bool(attachments),
                   **{name: plugged[name] for name in BUILTIN_VARIABLES}}
        language = self.email_locale(invoice, for_staff=for_staff)
        for name in METHOD_NAMED:          # "Bank transfer" in the email's language, as the pages write it
            if hasattr(context.get(name), "method"):
                context[name] = replace(context[name], method=translate(language, context[name].method))
        rendered = self.renderer_for(invoice, for_staff=for_staff).render(self.template_source(template), context)
        if to is None:
            email = self.customer_address(invoice, user)
            to_list: tuple[str, ...] = (email,) if email else ()
        else:
            errors: list[tuple[str, str]] = []
            to_list = recipients("to", to, errors)
            if errors:
                raise ValidationError(errors)
        return EmailDraft(invoice_id=invoice.id, to=to_list, cc=(), bcc=(), subject=rendered.subject,
                          html=rendered.html, text=rendered.text, attachments=attachments,
                          template=template)

    def _reminder_now(self, template: str, invoice: InvoiceDocument) -> dict[str, Any]:
        """The ``reminder`` of the reminder template sent by hand (the email dialog): the
        invoice as it stands today, not a schedule step."""
        if template != REMINDER_TEMPLATE or invoice.due_date is None:
            return {}
        today = local_today(self.clock(), zone=zone_named(self._timezone(invoice)))
        days = (today - invoice.due_date).days
        return {"reminder": ReminderNotice.on(days, invoice.due_date, today)}

    def _latest_payment(self, template: str, invoice: InvoiceDocument,
                        extra_context: Mapping[str, Any] | None) -> dict[str, Any]:
        """The ``payment`` (``refund``) of the receipt (refund receipt) template chosen by hand,
        in the email dialog: the invoice's latest payment received (refund), when none is given."""
        name = {RECEIPT_TEMPLATE: "payment", REFUND_TEMPLATE: "refund"}.get(template)
        if name is None or name in (extra_context or {}):
            return {}
        payments = getattr(self.invoices, "payments", None)
        with self.db.session() as s:
            found = latest_received(s, invoice.id, payments.method_label if payments is not None else str,
                                    zone_of=self.invoices.books_zone, refund=name == "refund")
        return {name: found} if found is not None else {}

    def _credit(self, invoice: InvoiceDocument) -> dict[str, Any]:
        """A credit note's ``credited_invoice`` (as it stands now) and ``settlement``."""
        if not invoice.is_credit_note or invoice.credited_invoice is None:
            return {}
        with self.db.session() as s:
            settlement, due_after = settlement_of(s, invoice), amount_due_after(s, invoice)
        return {"credited_invoice": self.invoices.get(invoice.credited_invoice.id),
                "settlement": settlement, "amount_due_after": due_after}

    def customer_user(self, invoice: InvoiceDocument) -> CustomerUserRef | None:
        """The invoice's customer user as the host knows them (name and email), if any."""
        host = getattr(self.invoices, "host", None)
        if host is None or invoice.customer_user_id is None:
            return None
        user: CustomerUserRef | None = host.customers.get_customer_user(invoice.customer_user_id)
        return user

    def customer_address(self, invoice: InvoiceDocument, user: CustomerUserRef | None = None) -> str:
        """Where Send to Customer writes to: the email address the invoice carries for its
        customer user, else the host's (``user`` when already read); "" when neither is one."""
        email = invoice.customer_user_email
        if not email:
            user = user or self.customer_user(invoice)
            email = user.email if user is not None else ""
        return email if is_address(email) else ""

    def send_to_customer(self, invoice_id: int, *, confirm_post: bool, actor: str) -> EmailDraft:
        """Post the invoice if needed (only when confirmed), then the customer email draft
        (``template_for`` the document: a credit note gets the credit note template).

        :raises ConfirmationRequired: the invoice is a draft and ``confirm_post`` is False.
        """
        invoice = self.invoices.get(invoice_id)
        if not invoice.is_posted:
            if not confirm_post:
                raise ConfirmationRequired(Message(
                    "Invoice %(number)s is not posted yet. Sending it to the customer posts it first, and once "
                    "posted the invoice can no longer be modified. Proceed?", number=invoice.display_number))
            self.invoices.post(invoice_id, actor=actor)
        return self.prepare(invoice_id)

    # ---- queueing ---------------------------------------------------------------------

    def send(self, invoice_id: int, *, to: str | Iterable[str], subject: str,
             html: str | None = None, text: str | None = None, cc: str | Iterable[str] = (),
             bcc: str | Iterable[str] = (), attach_pdf: bool = True, actor: str,
             template: str | None = None, once: str | None = None,
             extra_attachments: Sequence[Attachment] = (),
             attachments: Sequence[Attachment] | None = None) -> OutboxView:
        """Check the message and queue it in the outbox, recorded on the invoice's activity.

        Only a posted invoice is sent (a draft is not an invoice the customer can be given
        yet: Send to Customer posts it first). ``once``: the one-time key of the form it
        comes from; a second message with the same key is refused (``AlreadySent``), even
        when both arrive at the same moment. ``extra_attachments``: files already in the PDF
        storage, attached after the invoice's PDF (a payment's receipt). ``attachments``: the
        invoice's PDF (and XML) as read for this message already, by the draft its HTML comes
        from (``prepare`` with ``attach_pdf``), so the PDF is read once per send; None: read here.

        :raises ValidationError: with one ``(field, message)`` per problem.
        :raises InvoiceNotPosted: the invoice is a draft.
        :raises AlreadySent: a message was already queued from this form.
        """
        to_list, cc_list, bcc_list = check_message(to=to, cc=cc, bcc=bcc, subject=subject, html=html, text=text,
                                                   template=template, once=once)
        invoice = self.invoices.get(invoice_id)
        if not invoice.is_posted:
            raise InvoiceNotPosted(Message("Invoice %(number)s is a draft: only a posted invoice is emailed. Use "
                                           "Send to Customer, which posts it first.",
                                           number=invoice.display_number))
        if once:
            self._refuse_second(invoice_id, once)
        own: tuple[Attachment, ...] = ()
        if attach_pdf:
            own = self.attachments_for(invoice) if attachments is None else tuple(attachments)
        carried = own + tuple(extra_attachments)
        try:
            with self.db.transaction() as s:
                view = self.queue(s, invoice, to=to_list, cc=cc_list, bcc=bcc_list, subject=subject,
                                  html=html, text=text, attachments=carried, actor=actor,
                                  template=template, once=once)
                history.record(s, view, actor, Message("queued: %(subject)s", subject=view.subject),
                               attachments=[a.sha256 for a in carried])
        except IntegrityError:
            if once:  # the same form, sent at the same moment by another request
                self._refuse_second(invoice_id, once)
            raise
        self.submit_delivery(view.id)
        return view

    def sent_once(self, invoice_id: int, once: str) -> OutboxView | None:
        """The message of ``invoice_id`` queued with the one-time key ``once``, if any."""
        prefix = f"<{message_key(invoice_id, once)}.invoice-{invoice_id}@"
        with self.db.session() as s:
            row = s.execute(select(OutboxEmail).where(OutboxEmail.invoice_id == invoice_id,
                                                      OutboxEmail.message_id.startswith(prefix, autoescape=True))
                            .limit(1)).scalar_one_or_none()
            return outbox.view(row) if row is not None else None

    def _refuse_second(self, invoice_id: int, once: str) -> None:
        """Raise ``AlreadySent`` when a message of ``invoice_id`` was queued with the key ``once``."""
        earlier = self.sent_once(invoice_id, once)
        if earlier is not None:
            raise AlreadySent(earlier)

    def submit_delivery(self, email_id: int) -> None:
        """With background jobs, submit the ``deliver_email`` job of a committed outbox message.

        Never raises: the message is committed, and a job queue that breaks its "never raises"
        is logged and noted (``follow_ups``); the mail sweep delivers the message.
        """
        if not self.jobs.background:
            return
        try:
            self.jobs.submit(Job(DELIVER_EMAIL, (email_id,)))
        except Exception as exc:
            log.exception("the delivery job of queued email %s was not submitted; the mail sweep delivers it",
                          email_id)
            follow_ups.note(follow_ups.JOB, exc, what=DELIVER_EMAIL)

    def queue(self, session: Session, invoice: InvoiceDocument, *, to: Sequence[str], subject: str,
              html: str | None, text: str | None, attachments: Sequence[Attachment], actor: str,
              template: str | None, cc: Sequence[str] = (), bcc: Sequence[str] = (),
              once: str | None = None) -> OutboxView:
        """Write one checked message to the outbox in the caller's transaction (no activity entry).

        ``send`` checks what a person typed and calls this; the payment reminders call it in
        the transaction that records the reminder, so that both exist or neither does.
        """
        sender, sender_name = self.sender_of(invoice)
        return self.add_to_outbox(
            session, invoice_id=invoice.id, message_id=new_message_id(invoice.id, sender, once), sender=sender,
            sender_name=sender_name, reply_to=self.reply_to_of(invoice, sender), to=to, cc=cc, bcc=bcc,
            subject=subject, html=html, text=text, attachments=attachments, actor=actor, template=template)

    def add_to_outbox(self, session: Session, *, message_id: str, sender: str, sender_name: str, reply_to: str,
                      to: Sequence[str], cc: Sequence[str], bcc: Sequence[str], subject: str, html: str | None,
                      text: str | None, attachments: Sequence[Attachment], actor: str, template: str | None,
                      invoice_id: int | None = None, organization_id: int | None = None,
                      customer_id: int | None = None) -> OutboxView:
        """Write one checked, addressed message to the outbox in the caller's transaction: an
        invoice's (``invoice_id``), or a customer's (``organization_id`` and ``customer_id``)."""
        now = self.clock()
        row = OutboxEmail(
            invoice_id=invoice_id, organization_id=organization_id, customer_id=customer_id, message_id=message_id,
            template=template, actor=actor or "system", sender=sender, sender_name=sender_name, reply_to=reply_to,
            to_addrs=list(to), cc_addrs=list(cc), bcc_addrs=list(bcc), subject=subject.strip(), html=html or None,
            text=text or None, attachments=[a.as_dict() for a in attachments], status=QUEUED, attempts=0,
            next_attempt_at=now, last_error="", smtp_response="", created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        return outbox.view(row)

    # ---- reading and admin decisions ---------------------------------------------------

    def latest_problem(self) -> OutboxView | None:
        """The message whose delivery went wrong most recently (to retry, failed or in doubt):
        what a delivery run that sent nothing reports."""
        with self.db.session() as s:
            row = s.execute(select(OutboxEmail).where(OutboxEmail.status.in_((RETRY, FAILED, UNKNOWN)),
                                                      OutboxEmail.last_error != "")
                            .order_by(OutboxEmail.updated_at.desc(), OutboxEmail.id.desc())
                            .limit(1)).scalar_one_or_none()
            return outbox.view(row) if row is not None else None

    def waiting(self) -> tuple[int, dt.datetime | None]:
        """How many messages wait in the outbox (queued or to retry), and the earliest time one
        of them is due (what a delivery run that had nothing to do reports)."""
        with self.db.session() as s:
            count, due = s.execute(select(func.count(), func.min(OutboxEmail.next_attempt_at))
                                   .where(OutboxEmail.status.in_((QUEUED, RETRY)))).one()
            return int(count), due

    def emails(self, invoice_id: int) -> list[OutboxView]:
        """The invoice's messages, newest first, with their delivery state."""
        with self.db.session() as s:
            rows = s.execute(select(OutboxEmail).where(OutboxEmail.invoice_id == invoice_id)
                             .order_by(OutboxEmail.id.desc())).scalars()
            return [outbox.view(r) for r in rows]

    def email(self, email_id: int) -> OutboxView:
        with self.db.session() as s:
            row = s.get(OutboxEmail, email_id)
            if row is None:
                raise NotFound(Message("Email %(id)s does not exist.", id=email_id))
            return outbox.view(row)

    def email_bodies(self, email_id: int) -> tuple[OutboxView, str | None, str | None]:
        """A message with its queued HTML and plain-text bodies (what was, or will be, sent)."""
        with self.db.session() as s:
            row = s.get(OutboxEmail, email_id)
            if row is None:
                raise NotFound(Message("Email %(id)s does not exist.", id=email_id))
            return outbox.view(row), row.html, row.text

    def requeue(self, email_id: int, *, actor: str) -> OutboxView:
        """Send a failed (or unknown) message again, with a fresh series of retries."""
        view = self._decide(email_id, (FAILED, UNKNOWN), actor, N_("queued again"),
                            dict(status=RETRY, attempts=0, next_attempt_at=self.clock(), last_error=""))
        self.submit_delivery(view.id)
        return view

    def mark_sent(self, email_id: int, *, actor: str) -> OutboxView:
        """Record that a message of unknown fate did arrive (so it is never re-sent)."""
        now = self.clock()
        return self._decide(email_id, (UNKNOWN,), actor, N_("marked as delivered"),
                            dict(status=SENT, sent_at=now, smtp_response=f"Marked as delivered by {actor}"))

    def _decide(self, email_id: int, allowed: tuple[str, ...], actor: str, what: str,
                values: dict[str, Any]) -> OutboxView:
        with self.db.transaction() as s:
            row = s.execute(select(OutboxEmail).where(OutboxEmail.id == email_id)
                            .with_for_update()).scalar_one_or_none()
            if row is None:
                raise NotFound(Message("Email %(id)s does not exist.", id=email_id))
            if row.status not in allowed:
                raise Conflict(Message("The email is %(status)s; only %(allowed)s emails can be %(what)s.",
                                       status=row.status, allowed=" or ".join(allowed), what=Message(what)))
            for key, value in {**values, "updated_at": self.clock()}.items():
                setattr(row, key, value)
            s.flush()
            view = outbox.view(row)
            history.record(s, view, actor, Message("%(what)s: %(subject)s", what=Message(what), subject=row.subject))
            return view

    # ---- delivery ---------------------------------------------------------------------

    def deliver_pending(self, *, limit: int = 100, now: dt.datetime | None = None) -> DeliveryReport:
        """Deliver due messages (see ``oro_invoices.services.mail.delivery`` for the guarantee)."""
        return self.deliverer.run(limit=limit, now=now)

    def deliver_one(self, email_id: int, *, now: dt.datetime | None = None) -> DeliveryReport:
        """Deliver the message ``email_id`` if it is due (the ``deliver_email`` job); idempotent:
        a message already sent, or being sent by another sender, is left alone."""
        return self.deliverer.run(limit=1, now=now, email_id=email_id)

    def _read_attachment(self, sha256: str) -> bytes:
        storage = getattr(self.invoices, "storage", None)
        if storage is None:
            raise StorageError.shown_as_is(Message("No PDF storage is configured; the attachment cannot be read."))
        data: bytes = storage.read(sha256)
        return data


def _pdf_name(invoice: InvoiceDocument) -> str:
    return invoice_filename(invoice.display_number, credit_note=invoice.is_credit_note)
