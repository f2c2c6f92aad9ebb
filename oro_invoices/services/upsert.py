"""Create-or-update by external id: which document fields a payload would change.

``PUT /invoices/by-external-id/{external_id}`` re-sends a whole invoice (and ``POST
/e-invoices`` an e-invoice); comparing the validated payload with what is stored tells
"unchanged" from "updated", and names the fields that a posted (frozen) invoice would
need to change.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from oro_invoices.domain.errors import InvoiceIsPosted
from oro_invoices.domain.invoice import Address, InvoiceDocument, tax_category_for
from oro_invoices.services.lifecycle import DOCUMENT_FIELDS, posted_refusal

if TYPE_CHECKING:
    from oro_invoices.services.facade import InvoiceService

_LINE_FIELDS = ("description", "sku", "unit", "quantity", "unit_price", "tax_rate")


def changed_fields(doc: InvoiceDocument, data: Mapping[str, Any], seller_address: str = "") -> list[str]:
    """The document fields (and ``status``) given in ``data`` (a loaded payload) that differ from ``doc``.

    ``"status": "draft"`` for a posted ``doc`` is no change (``draft_of_posted``): an export
    made before the invoice was posted, sent again, still describes it. ``seller_address``: the
    seller's electronic address an e-invoice states (BT-34), named so when a posted ``doc``
    keeps another (none stated is no change, as a draft's seller is taken at posting).
    """
    changed = []
    for name in sorted(set(data) & DOCUMENT_FIELDS):
        if name == "buyer":
            if _buyer_differs(doc, data[name]):
                changed.append(name)
        elif _stored(doc, name) != _given(name, data[name]):
            changed.append(name)
    if seller_address and doc.is_posted and doc.seller.electronic_address != seller_address:
        changed.append("BT-34")
    if "status" in data and data["status"] != doc.status.value and not draft_of_posted(doc, data):
        changed.append("status")
    return changed


def draft_of_posted(doc: InvoiceDocument, data: Mapping[str, Any]) -> bool:
    """Whether ``data`` describes the posted ``doc`` as a draft (taken as it is: posted)."""
    return doc.is_posted and data.get("status") == "draft"


def draft_of_posted_warning(doc: InvoiceDocument) -> str:
    """What an import says of a record giving the posted ``doc`` as a draft."""
    return (f"Invoice {doc.invoice_number} is already posted; this record gives it as a draft (an export "
            "made before it was posted) and is otherwise the same, so it is unchanged.")


def posted_conflict(doc: InvoiceDocument, changed: list[str]) -> InvoiceIsPosted:
    """The error of a payload that would change the fields ``changed`` of the posted ``doc``."""
    return posted_refusal(doc.invoice_number, changed)


def bring_up_to_date(service: InvoiceService, doc: InvoiceDocument, payload: Mapping[str, Any],
                     data: Mapping[str, Any], *, actor: str, pdf: bytes | None = None,
                     einvoice_xml: bytes | None = None, seller_address: str = "") -> tuple[InvoiceDocument, str]:
    """``doc`` (found by the external id ``payload`` gives) as ``payload`` describes it, and
    ``"updated"`` or ``"unchanged"``. ``data``: what ``payload`` loaded to. A draft is changed
    (and posted, with ``pdf`` or ``einvoice_xml`` if given, when the payload says posted); a
    posted invoice only takes a different payment status. ``seller_address``: the seller's
    electronic address the e-invoice states (``changed_fields``, ``InvoiceService.create``).

    :raises InvoiceIsPosted: ``doc`` is posted and its document fields differ (they are named).
    """
    changed = changed_fields(doc, data, seller_address)
    if doc.is_posted and changed:
        raise posted_conflict(doc, changed)
    new_payment_status = "payment_status" in data and (doc.payment_status.value != data["payment_status"]
                                                       if data["payment_status"] is not None
                                                       else doc.payment_status_forced)
    if not changed and not new_payment_status:
        return doc, "unchanged"
    changes = {k: v for k, v in payload.items() if k != "status" and (k in changed or k == "payment_status")}
    with service.atomic():
        if changes:
            doc = service.update(doc.id, changes, actor=actor)
        if "status" in changed:  # a draft sent as posted
            doc = service.post(doc.id, actor=actor, pdf=pdf, einvoice_xml=einvoice_xml, apply_credit=False,
                               seller_address=seller_address)
    return doc, "updated"


def _buyer_differs(doc: InvoiceDocument, given: Mapping[str, str] | None) -> bool:
    """Whether a part of the buyer ``given`` states differs from ``doc``'s (a part it leaves
    empty is the customer's at posting: no change)."""
    stored = doc.buyer.as_dict()
    return any(value and stored[part] != value for part, value in (given or {}).items())


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
