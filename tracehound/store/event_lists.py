"""Lists of occurrences across projects, filtered and paged: the event lists of APIs that
show events rather than items (Exceptionless's `GET /api/v2/events`).

Order is by receive time, then id (ties), newest first by default. Pages are taken by
offset or, stably, after/before a (timestamp, id) cursor; the (project_id, timestamp)
index serves both for one project. The filter is a compiled event search
(query.event_search.compile_event_filter), opaque here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, select, tuple_, union_all

from tracehound.store.tables import items, occurrences

Cursor = tuple[float, int]  # (timestamp, occurrence id)


@dataclass(frozen=True)
class EventQuery:
    project_ids: tuple[int, ...]
    where: ColumnElement[bool] | None = None
    item_id: int | None = None
    since: float | None = None  # receive time window, [since, until)
    until: float | None = None
    newest_first: bool = True

    def conditions(self, project_ids: tuple[int, ...] | None = None
                   ) -> list[ColumnElement[bool]]:
        o = occurrences.c
        pids = self.project_ids if project_ids is None else project_ids
        conds = [o.project_id == pids[0] if len(pids) == 1 else o.project_id.in_(pids)]
        if self.item_id is not None:
            conds.append(o.item_id == self.item_id)
        if self.since is not None:
            conds.append(o.timestamp >= self.since)
        if self.until is not None:
            conds.append(o.timestamp < self.until)
        if self.where is not None:
            conds.append(self.where)
        return conds


def list_events(conn: Connection, q: EventQuery, *, limit: int, offset: int = 0,
                after: Cursor | None = None, before: Cursor | None = None) -> list[Row[Any]]:
    """Up to `limit` occurrences in the query's order: from `offset`, or the ones that
    come after `after` (the next page) or just before `before` (the previous page)."""
    if not q.project_ids:
        return []
    o = occurrences.c
    key = tuple_(o.timestamp, o.id)
    extra: list[ColumnElement[bool]] = []
    forward = q.newest_first
    if after is not None:
        extra.append(key < tuple_(*after) if forward else key > tuple_(*after))
    elif before is not None:
        extra.append(key > tuple_(*before) if forward else key < tuple_(*before))
        forward = not forward  # walk back from the cursor, then put the page in order
    if after is not None or before is not None:
        offset = 0

    def page_of(table: Any, conds: list[ColumnElement[bool]], n: int, skip: int) -> Any:
        c = table.c
        order = (c.timestamp.desc(), c.id.desc()) if forward \
            else (c.timestamp.asc(), c.id.asc())
        return select(table).where(*conds).order_by(*order).limit(n).offset(skip or None)

    if len(q.project_ids) == 1:
        stmt = page_of(occurrences, q.conditions() + extra, limit, offset)
    else:
        # Each project's first offset + limit rows, merged: every part walks its own
        # (project_id, timestamp) index in order, where one query over all the projects
        # would sort all their matching occurrences to find the newest few.
        parts = [page_of(occurrences, q.conditions((pid,)) + extra, offset + limit, 0)
                 .subquery().select() for pid in q.project_ids]
        merged = union_all(*parts).subquery()
        stmt = page_of(merged, [], limit, offset)
    rows = list(conn.execute(stmt).all())
    return rows[::-1] if before is not None else rows


def count_events(conn: Connection, q: EventQuery) -> int:
    if not q.project_ids:
        return 0
    return int(conn.execute(select(func.count()).select_from(occurrences)
                            .where(*q.conditions())).scalar_one())


def get_event(conn: Connection, project_ids: Iterable[int],
              occurrence_id: int) -> Row[Any] | None:
    """One occurrence of these projects; None for another project's or unknown ids."""
    ids = list(project_ids)
    if not ids:
        return None
    return conn.execute(select(occurrences).where(
        occurrences.c.id == occurrence_id, occurrences.c.project_id.in_(ids))).first()


def events_by_id(conn: Connection, project_ids: Iterable[int],
                 occurrence_ids: Iterable[int]) -> dict[int, Row[Any]]:
    """occurrence id → row, for the ids that exist in these projects (an item's first
    event, say, which may have been deleted)."""
    pids, wanted = list(project_ids), sorted(set(occurrence_ids))
    if not pids or not wanted:
        return {}
    rows = conn.execute(select(occurrences).where(
        occurrences.c.id.in_(wanted), occurrences.c.project_id.in_(pids)))
    return {int(r.id): r for r in rows}


def first_occurrences(conn: Connection, item_ids: Iterable[int]) -> dict[int, int | None]:
    """item id → the id of its first occurrence (is an event the first of its item?)."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return {}
    rows = conn.execute(select(items.c.id, items.c.first_occurrence_id)
                        .where(items.c.id.in_(wanted)))
    return {int(i): (None if f is None else int(f)) for i, f in rows}
