"""The over-refund figures of invoices with a payment reversed in error are noted again, as if that
payment had never been recorded (``services.over_refunds.restate``, which a reversal runs from
now on): what each successful refund gave back beyond what was paid (``over_refunded`` in its
``data``) and what each successful payment covered of that (``over_refund_covered``), the
reversed payment as having covered nothing. A payment reversed before this revision kept the
cover it had noted, and the payment after it noted none, so such an invoice could show an
over-refund it no longer has, and its account activity did not end on its amount due.

Only invoices with a successful reversal and some other successful refund are read (without a
refund there is nothing over to note). The rules are copied here as this revision applies them,
so that later changes to the services leave it as it is. Going down changes nothing: the figures
noted again are those the service notes for a reversal made at any revision.

Revision ID: 0045
Revises: 0044
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from oro_invoices.domain.money import minor_units

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

TRANSACTIONS = "oro_invoice_payment_transaction"
INVOICES = "oro_invoice_invoice"
PAID = ("charge", "capture")
OVER, COVERED = "over_refunded", "over_refund_covered"


def _is_reversal(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("reverses"), int)


def _minor(text: Any, digits: int) -> int:
    """An amount written in a transaction's ``data`` in minor units; 0 for none or a damaged one."""
    if not isinstance(text, str):
        return 0
    try:
        scaled = Decimal(text).scaleb(digits)
        return int(scaled) if scaled == scaled.to_integral_value() else 0
    except (ArithmeticError, ValueError):
        return 0


def _noted(data: Any, key: str, minor: int, digits: int) -> dict[str, Any] | None:
    """``data`` with ``minor`` under ``key`` (left out for nothing); None where that changes nothing."""
    data = dict(data) if isinstance(data, dict) else {}
    text = str(Decimal(minor).scaleb(-digits)) if minor > 0 else None
    if data.get(key) == text:
        return None
    if text is None:
        data.pop(key, None)
    else:
        data[key] = text
    return data


def _restated(rows: list[Any], digits: int) -> dict[int, dict[str, Any]]:
    """The new ``data`` of those of one invoice's transactions (in the order recorded) whose figures
    change: as ``domain.statuses`` sums what was paid and refunded before each one."""
    undone = {row.parent_id for row in rows if row.action == "refund" and row.successful and _is_reversal(row.data)}
    paid = refunded = 0
    changed: dict[int, dict[str, Any]] = {}

    def note(row: Any, key: str, minor: int) -> None:
        data = _noted(row.data, key, minor, digits)
        if data is not None:
            changed[row.id] = data

    for row in rows:
        if row.id in undone:                    # as if never recorded: it covered nothing
            note(row, COVERED, 0)
            continue
        if not row.successful or (row.action == "refund" and _is_reversal(row.data)):
            continue
        data = row.data if isinstance(row.data, dict) else {}
        if row.action in PAID:
            counted = row.amount - _minor(data.get("surplus"), digits)
            note(row, COVERED, max(min(counted, refunded - paid), 0))
            paid += counted
        elif row.action == "refund":
            counted = row.amount - _minor(data.get("from_surplus"), digits)
            note(row, OVER, max(counted - max(paid - refunded, 0), 0))
            refunded += counted                 # a credit note's settlement as much as a refund
    return changed


def upgrade() -> None:
    bind = op.get_bind()
    tx = sa.table(TRANSACTIONS, sa.column("id"), sa.column("invoice_id"), sa.column("action"),
                  sa.column("amount"), sa.column("successful"), sa.column("parent_id"), sa.column("data", sa.JSON()))
    invoice = sa.table(INVOICES, sa.column("id"), sa.column("currency"))
    refunds = bind.execute(sa.select(tx.c.invoice_id, tx.c.data)
                           .where(tx.c.action == "refund", tx.c.successful.is_(True))).all()
    kinds: dict[int, set[bool]] = defaultdict(set)
    for invoice_id, data in refunds:
        kinds[invoice_id].add(_is_reversal(data))
    for invoice_id in sorted(i for i, found in kinds.items() if found == {True, False}):
        currency = bind.execute(sa.select(invoice.c.currency).where(invoice.c.id == invoice_id)).scalar_one()
        rows = bind.execute(sa.select(tx.c.id, tx.c.action, tx.c.amount, tx.c.successful, tx.c.parent_id, tx.c.data)
                            .where(tx.c.invoice_id == invoice_id).order_by(tx.c.id)).all()
        for row_id, data in _restated(list(rows), minor_units(currency)).items():
            bind.execute(tx.update().where(tx.c.id == row_id).values(data=data))


def downgrade() -> None:
    pass        # the figures noted again are right at the revisions below as well
