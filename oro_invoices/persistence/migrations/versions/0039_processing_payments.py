"""Payments on their way: ``oro_invoice_payment_attempt.processing_since`` is when the provider
reported a started payment as processing (a SEPA Direct Debit takes days to arrive). While it is
set and the attempt is still started, the payment holds its amount: it is not offered again.
``oro_invoice_payment_state.amount_processing`` keeps what such payments cover of each invoice,
read with the payment status (no payment was reported processing before: 0 for all).

Revision ID: 0039
Revises: 0038
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_payment_attempt"
STATES = "oro_invoice_payment_state"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("processing_since", UTCDateTime(), nullable=True))
    op.add_column(STATES, sa.Column("amount_processing", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    # no trigger or index names the columns: dropped in place (SQLite 3.35+, PostgreSQL)
    op.execute(f"ALTER TABLE {STATES} DROP COLUMN amount_processing")
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN processing_since")
