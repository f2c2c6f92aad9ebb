"""A stored PDF's record says whether the PDF carries an e-invoice XML:
``oro_invoice_document.carries_xml``.

Set when the PDF is stored (a Factur-X / ZUGFeRD hybrid made at posting or later, or one
imported or uploaded), so the invoice's pages offer **Download XML** exactly where there is
one, without opening the file. Records stored before this revision have no value (unknown):
for them the pages keep deciding by the e-invoice setting. A fact about the file, not part of
any hash-chain link.

Revision ID: 0027
Revises: 0026
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLE, COLUMN = "oro_invoice_document", "carries_xml"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column(COLUMN, sa.Boolean(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN {COLUMN}")
    else:
        op.drop_column(TABLE, COLUMN)
