"""A request body's list of invoices, each named by ``id`` or ``external_id`` (what the API's
actions on several invoices take): resolved among the client's organization's invoices, every
problem under its place (``invoices[2]``)."""
from __future__ import annotations

from typing import Any

from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.domain.limits import parse_id
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.selected_invoices import MAX_SELECTED


def named_invoices(service: InvoiceService, organization_id: int, items: Any, *, action: str,
                   amounts: bool = False) -> tuple[list[tuple[int, int, Any]], list[tuple[str, str]]]:
    """Each item of ``invoices`` that names one of the organization's invoices once, as ``(its
    index, invoice id, its amount or None)``, and what is wrong with the others. ``amounts``:
    an item may also give its ``amount`` (a decimal string). ``action`` names what they are for
    ("one payment") in the message about too many.

    :raises ValidationError: ``invoices`` is no list of 1 to ``MAX_SELECTED`` items.
    """
    shape = '{"id" or "external_id", "amount"}' if amounts else '{"id" or "external_id"}'
    if not isinstance(items, list) or not items:
        raise ValidationError([("invoices", f"Required: a list of {shape}.")])
    if len(items) > MAX_SELECTED:
        raise ValidationError([("invoices", f"At most {MAX_SELECTED} invoices in {action}.")])
    keys = {"id", "external_id", *({"amount"} if amounts else set())}
    errors: list[tuple[str, str]] = []
    found: list[tuple[int, int, Any]] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        where = f"invoices[{index}]"
        if not isinstance(item, dict) or set(item) - keys:
            errors.append((where, 'An object of "id" or "external_id"' + (', and "amount".' if amounts else ".")))
            continue
        invoice_id = _find(service, organization_id, item)
        if invoice_id is None:
            errors.append((where, "No invoice of this organization has this id or external_id."))
        elif invoice_id in seen:
            errors.append((where, f"Invoice {invoice_id} is named twice."))
        elif "amount" in item and not isinstance(item["amount"], str):
            errors.append((f"{where}.amount", 'A decimal string such as "50.00".'))
        else:
            seen.add(invoice_id)
            found.append((index, invoice_id, item.get("amount")))
    return found, errors


def _find(service: InvoiceService, organization_id: int, item: dict[str, Any]) -> int | None:
    if ("id" in item) == ("external_id" in item):
        return None
    if "id" in item:
        invoice_id = parse_id(str(item["id"])) if type(item["id"]) is int else None
        if invoice_id is None:
            return None
        try:
            return invoice_id if service.get(invoice_id).organization_id == organization_id else None
        except NotFound:
            return None
    if not isinstance(item["external_id"], str):
        return None
    return service.id_of_external_id(organization_id, item["external_id"])
