"""Which invoices' payment status a session has changed, and what each status was before.

Every assignment to ``PaymentState.payment_status`` on a row loaded from the database is
noted on its session (the first old value per invoice). ``take_changes`` hands the notes over
just before the commit; comparing them with the rows then tells the real changes, so a
change undone later in the transaction (or by a rolled-back savepoint) is no change.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.base import NO_VALUE

from oro_invoices.persistence.models import PaymentState

_KEY = "oro_invoices.payment_status_before"


@event.listens_for(PaymentState.payment_status, "set", active_history=True)
def _note(target: PaymentState, value: Any, oldvalue: Any, initiator: Any) -> None:
    if oldvalue is NO_VALUE or oldvalue is None or not inspect(target).has_identity:
        return  # a new row: there is no status before
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_KEY, {}).setdefault(target.invoice_id, oldvalue)


def take_changes(session: Session) -> dict[int, tuple[str, str]]:
    """``{invoice_id: (before, now)}`` for each status this session changed; forgets the notes.

    Flushes the session first so ``now`` is what will be committed.
    """
    before: dict[int, str] = session.info.pop(_KEY, {})
    if not before:
        return {}
    session.flush()
    rows = session.execute(select(PaymentState.invoice_id, PaymentState.payment_status)
                           .where(PaymentState.invoice_id.in_(sorted(before))))
    now = {row.invoice_id: row.payment_status for row in rows}
    return {invoice_id: (old, now[invoice_id]) for invoice_id, old in sorted(before.items())
            if invoice_id in now and now[invoice_id] != old}
