"""E-invoice data: VAT categories per line, the buyer's tax data on the invoice.

- ``oro_invoice_line.tax_category`` (EN 16931 BT-151: S, Z, E, AE, K, G, O) and
  ``tax_exemption_reason`` (BT-120); None on existing lines, read as Z at rate 0, else S.
- ``oro_invoice_invoice.buyer``: the buyer's VAT id, country code and reference (BT-48,
  BT-55, BT-10) frozen at posting.

Adding nullable columns changes no posted row (no trigger fires).

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("oro_invoice_line", sa.Column("tax_category", sa.String(length=2), nullable=True))
    op.add_column("oro_invoice_line", sa.Column("tax_exemption_reason", sa.Text(), nullable=True))
    op.add_column("oro_invoice_invoice", sa.Column("buyer", sa.JSON(), nullable=True))


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def downgrade() -> None:
    _drop_column("oro_invoice_invoice", "buyer")
    _drop_column("oro_invoice_line", "tax_exemption_reason")
    _drop_column("oro_invoice_line", "tax_category")
