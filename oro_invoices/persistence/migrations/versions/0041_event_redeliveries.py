"""What resending an outgoing event keeps: ``oro_invoice_outgoing_event.redeliveries`` (how many
times it was put back to be sent again), ``redelivered_at`` and ``redelivered_by`` (when last, and
by whom: ``api:NAME`` or ``cli``), and ``previous_attempts``, ``previous_response_status`` and
``previous_error``, the delivery's outcome before that resend, which the resend used to clear.
No event was resent with its history kept before: 0, null and "" for all.

Revision ID: 0041
Revises: 0040
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_outgoing_event"
COLUMNS = ("redeliveries", "redelivered_at", "redelivered_by", "previous_attempts",
           "previous_response_status", "previous_error")


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("redeliveries", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(TABLE, sa.Column("redelivered_at", UTCDateTime(), nullable=True))
    op.add_column(TABLE, sa.Column("redelivered_by", sa.String(255), nullable=True))
    op.add_column(TABLE, sa.Column("previous_attempts", sa.Integer(), nullable=True))
    op.add_column(TABLE, sa.Column("previous_response_status", sa.Integer(), nullable=True))
    op.add_column(TABLE, sa.Column("previous_error", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    # no trigger or index names the columns: dropped in place (SQLite 3.35+, PostgreSQL)
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE {TABLE} DROP COLUMN {column}")
