"""Indexes for the grid's sorts: amount, customer, number and due date within an organization; payment status.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_oro_invoice_invoice_org_total_id": ["organization_id", "total_amount", "id"],
    "ix_oro_invoice_invoice_org_name_id": ["organization_id", "customer_name", "id"],
    "ix_oro_invoice_invoice_org_number_id": ["organization_id", sa.text("coalesce(invoice_number, '')"), "id"],
    "ix_oro_invoice_invoice_org_due_id": ["organization_id", sa.text("coalesce(due_date, '9999-12-31')"), "id"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "oro_invoice_invoice", columns)
    op.create_index("ix_oro_invoice_payment_state_status_invoice", "oro_invoice_payment_state",
                    ["payment_status", "invoice_id"])


def downgrade() -> None:
    op.drop_index("ix_oro_invoice_payment_state_status_invoice", table_name="oro_invoice_payment_state")
    for name in _INDEXES:
        op.drop_index(name, table_name="oro_invoice_invoice")
