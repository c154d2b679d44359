"""Events (the Events API seed, bugsnag-api.md B4): a Bugsnag event is a Tracehound
occurrence.

- `GET /projects/{project_id}/events` (a project's events) and
  `GET /projects/{project_id}/errors/{error_id}/events` (an error's), also at the
  seed's `GET /errors/{error_id}/events`: `sort=created_at` (the only sort: receive
  time, then id), `direction` (desc by default), `per_page` (10, at most 100),
  `start_time` / `end_time` (ISO 8601: received in [start_time, end_time)), `filters`
  (filters.py; `event.since` / `event.before` narrow the same window). Answers carry
  `X-Total-Count` and, when more remain, `Link: <…?offset=<id>&offset_time=…>;
  rel="next"` (paging.py): a keyset cursor after the page's last event.
- `GET /projects/{project_id}/events/{event_id}` and the seed's `GET /events/{event_id}`.
- `DELETE` of either → 204, then 404. The error's counts stay as they were (events
  received, as in the Rollbar API).
- `GET /errors/{error_id}/latest_event`: the error's newest event.

Reading takes a `read` token, deleting a `write` one; events of projects the token
cannot see are 404.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, NotFound
from tracehound.model.project import Scope
from tracehound.protocols.bugsnag import event_view, filters, ids, paging
from tracehound.protocols.bugsnag.api_common import (
    Caller,
    caller,
    parse_time,
    path_id,
    threaded,
    urls,
)
from tracehound.protocols.bugsnag.routing import API, Route, empty, json
from tracehound.services import Services
from tracehound.store import codec, event_lists, item_changes, item_lists
from tracehound.store.event_lists import Cursor, EventQuery

SORTS = ("created_at", "timestamp")


def render(services: Services, request: Request, rows: list[Any]) -> list[dict[str, Any]]:
    with services.engine.connect() as conn:
        found = item_lists.find_items(conn, sorted({r.project_id for r in rows}),
                                      (r.item_id for r in rows))
    counters = {i.id: i.counter for i in found}
    where = urls(request, services)
    return [event_view.event_json(r, codec.unpack(r.payload),
                                  counter=counters.get(r.item_id, 0), urls=where)
            for r in rows]


def _window(request: Request, compiled: filters.Compiled) -> tuple[float | None, float | None]:
    """[since, until) from start_time / end_time and the time filters together."""
    params = request.query_params
    since, until = compiled.since, compiled.until
    if params.get("start_time", "").strip():
        start = parse_time(params["start_time"], "start_time")
        since = start if since is None else max(since, start)
    if params.get("end_time", "").strip():
        end = parse_time(params["end_time"], "end_time")
        until = end if until is None else min(until, end)
    return since, until


def _cursor(services: Services, request: Request, project_ids: tuple[int, ...]
            ) -> Cursor | None:
    """The page's start: after the event `offset` names, at `offset_time` (else at its
    receive time, looked up: the seed's links carry the id alone)."""
    text = request.query_params.get("offset", "").strip()
    if not text:
        return None
    event_id = ids.decode(text)
    if event_id is None:
        raise BadPayload("Invalid offset: follow the Link header's URL as it is.")
    at = paging.offset_time(request)
    if at is None:
        with services.engine.connect() as conn:
            row = event_lists.get_event(conn, project_ids, event_id)
        if row is None:
            raise BadPayload("The offset event no longer exists: follow the Link header's "
                             "URL, which carries its time too.")
        at = float(row.timestamp)
    return at, event_id


def listing(services: Services, request: Request, project_ids: tuple[int, ...], *,
            item_id: int | None = None) -> Response:
    """One page of events, with X-Total-Count and the Link to the next page."""
    sort = request.query_params.get("sort", "").strip().lower() or "created_at"
    if sort not in SORTS:
        raise BadPayload(f"Invalid sort {sort[:40]!r}: events sort by created_at only.")
    newest_first = paging.descending(request)
    per_page = paging.per_page(request, paging.EVENTS_PER_PAGE)
    compiled = filters.compile_filters(filters.parse(request.query_params.multi_items()),
                                       project_ids, now=time.time(), events=True)
    since, until = _window(request, compiled)
    after = _cursor(services, request, project_ids)
    if compiled.nothing:
        return json([], headers=paging.headers(request, services, total=0, next_params=None))
    q = EventQuery(project_ids, compiled.where, item_id, since, until, newest_first)
    with services.engine.connect() as conn:
        rows = event_lists.list_events(conn, q, limit=per_page + 1, after=after)
        total = event_lists.count_events(conn, q)
    more, rows = len(rows) > per_page, rows[:per_page]
    last = rows[-1] if rows else None
    next_params: dict[str, str | int] | None = None
    if more and last is not None:
        next_params = {"offset": ids.encode(last.id), "offset_time": repr(float(last.timestamp))}
    headers = paging.headers(request, services, total=total, next_params=next_params)
    return json(render(services, request, rows), headers=headers)


def _project_ids(who: Caller, request: Request) -> tuple[int, ...]:
    """The path's project (404 unless the caller reaches it), else all it reaches."""
    if "project_id" in request.path_params:
        return (who.project(path_id(request, "project_id", "Project")).id,)
    return who.project_ids


def _error(services: Services, who: Caller, request: Request) -> Any:
    error_id = path_id(request, "error_id", "Error")
    with services.engine.connect() as conn:
        rows = item_lists.find_items(conn, _project_ids(who, request), [error_id])
    if not rows:
        raise NotFound("Error not found.")
    return rows[0]


def _event(services: Services, who: Caller, request: Request) -> Any:
    event_id = path_id(request, "event_id", "Event")
    with services.engine.connect() as conn:
        row = event_lists.get_event(conn, _project_ids(who, request), event_id)
    if row is None:
        raise NotFound("Event not found.")
    return row


def routes(services: Services) -> list[Route]:
    def project_events(request: Request) -> Response:
        """A project's events, newest first by default."""
        who = caller(services, request)
        return listing(services, request, _project_ids(who, request))

    def error_events(request: Request) -> Response:
        """An error's events, newest first by default."""
        who = caller(services, request)
        row = _error(services, who, request)
        return listing(services, request, (row.project_id,), item_id=row.id)

    def get_event(request: Request) -> Response:
        """One event."""
        row = _event(services, caller(services, request), request)
        return json(render(services, request, [row])[0])

    def delete_event(request: Request) -> Response:
        """Delete one event (204); its error's counts stay as they were."""
        who = caller(services, request, Scope.WRITE)
        row = _event(services, who, request)
        if not item_changes.delete_occurrence(services.engine, row.project_id, row.id):
            raise NotFound("Event not found.")
        return empty(204)

    def latest_event(request: Request) -> Response:
        """An error's newest event."""
        who = caller(services, request)
        row = _error(services, who, request)
        with services.engine.connect() as conn:
            found = event_lists.list_events(
                conn, EventQuery((row.project_id,), item_id=row.id), limit=1)
        if not found:
            raise NotFound("This error has no events left.")
        return json(render(services, request, found)[0])

    pe = f"{API}/projects/{{project_id}}"
    return [
        Route("GET", f"{pe}/events", threaded(project_events),
              "A project's events (Bugsnag Data Access API)"),
        Route("GET", f"{pe}/errors/{{error_id}}/events", threaded(error_events),
              "An error's events (Bugsnag Data Access API)"),
        Route("GET", f"{API}/errors/{{error_id}}/events", threaded(error_events),
              "An error's events (Bugsnag Events API)"),
        Route("GET", f"{API}/errors/{{error_id}}/latest_event", threaded(latest_event),
              "An error's latest event (Bugsnag Data Access API)"),
        Route("GET", f"{pe}/events/{{event_id}}", threaded(get_event),
              "An event (Bugsnag Data Access API)"),
        Route("GET", f"{API}/events/{{event_id}}", threaded(get_event),
              "An event (Bugsnag Events API)"),
        Route("DELETE", f"{pe}/events/{{event_id}}", threaded(delete_event),
              "Delete an event (Bugsnag Data Access API)"),
        Route("DELETE", f"{API}/events/{{event_id}}", threaded(delete_event),
              "Delete an event (Bugsnag Events API)"),
    ]
