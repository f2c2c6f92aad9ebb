"""Payment attempts of kind ``capture``: an admin's capture of an authorization.

The kind's CHECK constraint is made again with the new value. SQLite cannot change a
constraint, so the table is rebuilt (batch mode), keeping its ids never reused and its
indexes in name order. A downgrade removes the capture attempts; the capture transactions
they recorded stay.

Revision ID: 0020
Revises: 0019
"""
from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence.migrations.index_order import sort_indexes

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE = "oro_invoice_payment_attempt"
NAME = "ck_oro_invoice_payment_attempt_kind"
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def _kind_constraint() -> str:
    """The kind constraint's name as the database has it (revision 0005 gave it the naming
    convention's prefix twice; PostgreSQL then shortened it)."""
    for constraint in sa.inspect(op.get_bind()).get_check_constraints(TABLE):
        if "kind" in str(constraint.get("sqltext", "")) and constraint.get("name"):
            return str(constraint["name"])
    raise RuntimeError(f"{TABLE} has no CHECK constraint on its kind")


def _replace(kinds: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with warnings.catch_warnings():
        # the rebuild reflects the invoices (the attempts' foreign key); their expression indexes
        # are not reflected and not needed to rebuild the attempts
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table(TABLE, table_kwargs=NEVER_REUSE_IDS) as batch:
            batch.drop_constraint(op.f(_kind_constraint()), type_="check")
            batch.create_check_constraint(op.f(NAME), f"kind IN ({listed})")
    sort_indexes(TABLE)


def upgrade() -> None:
    _replace(("payment", "refund", "cancel", "capture"))


def downgrade() -> None:
    op.execute(f"DELETE FROM {TABLE} WHERE kind = 'capture'")
    _replace(("payment", "refund", "cancel"))
