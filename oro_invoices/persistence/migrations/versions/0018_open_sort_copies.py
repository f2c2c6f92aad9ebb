"""The Overdue filter's few overdue invoices sorted by total, customer name, payment status or
payment method from one index: each payment state also keeps its invoice's total and customer
name (``open_due.COPIED_0018``), filled in here for the invoices that exist, and the
(organization, open due date) index holds them and the state's payment status and method.

Revision ID: 0018
Revises: 0017
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import open_due
from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

STATE = "oro_invoice_payment_state"
BY_DUE_DATE = "ix_oro_invoice_payment_state_org_open_due"
INDEXED_0016 = ["organization_id", "open_due_date", "invoice_id", "invoice_date"]


def _remove_triggers_and_index() -> None:
    for statement in open_due.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index(BY_DUE_DATE, table_name=STATE)


def _install(copied: tuple[str, ...], indexed: list[str]) -> None:
    op.create_index(BY_DUE_DATE, STATE, indexed)
    for statement in open_due.create_statements(op.get_bind().dialect.name, copied, open_due.CLOSING_0016):
        op.execute(statement)


def upgrade() -> None:
    _remove_triggers_and_index()   # the refresh below then maintains no index
    op.add_column(STATE, sa.Column("total_amount", sa.BigInteger(), nullable=True))
    op.add_column(STATE, sa.Column("customer_name", sa.String(255), nullable=True))
    op.execute(open_due.refresh_statement(open_due.COPIED_0018, closing=open_due.CLOSING_0016))
    _install(open_due.COPIED_0018,
             [*INDEXED_0016, "total_amount", "customer_name", "payment_status", "payment_method"])


def downgrade() -> None:
    _remove_triggers_and_index()
    with op.batch_alter_table(STATE) as batch:
        for column in ("customer_name", "total_amount"):
            batch.drop_column(column)
    _install(open_due.COPIED_0016, INDEXED_0016)
    sort_indexes(STATE)
