"""Per-project figures for the web UI's project list: item counts and recent occurrences."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select

from tracehound.model.item import ItemStatus
from tracehound.store.tables import item_hourly_counts, items, projects

HOUR = 3600


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    name: str
    status: str
    active_items: int
    total_items: int
    occurrences_24h: int  # the last 24 hourly buckets, the current one included


def account_projects(conn: Connection, account_id: int, now: float) -> list[ProjectSummary]:
    """An account's projects by name, each with its item counts and 24 h occurrences.

    Three statements whatever the number of projects: counts come grouped by project
    (ix_items_project_status) and the 24 h sum from the hourly counters, never from
    occurrences."""
    rows = conn.execute(
        select(projects.c.id, projects.c.name, projects.c.status)
        .where(projects.c.account_id == account_id).order_by(projects.c.name, projects.c.id)
    ).all()
    ids = [int(r.id) for r in rows]
    if not ids:
        return []
    counts = {
        int(pid): (int(active or 0), int(total))
        for pid, active, total in conn.execute(
            select(items.c.project_id,
                   func.sum(case((items.c.status == int(ItemStatus.ACTIVE), 1), else_=0)),
                   func.count())
            .where(items.c.project_id.in_(ids)).group_by(items.c.project_id))
    }
    first_hour = int(now // HOUR) - 23
    recent = {
        int(pid): int(n or 0)
        for pid, n in conn.execute(
            select(items.c.project_id, func.sum(item_hourly_counts.c.count))
            .join(item_hourly_counts, item_hourly_counts.c.item_id == items.c.id)
            .where(items.c.project_id.in_(ids), item_hourly_counts.c.hour >= first_hour)
            .group_by(items.c.project_id))
    }
    return [ProjectSummary(int(r.id), r.name, r.status, *counts.get(int(r.id), (0, 0)),
                           recent.get(int(r.id), 0)) for r in rows]
