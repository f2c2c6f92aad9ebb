"""Back-office grid: an index behind each remaining sort and filter, and each admin's chosen columns.

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_INVOICE_INDEXES = {
    "ix_oro_invoice_invoice_org_user_email_id": ["organization_id", "customer_user_email", "id"],
    "ix_oro_invoice_invoice_org_website_id": ["organization_id", sa.text("coalesce(website_id, 0)"), "id"],
    "ix_oro_invoice_invoice_org_currency_id": ["organization_id", "currency", "id"],
    "ix_oro_invoice_invoice_org_currency_total_id": ["organization_id", "currency", "total_amount", "id"],
    "ix_oro_invoice_invoice_org_type_id": ["organization_id", "document_type", "id"],
    "ix_oro_invoice_invoice_org_payment_url_id": [
        "organization_id", sa.text("substr(coalesce(external_payment_url, ''), 1, 255)"), "id"],
    "ix_oro_invoice_invoice_user_date_id": ["customer_user_id", "invoice_date", "id"],
}


def upgrade() -> None:
    for name, columns in _INVOICE_INDEXES.items():
        op.create_index(name, "oro_invoice_invoice", columns)
    op.create_index("ix_oro_invoice_payment_state_method_invoice", "oro_invoice_payment_state",
                    ["payment_method", "invoice_id"])
    op.create_table(
        "oro_invoice_grid_columns",
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("grid", sa.String(64), nullable=False),
        sa.Column("columns", sa.String(1024), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "user_id", "grid"),
    )


def downgrade() -> None:
    op.drop_table("oro_invoice_grid_columns")
    op.drop_index("ix_oro_invoice_payment_state_method_invoice", table_name="oro_invoice_payment_state")
    for name in _INVOICE_INDEXES:
        op.drop_index(name, table_name="oro_invoice_invoice")
