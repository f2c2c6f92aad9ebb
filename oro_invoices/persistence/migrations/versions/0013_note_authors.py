"""Who wrote a note (the admin user's id, so only its author edits or deletes it) and when it was edited.

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.migrations.index_order import sort_indexes
from oro_invoices.persistence.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oro_invoice_note") as batch:
        batch.add_column(sa.Column("author_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("updated_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oro_invoice_note") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("author_id")
    sort_indexes("oro_invoice_note")
