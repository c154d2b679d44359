"""item_facets: the (project_id, kind, value) index also holds item_id (index-only search)

Revision ID: b7e1c4a9d2f3
Revises: 2faae95cd05b
Create Date: 2026-12-04 15:20:00.000000
"""

from __future__ import annotations

from alembic import op


revision = 'b7e1c4a9d2f3'
down_revision = '2faae95cd05b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_facets', schema=None) as batch_op:
        batch_op.drop_index('ix_item_facets_project_kind_value')
        batch_op.create_index('ix_item_facets_project_kind_value',
                              ['project_id', 'kind', 'value', 'item_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item_facets', schema=None) as batch_op:
        batch_op.drop_index('ix_item_facets_project_kind_value')
        batch_op.create_index('ix_item_facets_project_kind_value',
                              ['project_id', 'kind', 'value'], unique=False)
