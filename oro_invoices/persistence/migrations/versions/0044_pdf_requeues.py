"""A download queues a lost PDF job again at most once a while: ``oro_invoice_pdf_requeue``.

With background jobs, downloading a posted invoice whose PDF is still being made queues its
``render_pdf`` job again (a job the broker lost still gets the PDF made). The table keeps, per
invoice, when a download last did so, so that the downloads and polls that follow within
``oro_invoices.jobs.pdf_requeue_after`` queue none, whichever web process answers them. A new
table: no existing row changes; going below this revision forgets those times (the next
download after the posting's window queues the job again).

Revision ID: 0044
Revises: 0043
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.types import UTCDateTime

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_pdf_requeue"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["oro_invoice_invoice.id"], ondelete="CASCADE",
                                name=op.f("fk_oro_invoice_pdf_requeue_invoice_id_oro_invoice_invoice")),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_oro_invoice_pdf_requeue")),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
