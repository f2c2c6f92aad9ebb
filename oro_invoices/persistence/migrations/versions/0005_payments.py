"""Payment methods: payment attempts and provider events applied once.

- ``oro_invoice_payment_attempt``: each payment, refund or cancellation asked of a provider,
  with its public reference (the provider's order id) and the form's request key.
- ``oro_invoice_payment_event``: each provider event, unique per method and event id, with
  what became of it (applied, deferred until the payment it acts on arrives, refused).

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "oro_invoice_payment_attempt",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.Column("parent_transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('payment', 'refund', 'cancel')",
                           name="ck_oro_invoice_payment_attempt_kind"),
        sa.CheckConstraint("status IN ('started', 'succeeded', 'failed')",
                           name="ck_oro_invoice_payment_attempt_status"),
        sa.CheckConstraint("amount > 0", name="ck_oro_invoice_payment_attempt_amount_positive"),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"], ondelete="CASCADE",
                                name="fk_oro_invoice_payment_attempt_invoice_id_oro_invoice_invoice"),
        sa.PrimaryKeyConstraint("id", name="pk_oro_invoice_payment_attempt"),
        sa.UniqueConstraint("public_id", name="uq_oro_invoice_payment_attempt_public_id"),
        sa.UniqueConstraint("invoice_id", "request_key", name="uq_oro_invoice_payment_attempt_request"),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_oro_invoice_payment_attempt_invoice", "oro_invoice_payment_attempt",
                    ["invoice_id", "id"])
    op.create_table(
        "oro_invoice_payment_event",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("invoice_id", BigId, nullable=True),
        sa.Column("attempt_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("successful", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("parent_reference", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("outcome IN ('applied', 'deferred', 'refused')",
                           name="ck_oro_invoice_payment_event_outcome"),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"], ondelete="CASCADE",
                                name="fk_oro_invoice_payment_event_invoice_id_oro_invoice_invoice"),
        sa.PrimaryKeyConstraint("id", name="pk_oro_invoice_payment_event"),
        sa.UniqueConstraint("method", "event_id", name="uq_oro_invoice_payment_event_method_event"),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_oro_invoice_payment_event_outcome", "oro_invoice_payment_event",
                    ["outcome", "method", "id"])
    op.create_index("ix_oro_invoice_payment_event_invoice_id", "oro_invoice_payment_event",
                    ["invoice_id"])


def downgrade() -> None:
    op.drop_index("ix_oro_invoice_payment_event_invoice_id", table_name="oro_invoice_payment_event")
    op.drop_index("ix_oro_invoice_payment_event_outcome", table_name="oro_invoice_payment_event")
    op.drop_table("oro_invoice_payment_event")
    op.drop_index("ix_oro_invoice_payment_attempt_invoice", table_name="oro_invoice_payment_attempt")
    op.drop_table("oro_invoice_payment_attempt")
