"""Per-project figures for the web UI's project list: item counts and recent occurrences."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from tracehound.model.item import ItemStatus
from tracehound.store import item_series
from tracehound.store.tables import items, projects

HOUR = 3600


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    name: str
    status: str
    active_items: int
    total_items: int
    hourly: tuple[int, ...]  # occurrences in each of the last 24 hours, the current last

    @property
    def occurrences_24h(self) -> int:
        return sum(self.hourly)


def account_projects(conn: Connection, account_id: int, now: float) -> list[ProjectSummary]:
    """An account's projects by name, each with its item counts and the occurrences of
    each of the last 24 hours.

    Three statements whatever the number of projects: counts come grouped by project
    (ix_items_project_status) and the hours from the hourly counters, never from
    occurrences (item_series.per_project)."""
    rows = conn.execute(
        select(projects.c.id, projects.c.name, projects.c.status)
        .where(projects.c.account_id == account_id).order_by(projects.c.name, projects.c.id)
    ).all()
    ids = [int(r.id) for r in rows]
    if not ids:
        return []
    counts: dict[int, tuple[int, int]] = {}
    # grouped by the index's own columns: no expression per row (10 → 7.5 ms, 100k items)
    for pid, status, n in conn.execute(
            select(items.c.project_id, items.c.status, func.count())
            .where(items.c.project_id.in_(ids)).group_by(items.c.project_id, items.c.status)):
        active, total = counts.get(int(pid), (0, 0))
        counts[int(pid)] = (active + (int(n) if status == int(ItemStatus.ACTIVE) else 0),
                            total + int(n))
    recent = item_series.per_project(conn, ids, int(now // HOUR), 24)
    return [ProjectSummary(int(r.id), r.name, r.status, *counts.get(int(r.id), (0, 0)),
                           tuple(recent[int(r.id)])) for r in rows]
