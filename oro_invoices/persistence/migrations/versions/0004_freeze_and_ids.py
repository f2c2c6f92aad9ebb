"""The freeze without holes, ids never reused, numbering gaps recorded.

- Freeze guards version 2 (``triggers.py``): SQLite refuses REPLACE conflict resolution
  over frozen rows; PostgreSQL refuses TRUNCATE of the frozen tables.
- SQLite: the tables with surrogate ids are rebuilt with AUTOINCREMENT (batch mode), so a
  deleted draft's id is never given to another invoice.
- ``oro_invoice_invoice.pdf_sha256`` (the PDF stored at posting, covered by the chain link)
  and ``number_sequence`` (the counter value the automatic numbering gave).
- ``oro_invoice_document.chain_*``: a PDF stored after posting gets its own chain link.
  The PDF records that exist at upgrade are sealed into their invoice's chain here.
- ``oro_invoice_number_skip`` and ``oro_invoice_sequence.tracked_from``: the automatic
  numbering skips numbers already taken and records why; values issued before this
  revision are not accounted for.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import chain, triggers
from oro_invoices.persistence.migrations.index_order import sort_indexes
from oro_invoices.persistence.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
ID_TABLES = ("oro_invoice_invoice", "oro_invoice_line", "oro_invoice_note", "oro_invoice_activity",
             "oro_invoice_payment_transaction", "oro_invoice_email")
# SQLite cannot reflect these (0003), so a table rebuild would lose them: made again after it.
EXPRESSION_INDEXES = {
    "ix_oro_invoice_invoice_org_number_id": ["organization_id", sa.text("coalesce(invoice_number, '')"), "id"],
    "ix_oro_invoice_invoice_org_due_id": ["organization_id", sa.text("coalesce(due_date, '9999-12-31')"), "id"],
}


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _drop_expression_indexes() -> None:
    if _sqlite():
        for name in EXPRESSION_INDEXES:
            op.drop_index(name, table_name="oro_invoice_invoice")


def _create_expression_indexes() -> None:
    if _sqlite():
        for name, columns in EXPRESSION_INDEXES.items():
            op.create_index(name, "oro_invoice_invoice", columns)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in triggers.drop_statements(dialect, version=1):
        op.execute(statement)
    _drop_expression_indexes()
    recreate = "always" if _sqlite() else "auto"
    for table in ID_TABLES:
        with op.batch_alter_table(table, recreate=recreate, table_kwargs=NEVER_REUSE_IDS) as batch:
            if table == "oro_invoice_invoice":
                batch.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=True))
                batch.add_column(sa.Column("number_sequence", sa.Integer(), nullable=True))
    _create_expression_indexes()
    for table in ID_TABLES:
        sort_indexes(table)

    with op.batch_alter_table("oro_invoice_sequence") as batch:
        batch.add_column(sa.Column("tracked_from", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE oro_invoice_sequence SET tracked_from = last_number + 1")

    with op.batch_alter_table("oro_invoice_document") as batch:
        batch.add_column(sa.Column("chain_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_oro_invoice_document_chain", ["chain_key", "chain_seq"], unique=True)

    op.create_table(
        "oro_invoice_number_skip",
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=False),
        sa.Column("held_by_invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("skipped_for_invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "period", "sequence", name=op.f("pk_oro_invoice_number_skip")),
    )
    _seal_existing_pdfs()
    for statement in triggers.create_statements(dialect, version=2):
        op.execute(statement)


def _seal_existing_pdfs() -> None:
    """Give every PDF record made before this revision a link in its invoice's chain."""
    bind = op.get_bind()
    doc = sa.table("oro_invoice_document", *(sa.column(c) for c in (
        "invoice_id", "sha256", "size", "source", "chain_key", "chain_seq", "prev_hash", "content_hash")))
    inv = sa.table("oro_invoice_invoice", *(sa.column(c) for c in ("id", "invoice_number", "chain_key")))
    seq = sa.table("oro_invoice_sequence", *(sa.column(c) for c in (
        "organization_id", "period", "chain_length", "head_hash")))
    rows = bind.execute(
        sa.select(doc.c.invoice_id, doc.c.sha256, doc.c.size, doc.c.source, inv.c.invoice_number, inv.c.chain_key)
        .join(inv, inv.c.id == doc.c.invoice_id)
        .where(doc.c.chain_key.is_(None), inv.c.chain_key.is_not(None))
        .order_by(inv.c.chain_key, doc.c.invoice_id)).all()
    for row in rows:
        organization_id, period = chain.parse_chain_key(row.chain_key)
        where = (seq.c.organization_id == organization_id) & (seq.c.period == period)
        head = bind.execute(sa.select(seq.c.chain_length, seq.c.head_hash).where(where)).one_or_none()
        if head is None:  # the chain's counter row is gone: verify reports that chain
            continue
        prev = head.head_hash or chain.GENESIS
        position = head.chain_length + 1
        link = chain.pdf_link_hash(chain.pdf_content(
            invoice_id=row.invoice_id, invoice_number=row.invoice_number, sha256=row.sha256,
            size=row.size, source=row.source), prev)
        bind.execute(doc.update().where(doc.c.invoice_id == row.invoice_id).values(
            chain_key=row.chain_key, chain_seq=position, prev_hash=prev, content_hash=link))
        bind.execute(seq.update().where(where).values(chain_length=position, head_hash=link))


def downgrade() -> None:
    bind = op.get_bind()
    linked = bind.execute(sa.text("SELECT count(*) FROM oro_invoice_document WHERE chain_key IS NOT NULL")).scalar()
    if linked:
        raise RuntimeError(
            f"Cannot go below revision 0004: {linked} stored PDF record(s) are links of the hash chain, "
            "which older revisions cannot verify. Restore a backup taken before the upgrade instead.")
    dialect = bind.dialect.name
    for statement in triggers.drop_statements(dialect, version=2):
        op.execute(statement)
    op.drop_table("oro_invoice_number_skip")
    with op.batch_alter_table("oro_invoice_document") as batch:
        batch.drop_index("ix_oro_invoice_document_chain")
        for column in ("content_hash", "prev_hash", "chain_seq", "chain_key"):
            batch.drop_column(column)
    with op.batch_alter_table("oro_invoice_sequence") as batch:
        batch.drop_column("tracked_from")
    _drop_expression_indexes()
    with op.batch_alter_table("oro_invoice_invoice") as batch:
        batch.drop_column("number_sequence")
        batch.drop_column("pdf_sha256")
    _create_expression_indexes()
    for table in ("oro_invoice_document", "oro_invoice_sequence", "oro_invoice_invoice"):
        sort_indexes(table)
    for statement in triggers.create_statements(dialect, version=1):
        op.execute(statement)
