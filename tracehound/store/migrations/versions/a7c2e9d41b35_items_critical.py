"""items.critical: a user's "this item is critical" mark (Exceptionless mark-critical)

Revision ID: a7c2e9d41b35
Revises: a7d3e9b1c5f8
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'a7c2e9d41b35'
down_revision = 'a7d3e9b1c5f8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a constant default: PostgreSQL 11+ adds it without rewriting the table
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('critical', sa.Boolean(), server_default='0',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('critical')
