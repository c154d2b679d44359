"""dead_letters: queued events the digest could not store even alone, set aside;
ingest_queue.attempts: how often a requeued event was dead-lettered before

Revision ID: c4e8a2d6f1b9
Revises: a7c2e9d41b35
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'c4e8a2d6f1b9'
down_revision = 'a7c2e9d41b35'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'dead_letters',
        sa.Column('id', Id, nullable=False),
        sa.Column('project_id', Id, nullable=False),
        sa.Column('received_at', sa.Float(), nullable=False),
        sa.Column('event', sa.LargeBinary(), nullable=False),
        sa.Column('error_class', sa.String(length=255), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('failed_at', sa.Float(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters')),
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index('ix_dead_letters_project_id', ['project_id'], unique=False)
    # a constant default: SQLite's ALTER TABLE ADD COLUMN and PostgreSQL 11+ add it
    # without rewriting the queue (which may hold a backlog)
    with op.batch_alter_table('ingest_queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ingest_queue', schema=None) as batch_op:
        batch_op.drop_column('attempts')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index('ix_dead_letters_project_id')
    op.drop_table('dead_letters')
