"""item_history (changes made through the web UI and the API); indexes for the item page:
item_activations by item, deploys by environment and start time

Revision ID: f1c3a5e7b9d2
Revises: e5b9c7d1a2f4
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'f1c3a5e7b9d2'
down_revision = 'e5b9c7d1a2f4'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'item_history',
        sa.Column('id', Id, nullable=False),
        sa.Column('project_id', Id, nullable=False),
        sa.Column('item_id', Id, nullable=False),
        sa.Column('timestamp', sa.Float(), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('value', sa.String(length=255), nullable=True),
        sa.Column('user_id', Id, nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_history')),
    )
    with op.batch_alter_table('item_history', schema=None) as batch_op:
        batch_op.create_index('ix_item_history_item_id', ['item_id', 'id'], unique=False)
    with op.batch_alter_table('item_activations', schema=None) as batch_op:
        batch_op.create_index('ix_item_activations_item_id', ['item_id', 'id'], unique=False)
    with op.batch_alter_table('deploys', schema=None) as batch_op:
        batch_op.create_index('ix_deploys_project_env_start',
                              ['project_id', 'environment', 'start_time'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deploys', schema=None) as batch_op:
        batch_op.drop_index('ix_deploys_project_env_start')
    with op.batch_alter_table('item_activations', schema=None) as batch_op:
        batch_op.drop_index('ix_item_activations_item_id')
    with op.batch_alter_table('item_history', schema=None) as batch_op:
        batch_op.drop_index('ix_item_history_item_id')
    op.drop_table('item_history')
