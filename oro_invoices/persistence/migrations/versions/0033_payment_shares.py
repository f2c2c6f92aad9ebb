"""Payments of several invoices at once (``oro_invoices.services.checkout_several``): each invoice's
share of one payment attempt. One new table; nothing existing changes.

Revision ID: 0033
Revises: 0032
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

SHARES = "oro_invoice_payment_share"
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        SHARES,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("attempt_id", _ID, nullable=False),
        sa.Column("invoice_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_oro_invoice_payment_share_amount_positive")),
        sa.ForeignKeyConstraint(["attempt_id"], ["oro_invoice_payment_attempt.id"], ondelete="CASCADE",
                                name=op.f("fk_oro_invoice_payment_share_attempt_id_oro_invoice_payment_attempt")),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"], ondelete="CASCADE",
                                name=op.f("fk_oro_invoice_payment_share_invoice_id_oro_invoice_invoice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oro_invoice_payment_share")),
        sa.UniqueConstraint("attempt_id", "invoice_id", name="uq_oro_invoice_payment_share_invoice"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oro_invoice_payment_share_invoice", SHARES, ["invoice_id"])
    op.create_index("ix_oro_invoice_payment_share_transaction", SHARES, ["transaction_id"])


def downgrade() -> None:
    op.drop_table(SHARES)
