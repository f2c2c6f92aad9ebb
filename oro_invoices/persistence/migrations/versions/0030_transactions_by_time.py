"""What changed after a day, found without reading everything: payment transactions by the time
they were recorded, and the payment states whose status was set from outside by organization and
the time they last changed. The receivables on a past day (``persistence.aging_history``) look
for the invoices with a transaction recorded, or a status set from outside, after that day and
read only those.

Revision ID: 0030
Revises: 0029
"""
from __future__ import annotations

from alembic import op

from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TRANSACTIONS = "oro_invoice_payment_transaction"
BY_TIME = "ix_oro_invoice_payment_transaction_created"
STATES = "oro_invoice_payment_state"
FORCED = "ix_oro_invoice_payment_state_forced"


def upgrade() -> None:
    op.create_index(BY_TIME, TRANSACTIONS, ["created_at", "invoice_id"])
    op.create_index(FORCED, STATES, ["forced", "organization_id", "updated_at", "invoice_id"])
    sort_indexes(TRANSACTIONS)
    sort_indexes(STATES)


def downgrade() -> None:
    op.drop_index(FORCED, table_name=STATES)
    op.drop_index(BY_TIME, table_name=TRANSACTIONS)
