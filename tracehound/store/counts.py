"""Per-item occurrence counters: hourly (kept) and by the minute (pruned)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from tracehound.store import upsert
from tracehound.store.tables import item_hourly_counts, item_minute_counts

KEEP_MINUTES = 300  # minute reports look back at most 240 buckets


def bump(conn: Connection, counts: dict[tuple[int, int], int]) -> None:
    """Add counts for (item id, hour) pairs: one upsert a chunk, in key order."""
    rows = [{"item_id": k[0], "hour": k[1], "count": n} for k, n in sorted(counts.items())]
    if not rows:
        return
    stmt = upsert.insert(conn, item_hourly_counts)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "hour"],
        set_={"count": item_hourly_counts.c.count + stmt.excluded.count},
    )
    conn.execute(stmt, rows)  # executemany: compiled once, cached


def bump_minutes(conn: Connection, counts: dict[tuple[int, int], int]) -> None:
    """Add counts for (item id, minute) pairs."""
    rows = [{"item_id": k[0], "minute": k[1], "count": n} for k, n in sorted(counts.items())]
    if not rows:
        return
    stmt = upsert.insert(conn, item_minute_counts)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "minute"],
        set_={"count": item_minute_counts.c.count + stmt.excluded.count},
    )
    conn.execute(stmt, rows)


def prune_minutes(conn: Connection, now: float) -> int:
    """Drop minute counts older than KEEP_MINUTES; returns the rows removed."""
    cutoff = int(now // 60) - KEEP_MINUTES
    return conn.execute(delete(item_minute_counts)
                        .where(item_minute_counts.c.minute < cutoff)).rowcount or 0


def hourly(conn: Connection, item_id: int) -> dict[int, int]:
    rows = conn.execute(
        select(item_hourly_counts.c.hour, item_hourly_counts.c.count)
        .where(item_hourly_counts.c.item_id == item_id)
        .order_by(item_hourly_counts.c.hour)
    )
    return {int(hour): int(n) for hour, n in rows}


def hourly_between(conn: Connection, item_id: int, first_hour: int,
                   last_hour: int) -> dict[int, int]:
    """hour → count for hours first..last (both included) that have any: a range read
    of the (item_id, hour) primary key, at most last - first + 1 rows."""
    c = item_hourly_counts.c
    rows = conn.execute(select(c.hour, c.count).where(
        c.item_id == item_id, c.hour >= first_hour, c.hour <= last_hour))
    return {int(hour): int(n) for hour, n in rows}
