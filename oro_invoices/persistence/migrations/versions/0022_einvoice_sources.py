"""Imported e-invoices keep their XML: ``oro_invoice_einvoice_source``.

An invoice imported from CII XML names the XML it came from (kept in the PDF storage by its
SHA-256), so that its PDF carries that XML byte for byte rather than one built from the
invoice's fields. A new table: no existing row changes.

Revision ID: 0022
Revises: 0021
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_einvoice_source"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"], ondelete="CASCADE",
                                name=op.f("fk_oro_invoice_einvoice_source_invoice_id_oro_invoice_invoice")),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_oro_invoice_einvoice_source")),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
