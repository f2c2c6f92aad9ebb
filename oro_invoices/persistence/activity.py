"""Activity records: every change to an invoice, with actor and time."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from oro_invoices.persistence.models import Activity, utcnow

KINDS = ("created", "updated", "posted", "deleted", "note", "email", "payment",
         "payment_status", "pdf", "credit_note", "voided", "reissued", "reminder", "einvoice")


def record(session: Session, invoice_id: int, kind: str, actor: str, summary: str = "",
           data: dict[str, Any] | None = None) -> Activity:
    """Add an activity entry in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    row = Activity(invoice_id=invoice_id, kind=kind, actor=actor or "system", summary=summary,
                   data=data or {}, created_at=utcnow())
    session.add(row)
    return row
