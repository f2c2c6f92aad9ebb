"""Payment transactions by the time they were recorded: the receivables on a past day
(``persistence.aging_history``) look for the invoices with a transaction recorded after that
day, and read only those.

Revision ID: 0030
Revises: 0029
"""
from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_payment_transaction"
INDEX = "ix_oro_invoice_payment_transaction_created"


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ["created_at", "invoice_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
