"""The Reply-To address of an outbox message (the seller's contact email when it was queued).

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oro_invoice_email") as batch:
        batch.add_column(sa.Column("reply_to", sa.String(320), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("oro_invoice_email") as batch:
        batch.drop_column("reply_to")
    sort_indexes("oro_invoice_email")
