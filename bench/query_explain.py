"""Query plans of what the item list and RQL really execute.

The SQL is captured, not rebuilt: the Rollbar app runs in-process (httpx ASGITransport,
no lifespan: read endpoints need only the engine) or the RQL engine runs on a
connection, while a `before_cursor_execute` listener on every Engine records each
statement with its parameters. Each SELECT on the big tables is then explained on a raw
driver connection: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, event

from tracehound.store.db import build_engine

BIG_TABLES = re.compile(r"\b(items|occurrences|item_facets|item_hourly_counts)\b")
Captured = list[tuple[str, Any]]


@contextlib.contextmanager
def capture() -> Iterator[Captured]:
    """Every statement any engine runs inside the block: (sql, parameters)."""
    seen: Captured = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                   _context: Any, executemany: bool) -> None:
        if not executemany:
            seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", on_execute)


def interesting(captured: Captured) -> Captured:
    return [(sql, params) for sql, params in captured
            if sql.lstrip().upper().startswith("SELECT") and BIG_TABLES.search(sql)]


def explain(engine: Engine, sql: str, params: Any) -> list[str]:
    """The plan as text lines."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [f"{r[0]}<{r[1]}: {r[3]}" for r in cur.fetchall()]  # id<parent: detail
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [r[0] for r in cur.fetchall()]
    finally:
        raw.close()


def list_items_plans(url: str, token: str, paths: dict[str, str]) -> dict[str, Any]:
    """name → [{sql, plan}] for each item-list request path, served in-process."""
    import httpx

    from tracehound.app import create_app
    from tracehound.config import Settings

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(database_url=url, data_dir=tmp))
        engine = build_engine(url)

        async def get(path: str) -> int:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                r = await c.get(path, headers={"X-Rollbar-Access-Token": token})
                return r.status_code

        for name, path in paths.items():
            with capture() as seen:
                status = asyncio.run(get(path))
            out[name] = {"status": status, "statements": [
                {"sql": _short(sql), "plan": explain(engine, sql, params)}
                for sql, params in interesting(seen)]}
        engine.dispose()
    return out


def run_plans(engine: Engine, run: Callable[[], Any]) -> list[dict[str, Any]]:
    """Plans of the statements `run()` issues (an RQL execute on a connection)."""
    with capture() as seen:
        run()
    return [{"sql": _short(sql), "plan": explain(engine, sql, params)}
            for sql, params in interesting(seen)]


def _short(sql: str, limit: int = 1200) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[:limit] + " …"
