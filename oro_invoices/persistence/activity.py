"""Activity records: every change to an invoice, with actor and time."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from oro_invoices.domain.messages import Message
from oro_invoices.persistence.clock import session_now
from oro_invoices.persistence.models import Activity

KINDS = ("created", "updated", "posted", "deleted", "note", "email", "payment",
         "payment_status", "pdf", "credit_note", "voided", "reissued", "reminder", "einvoice")

#: The key of an entry's ``data`` that keeps its summary as a translatable message.
SUMMARY_MESSAGE = "summary_message"


def record(session: Session, invoice_id: int, kind: str, actor: str, summary: str = "",
           data: dict[str, Any] | None = None) -> Activity:
    """Add an activity entry in the caller's transaction, at the time of its database's clock.

    A ``summary`` that is a ``Message`` is kept with its catalog id and values too
    (``data[SUMMARY_MESSAGE]``), so the entry is shown in each reader's language."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    row = Activity(invoice_id=invoice_id, kind=kind, actor=actor or "system", summary=str(summary),
                   data=with_summary(summary, data), created_at=session_now(session))
    session.add(row)
    return row


def with_summary(summary: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """An entry's ``data`` keeping ``summary`` when it is a ``Message`` (for rows written in bulk)."""
    data = dict(data or {})
    if isinstance(summary, Message):
        data[SUMMARY_MESSAGE] = summary.to_json()
    return data
