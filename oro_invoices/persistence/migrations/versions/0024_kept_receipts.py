"""Receipts are kept: ``oro_invoice_receipt``.

The receipt PDF of a payment, capture or refund is stored (in the PDF storage, by its
SHA-256) the first time it is made, and every later download or email gives that file, as
an invoice's PDF is made once. A new table, frozen by triggers like the PDF records
(``triggers.RECEIPTS``); no existing row changes, and receipts made before are made again
once, on their next download.

Revision ID: 0024
Revises: 0023
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import triggers
from oro_invoices.persistence.types import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TABLE = triggers.RECEIPTS.table
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("transaction_id", _ID, nullable=False),
        sa.Column("invoice_id", _ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["transaction_id"], ["oro_invoice_payment_transaction.id"], ondelete="CASCADE",
                                name=op.f("fk_oro_invoice_receipt_transaction_id_oro_invoice_payment_transaction")),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"], ondelete="CASCADE",
                                name=op.f("fk_oro_invoice_receipt_invoice_id_oro_invoice_invoice")),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_oro_invoice_receipt")),
    )
    op.create_index(op.f("ix_oro_invoice_receipt_invoice_id"), TABLE, ["invoice_id"])
    for statement in triggers.RECEIPTS.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in triggers.RECEIPTS.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index(op.f("ix_oro_invoice_receipt_invoice_id"), table_name=TABLE)
    op.drop_table(TABLE)
