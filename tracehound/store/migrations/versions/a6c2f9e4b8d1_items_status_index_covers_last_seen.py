"""items: ix_items_project_status also holds last_occurrence_timestamp (the web UI's
default view, active items by last seen, pages through the index alone)

Revision ID: a6c2f9e4b8d1
Revises: e5b9c7d1a2f4
Create Date: 2026-12-06 18:00:00.000000
"""

from __future__ import annotations

from alembic import op


revision = 'a6c2f9e4b8d1'
down_revision = 'e5b9c7d1a2f4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_project_status')
        batch_op.create_index('ix_items_project_status',
                              ['project_id', 'status', 'last_occurrence_timestamp'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_project_status')
        batch_op.create_index('ix_items_project_status', ['project_id', 'status'],
                              unique=False)
