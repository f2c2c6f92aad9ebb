"""Outgoing events: the signed webhook outbox.

One row per event and endpoint (``oro_invoices.persistence.outgoing_events``), written in the
transaction of the change it reports and delivered later with retries.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "oro_invoice_outgoing_event"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint_url", sa.String(length=2048), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sending', 'retry', 'delivered', 'failed')",
                           name=op.f("ck_oro_invoice_outgoing_event_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oro_invoice_outgoing_event")),
        sa.UniqueConstraint("event_id", "endpoint_url",
                            name="uq_oro_invoice_outgoing_event_endpoint"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oro_invoice_outgoing_event_due", TABLE, ["status", "next_attempt_at"])
    op.create_index("ix_oro_invoice_outgoing_event_invoice", TABLE, ["invoice_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_oro_invoice_outgoing_event_invoice", table_name=TABLE)
    op.drop_index("ix_oro_invoice_outgoing_event_due", table_name=TABLE)
    op.drop_table(TABLE)
