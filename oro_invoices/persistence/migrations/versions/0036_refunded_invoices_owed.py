"""A refunded invoice with an amount due is owed: its payment state keeps its open due date
(``open_due.CLOSING_0036``), so the aging, the statement, the storefront balance and the Overdue
filter count it; the open due dates of the invoices that exist are worked out anew. And a refund
asked for as a credit note's settlement names that credit note
(``oro_invoice_payment_attempt.credit_note_id``), which its transaction carries.

Going down leaves refunded invoices without an open due date again and forgets which refunds
settled a credit note (their transactions still name it).

Revision ID: 0036
Revises: 0035
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.persistence import open_due
from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

ATTEMPT = "oro_invoice_payment_attempt"
#: as ``models.NEVER_REUSE_IDS``: SQLite's table, rebuilt, keeps never reusing an id
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def _open_due_dates(closing: frozenset[PaymentStatus]) -> None:
    """Install the triggers leaving no open due date in the ``closing`` statuses, and refresh them."""
    dialect = op.get_bind().dialect.name
    for statement in open_due.drop_statements(dialect):
        op.execute(statement)
    op.execute(open_due.refresh_statement(open_due.COPIED_0028, closing=closing))
    for statement in open_due.create_statements(dialect, open_due.COPIED_0028, closing):
        op.execute(statement)


def upgrade() -> None:
    op.add_column(ATTEMPT, sa.Column("credit_note_id", sa.BigInteger(), nullable=True))
    _open_due_dates(open_due.CLOSING_0036)


def downgrade() -> None:
    _open_due_dates(open_due.CLOSING_0016)
    with op.batch_alter_table(ATTEMPT, table_kwargs=NEVER_REUSE_IDS) as batch:
        batch.drop_column("credit_note_id")
    sort_indexes(ATTEMPT)
