"""Free-text search on PostgreSQL is served by the pg_trgm index, not a scan of titles."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, func, select

from tests.support import make_project
from tracehound.query.search import compile_filter
from tracehound.store.tables import items


def test_bare_words_use_the_trigram_index(engine: Engine, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL index; SQLite scans the project's titles")
    project = make_project(engine, "trgm")
    where = compile_filter("invoice", project.id, now=time.time())
    stmt = select(func.count()).select_from(items).where(
        items.c.project_id == project.id, where)
    with engine.begin() as conn:
        # 20,000 items with titles of a usual length, 1 in 100 with the word
        conn.exec_driver_sql(
            "INSERT INTO items (project_id, environment, fingerprint, fingerprint_key, "
            "grouping_version, counter, title, level, status, created_at) "
            f"SELECT {project.id}, 'production', md5(i::text), 'k', '1', i, "
            "(CASE WHEN mod(i, 100) = 0 THEN 'Invoice ' ELSE 'KeyError ' END) || i || "
            "': could not process the request for account ' || md5(i::text), "
            "40, 1, 0 FROM generate_series(1, 20000) AS i")
        # as autovacuum would: fold the GIN pending list into the index, then statistics
        conn.exec_driver_sql("SELECT gin_clean_pending_list('ix_items_title_trgm')")
        conn.exec_driver_sql("ANALYZE items")
        assert conn.execute(stmt).scalar() == 200
        found = conn.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_items_title_trgm' "
            "AND schemaname = current_schema()").scalar()
        assert found is not None and "gin_trgm_ops" in found
        sql = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    assert "ix_items_title_trgm" in plan, plan
