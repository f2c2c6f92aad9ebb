"""Email outbox: oro_invoice_email (messages, delivery state, attachment references).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "oro_invoice_email",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("template", sa.String(length=128), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("sender_name", sa.String(length=255), nullable=False),
        sa.Column("to_addrs", sa.JSON(), nullable=False),
        sa.Column("cc_addrs", sa.JSON(), nullable=False),
        sa.Column("bcc_addrs", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("smtp_response", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'retry', 'sent', 'failed', 'unknown')",
            name=op.f("ck_oro_invoice_email_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oro_invoice_email")),
        sa.UniqueConstraint("message_id", name=op.f("uq_oro_invoice_email_message_id")),
    )
    op.create_index("ix_oro_invoice_email_invoice", "oro_invoice_email", ["invoice_id", "id"])
    op.create_index("ix_oro_invoice_email_due", "oro_invoice_email", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_oro_invoice_email_due", table_name="oro_invoice_email")
    op.drop_index("ix_oro_invoice_email_invoice", table_name="oro_invoice_email")
    op.drop_table("oro_invoice_email")
