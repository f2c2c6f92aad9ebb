"""Which invoices' payment state a session has changed, and what each status was before.

Every assignment to ``PaymentState.payment_status``, ``amount_paid`` or ``amount_credited`` on
a row loaded from the database is noted on its session (the first old value per invoice and
column). ``take_changes`` hands the notes over just before the commit; comparing them with the
rows then tells the real changes, so a change undone later in the transaction (or by a
rolled-back savepoint) is no change.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.base import NO_VALUE

from oro_invoices.persistence.models import PaymentState

_KEY = "oro_invoices.payment_state_before"
#: The columns whose change is published: the status and the amounts the amount due comes from.
TRACKED = ("payment_status", "amount_paid", "amount_credited")


def _noter(column: str) -> Any:
    def note(target: PaymentState, value: Any, oldvalue: Any, initiator: Any) -> None:
        if oldvalue is NO_VALUE or oldvalue is None or not inspect(target).has_identity:
            return  # a new row: there is nothing before
        session = object_session(target)
        if session is not None:
            session.info.setdefault(_KEY, {}).setdefault(target.invoice_id, {}).setdefault(column, oldvalue)
    return note


for _column in TRACKED:
    event.listen(getattr(PaymentState, _column), "set", _noter(_column), active_history=True)


def take_changes(session: Session) -> dict[int, tuple[str, str]]:
    """``{invoice_id: (status before, status now)}`` for each invoice whose payment status or
    amounts (paid, credited) this session changed; forgets the notes. The two statuses are the
    same when only the amounts changed.

    Flushes the session first so ``now`` is what will be committed.
    """
    before: dict[int, dict[str, Any]] = session.info.pop(_KEY, {})
    if not before:
        return {}
    session.flush()
    rows = session.execute(select(PaymentState.invoice_id, *(getattr(PaymentState, c) for c in TRACKED))
                           .where(PaymentState.invoice_id.in_(sorted(before))))
    now = {row.invoice_id: dict(zip(TRACKED, row[1:], strict=True)) for row in rows}
    changes: dict[int, tuple[str, str]] = {}
    for invoice_id, old in sorted(before.items()):
        current = now.get(invoice_id)
        if current is not None and any(current[c] != value for c, value in old.items()):
            changes[invoice_id] = (old.get("payment_status", current["payment_status"]),
                                   current["payment_status"])
    return changes
