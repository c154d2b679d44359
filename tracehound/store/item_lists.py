"""Items across several projects: lists for APIs that page an account's grouped errors
as a whole (Exceptionless's `GET /api/v2/stacks`), the tags an item has seen, the
critical mark, and deleting items with everything recorded about them.

Every function is scoped by project ids, so a caller passes the projects it may reach
and never touches another's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, delete, func, select, update

from tracehound.store import db, facets
from tracehound.store.tables import (
    item_activations,
    item_facets,
    item_history,
    item_hourly_counts,
    item_minute_counts,
    item_versions,
    items,
    occurrences,
)

# the distinct people (person ids) an item's occurrences named, as item_facets holds
# them: at most facets.MAX_PER_ITEM_KIND per item
_USERS = (select(func.count()).select_from(item_facets)
          .where(item_facets.c.item_id == items.c.id, item_facets.c.kind == facets.PERSON_ID)
          .correlate(items).scalar_subquery())
# sort name → column; ties go to the newest item
SORTS: dict[str, Any] = {
    "last": items.c.last_occurrence_timestamp,
    "first": items.c.first_occurrence_timestamp,
    "occurrences": items.c.total_occurrences,
    "users": _USERS,  # a count per item: every matching item is counted to sort
    "id": items.c.id,
}
MAX_TAGS = 50  # per item, as Exceptionless keeps at most 50 tags


@dataclass(frozen=True)
class ItemQuery:
    project_ids: tuple[int, ...]
    where: ColumnElement[bool] | None = None  # a compiled search (query.search)
    since: float | None = None  # seen in [since, until): last seen ≥ since, first < until
    until: float | None = None
    sort: str = "last"
    descending: bool = True

    def conditions(self) -> list[ColumnElement[bool]]:
        c = items.c
        conds: list[ColumnElement[bool]] = [c.project_id.in_(self.project_ids)]
        if self.since is not None:
            conds.append(c.last_occurrence_timestamp >= self.since)
        if self.until is not None:
            conds.append(c.first_occurrence_timestamp < self.until)
        if self.where is not None:
            conds.append(self.where)
        return conds


def list_items(conn: Connection, q: ItemQuery, *, offset: int,
               limit: int) -> list[Row[Any]]:
    if not q.project_ids:
        return []
    col = SORTS[q.sort]
    order = (col.desc(), items.c.id.desc()) if q.descending else (col.asc(), items.c.id.asc())
    return list(conn.execute(select(items).where(*q.conditions()).order_by(*order)
                             .limit(limit).offset(offset)).all())


def count_items(conn: Connection, q: ItemQuery) -> int:
    if not q.project_ids:
        return 0
    return int(conn.execute(select(func.count()).select_from(items)
                            .where(*q.conditions())).scalar_one())


def find_items(conn: Connection, project_ids: Sequence[int],
               item_ids: Iterable[int]) -> list[Row[Any]]:
    """The items with these ids in these projects (others are left out), by id."""
    wanted = sorted(set(item_ids))
    if not wanted or not project_ids:
        return []
    return list(conn.execute(select(items).where(
        items.c.id.in_(wanted), items.c.project_id.in_(list(project_ids)))
        .order_by(items.c.id)).all())


def tags_of(conn: Connection, item_ids: Iterable[int]) -> dict[int, list[str]]:
    """item id → the tags its occurrences carried (`key=value`, or a key alone),
    sorted, at most MAX_TAGS each."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return {}
    out: dict[int, list[str]] = defaultdict(list)
    f = item_facets.c
    rows = conn.execute(select(f.item_id, f.value).where(
        f.item_id.in_(wanted), f.kind == facets.TAG).order_by(f.item_id, f.value))
    for item_id, value in rows:
        if len(out[item_id]) < MAX_TAGS:
            out[item_id].append(value)
    return dict(out)


def user_counts(conn: Connection, item_ids: Iterable[int]) -> dict[int, int]:
    """item id → how many distinct people (person ids) its occurrences named, up to
    facets.MAX_PER_ITEM_KIND; items that named none are left out."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return {}
    f = item_facets.c
    rows = conn.execute(select(f.item_id, func.count()).where(
        f.item_id.in_(wanted), f.kind == facets.PERSON_ID).group_by(f.item_id))
    return {int(i): int(n) for i, n in rows}


def set_critical(engine: Engine, project_id: int, item_ids: Sequence[int],
                 critical: bool) -> int:
    """Mark (or unmark) the project's items critical; how many there were."""
    with db.writer(engine).begin() as conn:
        result = conn.execute(update(items).where(
            items.c.project_id == project_id, items.c.id.in_(list(item_ids)))
            .values(critical=critical))
        return int(result.rowcount)


def delete_items(engine: Engine, project_id: int, item_ids: Sequence[int]) -> int:
    """Delete the project's items with their occurrences, counters, facets, versions,
    activations and history, in one transaction; how many items there were. An occurrence of
    the same group that arrives later makes a new item."""
    with db.writer(engine).begin() as conn:
        ids = [int(i) for i in conn.execute(select(items.c.id).where(
            items.c.project_id == project_id, items.c.id.in_(list(item_ids)))).scalars()]
        if not ids:
            return 0
        conn.execute(delete(occurrences).where(occurrences.c.item_id.in_(ids)))
        for table in (item_hourly_counts, item_minute_counts, item_facets, item_versions,
                      item_history):
            conn.execute(delete(table).where(table.c.item_id.in_(ids)))
        conn.execute(delete(item_activations).where(
            item_activations.c.project_id == project_id,
            item_activations.c.item_id.in_(ids)))
        conn.execute(delete(items).where(items.c.id.in_(ids)))
        return len(ids)
