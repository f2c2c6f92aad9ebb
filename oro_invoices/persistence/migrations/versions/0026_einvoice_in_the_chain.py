"""The hash chain covers the e-invoice XML an invoice keeps: ``oro_invoice_invoice.einvoice_sha256``.

An invoice that keeps an e-invoice XML (imported from it, or issued as UBL at posting) holds
the XML's SHA-256 from then on, and its link in the hash chain covers it as it covers the PDF
stored at posting (``persistence.chain``), so a kept record re-pointed at another file breaks
the chain. Invoices that kept their XML before this revision have no value: their links were
made without one and verify unchanged.

The guards of the kept records say that they keep issued UBL too (``triggers.EINVOICE_SOURCES``
replaces the ``EINVOICE_SOURCES_V1`` of revision 0023).

Going below this revision would drop hashes the chain covers: it is refused once any invoice
holds one.

Revision ID: 0026
Revises: 0025
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import triggers

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TABLE, COLUMN = "oro_invoice_invoice", "einvoice_sha256"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column(COLUMN, sa.String(length=64), nullable=True))
    _replace_guards(triggers.EINVOICE_SOURCES_V1, triggers.EINVOICE_SOURCES)


def _replace_guards(old: triggers.InsertOnce, new: triggers.InsertOnce) -> None:
    dialect = op.get_bind().dialect.name
    for statement in old.drop_statements(dialect) + new.create_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    covered = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {TABLE} WHERE {COLUMN} IS NOT NULL")).scalar()
    if covered:
        raise RuntimeError(f"Cannot go below revision 0026: the hash-chain links of {covered} invoice(s) cover "
                           "the SHA-256 of the e-invoice XML they keep, which older revisions do not hold. "
                           "Restore a backup instead.")
    _replace_guards(triggers.EINVOICE_SOURCES, triggers.EINVOICE_SOURCES_V1)
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN {COLUMN}")
    else:
        op.drop_column(TABLE, COLUMN)
