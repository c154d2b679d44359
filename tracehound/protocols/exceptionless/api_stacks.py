"""Stacks (exceptionless-api.md §12): Exceptionless's grouped events are Tracehound
items. Lists (the caller's, a project's, an organization's), one stack, and the verbs,
mapped onto the item lifecycle through the same core as the Rollbar API's PATCH
(store/item_changes.apply_change), so a change shows in every API and the web UI:

| verb                                     | item                                     |
| POST mark-fixed[?version=]               | resolved (in that version)               |
| DELETE mark-fixed                        | active (open)                            |
| POST mark-hidden                         | muted (Exceptionless's `ignored`)        |
| DELETE mark-hidden                       | active                                   |
| POST mark-snoozed?snoozeUntilUtc=        | snoozed until then (≥ 5 minutes ahead)   |
| POST change-status?status=               | open/regressed → active, fixed →         |
|                                          | resolved, snoozed → snoozed with no end, |
|                                          | ignored/discarded → muted                |
| POST / DELETE mark-critical              | items.critical set / cleared             |
| DELETE /stacks/{ids}                     | the items and their events deleted       |

Reading takes StacksRead (`read`), the verbs StacksWrite (`write`), deleting the
`user` role. `{ids}` is up to 100 comma-separated ids: all of them must be the
caller's, or nothing happens (404).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, NotFound
from tracehound.model.item import ItemStatus
from tracehound.protocols.exceptionless import ids, paging, search_fields, stack_view
from tracehound.protocols.exceptionless.api_common import (
    Caller,
    caller,
    path_id,
    path_ids,
    threaded,
)
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.errors import ValidationFailed
from tracehound.protocols.exceptionless.routing import Route, empty, json
from tracehound.protocols.exceptionless.timerange import offset_seconds, parse_time
from tracehound.query.errors import SearchError
from tracehound.query.search import compile_filter
from tracehound.services import Services
from tracehound.store import item_changes, item_lists
from tracehound.store.item_changes import ItemChange
from tracehound.store.item_lists import ItemQuery

SORTS = {"": ("last", True), "-last": ("last", True), "last": ("last", False),
         "-first": ("first", True), "first": ("first", False),
         "-occurrences": ("occurrences", True), "occurrences": ("occurrences", False)}
MIN_SNOOZE = 5 * 60
MAX_VERSION = 40  # items.resolved_in_version
_SEMVER = re.compile(r"^v?\d{1,9}(\.\d{1,9}){0,3}([-+][0-9A-Za-z.+-]{1,30})?$")
STATUSES: dict[str, ItemChange] = {
    "open": ItemChange(status=ItemStatus.ACTIVE, snooze=False),
    "regressed": ItemChange(status=ItemStatus.ACTIVE, snooze=False),
    "fixed": ItemChange(status=ItemStatus.RESOLVED, snooze=False),
    "snoozed": ItemChange(snooze=True),
    "ignored": ItemChange(status=ItemStatus.MUTED, snooze=False),
    "discarded": ItemChange(status=ItemStatus.MUTED, snooze=False),
}


def item_query(request: Request, project_ids: tuple[int, ...]) -> ItemQuery:
    params = request.query_params
    now = time.time()
    sort = params.get("sort", "").strip().lower()
    if sort not in SORTS:
        raise BadPayload(f"Invalid sort {sort[:40]!r}: stacks sort by last, first or "
                         "occurrences, with - for newest or most first.")
    since, until = parse_time(params.get("time"), now, offset_seconds(params.get("offset")))
    text = params.get("filter", "").strip()
    where = None
    if text:
        try:
            where = compile_filter(text, project_ids, now=now, catalogue=search_fields.STACKS,
                                   decode_id=ids.decode)
        except SearchError as exc:
            raise BadPayload(exc.message) from None
    name, descending = SORTS[sort]
    return ItemQuery(project_ids, where, since, until, name, descending)


def render(services: Services, who: Caller, rows: list[Any],
           summary: bool = False) -> list[dict[str, Any]]:
    now = time.time()
    with services.engine.connect() as conn:
        tags = item_lists.tags_of(conn, (r.id for r in rows))
    if summary:
        return [stack_view.summary_json(r, tags=tags.get(r.id, []), now=now) for r in rows]
    return [stack_view.stack_json(r, account_id=who.account_id, tags=tags.get(r.id, []),
                                  now=now) for r in rows]


def listing(services: Services, request: Request, who: Caller,
            project_ids: tuple[int, ...]) -> Response:
    mode = request.query_params.get("mode", "").strip().lower()
    if mode not in ("", "full", "summary"):
        raise BadPayload(f"Invalid mode {mode[:40]!r}: use summary, or leave mode out.")
    p = paging.paging(request)
    q = item_query(request, project_ids)
    total = None
    with services.engine.connect() as conn:
        rows = [] if p.past_cap else item_lists.list_items(conn, q, offset=p.offset,
                                                           limit=p.limit + 1)
        if "total" in request.query_params.get("include", "").lower().split(","):
            total = item_lists.count_items(conn, q)
    more, rows = len(rows) > p.limit and p.more_allowed(), rows[:p.limit]
    headers = paging.headers(request, services, p, has_more=more, total=total)
    return json(render(services, who, rows, summary=mode == "summary"), headers=headers)


def stacks_of(services: Services, who: Caller, request: Request) -> list[Any]:
    """The `{ids}` of the path, every one the caller's (404 otherwise)."""
    wanted = path_ids(request, "ids", "Stack")
    with services.engine.connect() as conn:
        rows = item_lists.find_items(conn, who.project_ids, wanted)
    if len(rows) != len(wanted):
        raise NotFound("Stack not found.")
    return rows


def fixed_version(request: Request) -> str | None:
    version = request.query_params.get("version", "").strip()
    if not version:
        return None
    if len(version) > MAX_VERSION or not _SEMVER.match(version):
        raise BadPayload(f"Invalid semantic version {version[:40]!r}.")
    return version


def snooze_until(request: Request, now: float) -> float:
    text = (request.query_params.get("snoozeUntilUtc")
            or request.query_params.get("snooze_until_utc") or "").strip()
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00")[:40])
        until = (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError, OSError):
        raise BadPayload("snoozeUntilUtc must be an ISO 8601 date and time.") from None
    if until < now + MIN_SNOOZE:
        raise BadPayload("Must snooze for at least 5 minutes.")
    return until


def routes(services: Services) -> list[Route]:
    def change(request: Request, make: Any) -> Response:
        """Apply `make(now)` (an ItemChange) to every stack of the path."""
        who = caller(services, request, Policy.WRITE)
        now = time.time()
        new = make(now)
        for row in stacks_of(services, who, request):
            item_changes.apply_change(services.engine, row.project_id, who.account_id,
                                      row.id, new, now)
        return empty(200)

    def mark_fixed(request: Request) -> Response:
        """Resolve the stacks, in `version` when given (a semantic version)."""
        path_ids(request, "ids", "Stack")  # an odd id is 404 before anything else
        version = fixed_version(request)
        return change(request, lambda now: ItemChange(status=ItemStatus.RESOLVED,
                                                      resolved_in_version=version))

    def unmark_fixed(request: Request) -> Response:
        """Open the stacks again (the verb Exceptionless had before change-status)."""
        change(request, lambda now: STATUSES["open"])
        return empty(204)

    def mark_hidden(request: Request) -> Response:
        """Mute the stacks (Exceptionless's ignored)."""
        return change(request, lambda now: STATUSES["ignored"])

    def unmark_hidden(request: Request) -> Response:
        """Open muted stacks again."""
        change(request, lambda now: STATUSES["open"])
        return empty(204)

    def mark_snoozed(request: Request) -> Response:
        """Snooze the stacks until snoozeUntilUtc (at least 5 minutes ahead)."""
        path_ids(request, "ids", "Stack")  # an odd id is 404 before anything else
        until = snooze_until(request, time.time())
        return change(request, lambda now: ItemChange(snooze=True, snooze_expires_at=until))

    def change_status(request: Request) -> Response:
        """Set the stacks' status: open, regressed, fixed, snoozed, ignored, discarded."""
        path_ids(request, "ids", "Stack")  # an odd id is 404 before anything else
        status = request.query_params.get("status", "").strip().lower()
        if status not in STATUSES:
            raise ValidationFailed({"status": [
                "status must be one of " + ", ".join(STATUSES) + "."]})
        return change(request, lambda now: STATUSES[status])

    def critical(request: Request, on: bool) -> Response:
        who = caller(services, request, Policy.WRITE)
        by_project: dict[int, list[int]] = defaultdict(list)
        for row in stacks_of(services, who, request):
            by_project[row.project_id].append(row.id)
        for project_id, item_ids in by_project.items():
            item_lists.set_critical(services.engine, project_id, item_ids, on)
        return empty(200 if on else 204)

    def mark_critical(request: Request) -> Response:
        """Mark the stacks critical."""
        return critical(request, True)

    def unmark_critical(request: Request) -> Response:
        """Clear the stacks' critical mark."""
        return critical(request, False)

    def delete_stacks(request: Request) -> Response:
        """Delete the stacks and all their events, at once and for good."""
        who = caller(services, request, Policy.USER)
        by_project: dict[int, list[int]] = defaultdict(list)
        for row in stacks_of(services, who, request):
            by_project[row.project_id].append(row.id)
        for project_id, item_ids in by_project.items():
            item_lists.delete_items(services.engine, project_id, item_ids)
        return json({"workers": []}, status=202)

    def all_stacks(request: Request) -> Response:
        """The stacks of every project the caller reaches."""
        who = caller(services, request, Policy.READ)
        return listing(services, request, who, who.project_ids)

    def project_stacks(request: Request) -> Response:
        """One project's stacks."""
        who = caller(services, request, Policy.READ)
        project = who.project(path_id(request, "projectId", "Project"))
        return listing(services, request, who, (project.id,))

    def organization_stacks(request: Request) -> Response:
        """The organization's stacks (the caller's own organization only)."""
        who = caller(services, request, Policy.READ)
        who.organization(path_id(request, "organizationId", "Organization"))
        return listing(services, request, who, who.project_ids)

    def one_stack(request: Request) -> Response:
        """One stack."""
        who = caller(services, request, Policy.READ)
        stack_id = path_id(request, "id", "Stack")
        with services.engine.connect() as conn:
            rows = item_lists.find_items(conn, who.project_ids, [stack_id])
        if not rows:
            raise NotFound("Stack not found.")
        return json(render(services, who, rows)[0])

    s = "/api/v2/stacks/{ids}"
    return [
        Route("GET", "/api/v2/stacks", threaded(all_stacks), "List stacks (Exceptionless)"),
        Route("GET", "/api/v2/projects/{projectId}/stacks", threaded(project_stacks),
              "List a project's stacks (Exceptionless)"),
        Route("GET", "/api/v2/organizations/{organizationId}/stacks",
              threaded(organization_stacks), "List an organization's stacks (Exceptionless)"),
        Route("GET", "/api/v2/stacks/{id}", threaded(one_stack), "Get a stack (Exceptionless)"),
        Route("POST", f"{s}/mark-fixed", threaded(mark_fixed),
              "Mark stacks fixed (Exceptionless)"),
        Route("DELETE", f"{s}/mark-fixed", threaded(unmark_fixed),
              "Mark stacks not fixed (Exceptionless)"),
        Route("POST", f"{s}/mark-hidden", threaded(mark_hidden),
              "Hide (mute) stacks (Exceptionless)"),
        Route("DELETE", f"{s}/mark-hidden", threaded(unmark_hidden),
              "Show (unmute) stacks (Exceptionless)"),
        Route("POST", f"{s}/mark-snoozed", threaded(mark_snoozed),
              "Snooze stacks (Exceptionless)"),
        Route("POST", f"{s}/change-status", threaded(change_status),
              "Change stacks' status (Exceptionless)"),
        Route("POST", f"{s}/mark-critical", threaded(mark_critical),
              "Mark stacks critical (Exceptionless)"),
        Route("DELETE", f"{s}/mark-critical", threaded(unmark_critical),
              "Mark stacks not critical (Exceptionless)"),
        Route("DELETE", s, threaded(delete_stacks), "Delete stacks (Exceptionless)"),
    ]
