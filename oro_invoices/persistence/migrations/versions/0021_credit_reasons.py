"""Credit notes keep their reason: ``oro_invoice_invoice.credit_reason``.

Why the credit note was issued, as the admin gave it, printed on the credit note and carried
in its e-invoice (BT-22, subject code ACD). Optional (None on existing rows and on invoices).
Adding a nullable column changes no posted row (no trigger fires); the hash chain covers it
only when set (``persistence.chain``).

Revision ID: 0021
Revises: 0020
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

COLUMN = "credit_reason"


def upgrade() -> None:
    op.add_column("oro_invoice_invoice", sa.Column(COLUMN, sa.Text(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE oro_invoice_invoice DROP COLUMN {COLUMN}")
    else:
        op.drop_column("oro_invoice_invoice", COLUMN)
