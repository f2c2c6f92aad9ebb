"""Tamper evidence: a SHA-256 chain over posted invoices.

Each organization and month (the numbering scope) has its own chain, so
posting in one never waits for another. A link's hash covers the frozen
invoice content (canonical JSON) and the previous link's hash.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from oro_invoices.persistence.models import Invoice

GENESIS = "0" * 64


def chain_key(organization_id: int, period: str) -> str:
    return f"{organization_id}:{period}"


def canonical_content(invoice: Invoice) -> dict[str, Any]:
    """Everything that makes up the posted document, as plain strings and numbers."""
    return {
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
            for l in sorted(invoice.lines, key=lambda l: l.position)
        ],
    }


def link_hash(invoice: Invoice, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the invoice's canonical content."""
    payload = json.dumps(canonical_content(invoice), sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()
