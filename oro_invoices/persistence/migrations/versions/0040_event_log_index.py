"""The outgoing events of one organization, newest first (``GET /api/events``): an index on
``oro_invoice_outgoing_event (organization_id, id)``, so that a page of an organization's events
reads its rows rather than the whole outbox.

Revision ID: 0040
Revises: 0039
"""
from __future__ import annotations

from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_outgoing_event"
INDEX = "ix_oro_invoice_outgoing_event_organization"


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ["organization_id", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
