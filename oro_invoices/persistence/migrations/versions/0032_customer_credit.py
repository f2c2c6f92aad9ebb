"""Customers' credit (``oro_invoices.persistence.customer_credit``): a balance per organization,
customer and currency, and the ledger of its changes. Two new tables; nothing existing changes.

Revision ID: 0032
Revises: 0031
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

BALANCES = "oro_invoice_customer_credit"
ENTRIES = "oro_invoice_credit_entry"
KINDS = ("credit_note", "surplus", "applied", "returned", "surplus_reversed", "paid_out")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        BALANCES,
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_oro_invoice_customer_credit_balance_not_negative")),
        sa.PrimaryKeyConstraint("organization_id", "customer_id", "currency", name=op.f("pk_oro_invoice_customer_credit")),
    )
    op.create_table(
        ENTRIES,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", _ID, nullable=True),
        sa.Column("credit_note_id", _ID, nullable=True),
        sa.Column("transaction_id", _ID, nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('" + "', '".join(KINDS) + "')", name=op.f("ck_oro_invoice_credit_entry_kind")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_oro_invoice_credit_entry_amount_not_zero")),
        sa.CheckConstraint("balance_after >= 0", name=op.f("ck_oro_invoice_credit_entry_balance_after_not_negative")),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"],
                                name=op.f("fk_oro_invoice_credit_entry_invoice_id_oro_invoice_invoice")),
        sa.ForeignKeyConstraint(["credit_note_id"], ["oro_invoice_invoice.id"],
                                name=op.f("fk_oro_invoice_credit_entry_credit_note_id_oro_invoice_invoice")),
        sa.ForeignKeyConstraint(["transaction_id"], ["oro_invoice_payment_transaction.id"],
                                name=op.f("fk_oro_invoice_credit_entry_transaction_id_oro_invoice_payment_transaction")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oro_invoice_credit_entry")),
        sa.UniqueConstraint("organization_id", "request_key", name="uq_oro_invoice_credit_entry_request"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oro_invoice_credit_entry_customer", ENTRIES,
                    ["organization_id", "customer_id", "currency", "id"])
    op.create_index("ix_oro_invoice_credit_entry_invoice_id", ENTRIES, ["invoice_id"])
    op.create_index("ix_oro_invoice_credit_entry_transaction_id", ENTRIES, ["transaction_id"])


def downgrade() -> None:
    op.drop_table(ENTRIES)
    op.drop_table(BALANCES)
