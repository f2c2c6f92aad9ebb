"""Tamper evidence: a SHA-256 chain over posted invoices and their stored PDFs.

Each organization and month (the numbering scope) has its own chain, so
posting in one never waits for another. A link's hash covers the frozen
content and the previous link's hash. Two kinds of link:

- an invoice, at posting: its canonical content, including the SHA-256 of the PDF
  stored in the same transaction (``pdf_sha256``), that of the e-invoice XML it keeps
  (``einvoice_sha256``: imported from it, or issued as UBL) and the counter value the
  automatic numbering gave it (``number_sequence``);
- a PDF stored after posting (uploaded by the external system, or completed later):
  the invoice it belongs to and the file's SHA-256 and size, appended to the chain the
  invoice was posted in.

Keys added by revision 0004 (``pdf_sha256``, ``number_sequence``) and 0009 (a credit
note's ``document_type``, ``credited_invoice_id`` and lines' ``credited_line_id``; a
re-issued invoice's ``reissued_from_id``), 0010 (the ``buyer`` snapshot, lines'
``tax_category`` and ``tax_exemption_reason``), 0014 (the delivery date and period), 0021
(``credit_reason``), 0026 (``einvoice_sha256``) and 0043 (``purchase_order``) enter the hashed content only when set, so
links made before them still verify.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from oro_invoices.persistence.models import Invoice

GENESIS = "0" * 64
#: Content keys that are hashed only when they have a value (added by revisions 0004, 0009, 0021,
#: 0026 and 0043).
OPTIONAL_KEYS = ("pdf_sha256", "number_sequence", "credited_invoice_id", "reissued_from_id",
                 "buyer", "credit_reason", "einvoice_sha256", "purchase_order")
#: Dates hashed (ISO 8601) only when set (added by revision 0014).
OPTIONAL_DATES = ("delivery_date", "delivery_period_start", "delivery_period_end")
#: Line keys hashed only when set (added by revision 0010: a line's VAT category).
LINE_OPTIONAL_KEYS = ("tax_category", "tax_exemption_reason")


def chain_key(organization_id: int, period: str) -> str:
    return f"{organization_id}:{period}"


def parse_chain_key(key: str) -> tuple[int, str]:
    """``(organization_id, period)`` of a chain key made by ``chain_key``."""
    organization, _, period = key.partition(":")
    return int(organization), period


def canonical_content(invoice: Invoice) -> dict[str, Any]:
    """Everything that makes up the posted document, as plain strings and numbers."""
    content: dict[str, Any] = {
        "id": invoice.id,
        "invoice_number": invoice.invoice_number,
        "external_id": invoice.external_id,
        "organization_id": invoice.organization_id,
        "website_id": invoice.website_id,
        "customer_id": invoice.customer_id,
        "customer_user_id": invoice.customer_user_id,
        "customer_name": invoice.customer_name,
        "customer_user_email": invoice.customer_user_email,
        "order_id": invoice.order_id,
        "order_identifier": invoice.order_identifier,
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "currency": invoice.currency,
        "bill_to": invoice.bill_to,
        "ship_to": invoice.ship_to,
        "seller": invoice.seller,
        "subtotal": invoice.subtotal,
        "tax_amount": invoice.tax_amount,
        "total_amount": invoice.total_amount,
        "external_payment_url": invoice.external_payment_url,
        "posted_at": invoice.posted_at.isoformat() if invoice.posted_at else None,
        "lines": [
            {"position": l.position, "description": l.description, "sku": l.sku, "unit": l.unit,
             "quantity": format(l.quantity, "f"), "unit_price": format(l.unit_price, "f"),
             "tax_rate": format(l.tax_rate, "f"), "row_total": l.row_total, "row_tax": l.row_tax}
            | ({"credited_line_id": l.credited_line_id} if l.credited_line_id is not None else {})
            | {k: v for k in LINE_OPTIONAL_KEYS if (v := getattr(l, k)) is not None}
            for l in sorted(invoice.lines, key=lambda l: l.position)
        ],
    }
    if invoice.document_type not in (None, "invoice"):
        content["document_type"] = invoice.document_type
    for key in OPTIONAL_KEYS:
        value = getattr(invoice, key)
        if value is not None:
            content[key] = value
    for key in OPTIONAL_DATES:
        day = getattr(invoice, key)
        if day is not None:
            content[key] = day.isoformat()
    return content


def _hash(prev_hash: str, content: dict[str, Any]) -> str:
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def link_hash(invoice: Invoice, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the invoice's canonical content."""
    return _hash(prev_hash, canonical_content(invoice))


def pdf_content(*, invoice_id: int, invoice_number: str | None, sha256: str, size: int,
                source: str) -> dict[str, Any]:
    """The hashed content of a PDF link: which invoice, which file."""
    return {"kind": "pdf", "invoice_id": invoice_id, "invoice_number": invoice_number,
            "sha256": sha256, "size": size, "source": source}


def pdf_link_hash(content: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous hash and a PDF link's content (``pdf_content``)."""
    return _hash(prev_hash, content)
