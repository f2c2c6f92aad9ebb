"""The invoice activity entry of an email: the one shape every queued, sent or failed message records."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from oro_invoices.domain.messages import Message
from oro_invoices.persistence import activity
from oro_invoices.persistence.outbox import OutboxView

KIND = "email"


def record(session: Session, email: OutboxView, actor: str, event: str, *, invoice_id: int | None = None,
           **extra: Any) -> None:
    """Add ``Email to <recipients> <event>`` to the invoice's activity, in the caller's transaction.

    The entry's data names the message (``email_id``, ``message_id``), its ``to``,
    ``subject`` and ``status``, plus ``extra`` (the error, the SMTP reply …). A customer's
    message (a statement) belongs to no invoice: its history is its own row's status.
    ``invoice_id``: another invoice the message is about (one receipt for several invoices).
    """
    invoice_id = invoice_id or email.invoice_id
    if invoice_id is None:
        return
    activity.record(session, invoice_id, KIND, actor,
                    Message("Email to %(to)s %(event)s", to=", ".join(email.to), event=event),
                    {"email_id": email.id, "message_id": email.message_id, "to": list(email.to),
                     "subject": email.subject, "status": email.status, **extra})
