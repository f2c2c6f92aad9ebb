"""Payment receipts: the customer's email when a payment through a payment method succeeds, or is refunded.

    PaymentReceipts(addon.invoices, addon.mail)     # build_addon does this

A provider's event that records a successful payment, the capture of an authorization or a
refund notes its transaction (``persistence.received_payments``). Once that write commits, and
when ``oro_invoices.mail.payment_receipts`` is on for the invoice's website (or organization, or
globally), the ``payment_receipt_template`` email (for a refund ``refund_receipt_template``)
goes to the invoice's customer user through
the outbox, recorded in the invoice's activity like any email; a colleague of theirs who paid
it in the storefront gets it in Cc. The payment's receipt PDF is attached where the add-on makes
and stores PDFs, stored in the PDF storage like an e-invoice's XML. With background jobs it is
made by the delivery job when the message is sent (``services.mail.delivery``), not in the
payment's own request; inline, right after the payment's commit. Payments recorded over the API
(an ERP's bank transfers, an import) get none; a payment an admin records with Record Payment
(``services.manual_payments``) gets one.

The shares of one payment received for several invoices (Record Payment for the ticked
invoices, ``services.remittances``) are receipted together (``send_together``): each customer
address gets one email for its shares, about the first invoice, its ``remittance`` listing each
invoice with what it was paid and what it still owes, with each share's receipt PDF attached;
the other invoices' activity names that email.

Each transaction gets one receipt at most: its message is queued with a one-time key made
from the transaction, so a second try is refused by the outbox's unique Message-ID. A
receipt that cannot be made (no recipient, a broken template, the database gone) is
logged and never undoes or fails the payment; nor does a receipt PDF that cannot be made. Inline,
the email then goes without it; made by the delivery job, its message is retried like a refused
send, and shows why in the invoice's Emails.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from oro_invoices.documents.filenames import pdf_filename
from oro_invoices.domain.messages import Message
from oro_invoices.integration.profile import RECEIPT_TEMPLATE, REFUND_TEMPLATE
from oro_invoices.persistence.outbox import Attachment, OutboxView
from oro_invoices.persistence.received_payments import (
    ReceivedPayment,
    receipt_number,
    received_payment,
    take_received,
    take_received_together,
)
from oro_invoices.services.mail import history
from oro_invoices.services.mail.compose import MAX_SUBJECT, is_address
from oro_invoices.services.mail.service import AlreadySent

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.domain.invoice import InvoiceDocument
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger("oro_invoices.receipts")

ENABLED_SETTING = "oro_invoices.mail.payment_receipts"
ACTOR = "receipts"


@dataclass(frozen=True)
class ReceiptShare:
    """One invoice's share of a payment received for several: the ``remittance.shares`` of
    ``payment_receipt_template``."""

    invoice_number: str
    invoice_date: dt.date
    amount: Decimal
    amount_due: Decimal
    currency: str
    receipt_number: str


@dataclass(frozen=True)
class RemittanceReceipt:
    """What a receipt for several invoices lists (``remittance`` of ``payment_receipt_template``):
    the ``total`` received for them and each invoice's share."""

    total: Decimal
    currency: str
    shares: tuple[ReceiptShare, ...]

    @property
    def numbers(self) -> str:
        """The invoices' numbers: ``INV-1, INV-2``."""
        return ", ".join(share.invoice_number for share in self.shares)

    @property
    def paid_in_full(self) -> bool:
        """Whether every invoice is paid in full now."""
        return all(share.amount_due <= 0 for share in self.shares)

    @classmethod
    def of(cls, shares: list[tuple[InvoiceDocument, ReceivedPayment]]) -> RemittanceReceipt:
        return cls(total=sum((payment.amount for _, payment in shares), Decimal(0)), currency=shares[0][1].currency,
                   shares=tuple(ReceiptShare(invoice.display_number, invoice.invoice_date, payment.amount,
                                             invoice.amount_due, payment.currency,
                                             receipt_number(invoice.display_number, payment.transaction_id))
                                for invoice, payment in shares))


class PaymentReceipts:
    """Queues the receipt of each payment received through a payment method (or recorded with
    Record Payment), after its commit."""

    def __init__(self, invoices: InvoiceService, mail: MailService):
        self.invoices = invoices
        self.mail = mail
        invoices.context.before_every_commit(self._before_commit)

    def _before_commit(self, session: Session) -> list[Callable[[], None]]:
        return [*(functools.partial(self._send_logged, tx_id) for tx_id in take_received(session)),
                *(functools.partial(self._send_together_logged, ids) for ids in take_received_together(session))]

    def _send_together_logged(self, transaction_ids: list[int]) -> None:
        try:
            self.send_together(transaction_ids)
        except Exception:  # the payments are committed: a receipt must never fail them
            log.exception("The receipt of payment transactions %s was not queued.", transaction_ids)

    def _send_logged(self, transaction_id: int) -> None:
        try:
            self.send(transaction_id)
        except Exception:  # the payment is committed: a receipt must never fail it
            log.exception("The receipt of payment transaction %s was not queued.", transaction_id)

    def send(self, transaction_id: int, *, actor: str = ACTOR) -> OutboxView | None:
        """Queue the receipt of the payment (or refund) ``transaction_id``; the queued message, or
        None when receipts are off for its invoice, it is neither a payment received nor a
        refund, there is no one to send it to, or its receipt was queued before."""
        with self.invoices.db.session() as s:
            payment = received_payment(s, transaction_id, self.invoices.payments.method_label,
                                       zone_of=self.invoices.context.books_zone)
        if payment is None:
            return None
        invoice = self.invoices.get(payment.invoice_id)
        if not self.invoices.setting(ENABLED_SETTING, organization_id=invoice.organization_id,
                                     website_id=invoice.website_id):
            return None
        template, name = (REFUND_TEMPLATE, "refund") if payment.is_refund else (RECEIPT_TEMPLATE, "payment")
        receipt = self._receipt_attachment(invoice, payment)
        draft = self.mail.prepare(invoice.id, template, attach_pdf=False,
                                  extra_context={name: payment, "receipt_attached": bool(receipt),
                                                 "paid_by": self._paid_by(invoice, payment)})
        to, cc = _recipients(draft.to, payment.payer)
        if not to:
            log.info("No receipt for payment transaction %s: invoice %s has no customer user email address.",
                     transaction_id, invoice.display_number)
            return None
        try:
            return self.mail.send(invoice.id, to=to, cc=cc, subject=shortened(draft.subject), html=draft.html,
                                  text=draft.text, attach_pdf=False, actor=actor, template=template,
                                  once=f"{name}-receipt-{transaction_id}", extra_attachments=receipt)
        except AlreadySent:
            return None

    def send_together(self, transaction_ids: list[int], *, actor: str = ACTOR) -> list[OutboxView]:
        """Queue one receipt per customer address for the payments ``transaction_ids``, the
        shares of one payment received for several invoices; the queued messages. Each is about
        the first of its invoices, lists every share (``remittance``) and carries each share's
        receipt PDF; a customer with one share gets that payment's own receipt (``send``).
        Shares whose invoice has receipts off, and those receipted before, are left out."""
        with self.invoices.db.session() as s:
            found = [received_payment(s, tx_id, self.invoices.payments.method_label,
                                      zone_of=self.invoices.context.books_zone) for tx_id in transaction_ids]
        by_address: dict[str, list[tuple[InvoiceDocument, ReceivedPayment]]] = {}
        for payment in found:
            if payment is None or payment.is_refund:
                continue
            invoice = self.invoices.get(payment.invoice_id)
            if self.invoices.setting(ENABLED_SETTING, organization_id=invoice.organization_id,
                                     website_id=invoice.website_id):
                by_address.setdefault(self.mail.customer_address(invoice).lower(), []).append((invoice, payment))
        queued = []
        for shares in by_address.values():
            try:
                view = self.send(shares[0][1].transaction_id, actor=actor) if len(shares) == 1 \
                    else self._send_shares(shares, actor)
            except Exception:  # one customer's receipt failing never keeps the others'
                log.exception("The receipt of payment transactions %s was not queued.",
                              [payment.transaction_id for _, payment in shares])
                continue
            if view is not None:
                queued.append(view)
        return queued

    def _paid_by(self, invoice: InvoiceDocument, payment: ReceivedPayment) -> str:
        """Who paid, when that is not whom the receipt is for (a colleague of the invoice's customer
        user paid it in the storefront): their address; else ""."""
        payer, owner = payment.payer, self.mail.customer_address(invoice)
        return payer if is_address(payer) and owner and payer.lower() != owner.lower() else ""

    def _send_shares(self, shares: list[tuple[InvoiceDocument, ReceivedPayment]], actor: str) -> OutboxView | None:
        """One receipt email for several shares, about the first share's invoice."""
        lead, payment = shares[0]
        attachments = tuple(a for invoice, share in shares
                            for a in self._receipt_attachment(invoice, share, message_invoice=lead.id))
        draft = self.mail.prepare(lead.id, RECEIPT_TEMPLATE, attach_pdf=False, extra_context={
            "payment": payment, "remittance": RemittanceReceipt.of(shares), "receipt_attached": bool(attachments),
            "paid_by": self._paid_by(lead, payment)})
        to, cc = _recipients(draft.to, payment.payer)
        if not to:
            log.info("No receipt for payment transactions %s: invoice %s has no customer user email address.",
                     [share.transaction_id for _, share in shares], lead.display_number)
            return None
        try:
            view = self.mail.send(lead.id, to=to, cc=cc, subject=shortened(draft.subject), html=draft.html, text=draft.text,
                                  attach_pdf=False, actor=actor, template=RECEIPT_TEMPLATE,
                                  once=f"payment-receipt-{payment.transaction_id}", extra_attachments=attachments)
        except AlreadySent:
            return None
        with self.invoices.db.transaction() as s:      # the other invoices' activity names the email
            for invoice, _ in shares[1:]:
                history.record(s, view, actor, Message("queued: %(subject)s", subject=view.subject),
                               invoice_id=invoice.id)
        return view

    def _receipt_attachment(self, invoice: InvoiceDocument, payment: ReceivedPayment, *,
                            message_invoice: int | None = None) -> tuple[Attachment, ...]:
        """The payment's receipt PDF; none where no storage keeps PDFs or no renderer makes
        receipts. With background jobs it is made by the delivery job, when the message is sent;
        otherwise now. A receipt that cannot be made now is logged and the email goes without it.
        ``message_invoice``: the invoice of the message it is attached to, when not the payment's."""
        if not self.invoices.documents.makes_receipts(invoice):
            return ()
        name = pdf_filename(receipt_number(invoice.display_number, payment.transaction_id), kind="receipt")
        if self.mail.jobs.background:
            other = invoice.id if message_invoice is not None and message_invoice != invoice.id else None
            return (Attachment.pending_receipt(name, payment.transaction_id, other),)
        try:
            return (self.mail.receipt_attachment(invoice.id, payment.transaction_id, name),)
        except Exception:  # the email still confirms the payment
            log.exception("The receipt PDF of payment transaction %s was not attached.", payment.transaction_id)
            return ()


def shortened(subject: str) -> str:
    """``subject`` within what an email's subject may hold (a host's template listing every
    invoice of a large payment), cut at a word with an ellipsis."""
    if len(subject) <= MAX_SUBJECT:
        return subject
    return subject[:MAX_SUBJECT - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"


def _recipients(to: tuple[str, ...], payer: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The invoice's customer user, with the customer user who paid in Cc when that is someone
    else (alone when the invoice has no customer user address)."""
    if not is_address(payer) or payer.lower() in {address.lower() for address in to}:
        return to, ()
    return (to, (payer,)) if to else ((payer,), ())
