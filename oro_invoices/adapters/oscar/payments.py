"""Invoice payments recorded on the invoice's Oscar order as well as in the add-on's tables.

A plugin (``invoice_payment_status_updated``): each committed change of an invoice's amount
paid becomes, on the order the invoice was made from, a payment source of type "Invoice"
(one per invoice, referenced by its number) debited or refunded by the difference, with its
transaction, and a payment event ("Invoice payment" or "Invoice refund") that Oscar's
dashboard order page lists (and does not offer in its "Create payment event" form). Invoices of
no order are left alone.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from oscar.core.loading import get_model

from oro_invoices.integration.hookspecs import hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.domain.events import PaymentStatusUpdated
    from oro_invoices.services.facade import InvoiceService

SOURCE_TYPE = "Invoice"
PAID, REFUNDED = "Invoice payment", "Invoice refund"
#: The payment event types only the add-on records (kept out of the order page's manual form).
ADDON_EVENT_TYPES = frozenset({PAID, REFUNDED})


class OscarPayments:
    """The plugin; ``bind`` gives it the invoice service it reads an invoice's order from."""

    def __init__(self, db: str = "default"):
        self.db = db
        self.invoices: InvoiceService | None = None

    def bind(self, invoices: InvoiceService) -> OscarPayments:
        self.invoices = invoices
        return self

    @hookimpl
    def invoice_payment_status_updated(self, event: PaymentStatusUpdated) -> None:
        if self.invoices is None:
            return
        invoice = self.invoices.get(event.invoice_id)
        order = get_model("order", "Order").objects.using(self.db).filter(pk=invoice.order_id).first() \
            if invoice.order_id is not None else None
        if order is None:
            return
        with transaction.atomic(using=self.db):
            source_type, _ = get_model("payment", "SourceType").objects.using(self.db).get_or_create(
                name=SOURCE_TYPE)
            source, _ = get_model("payment", "Source").objects.using(self.db).get_or_create(
                order=order, source_type=source_type,
                reference=event.invoice_number or f"invoice {event.invoice_id}",
                defaults={"currency": event.currency, "amount_allocated": invoice.total_amount,
                          "label": f"Invoice {invoice.display_number}"})
            delta = event.amount_paid - (source.amount_debited - source.amount_refunded)
            if not delta:
                return
            if delta > 0:
                source.debit(delta, reference=event.id)
            else:
                source.refund(-delta, reference=event.id)
            event_type, _ = get_model("order", "PaymentEventType").objects.using(self.db).get_or_create(
                name=PAID if delta > 0 else REFUNDED)
            get_model("order", "PaymentEvent").objects.using(self.db).create(
                order=order, amount=abs(delta), reference=event.id, event_type=event_type)
