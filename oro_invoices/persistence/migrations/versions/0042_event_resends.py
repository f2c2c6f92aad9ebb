"""Every resend of an outgoing event: ``oro_invoice_outgoing_event_resend``, one row per resend
with who asked (``api:NAME`` or ``cli``), when, and what the delivery had come to before it (the
event's status, attempts, last HTTP status and last error), which revision 0041 kept for the
last resend only, in the event's ``previous_*`` columns.

The upgrade makes each event's last resend, as 0041 kept it, the first row of its history; the
resends before that one were not kept (``redeliveries`` still counts them). Its status then was
delivered when it had no error and a 2xx answer (as ``event_delivery`` records a delivery), else
failed. The event's own columns stay as they are: the newest resend, as a list shows it. The
downgrade drops the history; the event's columns still hold the newest resend.

Revision ID: 0042
Revises: 0041
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

EVENTS = "oro_invoice_outgoing_event"
RESENDS = "oro_invoice_outgoing_event_resend"
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        RESENDS,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("event_row_id", _ID, nullable=False),
        sa.Column("resent_at", UTCDateTime(), nullable=False),
        sa.Column("resent_by", sa.String(255), nullable=False),
        sa.Column("previous_status", sa.String(16), nullable=False),
        sa.Column("previous_attempts", sa.Integer(), nullable=False),
        sa.Column("previous_response_status", sa.Integer(), nullable=True),
        sa.Column("previous_error", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint("previous_status IN ('delivered', 'failed')",
                           name=op.f("ck_oro_invoice_outgoing_event_resend_previous_status")),
        sa.ForeignKeyConstraint(["event_row_id"], [f"{EVENTS}.id"], ondelete="CASCADE",
                                name="fk_oro_invoice_outgoing_event_resend_event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oro_invoice_outgoing_event_resend")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_oro_invoice_outgoing_event_resend_event", RESENDS, ["event_row_id", "id"])
    # oldest resend first, so that ids keep the order of the resends
    op.execute(
        f"INSERT INTO {RESENDS} (event_row_id, resent_at, resent_by, previous_status, previous_attempts, "
        "previous_response_status, previous_error) "
        "SELECT id, redelivered_at, COALESCE(redelivered_by, 'unknown'), "
        "CASE WHEN COALESCE(previous_error, '') = '' AND previous_response_status BETWEEN 200 AND 299 "
        "THEN 'delivered' ELSE 'failed' END, COALESCE(previous_attempts, 0), previous_response_status, "
        f"COALESCE(previous_error, '') FROM {EVENTS} WHERE redelivered_at IS NOT NULL "
        "ORDER BY redelivered_at, id")


def downgrade() -> None:
    op.drop_index("ix_oro_invoice_outgoing_event_resend_event", table_name=RESENDS)
    op.drop_table(RESENDS)
