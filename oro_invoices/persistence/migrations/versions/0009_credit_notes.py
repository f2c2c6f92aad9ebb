"""Credit notes: document type, the credited invoice and line, re-issue links, credited amounts.

- ``oro_invoice_invoice.document_type`` ('invoice' or 'credit_note'), ``credited_invoice_id``
  (the invoice a credit note credits) and ``reissued_from_id`` (the voided invoice a
  corrected one replaces); existing rows are invoices.
- ``oro_invoice_line.credited_line_id``: the invoice line a credit note line credits.
- ``oro_invoice_payment_state.amount_credited``: what posted credit notes took off the invoice.
- ``oro_invoice_sequence.period`` and ``oro_invoice_number_skip.period`` grow to 32
  characters: a series other than the invoices' is named in its period
  (``credit_note/2026-11``).

Adding columns changes no posted row (no trigger fires); the freeze guards are removed
around the rebuild SQLite needs to widen a column, then installed again.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import triggers

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INVOICE = "oro_invoice_invoice"
PERIOD_TABLES = ("oro_invoice_sequence", "oro_invoice_number_skip")


def _widen_periods(length: int) -> None:
    dialect = op.get_bind().dialect.name
    for statement in triggers.drop_statements(dialect):
        op.execute(statement)
    for table in PERIOD_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("period", type_=sa.String(length=length), existing_nullable=False)
    for statement in triggers.create_statements(dialect):
        op.execute(statement)


def upgrade() -> None:
    op.add_column(INVOICE, sa.Column("document_type", sa.String(length=16), nullable=False,
                                     server_default="invoice"))
    op.add_column(INVOICE, sa.Column("credited_invoice_id", sa.BigInteger(), nullable=True))
    op.add_column(INVOICE, sa.Column("reissued_from_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_oro_invoice_invoice_credited", INVOICE, ["credited_invoice_id"])
    op.create_index("ix_oro_invoice_invoice_reissued_from", INVOICE, ["reissued_from_id"])
    op.create_index("ix_oro_invoice_invoice_org_type_date_id", INVOICE,
                    ["organization_id", "document_type", "invoice_date", "id"])
    op.add_column("oro_invoice_line", sa.Column("credited_line_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_oro_invoice_line_credited", "oro_invoice_line", ["credited_line_id"])
    op.add_column("oro_invoice_payment_state", sa.Column("amount_credited", sa.BigInteger(),
                                                         nullable=False, server_default="0"))
    _widen_periods(32)


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def downgrade() -> None:
    credit_notes = op.get_bind().execute(sa.text(
        f"SELECT count(*) FROM {INVOICE} WHERE document_type <> 'invoice'")).scalar()
    if credit_notes:
        raise RuntimeError(f"Cannot go below revision 0009: {credit_notes} credit note(s) exist, which "
                           "older revisions cannot tell from invoices. Restore a backup instead.")
    op.execute("DELETE FROM oro_invoice_sequence WHERE length(period) > 7 AND chain_length = 0")
    _widen_periods(7)
    _drop_column("oro_invoice_payment_state", "amount_credited")
    op.drop_index("ix_oro_invoice_line_credited", table_name="oro_invoice_line")
    _drop_column("oro_invoice_line", "credited_line_id")
    op.drop_index("ix_oro_invoice_invoice_org_type_date_id", table_name=INVOICE)
    op.drop_index("ix_oro_invoice_invoice_reissued_from", table_name=INVOICE)
    op.drop_index("ix_oro_invoice_invoice_credited", table_name=INVOICE)
    for column in ("reissued_from_id", "credited_invoice_id", "document_type"):
        _drop_column(INVOICE, column)
