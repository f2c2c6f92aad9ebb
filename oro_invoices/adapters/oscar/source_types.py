"""The payment source type only the add-on records payments on ("Invoice", ``payments``), and
the words refusing its sources, their transactions and its name to staff in Django admin
(``source_admin``), in Django's active language."""
from __future__ import annotations

from typing import Any

from oro_invoices.adapters.oscar.event_types import reserved_name, translated
from oro_invoices.adapters.oscar.payments import SOURCE_TYPE
from oro_invoices.domain.messages import Message


def is_addon_source_type(name: str | None) -> bool:
    """Whether ``name`` is the name of the payment source type only the add-on records."""
    return name == SOURCE_TYPE


def source_type_name(source: Any) -> str | None:
    """The name of the type of the payment source ``source`` (None without one)."""
    return getattr(getattr(source, "source_type", None), "name", None)


def reserved_source_type(name: str) -> str | None:
    """The add-on's source type name that ``name`` would pass for (the same but for case and
    spaces), else None."""
    return reserved_name(name, (SOURCE_TYPE,))


def source_refusal(name: str) -> str:
    """Why a payment source of the add-on's type ``name``, or a transaction of one, is not
    created, changed or deleted by hand."""
    return translated(Message(
        "\"%(type)s\" payment sources and their transactions are recorded by the invoices when an invoice "
        "is paid or refunded, not by hand. Record the payment on the invoice (the order's Invoices tab) "
        "instead.", type=name))


def source_type_name_refusal(name: str) -> str:
    """Why a payment source type is not given the add-on's type name ``name`` by hand."""
    return translated(Message(
        "\"%(type)s\" is the name of the payment sources the invoices record when an invoice is paid or "
        "refunded. Choose another name.", type=name))
