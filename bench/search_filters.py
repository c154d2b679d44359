#!/usr/bin/env python3
"""Time the items list with search filters on a synthetic store, in one process.

    python bench/search_filters.py                       # a temporary SQLite file
    python bench/search_filters.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Builds 20,000 items, 1,000,000 occurrences, 240,000 item_facets rows (hosts, people,
tags, contexts) and 60,000 item versions with set-based SQL, then runs each filter
through query.search.compile_filter and store.items.list_items (the count and the
first page of 100, as GET /api/1/items does) and prints the median and the worst of
--repeat runs. On PostgreSQL it works in a schema of its own and drops it afterwards.
It checks that the SQL is index-friendly; the full HTTP bench is bench/loadgen.py.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, text

from tracehound.query.search import compile_filter
from tracehound.store import items, migrate
from tracehound.store.db import build_engine

N_ITEMS = 20_000
N_OCCURRENCES = 1_000_000
QUERIES = (
    "", "status:active", "failed module", "status:active level:error environment:production",
    "host:web-7.prod", "host:web-7*", "person:u4242", "email:user4242@example.com",
    "tag:region=3", "last_seen:>now-24h", "status:active level:>=error last_seen:>now-24h",
    "version:v1.3", "type:app.errors.E12", "-host:web-1* status:active",
    "date:[now-1h TO now]", "reference:u123456",
    "status:active host:web-3.prod tag.region:2 last_seen:>now-7d", "Error12 OR Error13",
    "-date:[now-1d TO now]", "-date:[now-20d TO now]", "-tag:region=3", "-email:user4*",
)
FACETS = (  # kind, value expression over i, rows per item
    ("host", "'web-' || (i % 50) || '.prod'", 3),
    ("person.id", "'u' || (i * 13 % 100000)", 5),
    ("person.email", "'user' || (i * 13 % 100000) || '@example.com'", 5),
    ("tag", "'region=' || (i % 7)", 1),
    ("tag.value", "'' || (i % 7)", 1),
    ("context", "'view' || (i % 400)", 1),
)


def series(engine: Engine, n: int) -> str:
    if engine.dialect.name == "postgresql":
        return f"generate_series(1, {n}) AS g(i)"
    return (f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
            f"WHERE i < {n}) SELECT i FROM s) AS g")


def build(engine: Engine, now: float) -> None:
    blob = "'\\x00'::bytea" if engine.dialect.name == "postgresql" else "X'00'"
    with engine.begin() as c:
        c.execute(text("INSERT INTO accounts (id, name, created_at) VALUES (1, 'a', 0)"))
        c.execute(text("INSERT INTO projects (id, account_id, name, created_at, item_counter)"
                       f" VALUES (1, 1, 'p', 0, {N_ITEMS})"))
        c.execute(text(f"""
            INSERT INTO items (id, project_id, environment, fingerprint, fingerprint_key,
                grouping_version, counter, title, level, status, platform, framework,
                language, exception_class, total_occurrences, first_occurrence_timestamp,
                last_occurrence_timestamp, created_at)
            SELECT i, 1, CASE WHEN i % 5 = 0 THEN 'staging' ELSE 'production' END,
                'fp' || i, 'k', 'v1', i,
                'Error' || (i % 300) || ': something failed in module ' || (i % 97),
                (1 + i % 5) * 10, CASE WHEN i % 4 = 0 THEN 2 ELSE 1 END,
                'python', 'django', 'python', 'app.errors.E' || (i % 300), 50,
                :now - 86400 * 30 + (i % 1000), :now - ((i * 17) % (86400 * 14)), 0
            FROM {series(engine, N_ITEMS)}"""), {"now": now})
        c.execute(text(f"""
            INSERT INTO occurrences (project_id, item_id, uuid, timestamp, level, payload)
            SELECT 1, 1 + (i % {N_ITEMS}), 'u' || i, :now - ((i * 7) % (86400 * 30)), 40,
                {blob}
            FROM {series(engine, N_OCCURRENCES)}"""), {"now": now})
        for kind, expr, per in FACETS:
            c.execute(text(f"""
                INSERT INTO item_facets (item_id, kind, value, project_id)
                SELECT 1 + (i % {N_ITEMS}), '{kind}', {expr}, 1
                FROM {series(engine, N_ITEMS * per)} WHERE true ON CONFLICT DO NOTHING"""))
        c.execute(text(f"""
            INSERT INTO item_versions (item_id, version, project_id, environment,
                first_occurrence_id, first_occurrence_timestamp, last_occurrence_id,
                last_occurrence_timestamp, occurrences, event)
            SELECT 1 + (i % {N_ITEMS}), 'v1.' || (i % 20), 1, 'production', 1, 0, 1, 0, 1, 1
            FROM {series(engine, N_ITEMS * 3)} WHERE true ON CONFLICT DO NOTHING"""))
        c.execute(text("ANALYZE"))


def run(engine: Engine, now: float, repeat: int) -> None:
    for query in QUERIES:
        flt = items.ItemFilter(search=compile_filter(query, 1, now=now) if query else None,
                               snoozed=False, now=now)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            with engine.connect() as conn:
                _, total = items.list_items(conn, 1, flt, page=1, per_page=100)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{query!r:66} matches {total:6}  median {statistics.median(times):6.1f} ms"
              f"  max {max(times):6.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default="")
    p.add_argument("--repeat", type=int, default=12)
    args = p.parse_args()
    now = time.time()
    admin: Engine | None = None
    schema = ""
    tmp = Path(tempfile.mkdtemp(prefix="tracehound-search-"))
    url = args.database_url or f"sqlite:///{tmp / 'search.sqlite3'}"
    if url.startswith("postgresql"):
        admin = build_engine(url)
        schema = "th_bench_" + secrets.token_hex(4)
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    engine = build_engine(url)
    try:
        migrate.upgrade(engine)
        t0 = time.time()
        build(engine, now)
        print(f"built {N_ITEMS} items, {N_OCCURRENCES} occurrences in "
              f"{time.time() - t0:.0f} s ({engine.dialect.name})")
        run(engine, now, args.repeat)
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
