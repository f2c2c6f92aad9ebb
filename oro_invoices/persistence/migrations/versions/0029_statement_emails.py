"""Emails that belong to a customer rather than to one invoice: a customer's statement of account
sent by email. ``oro_invoice_email.invoice_id`` may be empty; such a message names its
``organization_id`` and ``customer_id`` instead, and is found by them (a partial index).

Going down deletes those messages: the older schema has no place for them.

Revision ID: 0029
Revises: 0028
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_email"
INDEX = "ix_oro_invoice_email_customer"
#: as ``models.NEVER_REUSE_IDS``: SQLite's table, rebuilt, keeps never reusing an id
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
CUSTOMER_SET = sa.text("customer_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table(TABLE, table_kwargs=NEVER_REUSE_IDS) as batch:
        batch.alter_column("invoice_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("organization_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("customer_id", sa.BigInteger(), nullable=True))
    op.create_index(INDEX, TABLE, ["organization_id", "customer_id", "id"],
                    sqlite_where=CUSTOMER_SET, postgresql_where=CUSTOMER_SET)
    sort_indexes(TABLE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.execute(f"DELETE FROM {TABLE} WHERE invoice_id IS NULL")
    with op.batch_alter_table(TABLE, table_kwargs=NEVER_REUSE_IDS) as batch:
        batch.drop_column("customer_id")
        batch.drop_column("organization_id")
        batch.alter_column("invoice_id", existing_type=sa.BigInteger(), nullable=False)
    sort_indexes(TABLE)
