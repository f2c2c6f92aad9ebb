"""Delivery dates: when the invoiced goods or services were supplied.

- ``oro_invoice_invoice.delivery_date``: the actual delivery date (EN 16931 BT-72);
- ``delivery_period_start`` / ``delivery_period_end``: the invoicing period (BG-14, BT-73/74).

All optional (None on existing invoices). Adding nullable columns changes no posted row
(no trigger fires); the hash chain covers them only when set (``persistence.chain``).

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("delivery_date", "delivery_period_start", "delivery_period_end")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("oro_invoice_invoice", sa.Column(name, sa.Date(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
            op.execute(f"ALTER TABLE oro_invoice_invoice DROP COLUMN {name}")
        else:
            op.drop_column("oro_invoice_invoice", name)
