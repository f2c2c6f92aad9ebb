"""An invoice says whether it keeps the e-invoice XML it was imported from:
``oro_invoice_invoice.einvoice_kept``.

Set with the record of that XML (``oro_invoice_einvoice_source``), so the invoice's pages
know whether to offer **Download XML** without reading the record. Invoices imported before
are marked from the existing records: the freeze guard of posted rows is lifted for that one
update, which changes nothing the hash chain covers (``persistence.chain``), and restored.

Revision ID: 0025
Revises: 0024
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import triggers

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TABLE, COLUMN = "oro_invoice_invoice", "einvoice_kept"
_FROZEN_UPDATE = "oro_invoice_frozen_update"  # SQLite's guard of posted rows against UPDATE
_MARK = (f"UPDATE {TABLE} SET {COLUMN} = TRUE "
         f"WHERE id IN (SELECT invoice_id FROM {triggers.EINVOICE_SOURCES.table})")


def upgrade() -> None:
    op.add_column(TABLE, sa.Column(COLUMN, sa.Boolean(), nullable=False, server_default=sa.false()))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER {_FROZEN_UPDATE}")
        op.execute(_MARK)
        op.execute(triggers.SQLITE_TRIGGERS_V2[_FROZEN_UPDATE])
    else:
        op.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER oro_invoice_frozen")
        op.execute(_MARK)
        op.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER oro_invoice_frozen")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN {COLUMN}")
    else:
        op.drop_column(TABLE, COLUMN)
