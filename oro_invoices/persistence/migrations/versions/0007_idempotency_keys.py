"""Idempotency keys of the JSON API (``oro_invoices.persistence.idempotency``).

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "oro_invoice_idempotency_key"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("client_name", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_content_type", sa.String(length=255), nullable=True),
        sa.Column("response_headers", sa.Text(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("state IN ('processing', 'done')",
                           name=op.f("ck_oro_invoice_idempotency_key_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oro_invoice_idempotency_key")),
        sa.UniqueConstraint("organization_id", "client_name", "idempotency_key",
                            name="uq_oro_invoice_idempotency_key_client_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oro_invoice_idempotency_key_expires", TABLE,
                    ["organization_id", "client_name", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oro_invoice_idempotency_key_expires", table_name=TABLE)
    op.drop_table(TABLE)
