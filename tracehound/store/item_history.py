"""An item's lifecycle history: what people and scripts changed (item_history), merged
with what the digest recorded (item_activations: created, reactivated)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from tracehound.store import activity
from tracehound.store.tables import item_activations, item_history

# the actions a change records; the item page words them (web/templates/pages/item.html)
RESOLVED = "resolved"
MUTED = "muted"
REOPENED = "reopened"
LEVEL = "level"
TITLE = "title"
ASSIGNED = "assigned"
UNASSIGNED = "unassigned"
TEAM_ASSIGNED = "team_assigned"
TEAM_UNASSIGNED = "team_unassigned"
SNOOZED = "snoozed"
UNSNOOZED = "unsnoozed"
# from item_activations
CREATED = "created"
REACTIVATED = "reactivated"

WEB = "web"
API = "api"
DIGEST = "digest"


@dataclass(frozen=True)
class Entry:
    timestamp: float
    action: str
    value: str | None = None  # version, level label, title, owner id, snooze expiry
    user_id: int | None = None
    source: str = DIGEST
    occurrence_id: int | None = None  # the occurrence that created or reactivated it


def record(conn: Connection, project_id: int, item_id: int, changes: list[tuple[str, str | None]],
           *, now: float, user_id: int | None, source: str) -> None:
    """One row per (action, value); nothing when the list is empty."""
    if not changes:
        return
    conn.execute(insert(item_history), [
        {"project_id": project_id, "item_id": item_id, "timestamp": now, "action": action,
         "value": None if value is None else value[:255], "user_id": user_id,
         "source": source}
        for action, value in changes])


def for_item(conn: Connection, item_id: int, limit: int = 50) -> list[Entry]:
    """The newest `limit` entries, newest first. Two reads, each walking an (item_id, id)
    index backwards and limited, so an item changed a million times costs the same.

    By item id alone (ids are unique across projects; the caller found the item in its
    project): with `project_id` added, SQLite's planner sorted all of the item's rows.
    The ORDER BY names item_id so that it matches the index: by id alone, PostgreSQL
    walked the primary key backwards through every other item's rows."""
    h = item_history
    changes = [
        Entry(r.timestamp, r.action, r.value, r.user_id, r.source)
        for r in conn.execute(
            select(h.c.timestamp, h.c.action, h.c.value, h.c.user_id, h.c.source)
            .where(h.c.item_id == item_id)
            .order_by(h.c.item_id.desc(), h.c.id.desc()).limit(limit))
    ]
    a = item_activations
    names = {activity.NEW: CREATED, activity.REACTIVATED: REACTIVATED}
    rows: list[Any] = list(conn.execute(
        select(a.c.timestamp, a.c.kind, a.c.occurrence_id)
        .where(a.c.item_id == item_id)
        .order_by(a.c.item_id.desc(), a.c.id.desc()).limit(limit)))
    activations = [Entry(r.timestamp, names[r.kind], occurrence_id=r.occurrence_id)
                   for r in rows if r.kind in names]
    # a change and an activation in the same second: the change is listed first (newer)
    merged = sorted(changes + activations, key=lambda e: (e.timestamp, e.source != DIGEST),
                    reverse=True)
    return merged[:limit]
