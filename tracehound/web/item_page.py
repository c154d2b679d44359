"""What the item page shows besides the item row: its occurrence chart, its occurrences
(keyset pages), the deploys around it and its history, each from one or two indexed
store reads. The HTTP side is routes/items.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracehound.model.event import Event
from tracehound.store import codec, counts, deploys, item_history, occurrences, teams
from tracehound.store.db import Connection
from tracehound.web import charts
from tracehound.web.occurrence_view import summary

HOUR = 3600
DAY = 86400
PER_PAGE = 20
CHARTS = ("hourly", "daily")  # the last 24 hours / the last 30 days
HISTORY = 50  # newest entries shown


def chart(conn: Connection, item_id: int, kind: str, now: float) -> str:
    """Inline SVG of the item's occurrences: 24 hourly bars, or 30 daily (UTC) bars,
    both from the hourly counters (at most 720 rows of their primary key)."""
    last_hour = int(now // HOUR)
    if kind == "daily":
        last_day = int(now // DAY)
        first_hour = (last_day - 29) * 24
        by_hour = counts.hourly_between(conn, item_id, first_hour, last_hour)
        days = [0] * 30
        for hour, n in by_hour.items():
            days[hour // 24 - (last_day - 29)] += n
        return charts.daily_chart(days, datetime.fromtimestamp(last_day * DAY, UTC),
                                  title="Occurrences per day, last 30 days",
                                  width=720, height=80)
    by_hour = counts.hourly_between(conn, item_id, last_hour - 23, last_hour)
    hours = [by_hour.get(h, 0) for h in range(last_hour - 23, last_hour + 1)]
    return charts.hourly_chart(hours, datetime.fromtimestamp(last_hour * HOUR, UTC),
                               title="Occurrences per hour, last 24 hours",
                               width=720, height=80)


@dataclass(frozen=True)
class OccurrenceRow:
    id: int
    timestamp: float
    level: int
    summary: str
    host: str | None
    code_version: str | None
    person: str | None


@dataclass(frozen=True)
class OccurrencePage:
    rows: list[OccurrenceRow]
    newer: int | None  # `after=` of the newer page, None on the newest
    older: int | None  # `before=` of the older page, None on the oldest
    first: bool  # the newest page


def _row(r: Any) -> OccurrenceRow:
    event: Event = codec.unpack(r.payload)
    return OccurrenceRow(int(r.id), float(r.timestamp), int(r.level), summary(event),
                         event.host, event.code_version,
                         event.person.id if event.person else None)


def occurrence_page(conn: Connection, project_id: int, item_id: int, *,
                    before: int | None, after: int | None) -> OccurrencePage:
    """One page of the item's occurrences, newest first; one extra row is read to know
    whether the page has a neighbour in the direction it was reached from."""
    rows = occurrences.item_page(conn, project_id, item_id, before=before, after=after,
                                 limit=PER_PAGE + 1)
    if after is not None:
        more_newer = len(rows) > PER_PAGE
        rows = rows[-PER_PAGE:]
        more_older = True
    else:
        more_older = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        more_newer = before is not None
    shown = [_row(r) for r in rows]
    return OccurrencePage(
        shown,
        newer=shown[0].id if shown and more_newer else None,
        older=shown[-1].id if shown and more_older else None,
        first=(before is None and after is None) or not more_newer)


def latest_event(conn: Connection, project_id: int, item_id: int) -> tuple[int, Event] | None:
    """The item's newest occurrence that still exists (occurrences can be deleted)."""
    rows = occurrences.item_page(conn, project_id, item_id, limit=1)
    return (int(rows[0].id), codec.unpack(rows[0].payload)) if rows else None


@dataclass(frozen=True)
class DeployRow:
    revision: str
    status: str
    start_time: float
    user: str | None
    comment: str | None
    when: str  # live when first seen / while occurring / after last seen


def deploy_rows(conn: Connection, project_id: int, environment: str, first_seen: float,
                last_seen: float) -> list[DeployRow]:
    out = []
    for d in deploys.around(conn, project_id, environment, first_seen, last_seen):
        when = ("live when first seen" if d.start_time <= first_seen else
                "while occurring" if d.start_time <= last_seen else "after last seen")
        out.append(DeployRow(d.revision, d.status, d.start_time, d.local_username,
                             d.comment, when))
    return out


def history(conn: Connection, item_id: int) -> list[item_history.Entry]:
    return item_history.for_item(conn, item_id, HISTORY)


def account_users(conn: Connection, account_id: int) -> list[teams.User]:
    return teams.list_users(conn, account_id)
