"""The kept e-invoice XML is frozen: ``oro_invoice_einvoice_source`` gets triggers.

An invoice's record of the XML it was imported from is written once with the invoice and
then never changed or removed, whatever code path writes, as its PDF record is
(``triggers.EINVOICE_SOURCES_V1``; revision 0026 words their message anew). No row changes.

Revision ID: 0023
Revises: 0022
"""
from __future__ import annotations

from alembic import op

from oro_invoices.persistence import triggers

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in triggers.EINVOICE_SOURCES_V1.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in triggers.EINVOICE_SOURCES_V1.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
