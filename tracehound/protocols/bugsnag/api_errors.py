"""Errors (bugsnag-api.md B4, B6): a Bugsnag error is a Tracehound item.

- `GET /projects/{project_id}/errors`: `filters` (filters.py), `sort` (`last_seen` by
  default, `first_seen`, `events`, `users`, `unsorted`), `direction` (desc by default),
  `per_page` (30, at most 100), `offset`; `X-Total-Count` and `Link` (paging.py).
- `GET /projects/{project_id}/errors/{error_id}`.
- `PATCH /projects/{project_id}/errors/{error_id}` and the bulk
  `PATCH /projects/{project_id}/errors?error_ids=a,b` with an `operation`, applied
  through store/item_changes.apply_change (the item's history records it, as changes
  made in the web UI or the Rollbar and Exceptionless APIs):

  | operation          | item                                                    |
  | open               | active (open), snooze cleared                           |
  | fix                | resolved                                                |
  | ignore             | muted                                                   |
  | snooze             | active and snoozed: until `reopen_rules` `occurs_after` |
  |                    | (`seconds`, or `reopen_after` a time), else with no end |
  | override_severity  | level error / warning / info, locked                    |
  | assign             | owner: `assigned_collaborator_id` (a user of the        |
  |                    | account) and/or `assigned_team_id`; null unassigns      |
  | delete             | the item and its events deleted (204)                   |

  Snoozes that reopen on counts (`n_occurrences_in_m_hours`, `n_additional_*`) and the
  `discard`, `undiscard` and issue-tracker operations are 422: Tracehound does not do
  them. No `operation`, an unknown one, or a wrong JSON type is 400.
- `DELETE /projects/{project_id}/errors/{error_id}`: the item and its events → 204.

Reading takes a `read` token, changing a `write` one; an error of a project the token
cannot see is 404.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, InvalidPayload, NotFound
from tracehound.model.event import Event, Level
from tracehound.model.item import ItemStatus
from tracehound.model.project import Scope
from tracehound.protocols.bugsnag import auth, filters, ids, paging, views
from tracehound.protocols.bugsnag.api_common import (
    Caller,
    caller,
    parse_time,
    path_id,
    read_object,
    threaded,
    urls,
)
from tracehound.protocols.bugsnag.routing import API, Route, empty, in_thread, json
from tracehound.services import Services
from tracehound.store import codec, event_lists, item_changes, item_lists, teams
from tracehound.store.item_changes import ItemChange
from tracehound.store.item_lists import ItemQuery

SORTS = {"last_seen": "last", "first_seen": "first", "events": "occurrences",
         "users": "users", "unsorted": "id"}
LEVELS = {"error": Level.ERROR, "warning": Level.WARNING, "info": Level.INFO}
SIMPLE = {
    "open": ItemChange(status=ItemStatus.ACTIVE, snooze=False),
    "fix": ItemChange(status=ItemStatus.RESOLVED, snooze=False),
    "ignore": ItemChange(status=ItemStatus.MUTED, snooze=False),
}
OPERATIONS = (*SIMPLE, "snooze", "override_severity", "assign", "delete")
NOT_DONE = ("discard", "undiscard", "create_issue", "link_issue", "unlink_issue")
COUNT_RULES = ("n_occurrences_in_m_hours", "n_additional_occurrences", "n_additional_users")
MAX_SNOOZE_SECONDS = 10 * 365 * 86400
DELETE = "delete"


# -- reading --------------------------------------------------------------------------

def render(services: Services, request: Request, rows: list[Any]) -> list[dict[str, Any]]:
    """Items as Errors: each with its first event still stored (else its latest)."""
    now = time.time()
    wanted = [i for r in rows for i in (r.first_occurrence_id, r.last_occurrence_id)
              if i is not None]
    with services.engine.connect() as conn:
        found = event_lists.events_by_id(conn, {r.project_id for r in rows}, wanted)
        users = item_lists.user_counts(conn, (r.id for r in rows))
    where, out = urls(request, services), []
    for r in rows:
        row = found.get(r.first_occurrence_id) or found.get(r.last_occurrence_id)
        first: Event | None = codec.unpack(row.payload) if row is not None else None
        out.append(views.error(r, where, first=first, users=users.get(r.id, 0), now=now))
    return out


def error_row(services: Services, who: Caller, request: Request) -> Any:
    """The path's error, in the path's project, that the caller reaches; 404 otherwise."""
    project = who.project(path_id(request, "project_id", "Project"))
    error_id = path_id(request, "error_id", "Error")
    with services.engine.connect() as conn:
        rows = item_lists.find_items(conn, (project.id,), [error_id])
    if not rows:
        raise NotFound("Error not found.")
    return rows[0]


def listing(services: Services, request: Request, who: Caller) -> Response:
    project = who.project(path_id(request, "project_id", "Project"))
    sort = request.query_params.get("sort", "").strip().lower() or "last_seen"
    if sort not in SORTS:
        raise BadPayload(f"Invalid sort {sort[:40]!r}: use " + ", ".join(SORTS) + ".")
    descending = paging.descending(request)
    per_page, start = paging.per_page(request), paging.offset(request)
    compiled = filters.compile_filters(filters.parse(request.query_params.multi_items()),
                                       (project.id,), now=time.time(), events=False)
    if compiled.nothing:
        return json([], headers=paging.headers(request, services, total=0, next_params=None))
    q = ItemQuery((project.id,), compiled.where, compiled.since, compiled.until,
                  SORTS[sort], descending)
    with services.engine.connect() as conn:
        rows = item_lists.list_items(conn, q, offset=start, limit=per_page + 1)
        total = item_lists.count_items(conn, q)
    more, rows = len(rows) > per_page, rows[:per_page]
    headers = paging.headers(request, services, total=total,
                             next_params={"offset": start + per_page} if more else None)
    return json(render(services, request, rows), headers=headers)


# -- changing -------------------------------------------------------------------------

def _operation(body: dict[str, Any]) -> str:
    op = body.get("operation")
    if not isinstance(op, str) or not op.strip():
        raise BadPayload("operation is required: one of " + ", ".join(OPERATIONS) + ".")
    op = op.strip().lower()
    if op in NOT_DONE:
        raise InvalidPayload(f"The {op} operation is not supported by Tracehound.")
    if op not in OPERATIONS:
        raise BadPayload(f"Unknown operation {op[:40]!r}: use one of "
                         + ", ".join(OPERATIONS) + ".")
    return op


def _snooze(body: dict[str, Any], now: float) -> ItemChange:
    rules = body.get("reopen_rules")
    if rules is None:
        return ItemChange(status=ItemStatus.ACTIVE, snooze=True)
    if not isinstance(rules, dict):
        raise BadPayload("reopen_rules must be an object, e.g. "
                         "{\"reopen_if\": \"occurs_after\", \"seconds\": 3600}.")
    kind = rules.get("reopen_if")
    if kind in COUNT_RULES:
        raise InvalidPayload(f"reopen_if {kind} is not supported: Tracehound snoozes until "
                             "a time (reopen_if occurs_after).")
    if kind != "occurs_after":
        raise BadPayload("reopen_if must be occurs_after (or one of "
                         + ", ".join(COUNT_RULES) + ", which Tracehound does not do).")
    seconds, after = rules.get("seconds"), rules.get("reopen_after")
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, int) \
                or not 0 < seconds <= MAX_SNOOZE_SECONDS:
            raise BadPayload("reopen_rules.seconds must be a whole number of seconds, "
                             "at most ten years.")
        until = now + seconds
    elif isinstance(after, str):
        until = parse_time(after, "reopen_rules.reopen_after")
        if until <= now:
            raise InvalidPayload("reopen_rules.reopen_after must be in the future.")
    else:
        raise BadPayload("reopen_rules occurs_after needs seconds (or reopen_after, a "
                         "time).")
    return ItemChange(status=ItemStatus.ACTIVE, snooze=True, snooze_expires_at=until)


def _owner(body: dict[str, Any], name: str) -> tuple[bool, int | None]:
    """(present, id) of an owner field: a 24-hex id, or null / "" to unassign."""
    if name not in body:
        return False, None
    value = body[name]
    if value is None or value == "":
        return True, None
    found = ids.decode(value) if isinstance(value, str) else None
    if found is None:
        raise InvalidPayload(f"{name} is not a collaborator of this organization.")
    return True, found


def parse_update(body: dict[str, Any], now: float) -> tuple[str, ItemChange | None]:
    """(operation, the change to apply; None for delete)."""
    op = _operation(body)
    if op in SIMPLE:
        return op, SIMPLE[op]
    if op == "snooze":
        return op, _snooze(body, now)
    if op == "override_severity":
        level = body.get("severity")
        if not isinstance(level, str) or level.strip().lower() not in LEVELS:
            raise BadPayload("override_severity needs severity: error, warning or info.")
        return op, ItemChange(level=int(LEVELS[level.strip().lower()]))
    if op == "assign":
        user_set, user_id = _owner(body, "assigned_collaborator_id")
        team_set, team_id = _owner(body, "assigned_team_id")
        if not (user_set or team_set):
            raise BadPayload("assign needs assigned_collaborator_id or assigned_team_id "
                             "(null to unassign).")
        return op, ItemChange(assign_user=user_set, assigned_user_id=user_id,
                              assign_team=team_set, assigned_team_id=team_id)
    return op, None


def _check_owners(services: Services, who: Caller, change: ItemChange) -> None:
    """422 in Bugsnag's words for an owner who is not of the caller's account (the store
    checks it again, in its own words, inside the change's transaction)."""
    with services.engine.connect() as conn:
        if change.assigned_user_id is not None and teams.get_user(
                conn, who.account_id, change.assigned_user_id) is None:
            raise InvalidPayload("assigned_collaborator_id is not a collaborator of this "
                                 "organization.")
        if change.assigned_team_id is not None and teams.get_team(
                conn, who.account_id, change.assigned_team_id) is None:
            raise InvalidPayload("assigned_team_id is not a team of this organization.")


def _apply(services: Services, who: Caller, rows: list[Any], change: ItemChange | None,
           now: float) -> None:
    if change is not None:
        _check_owners(services, who, change)
    if change is None:
        item_lists.delete_items(services.engine, rows[0].project_id, [r.id for r in rows])
        return
    for r in rows:
        item_changes.apply_change(services.engine, r.project_id, who.account_id, r.id,
                                  change, now, user_id=who.token.user_id)


def routes(services: Services) -> list[Route]:
    def list_errors(request: Request) -> Response:
        """A project's errors, filtered, sorted and paged."""
        return listing(services, request, caller(services, request))

    def get_error(request: Request) -> Response:
        """One error."""
        row = error_row(services, caller(services, request), request)
        return json(render(services, request, [row])[0])

    def delete_error(request: Request) -> Response:
        """Delete the error and all its events."""
        who = caller(services, request, Scope.WRITE)
        row = error_row(services, who, request)
        item_lists.delete_items(services.engine, row.project_id, [row.id])
        return empty(204)

    def update_one(request: Request, body: dict[str, Any]) -> Response:
        who = caller(services, request, Scope.WRITE)
        row = error_row(services, who, request)
        now = time.time()
        op, change = parse_update(body, now)
        _apply(services, who, [row], change, now)
        if op == DELETE:
            return empty(204)
        return json(render(services, request, [error_row(services, who, request)])[0])

    def update_many(request: Request, body: dict[str, Any]) -> Response:
        who = caller(services, request, Scope.WRITE)
        project = who.project(path_id(request, "project_id", "Project"))
        text = request.query_params.get("error_ids", "")
        wanted = ids.decode_many(text) if text.strip() else None
        if wanted is None:
            raise BadPayload("error_ids must be up to 100 error ids, comma-separated.")
        now = time.time()
        op, change = parse_update(body, now)
        with services.engine.connect() as conn:
            rows = item_lists.find_items(conn, (project.id,), wanted)
        if len(rows) != len(set(wanted)):
            raise NotFound("Error not found.")
        _apply(services, who, rows, change, now)
        answer: dict[str, Any] = {"operation": op}
        if op != DELETE:
            with services.engine.connect() as conn:
                rows = item_lists.find_items(conn, (project.id,), wanted)
        for r in rows:
            answer[ids.encode(r.id)] = {
                "status": "deleted" if op == DELETE else views.status(r, now),
                "assigned_collaborator_id": None if r.assigned_user_id is None
                else ids.encode(r.assigned_user_id),
                "created_issue": {},
                "reopen_rules": None if op == DELETE else views.reopen_rules(r, now)}
        return json(answer)

    def patching(fn: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            auth.require(services, request, Scope.WRITE)  # 401/403 before the body,
            for name, what in (("project_id", "Project"), ("error_id", "Error")):
                if name in request.path_params:  # and an id that cannot be one: 404
                    path_id(request, name, what)
            body = await read_object(request)
            response: Response = await in_thread(fn, request, body)
            return response

        endpoint.__name__, endpoint.__doc__ = fn.__name__, fn.__doc__
        return endpoint

    update_one.__doc__ = "Change an error: open, fix, snooze, ignore, override_severity, " \
        "assign or delete."
    update_many.__doc__ = "Change several errors (?error_ids=a,b) with one operation."
    p = f"{API}/projects/{{project_id}}/errors"
    return [
        Route("GET", p, threaded(list_errors), "A project's errors (Bugsnag Data Access API)"),
        Route("PATCH", p, patching(update_many),
              "Change several errors (Bugsnag Data Access API)"),
        Route("GET", f"{p}/{{error_id}}", threaded(get_error),
              "An error (Bugsnag Data Access API)"),
        Route("PATCH", f"{p}/{{error_id}}", patching(update_one),
              "Change an error (Bugsnag Data Access API)"),
        Route("DELETE", f"{p}/{{error_id}}", threaded(delete_error),
              "Delete an error and its events (Bugsnag Data Access API)"),
    ]
