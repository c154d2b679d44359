"""People (the users of the reporting application), one row per project and person id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func

from tracehound.store import upsert
from tracehound.store.tables import people


def upsert_people(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Rows of project_id, person_id, username, email, first_seen, last_seen: the
    latest non-empty names win."""
    if not rows:
        return
    values = [{"project_id": r["project_id"], "person_id": r["person_id"],
               "username": r["username"], "email": r["email"],
               "first_seen": r["first_seen"], "last_seen": r["last_seen"]}
              for r in sorted(rows, key=lambda r: (r["project_id"], r["person_id"]))]
    stmt = upsert.insert(conn, people)
    ex = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=["project_id", "person_id"],
        set_={
            "username": func.coalesce(ex.username, people.c.username),
            "email": func.coalesce(ex.email, people.c.email),
            "last_seen": case((ex.last_seen > people.c.last_seen, ex.last_seen),
                              else_=people.c.last_seen),
        },
    )
    conn.execute(stmt, values)  # executemany: compiled once, cached
