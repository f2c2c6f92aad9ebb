"""An invoice whose payment is authorized (authorized in full, nothing captured) is owed until the
seller captures it, as one paid in part and authorized for the rest: its payment state keeps its
open due date (``open_due.CLOSING_0038``), so the aging, the statement, the storefront balance and
the account's figures count it, and ``held_in_full`` is true of it (``open_due.HOLDING_0038``),
so that it is not overdue. Both are worked out anew for the states they may change for, and the
aging index holds ``held_in_full`` too, so that the storefront balance's Overdue leaves it out
whatever its authorizations hold (a status set from outside).

Going down leaves authorized invoices without an open due date again, works ``held_in_full`` out
as revision 0037 did and gives the aging index back its earlier columns.

Revision ID: 0038
Revises: 0037
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.persistence import open_due
from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

STATE = "oro_invoice_payment_state"
AGING = "ix_oro_invoice_payment_state_org_aging"
AGING_ROWS = sa.text("open_due_date IS NOT NULL AND currency IS NOT NULL")
#: The aging index's columns as revision 0037 left them.
AGING_0037 = ["organization_id", "customer_id", "currency", "open_due_date", "total_amount", "amount_paid",
              "amount_credited", "customer_name", "amount_held"]
#: The states either revision's rule may set an open due date or ``held_in_full`` differently for:
#: those holding money, and the authorized ones.
CHANGED = f"amount_held > 0 OR payment_status = '{PaymentStatus.AUTHORIZED.value}'"


def _install(closing: frozenset[PaymentStatus], holding: frozenset[PaymentStatus], aging: list[str]) -> None:
    """Install the triggers of ``closing`` and ``holding``, refresh the states they may change, and
    make the aging index of ``aging`` again (after the refresh, which then maintains no such index)."""
    dialect = op.get_bind().dialect.name
    for statement in open_due.drop_statements(dialect):
        op.execute(statement)
    op.drop_index(AGING, table_name=STATE)
    op.execute(open_due.refresh_statement(open_due.COPIED_0028, CHANGED, closing, held=holding))
    # made last, as revision 0037 made it: PostgreSQL weighs its indexes in that order
    op.create_index(AGING, STATE, aging, sqlite_where=AGING_ROWS, postgresql_where=AGING_ROWS)
    for statement in open_due.create_statements(dialect, open_due.COPIED_0028, closing, held=holding):
        op.execute(statement)
    sort_indexes(STATE)


def upgrade() -> None:
    _install(open_due.CLOSING_0038, open_due.HOLDING_0038, [*AGING_0037, "held_in_full"])


def downgrade() -> None:
    _install(open_due.CLOSING_0036, open_due.HOLDING_0037, AGING_0037)
