"""Emails of an organization that belong to no invoice and no customer: its Aging Report sent to
the seller's staff. They are found by organization, newest first (a partial index of the
messages naming neither).

Revision ID: 0031
Revises: 0030
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_email"
INDEX = "ix_oro_invoice_email_organization"
NEITHER = sa.text("invoice_id IS NULL AND customer_id IS NULL")


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ["organization_id", "id"], sqlite_where=NEITHER, postgresql_where=NEITHER)
    sort_indexes(TABLE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
