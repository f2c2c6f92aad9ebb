"""An invoice as an import record: the payload the import (and the JSON API) takes.

Export writes these records, and the import compares a stored draft with a record
through them, so what export writes, import reads back to the same invoice.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from oro_invoices.domain.invoice import Address, InvoiceDocument, InvoiceLine, tax_category_for

_SCALARS = ("external_id", "invoice_number", "currency", "organization_id", "website_id", "customer_id",
            "customer_user_id", "customer_name", "customer_user_email", "order_id", "order_identifier",
            "purchase_order", "external_payment_url")


def _tax_category(line: InvoiceLine) -> dict[str, str]:
    """A line's VAT category and reason, when they are not what a line without them gets."""
    if line.tax_category is tax_category_for(None, line.tax_rate) and not line.tax_exemption_reason:
        return {}
    return {"tax_category": line.tax_category.value, "tax_exemption_reason": line.tax_exemption_reason}


def stand_in(invoice_id: int) -> str:
    """The external id export writes for the invoice ``invoice_id``, which has none: ``ORO-<id>``
    (``exporting.StandIns`` gives another when an invoice already has that one)."""
    return f"ORO-{invoice_id}"


def document_payload(doc: InvoiceDocument, *, fields: Collection[str] | None = None,
                     external_id_of: Callable[[int], str] = stand_in) -> dict[str, Any]:
    """``doc`` as an import record (only ``fields`` if given; empty values left out).

    A posted invoice carries ``status: "posted"`` and its payment status. A credit note names
    the invoice it credits by its external id, ``external_id_of(its id)`` when it has none.
    """
    payload: dict[str, Any] = {key: getattr(doc, key) for key in _SCALARS}
    payload["invoice_date"] = doc.invoice_date.isoformat()
    payload["due_date"] = doc.due_date.isoformat() if doc.due_date else None
    for key in ("delivery_date", "delivery_period_start", "delivery_period_end"):
        day = getattr(doc, key)
        payload[key] = day.isoformat() if day else None
    payload["bill_to"] = _address(doc.bill_to)
    payload["ship_to"] = _address(doc.ship_to)
    payload["buyer"] = {part: value for part, value in doc.buyer.as_dict().items() if value} or None
    payload["lines"] = [{"description": line.description, "sku": line.sku, "unit": line.unit,
                         "quantity": _decimal(line.quantity), "unit_price": _decimal(line.unit_price),
                         "tax_rate": _decimal(line.tax_rate), **_tax_category(line)} for line in doc.lines]
    if doc.is_posted:
        payload["status"] = "posted"
        payload["payment_status"] = doc.payment_status.value
    elif doc.payment_status_forced:
        payload["payment_status"] = doc.payment_status.value
    if doc.invoice_number is None or not doc.is_posted:
        payload.pop("invoice_number")
    if doc.is_credit_note and doc.credited_invoice is not None:
        payload["document_type"] = doc.document_type.value
        payload["credited_invoice_external_id"] = (doc.credited_invoice.external_id
                                                   or external_id_of(doc.credited_invoice.id))
        payload["credit_reason"] = doc.credit_reason
        payload.pop("payment_status", None)  # a credit note's status follows from what it is
    if fields is not None:
        payload = {k: v for k, v in payload.items() if k in fields}
    return {k: v for k, v in payload.items() if v not in (None, "")}


def _address(address: Address | None) -> dict[str, str] | None:
    if address is None:
        return None
    return {k: v for k, v in asdict(address).items() if v}


def _decimal(value: Decimal) -> str:
    """``2`` for 2.000000, ``0.0125`` for 0.012500: the value as written, without padding."""
    return f"{value.normalize():f}"
