"""What the digest records besides occurrences: item activations (new, reactivated),
the environments a project has seen, and per-version item statistics. Reports and the
versions API read these instead of scanning occurrences."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from tracehound.store import upsert
from tracehound.store.tables import environments, item_activations, item_versions

NEW = 1
REPEATED = 2
REACTIVATED = 3


def record(conn: Connection, activations: list[dict[str, Any]],
           envs: list[tuple[int, str]], versions: list[dict[str, Any]]) -> None:
    """At most three statements, each skipped when it has nothing to write."""
    if activations:
        conn.execute(insert(item_activations), activations)
    if envs:
        stmt = upsert.insert(conn, environments).on_conflict_do_nothing()
        now = min(a["timestamp"] for a in activations) if activations else 0.0
        conn.execute(stmt, [{"project_id": p, "name": e, "visible": True, "created_at": now}
                            for p, e in envs])
    if versions:
        stmt = upsert.insert(conn, item_versions)
        stmt = stmt.on_conflict_do_update(
            index_elements=["item_id", "version"],
            set_={
                "occurrences": item_versions.c.occurrences + stmt.excluded.occurrences,
                "last_occurrence_id": stmt.excluded.last_occurrence_id,
                "last_occurrence_timestamp": stmt.excluded.last_occurrence_timestamp,
            },
        )
        conn.execute(stmt, versions)
