"""Oscar's dashboard order page (Fulfilment > Orders > an order), refusing the add-on's payment
event types in its Create payment event forms.

The add-on records "Invoice payment" and "Invoice refund" events itself when an invoice is paid
or refunded (``payments``); the page's template leaves them out of its choices, and this view
refuses a POST naming one all the same (a hand-made request), with Oscar's error message
instead of an event that would say money moved when it did not. The view is Oscar's own
(through ``get_class``, so a shop's fork of the orders dashboard stays the base); ``urls``
mounts it over Oscar's ``order-detail`` URL.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from oscar.core.loading import get_class, get_model

from oro_invoices.adapters.oscar.event_types import is_addon_type, refusal

OscarOrderDetailView: Any = get_class("dashboard.orders.views", "OrderDetailView")


def addon_event_type(code: str | None) -> str | None:
    """The name of payment event type ``code`` when it is one only the add-on records, else None."""
    if not code:
        return None
    name: str | None = get_model("order", "PaymentEventType").objects.filter(code=code) \
        .values_list("name", flat=True).first()
    return name if is_addon_type(name) else None


class OrderDetailView(OscarOrderDetailView):
    """Oscar's order page; its Create payment event actions refuse the add-on's event types."""

    def _refused(self, request: HttpRequest) -> HttpResponse | None:
        name = addon_event_type(request.POST.get("payment_event_type"))
        if name is None:
            return None
        messages.error(request, refusal(name))
        response: HttpResponse = self.reload_page()
        return response

    def create_order_payment_event(self, request: HttpRequest, order: Any) -> HttpResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        response: HttpResponse = super().create_order_payment_event(request, order)
        return response

    def create_payment_event(self, request: HttpRequest, order: Any, lines: Any,
                             quantities: list[int]) -> HttpResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        response: HttpResponse = super().create_payment_event(request, order, lines, quantities)
        return response

