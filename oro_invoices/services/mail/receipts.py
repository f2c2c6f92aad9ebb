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

Each transaction gets one receipt at most: its message is queued with a one-time key made
from the transaction, so a second try is refused by the outbox's unique Message-ID. A
receipt that cannot be made (no recipient, a broken template, the database gone) is
logged and never undoes or fails the payment; nor does a receipt PDF that cannot be made. Inline,
the email then goes without it; made by the delivery job, its message is retried like a refused
send, and shows why in the invoice's Emails.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from oro_invoices.integration.profile import RECEIPT_TEMPLATE, REFUND_TEMPLATE
from oro_invoices.persistence.outbox import Attachment, OutboxView
from oro_invoices.persistence.received_payments import (
    ReceivedPayment,
    receipt_number,
    received_payment,
    take_received,
)
from oro_invoices.services.mail.compose import is_address, pdf_filename
from oro_invoices.services.mail.service import AlreadySent

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.domain.invoice import InvoiceDocument
    from oro_invoices.services.facade import InvoiceService
    from oro_invoices.services.mail.service import MailService

log = logging.getLogger("oro_invoices.receipts")

ENABLED_SETTING = "oro_invoices.mail.payment_receipts"
ACTOR = "receipts"


class PaymentReceipts:
    """Queues the receipt of each payment received through a payment method (or recorded with
    Record Payment), after its commit."""

    def __init__(self, invoices: InvoiceService, mail: MailService):
        self.invoices = invoices
        self.mail = mail
        invoices.context.before_every_commit(self._before_commit)

    def _before_commit(self, session: Session) -> list[Callable[[], None]]:
        return [functools.partial(self._send_logged, tx_id) for tx_id in take_received(session)]

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
            payment = received_payment(s, transaction_id, self.invoices.payments.method_label)
        if payment is None:
            return None
        invoice = self.invoices.get(payment.invoice_id)
        if not self.invoices.setting(ENABLED_SETTING, organization_id=invoice.organization_id,
                                     website_id=invoice.website_id):
            return None
        template, name = (REFUND_TEMPLATE, "refund") if payment.is_refund else (RECEIPT_TEMPLATE, "payment")
        receipt = self._receipt_attachment(invoice, payment)
        draft = self.mail.prepare(invoice.id, template, attach_pdf=False,
                                  extra_context={name: payment, "receipt_attached": bool(receipt)})
        to, cc = _recipients(draft.to, payment.payer)
        if not to:
            log.info("No receipt for payment transaction %s: invoice %s has no customer user email address.",
                     transaction_id, invoice.display_number)
            return None
        try:
            return self.mail.send(invoice.id, to=to, cc=cc, subject=draft.subject, html=draft.html,
                                  text=draft.text, attach_pdf=False, actor=actor, template=template,
                                  once=f"{name}-receipt-{transaction_id}", extra_attachments=receipt)
        except AlreadySent:
            return None

    def _receipt_attachment(self, invoice: InvoiceDocument, payment: ReceivedPayment) -> tuple[Attachment, ...]:
        """The payment's receipt PDF; none where no storage keeps PDFs or no renderer makes
        receipts. With background jobs it is made by the delivery job, when the message is sent;
        otherwise now. A receipt that cannot be made now is logged and the email goes without it."""
        if not self.invoices.documents.makes_receipts(invoice):
            return ()
        name = pdf_filename(receipt_number(invoice.display_number, payment.transaction_id), kind="receipt")
        if self.mail.jobs.background:
            return (Attachment.pending_receipt(name, payment.transaction_id),)
        try:
            return (self.mail.receipt_attachment(invoice.id, payment.transaction_id, name),)
        except Exception:  # the email still confirms the payment
            log.exception("The receipt PDF of payment transaction %s was not attached.", payment.transaction_id)
            return ()


def _recipients(to: tuple[str, ...], payer: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The invoice's customer user, with the customer user who paid in Cc when that is someone
    else (alone when the invoice has no customer user address)."""
    if not is_address(payer) or payer.lower() in {address.lower() for address in to}:
        return to, ()
    return (to, (payer,)) if to else ((payer,), ())
