"""Outgoing events about no invoice: ``oro_invoice_outgoing_event.invoice_id`` may be empty (a
``customer.credit_updated`` event of credit given back outside the add-on).

SQLite cannot change a column's nullability, so the table is rebuilt (batch mode), keeping its
ids never reused and its indexes in name order. Going down deletes the events about no invoice:
the older schema has no place for them.

Revision ID: 0035
Revises: 0034
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_outgoing_event"
#: as ``models.NEVER_REUSE_IDS``: SQLite's table, rebuilt, keeps never reusing an id
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def _invoice_id(nullable: bool) -> None:
    with op.batch_alter_table(TABLE, table_kwargs=NEVER_REUSE_IDS) as batch:
        batch.alter_column("invoice_id", existing_type=sa.BigInteger(), nullable=nullable)
    sort_indexes(TABLE)


def upgrade() -> None:
    _invoice_id(nullable=True)


def downgrade() -> None:
    op.execute(f"DELETE FROM {TABLE} WHERE invoice_id IS NULL")
    _invoice_id(nullable=False)
