"""An invoice whose amount due open authorizations hold in full is not overdue: its payment state
keeps ``held_in_full`` (``open_due``, with ``held=HOLDING_0037``), worked out here for the invoices that
hold money, and the Overdue filter's two indexes hold it, so that it is tested there. The aging
index also holds ``amount_held``, so that the storefront balance's Overdue is the unheld rest.

Going down drops the column and gives the indexes back their earlier columns.

Revision ID: 0037
Revises: 0036
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import open_due
from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

STATE = "oro_invoice_payment_state"
BY_DUE_DATE = "ix_oro_invoice_payment_state_org_open_due"
BY_INVOICE_DATE = "ix_oro_invoice_payment_state_org_open_date"
AGING = "ix_oro_invoice_payment_state_org_aging"
OPEN = sa.text("open_due_date IS NOT NULL")
AGING_ROWS = sa.text("open_due_date IS NOT NULL AND currency IS NOT NULL")
#: The indexes' columns as revisions 0018, 0016 and 0028 left them.
BY_DUE_DATE_0018 = ["organization_id", "open_due_date", "invoice_id", "invoice_date", "total_amount",
                    "customer_name", "payment_status", "payment_method"]
BY_INVOICE_DATE_0016 = ["organization_id", "invoice_date", "invoice_id", "open_due_date"]
AGING_0028 = ["organization_id", "customer_id", "currency", "open_due_date", "total_amount", "amount_paid",
              "amount_credited", "customer_name"]


def _remove_triggers_and_indexes() -> None:
    for statement in open_due.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    for index in (BY_DUE_DATE, BY_INVOICE_DATE, AGING):
        op.drop_index(index, table_name=STATE)


def _install(held: bool) -> None:
    extra = ["held_in_full"] if held else []
    # in the order the revisions before made them: PostgreSQL weighs its indexes in that order
    op.create_index(BY_INVOICE_DATE, STATE, [*BY_INVOICE_DATE_0016, *extra], sqlite_where=OPEN,
                    postgresql_where=OPEN)
    op.create_index(BY_DUE_DATE, STATE, [*BY_DUE_DATE_0018, *extra])
    op.create_index(AGING, STATE, [*AGING_0028, *(["amount_held"] if held else [])], sqlite_where=AGING_ROWS,
                    postgresql_where=AGING_ROWS)
    for statement in open_due.create_statements(op.get_bind().dialect.name, open_due.COPIED_0028,
                                                open_due.CLOSING_0036, held=open_due.HOLDING_0037 if held else None):
        op.execute(statement)
    sort_indexes(STATE)


def upgrade() -> None:
    _remove_triggers_and_indexes()   # the refresh below then maintains no index
    op.add_column(STATE, sa.Column("held_in_full", sa.Boolean(), nullable=False, server_default=sa.false()))
    # only a state holding money can hold all that is due; the others keep the default
    op.execute(open_due.refresh_statement(open_due.COPIED_0028, "amount_held > 0", open_due.CLOSING_0036,
                                          held=open_due.HOLDING_0037))
    _install(held=True)


def downgrade() -> None:
    _remove_triggers_and_indexes()
    # no trigger or index names the column any more: dropped in place (SQLite 3.35+, PostgreSQL)
    op.execute(f"ALTER TABLE {STATE} DROP COLUMN held_in_full")
    _install(held=False)
