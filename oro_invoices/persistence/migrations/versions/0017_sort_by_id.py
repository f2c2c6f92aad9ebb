"""The API's ``sort=id`` and ``sort=created_at`` within an organization read one index in order
instead of sorting all of the organization's invoices.

Revision ID: 0017
Revises: 0016
"""
from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_INDEX = "ix_oro_invoice_invoice_org_id"


def upgrade() -> None:
    op.create_index(_INDEX, "oro_invoice_invoice", ["organization_id", "id"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="oro_invoice_invoice")
