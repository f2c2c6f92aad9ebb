"""A customer's statement of account sent by email: the message belongs to the customer, not to
one invoice (``oro_invoice_email.customer_id``, revision 0029), and carries the statement's PDF
as it was when the message was queued (stored in the PDF storage, content-addressed).

The draft is the ``customer_statement_template`` in the customer's language, addressed to a
customer user who may see the whole account (``StatementMail.addressee``); the seller and sender are those configured now for
the customer's organization and the website of that invoice. A customer's account activity of a
period (``services.activity_statement``) is sent the same way, from ``customer_activity_template``
with the activity's PDF, addressed as its latest invoice is.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from oro_invoices.adapters.commerce import CustomerUserRef, InvoiceRole
from oro_invoices.domain.errors import NotFound, StorageError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Message
from oro_invoices.integration.profile import ACTIVITY_TEMPLATE, STATEMENT_TEMPLATE
from oro_invoices.persistence import outbox
from oro_invoices.persistence.outbox import OutboxEmail, OutboxView
from oro_invoices.persistence.statement import invoice_users
from oro_invoices.services.activity_statement import ActivityStatement
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.mail import unattached
from oro_invoices.services.mail.compose import EmailDraft, check_message, is_address, message_key
from oro_invoices.services.statement import Statement, organization_of

#: What a customer's message sends: their statement, or their account activity of a period.
CustomerDocument = Statement | ActivityStatement

if TYPE_CHECKING:
    from oro_invoices.services.mail.service import MailService


class StatementMail:
    """Drafting, sending and listing the statement emails of a customer (``MailService.statements``)."""

    def __init__(self, mail: MailService):
        self.mail = mail

    def _scope(self, statement: CustomerDocument) -> tuple[DocumentScope, InvoiceDocument | None]:
        """Whose settings the message follows, and the statement's latest (open) invoice (whose
        customer user it is addressed to)."""
        organization = organization_of(statement) if isinstance(statement, Statement) else statement.organization_id
        if organization is None:
            raise NotFound(Message("A statement is made for one organization; none was given."))
        latest = (self.mail.invoices.get(statement.latest_invoice_id)
                  if statement.latest_invoice_id is not None else None)
        scope = DocumentScope(organization, latest.website_id if latest is not None else None,
                              statement.customer_id)
        return scope, latest

    def prepare(self, statement: CustomerDocument, *, template: str | None = None) -> EmailDraft:
        """The draft of the statement's (or activity's) email, rendered from ``template`` (by
        default ``customer_statement_template``, or ``customer_activity_template`` for an
        activity) in the customer's language, to (and greeting) the customer user of the latest
        (open) invoice (no recipient when that is unknown)."""
        template = template or _template_of(statement)
        scope, latest = self._scope(statement)
        user, email = self.addressee(statement, scope, latest)
        to = email if is_address(email) else ""
        seller = self.mail.invoices.seller(scope)
        context: dict[str, Any] = {"activity" if isinstance(statement, ActivityStatement) else "statement": statement,
                                   "seller": seller, "pdf_attached": True,
                                   "recipient_name": user.name.strip() if user is not None else ""}
        rendered = self.mail.renderer_for(scope).render(self.mail.template_source(template), context)
        return EmailDraft(invoice_id=None, to=(to,) if to else (), cc=(), bcc=(), subject=rendered.subject,
                          html=rendered.html, text=rendered.text, attachments=(), template=template)

    def addressee(self, statement: CustomerDocument, scope: DocumentScope,
                  latest: InvoiceDocument | None) -> tuple[CustomerUserRef | None, str]:
        """Whom the statement is addressed to, and their address ("" when none may be sent it).

        The statement shows the whole account, so it goes to a customer user whose storefront
        role lets them see the whole account (department or corporate): the latest such user
        of the customer's invoices. A user who sees their own invoices only gets it when every
        invoice of the customer is theirs; otherwise nobody is addressed, and an admin types the
        recipient (a month-end run reports the customer). Without a host that knows the users'
        roles, the customer user of the latest invoice."""
        host = getattr(self.mail.invoices, "host", None)
        latest_user = self.mail.customer_user(latest) if latest is not None else None
        latest_email = (latest.customer_user_email if latest is not None else "") or \
            (latest_user.email if latest_user is not None else "")
        if host is None or statement.customer_id is None:
            return latest_user, latest_email
        with self.mail.db.session() as s:
            users = invoice_users(s, scope.organization_id, statement.customer_id)
        for user_id in users:
            user = host.customers.get_customer_user(user_id)
            if (user is not None and user.customer_id == statement.customer_id and is_address(user.email)
                    and user.invoice_role in (InvoiceRole.DEPARTMENT, InvoiceRole.CORPORATE)):
                return user, (latest_email if latest_user is not None and latest_user.id == user.id else user.email)
        if latest_user is not None and users == [latest_user.id]:
            return latest_user, latest_email
        return None, ""

    def send(self, statement: CustomerDocument, *, to: str | Iterable[str], subject: str, html: str | None = None,
             text: str | None = None, cc: str | Iterable[str] = (), bcc: str | Iterable[str] = (), actor: str,
             template: str | None = "", once: str | None = None) -> OutboxView:
        """Check the message, make the statement's (or activity's) PDF and store it, and queue the
        message with it attached; a message not queued leaves no PDF stored for it. ``template``: the one it was drafted from ("" its default). ``once``: the form's one-time key; a second message from it is refused
        (``AlreadySent``).

        :raises ValidationError: with one ``(field, message)`` per problem.
        :raises StorageError: no PDF storage is configured.
        :raises AlreadySent: a message was already queued from this form.
        """
        from oro_invoices.services.mail.service import AlreadySent
        template = _template_of(statement) if template == "" else template
        to_list, cc_list, bcc_list = check_message(to=to, cc=cc, bcc=bcc, subject=subject, html=html, text=text,
                                                   template=template, once=once)
        missing = Message("No PDF storage is configured; the statement cannot be attached.")
        if getattr(self.mail.invoices, "storage", None) is None:
            raise StorageError.shown_as_is(missing)
        scope, latest = self._scope(statement)
        about = _about(scope)
        if once and (earlier := self.sent_once(scope, once)) is not None:
            raise AlreadySent(earlier)
        if isinstance(statement, ActivityStatement):
            pdf = self.mail.invoices.activity_pdf(statement)
            filename = f"activity-{statement.start.isoformat()}-{statement.end.isoformat()}.pdf"
        else:
            pdf = self.mail.invoices.statement_pdf(statement, latest=latest)
            filename = f"statement-{statement.as_of.isoformat()}.pdf"
        with unattached.storing(self.mail, missing) as files:    # not queued: the PDF is removed again
            files.store(filename, pdf, "application/pdf")
            return unattached.queue(self.mail, scope, about, to=to_list, cc=cc_list, bcc=bcc_list, subject=subject,
                                    html=html, text=text, files=files, actor=actor, template=template, once=once)

    def sent_once(self, scope: DocumentScope, once: str) -> OutboxView | None:
        """The customer's statement message queued with the one-time key ``once``, if any."""
        return unattached.sent_once(self.mail, scope, _about(scope), once)

    def sent_with(self, once: str, *, since: dt.datetime, organization_id: int | None = None) -> set[tuple[int, int]]:
        """``(organization, customer)`` of each customer message queued since ``since`` with the
        one-time key ``once`` (of ``organization_id`` only, when given): whom a repeated run need
        not make a statement for again."""
        stmt = select(OutboxEmail.organization_id, OutboxEmail.customer_id, OutboxEmail.message_id).where(
            OutboxEmail.customer_id.is_not(None), OutboxEmail.invoice_id.is_(None), OutboxEmail.created_at >= since)
        if organization_id is not None:
            stmt = stmt.where(OutboxEmail.organization_id == organization_id)
        found: set[tuple[int, int]] = set()
        with self.mail.db.session() as s:
            for org, customer, message_id in s.execute(stmt):
                if org is None or customer is None:
                    continue
                about = _about(DocumentScope(org, None, customer))
                if message_id.startswith(f"<{message_key(about, once)}.{about}@"):
                    found.add((org, customer))
        return found

    def emails(self, organization_id: int, customer_id: int, *, limit: int = 50) -> list[OutboxView]:
        """The customer's messages (their statements sent), newest first."""
        with self.mail.db.session() as s:
            rows = s.execute(select(OutboxEmail).where(
                OutboxEmail.organization_id == organization_id, OutboxEmail.customer_id == customer_id,
                OutboxEmail.invoice_id.is_(None)).order_by(OutboxEmail.id.desc()).limit(limit)).scalars()
            return [outbox.view(row) for row in rows]


def _template_of(statement: CustomerDocument) -> str:
    """The template a customer's document is sent from by default."""
    return ACTIVITY_TEMPLATE if isinstance(statement, ActivityStatement) else STATEMENT_TEMPLATE


def _about(scope: DocumentScope) -> str:
    """What a statement message is about, in its Message-ID: ``statement-<organization>-<customer>``."""
    return f"statement-{scope.organization_id}-{scope.customer_id}"
