"""The payment event types only the add-on records ("Invoice payment", "Invoice refund"), and
the words refusing them to staff, in Django's active language: Oscar's order page
(``order_page``) and Django admin (``event_admin``) both refuse them."""
from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import get_language

from oro_invoices import i18n
from oro_invoices.adapters.oscar.payments import ADDON_EVENT_TYPES
from oro_invoices.domain.messages import Message


def is_addon_type(name: str | None) -> bool:
    """Whether ``name`` is the name of a payment event type only the add-on records."""
    return name in ADDON_EVENT_TYPES


def reserved_name(name: str, reserved_names: Collection[str] = ADDON_EVENT_TYPES) -> str | None:
    """The add-on's type name (of ``reserved_names``) that ``name`` would pass for (the same but
    for case and spaces), else None."""
    wanted = " ".join(name.split()).casefold()
    return next((reserved for reserved in sorted(reserved_names) if reserved.casefold() == wanted), None)


def translated(message: Message) -> str:
    """``message`` in Django's active language."""
    return i18n.translate(get_language() or i18n.DEFAULT_LANGUAGE, message)


def refusal(name: str) -> str:
    """Why an event of the add-on's type ``name`` is not created or changed by hand."""
    return translated(Message(
        "\"%(type)s\" payment events are recorded by the invoices when an invoice is paid or refunded, "
        "not by hand. Record the payment on the invoice (the order's Invoices tab) instead.", type=name))


def name_refusal(name: str) -> str:
    """Why a payment event type is not given the add-on's type name ``name`` by hand."""
    return translated(Message(
        "\"%(type)s\" is the name of the payment events the invoices record when an invoice is paid "
        "or refunded. Choose another name.", type=name))
