"""Exceptionless: occurrences.reference_id (a client-chosen lookup key) and its index

Revision ID: f3a1c8e2b4d6
Revises: f1c3a5e7b9d2
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'f3a1c8e2b4d6'
down_revision = 'f1c3a5e7b9d2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column with no default: instant on PostgreSQL, no table rewrite
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_id', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_occurrences_project_reference',
                              ['project_id', 'reference_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrences_project_reference')
        batch_op.drop_column('reference_id')
