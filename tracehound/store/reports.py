"""Dashboard reports read from the digest's pre-aggregated tables, never from occurrences.

Occurrence counts come from `item_minute_counts` (unix minute) and `item_hourly_counts`
(unix hour); days are sums of hours. New and reactivated items come from
`item_activations`. Every bucket index here is `unix time // bucket size`, so buckets
are aligned to UTC; callers pass inclusive index ranges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Row,
    Table,
    case,
    cast,
    func,
    select,
)

from tracehound.model.item import ItemStatus
from tracehound.store.tables import (
    item_activations,
    item_hourly_counts,
    item_minute_counts,
    items,
)

MINUTE, HOUR, DAY = 60, 3600, 86400
TOP_LIMIT = 10


@dataclass(frozen=True)
class CountFilter:
    """Which items' occurrences a count includes; empty/None means no restriction."""

    environments: tuple[str, ...] = ()
    min_level: int | None = None
    max_level: int | None = None
    item_id: int | None = None


@dataclass(frozen=True)
class TopItem:
    item: Row[Any]  # the items row
    occurrences: int  # in the window
    counts: list[int]  # one per hour of the window, oldest first


def _item_conds(project_id: int, flt: CountFilter) -> list[ColumnElement[bool]]:
    conds = [items.c.project_id == project_id]
    if flt.environments:
        conds.append(items.c.environment.in_(flt.environments))
    if flt.min_level is not None:
        conds.append(items.c.level >= flt.min_level)
    if flt.max_level is not None:
        conds.append(items.c.level <= flt.max_level)
    if flt.item_id is not None:
        conds.append(items.c.id == flt.item_id)
    return conds


def _totals(conn: Connection, table: Table, unit: str, project_id: int, first: int,
            last: int, flt: CountFilter) -> dict[int, int]:
    """Sum of a counter table per unit index in [first, last], over the matching items."""
    col = table.c[unit]
    rows = conn.execute(
        select(col, func.sum(table.c.count))
        .select_from(table.join(items, items.c.id == table.c.item_id))
        .where(col >= first, col <= last, *_item_conds(project_id, flt))
        .group_by(col)
    )
    return {int(k): int(n) for k, n in rows}


def _series(totals: dict[int, int], first: int, last: int, size: int) -> list[tuple[int, int]]:
    return [(i * size, totals.get(i, 0)) for i in range(first, last + 1)]


def occurrence_counts(conn: Connection, project_id: int, bucket_size: int, first: int,
                      last: int, flt: CountFilter) -> list[tuple[int, int]]:
    """`(bucket start, occurrences)` for bucket indexes first..last of `bucket_size`
    seconds (60, 3600 or 86400), oldest first, zeros included."""
    if bucket_size == MINUTE:
        totals = _totals(conn, item_minute_counts, "minute", project_id, first, last, flt)
    elif bucket_size == HOUR:
        totals = _totals(conn, item_hourly_counts, "hour", project_id, first, last, flt)
    elif bucket_size == DAY:
        per_hour = _totals(conn, item_hourly_counts, "hour", project_id, first * 24,
                           last * 24 + 23, flt)
        totals = defaultdict(int)
        for hour, n in per_hour.items():
            totals[hour // 24] += n
    else:
        raise ValueError(f"unsupported bucket size {bucket_size}")
    return _series(totals, first, last, bucket_size)


def top_active_items(conn: Connection, project_id: int, first_hour: int, last_hour: int,
                     environments: Sequence[str] = (), *, by_level: bool = True,
                     limit: int = TOP_LIMIT) -> list[TopItem]:
    """The active items with the most occurrences in hours first..last: most severe
    first when `by_level`, then by count; ties go to the most recently seen."""
    hc = item_hourly_counts
    conds = _item_conds(project_id, CountFilter(environments=tuple(environments)))
    window = (
        select(hc.c.item_id, func.sum(hc.c.count).label("n"))
        .select_from(hc.join(items, items.c.id == hc.c.item_id))
        .where(hc.c.hour >= first_hour, hc.c.hour <= last_hour,
               items.c.status == int(ItemStatus.ACTIVE), *conds)
        .group_by(hc.c.item_id)
        .having(func.sum(hc.c.count) > 0)
        .subquery()
    )
    order = [window.c.n.desc(), items.c.last_occurrence_timestamp.desc(), items.c.id.desc()]
    if by_level:
        order.insert(0, items.c.level.desc())
    rows = conn.execute(
        select(items, window.c.n).join(window, window.c.item_id == items.c.id)
        .order_by(*order).limit(limit)
    ).all()
    hours = _hours_of(conn, [r.id for r in rows], first_hour, last_hour)
    return [TopItem(r, int(r.n), [hours.get((r.id, h), 0) for h in
                                  range(first_hour, last_hour + 1)]) for r in rows]


def _hours_of(conn: Connection, item_ids: list[int], first: int,
              last: int) -> dict[tuple[int, int], int]:
    if not item_ids:
        return {}
    hc = item_hourly_counts
    rows = conn.execute(
        select(hc.c.item_id, hc.c.hour, hc.c.count)
        .where(hc.c.item_id.in_(item_ids), hc.c.hour >= first, hc.c.hour <= last)
    )
    return {(int(i), int(h)): int(n) for i, h, n in rows}


def _floor_div(value: ColumnElement[Any], size: float) -> ColumnElement[Any]:
    """floor(value / size) on both dialects without a floor() function: SQLite's CAST
    truncates, PostgreSQL's rounds, so step back one wherever the cast went past."""
    q = cast(value / size, BigInteger)
    return q - case((q * size > value, 1), else_=0)


def activated_counts(conn: Connection, project_id: int, first_day: int, last_day: int,
                     environments: Sequence[str] = ()) -> list[tuple[int, int]]:
    """`(UTC day start, items first seen or reactivated that day)` for days
    first..last, oldest first, zeros included."""
    a = item_activations
    conds = [a.c.project_id == project_id, a.c.timestamp >= first_day * DAY,
             a.c.timestamp < (last_day + 1) * DAY]
    if environments:
        conds.append(a.c.environment.in_(tuple(environments)))
    days = select(_floor_div(a.c.timestamp, float(DAY)).label("day")).where(*conds).subquery()
    rows = conn.execute(select(days.c.day, func.count()).group_by(days.c.day))
    return _series({int(d): int(n) for d, n in rows}, first_day, last_day, DAY)
