"""web_sessions (web UI sign-in); items indexes for the UI's first-seen and occurrences sorts

Revision ID: e5b9c7d1a2f4
Revises: d4a8e2f1c3b7
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'e5b9c7d1a2f4'
down_revision = 'd4a8e2f1c3b7'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', Id, nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_web_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_web_sessions_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_web_sessions_expires_at', ['expires_at'], unique=False)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_project_first_seen',
                              ['project_id', 'first_occurrence_timestamp'], unique=False)
        batch_op.create_index('ix_items_project_occurrences',
                              ['project_id', 'total_occurrences'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_project_occurrences')
        batch_op.drop_index('ix_items_project_first_seen')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_web_sessions_expires_at')
        batch_op.drop_index('ix_web_sessions_user_id')
    op.drop_table('web_sessions')
