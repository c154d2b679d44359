"""items: trigram index on title (PostgreSQL), for free-text search

Revision ID: d4a8e2f1c3b7
Revises: b7e1c4a9d2f3
Create Date: 2026-12-04 16:20:00

The search language matches bare words with `title ILIKE '%word%'`, which no b-tree
serves; on PostgreSQL the count of a 20,000-item project read every title (p95 56 ms,
bench/RESULTS.md "Query"). A pg_trgm GIN index serves ILIKE infix matches. pg_trgm is a
trusted extension since PostgreSQL 13 (a database owner may create it); where it cannot
be created, the index is skipped and search still works, by scanning. SQLite needs
nothing (its scan of the same project measured 28 ms p95).
"""

from __future__ import annotations

import logging

from alembic import op

revision = 'd4a8e2f1c3b7'
down_revision = 'b7e1c4a9d2f3'
branch_labels = None
depends_on = None

INDEX = "ix_items_title_trgm"  # also in tables.py AUTOGENERATE_IGNORES


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        # in public, whatever the search_path: one extension per database, shared by
        # every schema that holds a Tracehound store
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        found = bind.exec_driver_sql(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
            "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").scalar()
        bind.exec_driver_sql(
            f"CREATE INDEX {INDEX} ON items USING gin (title {found}.gin_trgm_ops)")
        savepoint.commit()
    except Exception as exc:  # no privilege or no contrib package: search scans instead
        savepoint.rollback()
        logging.getLogger("tracehound.migrate").warning(
            "free-text search without a trigram index (pg_trgm unavailable: %s)", exc)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
