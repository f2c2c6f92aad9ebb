"""Create-or-update by external id: which document fields a payload would change.

``PUT /invoices/by-external-id/{external_id}`` re-sends a whole invoice; comparing the
validated payload with what is stored tells "unchanged" from "updated", and names the
fields that a posted (frozen) invoice would need to change.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oro_invoices.domain.invoice import Address, InvoiceDocument, tax_category_for
from oro_invoices.services.lifecycle import DOCUMENT_FIELDS

_LINE_FIELDS = ("description", "sku", "unit", "quantity", "unit_price", "tax_rate")


def changed_fields(doc: InvoiceDocument, data: Mapping[str, Any]) -> list[str]:
    """The document fields (and ``status``) given in ``data`` (a loaded payload) that differ from ``doc``."""
    changed = []
    for name in sorted(set(data) & DOCUMENT_FIELDS):
        if _stored(doc, name) != _given(name, data[name]):
            changed.append(name)
    if "status" in data and data["status"] != doc.status.value:
        changed.append("status")
    return changed


def _stored(doc: InvoiceDocument, name: str) -> Any:
    value = getattr(doc, name)
    if name == "lines":
        return [(*(getattr(line, f) for f in _LINE_FIELDS), line.tax_category.value, line.tax_exemption_reason)
                for line in value]
    if name in ("bill_to", "ship_to"):
        return None if value is None else value.as_dict()
    return value


def _given(name: str, value: Any) -> Any:
    if name == "lines":
        # a line's category as it takes effect: none given is Z at rate 0, else S
        return [(*(line[f] for f in _LINE_FIELDS),
                 tax_category_for(line.get("tax_category"), line["tax_rate"]).value,
                 line.get("tax_exemption_reason") or "") for line in value]
    if name in ("bill_to", "ship_to"):
        address = Address.from_mapping(value)
        return None if address is None else address.as_dict()
    return value
