"""Invoices keep the buyer's purchase order number: ``oro_invoice_invoice.purchase_order``.

The PO number the buyer gave at checkout (BT-13), copied from the host's order or given by the
admin, the API or an import; printed on the invoice and carried in its e-invoice. Optional
(None on existing rows). Adding a nullable column changes no posted row (no trigger fires); the
hash chain covers it only when set (``persistence.chain``), so links made before verify unchanged.

Going below this revision would drop PO numbers the chain covers: it is refused once a posted
invoice holds one (a draft's is dropped with the column).

Revision ID: 0043
Revises: 0042
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

TABLE, COLUMN = "oro_invoice_invoice", "purchase_order"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column(COLUMN, sa.String(length=255), nullable=True))


def downgrade() -> None:
    covered = op.get_bind().execute(sa.text(
        f"SELECT count(*) FROM {TABLE} WHERE {COLUMN} IS NOT NULL AND status = 'posted'")).scalar()
    if covered:
        raise RuntimeError(f"Cannot go below revision 0043: the hash-chain links of {covered} posted invoice(s) "
                           "cover their PO number, which older revisions do not hold. Restore a backup instead.")
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN {COLUMN}")
    else:
        op.drop_column(TABLE, COLUMN)
