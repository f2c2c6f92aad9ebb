"""The hash chain covers the e-invoice XML an invoice keeps: ``oro_invoice_invoice.einvoice_sha256``.

An invoice that keeps an e-invoice XML (imported from it, or issued as UBL at posting) holds
the XML's SHA-256 from then on, and its link in the hash chain covers it as it covers the PDF
stored at posting (``persistence.chain``), so a kept record re-pointed at another file breaks
the chain. Invoices that kept their XML before this revision have no value: their links were
made without one and verify unchanged.

Going below this revision would drop hashes the chain covers: it is refused once any invoice
holds one.

Revision ID: 0026
Revises: 0025
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TABLE, COLUMN = "oro_invoice_invoice", "einvoice_sha256"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column(COLUMN, sa.String(length=64), nullable=True))


def downgrade() -> None:
    covered = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {TABLE} WHERE {COLUMN} IS NOT NULL")).scalar()
    if covered:
        raise RuntimeError(f"Cannot go below revision 0026: the hash-chain links of {covered} invoice(s) cover "
                           "the SHA-256 of the e-invoice XML they keep, which older revisions do not hold. "
                           "Restore a backup instead.")
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN {COLUMN}")
    else:
        op.drop_column(TABLE, COLUMN)
