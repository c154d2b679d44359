"""STAND-IN for the RQL engine (branch `rql`); drop when the engine lands.

It offers exactly the engine's interface so the job runner and the API can be built
and tested meanwhile, and understands two queries only:

* `SELECT count(*) FROM item_occurrence` — the project's occurrence count;
* `SELECT count(*) FROM stand_in_slow` — a query that never ends on its own (a
  recursive count on SQLite, `pg_sleep` on PostgreSQL), for timeout and cancel tests.

Like the engine, `execute` enforces the deadline and `cancelled()` inside the database:
a SQLite progress handler, PostgreSQL `SET LOCAL statement_timeout`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError

from tracehound.store.tables import occurrences

_QUERY = re.compile(r"\s*select\s+count\(\s*\*\s*\)\s+from\s+(\w+)\s*;?\s*", re.I)
_TABLES = ("item_occurrence", "stand_in_slow")


class RqlError(Exception):
    """A query the engine refuses or cannot run; the job fails with this message."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class RqlTimeout(Exception):
    """The query ran past its deadline and was stopped."""


class RqlCancelled(Exception):
    """`cancelled()` turned true while the query ran, and it was stopped."""


@dataclass
class RqlResult:
    selection_columns: list[str]
    columns: list[str]
    rows: list[list[Any]]
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    execution_time_ms: float = 0.0

    def resource(self, job_id: int) -> dict[str, Any]:
        return {"job_id": job_id, "rows": self.rows,
                "selectionColumns": self.selection_columns, "columns": self.columns,
                "rowcount": len(self.rows), "executionTime": self.execution_time_ms,
                "errors": self.errors, "warnings": self.warnings}


def _table(query: str) -> str:
    match = _QUERY.fullmatch(query)
    if match is None or match.group(1).lower() not in _TABLES:
        raise RqlError("the stand-in engine knows only SELECT count(*) FROM "
                       "item_occurrence", 0)
    return match.group(1).lower()


def check(query: str) -> None:
    _table(query)


def execute(conn: Connection, project_id: int, query: str, *, deadline: float,
            max_rows: int = 1000, cancelled: Callable[[], bool] = lambda: False,
            now: float | None = None) -> RqlResult:
    table = _table(query)
    started = time.monotonic()
    sqlite = conn.dialect.name == "sqlite"
    raw: Any = conn.connection.dbapi_connection
    if sqlite:
        raw.set_progress_handler(
            lambda: int(time.monotonic() > deadline or cancelled()), 10_000)
    else:
        ms = max(1, int((deadline - time.monotonic()) * 1000))
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
    try:
        if table == "item_occurrence":
            stmt: Any = select(func.count()).select_from(occurrences).where(
                occurrences.c.project_id == project_id)
        elif sqlite:
            stmt = text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                        "SELECT count(*) FROM c")
        else:
            stmt = text("SELECT count(*) FROM pg_sleep(3600)")
        count = conn.execute(stmt).scalar_one()
    except DBAPIError:
        if cancelled():
            raise RqlCancelled() from None
        if time.monotonic() >= deadline:
            raise RqlTimeout() from None
        raise
    finally:
        if sqlite:
            raw.set_progress_handler(None, 0)
    return RqlResult(["count(*)"], ["count(*)"], [[int(count)]],
                     execution_time_ms=(time.monotonic() - started) * 1000)
