"""The Overdue filter from the payment states' own indexes: each state keeps its invoice's
organization, invoice date and, while the invoice can be paid, its due date (``open_due.py``),
filled in here for the invoices that exist.

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import open_due
from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

STATE = "oro_invoice_payment_state"
BY_DUE_DATE = "ix_oro_invoice_payment_state_org_open_due"
BY_INVOICE_DATE = "ix_oro_invoice_payment_state_org_open_date"
OPEN = sa.text("open_due_date IS NOT NULL")


def upgrade() -> None:
    op.add_column(STATE, sa.Column("organization_id", sa.BigInteger(), nullable=True))
    op.add_column(STATE, sa.Column("invoice_date", sa.Date(), nullable=True))
    op.add_column(STATE, sa.Column("open_due_date", sa.Date(), nullable=True))
    op.execute(open_due.refresh_statement(open_due.COPIED_0016, closing=open_due.CLOSING_0016))
    op.create_index(BY_DUE_DATE, STATE, ["organization_id", "open_due_date", "invoice_id", "invoice_date"])
    op.create_index(BY_INVOICE_DATE, STATE, ["organization_id", "invoice_date", "invoice_id", "open_due_date"],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    for statement in open_due.create_statements(op.get_bind().dialect.name, open_due.COPIED_0016,
                                                   open_due.CLOSING_0016):
        op.execute(statement)


def downgrade() -> None:
    for statement in open_due.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index(BY_INVOICE_DATE, table_name=STATE)
    op.drop_index(BY_DUE_DATE, table_name=STATE)
    with op.batch_alter_table(STATE) as batch:
        for column in ("open_due_date", "invoice_date", "organization_id"):
            batch.drop_column(column)
    sort_indexes(STATE)
