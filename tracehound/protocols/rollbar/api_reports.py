"""Rollbar API: reports (rollbar-api.md §10). See docs/api/reports.md.

Dashboard data for a project `read` token (or an account token naming `project_id`),
computed from the digest's per-minute and per-hour counters and its activation log,
never by scanning occurrences. Buckets are UTC-aligned and the last one holds "now".
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import InvalidPayload, NotFound
from tracehound.model.event import Level
from tracehound.model.project import Scope
from tracehound.model.rollbar_ids import framework_id
from tracehound.protocols.rollbar.access import project_caller
from tracehound.protocols.rollbar.routing import Route, in_thread, ok
from tracehound.services import Services
from tracehound.store import items, reports
from tracehound.store.reports import DAY, HOUR, MINUTE, CountFilter

MAX_ID = 2**63 - 1



# ---- parameters ---------------------------------------------------------------------


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidPayload(f"{name} must be an integer, got {raw[:40]!r}") from None
    if not low <= value <= high:
        raise InvalidPayload(f"{name} must be between {low} and {high}")
    return value


def _environments(request: Request) -> tuple[str, ...]:
    """Comma-separated (Rollbar's form) or repeated; empty means every environment."""
    out: list[str] = []
    for value in request.query_params.getlist("environments"):
        out.extend(s.strip() for s in value.split(",") if s.strip())
    return tuple(dict.fromkeys(out))


def _level(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name, "").strip()
    if raw == "":
        return default
    level = Level.parse(raw)
    if level is None and raw.isascii() and raw.isdigit() and int(raw) in {int(lv) for lv in Level}:
        level = Level(int(raw))
    if level is None:
        raise InvalidPayload(f"{name} must be one of debug, info, warning, error, critical; "
                             f"got {raw[:40]!r}")
    return int(level)


def _item_id(request: Request) -> int | None:
    raw = request.query_params.get("item_id", "").strip()
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidPayload(f"item_id must be an integer, got {raw[:40]!r}") from None
    if not 1 <= value <= MAX_ID:
        raise NotFound("Item not found in this project.")
    return value


def _bucket_size(request: Request, allowed: tuple[int, ...]) -> int:
    raw = request.query_params.get("bucket_size", "").strip()
    if raw == "":
        return DAY
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in allowed:
        names = ", ".join(str(a) for a in allowed)
        raise InvalidPayload(f"bucket_size must be {'one of ' if len(allowed) > 1 else ''}"
                             f"{names}; got {raw[:40]!r}")
    return int(raw)


# ---- endpoints ----------------------------------------------------------------------


def _item_json(top: reports.TopItem) -> dict[str, Any]:
    row = top.item
    last = row.last_occurrence_timestamp
    return {
        "id": row.id, "counter": row.counter, "environment": row.environment,
        "framework": framework_id(row.framework or ""),
        "last_occurrence_timestamp": None if last is None else int(last),
        "level": int(row.level), "occurrences": top.occurrences,
        "project_id": row.project_id, "title": row.title,
        "unique_occurrences": None, "group_status": 1,
    }


def routes(services: Services) -> list[Route]:
    engine = services.engine

    async def top_active_items(request: Request) -> Response:
        """Top 10 active items of the last `hours` hours, with their hourly counts."""
        caller = await in_thread(project_caller, services, request, Scope.READ)
        hours = _int(request, "hours", 24, 1, 168)
        sort = request.query_params.get("sort", "").strip()
        if sort not in ("", "occurrences"):
            raise InvalidPayload(f"sort must be 'occurrences' (or absent); got {sort[:40]!r}")
        envs = _environments(request)
        last = int(time.time()) // HOUR

        def run() -> list[reports.TopItem]:
            with engine.connect() as conn:
                return reports.top_active_items(conn, caller.project_id or 0,
                                                last - hours + 1, last, envs,
                                                by_level=sort == "")
        found = await in_thread(run)
        return ok([{"item": _item_json(t), "counts": t.counts} for t in found])

    async def occurrence_counts(request: Request) -> Response:
        """Occurrences per minute, hour or day over the last `buckets` buckets."""
        caller = await in_thread(project_caller, services, request, Scope.READ)
        project_id = caller.project_id or 0
        size = _bucket_size(request, (MINUTE, HOUR, DAY))
        buckets = _int(request, "buckets", 60, 2, 240 if size == MINUTE else 366)
        item_id = _item_id(request)
        # the default floor (error) is for the project graph; an item's graph shows
        # the item whatever its level unless a level is asked for
        min_level = _level(request, "min_level", None if item_id else int(Level.ERROR))
        max_level = _level(request, "max_level", None)
        if min_level is not None and max_level is not None and min_level > max_level:
            raise InvalidPayload("min_level must not be above max_level")
        flt = CountFilter(_environments(request), min_level, max_level, item_id)
        last = int(time.time()) // size

        def run() -> list[tuple[int, int]]:
            with engine.connect() as conn:
                if item_id is not None and items.get(conn, project_id, item_id) is None:
                    raise NotFound("Item not found in this project.")
                return reports.occurrence_counts(conn, project_id, size,
                                                 last - buckets + 1, last, flt)
        series = await in_thread(run)
        return ok([list(pair) for pair in series])

    async def activated_counts(request: Request) -> Response:
        """Items first seen or reactivated per UTC day over the last `buckets` days."""
        caller = await in_thread(project_caller, services, request, Scope.READ)
        _bucket_size(request, (DAY,))
        buckets = _int(request, "buckets", 60, 2, 366)
        envs = _environments(request)
        last = int(time.time()) // DAY

        def run() -> list[tuple[int, int]]:
            with engine.connect() as conn:
                return reports.activated_counts(conn, caller.project_id or 0,
                                                last - buckets + 1, last, envs)
        series = await in_thread(run)
        return ok([list(pair) for pair in series])

    return [
        Route("GET", "/api/1/reports/top_active_items", top_active_items,
              "Top active items with hourly counts"),
        Route("GET", "/api/1/reports/occurrence_counts", occurrence_counts,
              "Occurrence counts per minute, hour or day"),
        Route("GET", "/api/1/reports/activated_counts", activated_counts,
              "New and reactivated items per day"),
    ]
