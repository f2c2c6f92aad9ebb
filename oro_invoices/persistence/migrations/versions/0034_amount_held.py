"""What open authorizations hold of an invoice (``oro_invoice_payment_state.amount_held``): kept
with the payment status from now on, and worked out here for the invoices that have an
authorization, so that nothing offers to pay what a card already holds.

Revision ID: 0034
Revises: 0033
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

STATES = "oro_invoice_payment_state"
TRANSACTIONS = "oro_invoice_payment_transaction"


def upgrade() -> None:
    op.add_column(STATES, sa.Column("amount_held", sa.BigInteger(), nullable=False, server_default="0"))
    tx = sa.table(TRANSACTIONS, sa.column("invoice_id"), sa.column("action"), sa.column("amount"),
                  sa.column("successful"), sa.column("parent_id"))
    bind = op.get_bind()
    with_authorizations = sa.select(tx.c.invoice_id).where(tx.c.action == "authorize", tx.c.successful.is_(True))
    rows = bind.execute(sa.select(tx.c.invoice_id, tx.c.action, tx.c.amount, tx.c.parent_id)
                        .where(tx.c.invoice_id.in_(with_authorizations), tx.c.successful.is_(True),
                               tx.c.action.in_(("authorize", "capture", "cancel")))).all()
    # as ``domain.statuses`` counts it: authorized (a re-authorization moves a hold, adds none),
    # less what captures took and cancellations released
    held: dict[int, int] = defaultdict(int)
    for invoice_id, action, amount, parent_id in rows:
        if action == "authorize":
            held[invoice_id] += 0 if parent_id is not None else amount
        else:
            held[invoice_id] -= amount
    state = sa.table(STATES, sa.column("invoice_id"), sa.column("amount_held"))
    for invoice_id, amount in held.items():
        if amount > 0:
            bind.execute(state.update().where(state.c.invoice_id == invoice_id).values(amount_held=amount))


def downgrade() -> None:
    # no trigger or index names the column: dropped in place (SQLite 3.35+, PostgreSQL)
    op.execute(f"ALTER TABLE {STATES} DROP COLUMN amount_held")
