"""items sort indexes end with id: the lists' `ORDER BY <sort> DESC, id DESC` is read in
index order on PostgreSQL (SQLite's indexes already end with the rowid)

On PostgreSQL the middle page of an unfiltered 100,000-item list sorted each group of
equal timestamps by id (an incremental sort after the index scan): server p50/p95
127/203 ms → 102/130 ms under load (bench/RESULTS.md, Web).

Revision ID: a7d3e9b1c5f8
Revises: f3a1c8e2b4d6
Create Date: 2026-12-04 18:30:00.000000
"""

from __future__ import annotations

from alembic import op


revision = 'a7d3e9b1c5f8'
down_revision = 'f3a1c8e2b4d6'
branch_labels = None
depends_on = None

SORTS = (
    ('ix_items_project_last_seen', 'last_occurrence_timestamp'),
    ('ix_items_project_first_seen', 'first_occurrence_timestamp'),
    ('ix_items_project_occurrences', 'total_occurrences'),
)


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        for name, column in SORTS:
            batch_op.drop_index(name)
            batch_op.create_index(name, ['project_id', column, 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        for name, column in SORTS:
            batch_op.drop_index(name)
            batch_op.create_index(name, ['project_id', column], unique=False)
