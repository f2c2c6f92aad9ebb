"""Initial schema: invoices, lines, numbering, payments, notes, activity, documents, guards.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 04:27:34.908910
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oro_invoices.persistence import triggers
from oro_invoices.persistence.types import ExactDecimal, UTCDateTime

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oro_invoice_activity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('invoice_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oro_invoice_activity'))
    )
    with op.batch_alter_table('oro_invoice_activity', schema=None) as batch_op:
        batch_op.create_index('ix_oro_invoice_activity_invoice', ['invoice_id', 'id'], unique=False)

    op.create_table('oro_invoice_invoice',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invoice_number', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('organization_id', sa.BigInteger(), nullable=False),
    sa.Column('website_id', sa.BigInteger(), nullable=True),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('customer_user_id', sa.BigInteger(), nullable=True),
    sa.Column('customer_name', sa.String(length=255), nullable=False),
    sa.Column('customer_user_email', sa.String(length=255), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('order_identifier', sa.String(length=128), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bill_to', sa.JSON(), nullable=True),
    sa.Column('ship_to', sa.JSON(), nullable=True),
    sa.Column('seller', sa.JSON(), nullable=True),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax_amount', sa.BigInteger(), nullable=False),
    sa.Column('total_amount', sa.BigInteger(), nullable=False),
    sa.Column('external_payment_url', sa.String(length=2048), nullable=True),
    sa.Column('payment_token', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('posted_at', UTCDateTime(), nullable=True),
    sa.Column('chain_key', sa.String(length=64), nullable=True),
    sa.Column('chain_seq', sa.Integer(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status = 'draft' OR invoice_number IS NOT NULL", name=op.f('ck_oro_invoice_invoice_posted_has_number')),
    sa.CheckConstraint("status IN ('draft', 'posted')", name=op.f('ck_oro_invoice_invoice_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oro_invoice_invoice')),
    sa.UniqueConstraint('organization_id', 'external_id', name='uq_oro_invoice_invoice_org_external_id'),
    sa.UniqueConstraint('organization_id', 'invoice_number', name='uq_oro_invoice_invoice_org_number'),
    sa.UniqueConstraint('payment_token', name=op.f('uq_oro_invoice_invoice_payment_token'))
    )
    with op.batch_alter_table('oro_invoice_invoice', schema=None) as batch_op:
        batch_op.create_index('ix_oro_invoice_invoice_chain', ['chain_key', 'chain_seq'], unique=True)
        batch_op.create_index('ix_oro_invoice_invoice_customer_date_id', ['customer_id', 'invoice_date', 'id'], unique=False)
        batch_op.create_index('ix_oro_invoice_invoice_date_id', ['invoice_date', 'id'], unique=False)
        batch_op.create_index('ix_oro_invoice_invoice_order', ['order_id'], unique=False)
        batch_op.create_index('ix_oro_invoice_invoice_org_date_id', ['organization_id', 'invoice_date', 'id'], unique=False)

    op.create_table('oro_invoice_sequence',
    sa.Column('organization_id', sa.BigInteger(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('chain_length', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('organization_id', 'period', name=op.f('pk_oro_invoice_sequence'))
    )
    op.create_table('oro_invoice_document',
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['oro_invoice_invoice.id'], name=op.f('fk_oro_invoice_document_invoice_id_oro_invoice_invoice')),
    sa.PrimaryKeyConstraint('invoice_id', name=op.f('pk_oro_invoice_document'))
    )
    op.create_table('oro_invoice_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sku', sa.String(length=128), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('quantity', ExactDecimal(), nullable=False),
    sa.Column('unit_price', ExactDecimal(), nullable=False),
    sa.Column('tax_rate', ExactDecimal(), nullable=False),
    sa.Column('row_total', sa.BigInteger(), nullable=False),
    sa.Column('row_tax', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['oro_invoice_invoice.id'], name=op.f('fk_oro_invoice_line_invoice_id_oro_invoice_invoice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oro_invoice_line')),
    sa.UniqueConstraint('invoice_id', 'position', name='uq_oro_invoice_line_position')
    )
    op.create_table('oro_invoice_note',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=255), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['oro_invoice_invoice.id'], name=op.f('fk_oro_invoice_note_invoice_id_oro_invoice_invoice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oro_invoice_note'))
    )
    with op.batch_alter_table('oro_invoice_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oro_invoice_note_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('oro_invoice_payment_state',
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payment_status', sa.String(length=32), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('amount_paid', sa.BigInteger(), nullable=False),
    sa.Column('payment_method', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['oro_invoice_invoice.id'], name=op.f('fk_oro_invoice_payment_state_invoice_id_oro_invoice_invoice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invoice_id', name=op.f('pk_oro_invoice_payment_state'))
    )
    op.create_table('oro_invoice_payment_transaction',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('method', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('successful', sa.Boolean(), nullable=False),
    sa.Column('provider_reference', sa.String(length=255), nullable=True),
    sa.Column('parent_id', sa.BigInteger(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint("action IN ('charge', 'authorize', 'capture', 'refund', 'cancel', 'invoice')", name=op.f('ck_oro_invoice_payment_transaction_action')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_oro_invoice_payment_transaction_amount_not_negative')),
    sa.ForeignKeyConstraint(['invoice_id'], ['oro_invoice_invoice.id'], name=op.f('fk_oro_invoice_payment_transaction_invoice_id_oro_invoice_invoice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oro_invoice_payment_transaction')),
    sa.UniqueConstraint('method', 'action', 'provider_reference', name='uq_oro_invoice_payment_transaction_provider_event')
    )
    with op.batch_alter_table('oro_invoice_payment_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oro_invoice_payment_transaction_invoice_id'), ['invoice_id'], unique=False)


    for statement in triggers.create_statements(op.get_bind().dialect.name, version=1):
        op.execute(statement)

def downgrade() -> None:
    for statement in triggers.drop_statements(op.get_bind().dialect.name, version=1):
        op.execute(statement)
    with op.batch_alter_table('oro_invoice_payment_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oro_invoice_payment_transaction_invoice_id'))

    op.drop_table('oro_invoice_payment_transaction')
    op.drop_table('oro_invoice_payment_state')
    with op.batch_alter_table('oro_invoice_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oro_invoice_note_invoice_id'))

    op.drop_table('oro_invoice_note')
    op.drop_table('oro_invoice_line')
    op.drop_table('oro_invoice_document')
    op.drop_table('oro_invoice_sequence')
    with op.batch_alter_table('oro_invoice_invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_oro_invoice_invoice_org_date_id')
        batch_op.drop_index('ix_oro_invoice_invoice_order')
        batch_op.drop_index('ix_oro_invoice_invoice_date_id')
        batch_op.drop_index('ix_oro_invoice_invoice_customer_date_id')
        batch_op.drop_index('ix_oro_invoice_invoice_chain')

    op.drop_table('oro_invoice_invoice')
    with op.batch_alter_table('oro_invoice_activity', schema=None) as batch_op:
        batch_op.drop_index('ix_oro_invoice_activity_invoice')

    op.drop_table('oro_invoice_activity')
