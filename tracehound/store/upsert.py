"""INSERT … ON CONFLICT for both dialects: pick the dialect's insert construct."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert(conn: Connection, table: Table) -> Any:
    """The dialect's Insert, which has on_conflict_do_nothing/on_conflict_do_update."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def chunks(rows: list[Any], size: int = 500) -> list[list[Any]]:
    """Multi-row statements are cut to stay far below bind-parameter limits."""
    return [rows[i:i + size] for i in range(0, len(rows), size)]
