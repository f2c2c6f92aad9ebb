"""Back-office grid: the Customer filter by name, any case, as one range of an index.

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_NAME = "ix_oro_invoice_invoice_org_name_key_id"


def upgrade() -> None:
    # models.name_key: compared code point by code point, so a prefix is one index range
    key = 'lower(customer_name) COLLATE "C"' if op.get_bind().dialect.name == "postgresql" \
        else "lower(customer_name)"
    op.create_index(_NAME, "oro_invoice_invoice", ["organization_id", sa.text(key), "id"])


def downgrade() -> None:
    op.drop_index(_NAME, table_name="oro_invoice_invoice")
