"""The receivables aging read from one index: each payment state also keeps its invoice's
customer and currency (``open_due.COPIED_0028``), filled in here for the invoices that exist,
and a partial index of the open ones by (organization, customer, currency) holds every column
the aging adds up.

Revision ID: 0028
Revises: 0027
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import open_due
from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

STATE = "oro_invoice_payment_state"
AGING = "ix_oro_invoice_payment_state_org_aging"
#: as ``models.AGING_ROWS``: a second term only the aging states keeps other queries off the index
ROWS = sa.text("open_due_date IS NOT NULL AND currency IS NOT NULL")


def _remove_triggers() -> None:
    for statement in open_due.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)


def _install_triggers(copied: tuple[str, ...]) -> None:
    for statement in open_due.create_statements(op.get_bind().dialect.name, copied, open_due.CLOSING_0016):
        op.execute(statement)


def upgrade() -> None:
    _remove_triggers()
    op.add_column(STATE, sa.Column("customer_id", sa.BigInteger(), nullable=True))
    op.add_column(STATE, sa.Column("currency", sa.String(3), nullable=True))
    op.execute(open_due.refresh_statement(open_due.COPIED_0028, closing=open_due.CLOSING_0016))
    _install_triggers(open_due.COPIED_0028)
    op.create_index(AGING, STATE, ["organization_id", "customer_id", "currency", "open_due_date", "total_amount",
                                   "amount_paid", "amount_credited", "customer_name"],
                    sqlite_where=ROWS, postgresql_where=ROWS)
    sort_indexes(STATE)


def downgrade() -> None:
    op.drop_index(AGING, table_name=STATE)
    _remove_triggers()
    with op.batch_alter_table(STATE) as batch:
        for column in ("currency", "customer_id"):
            batch.drop_column(column)
    _install_triggers(open_due.COPIED_0018)
    sort_indexes(STATE)
