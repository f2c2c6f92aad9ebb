"""Payment reminders (``oro_invoices.persistence.reminders``) and an index for overdue invoices.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "oro_invoice_reminder"
OVERDUE_INDEX = "ix_oro_invoice_invoice_org_status_due_id"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("invoice_id", BIG_ID, nullable=False),  # as oro_invoice_invoice.id
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("email_id", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"], ondelete="CASCADE",
                                name="fk_oro_invoice_reminder_invoice_id_oro_invoice_invoice"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oro_invoice_reminder")),
        sa.UniqueConstraint("invoice_id", "step", name="uq_oro_invoice_reminder_invoice_step"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oro_invoice_reminder_email", TABLE, ["email_id"])
    # The grid's Overdue filter: posted invoices of an organization by due date.
    op.create_index(OVERDUE_INDEX, "oro_invoice_invoice",
                    ["organization_id", "status", "due_date", "id"])


def downgrade() -> None:
    op.drop_index(OVERDUE_INDEX, table_name="oro_invoice_invoice")
    op.drop_index("ix_oro_invoice_reminder_email", table_name=TABLE)
    op.drop_table(TABLE)
