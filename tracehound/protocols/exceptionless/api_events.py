"""Reading events (exceptionless-api.md §11): lists of the caller's events, a project's,
an organization's or a stack's; events by reference id; one event; counts.

Lists take `filter` (Tracehound's search language with Exceptionless's field names,
search_fields.EVENTS; a bad filter is 400 naming the position), `sort` (`date` or
`-date`, newest first by default), `time` and `offset` (timerange.py), `mode=summary`,
`limit` (1..100, default 10), and either `page` or the `before`/`after` cursors of the
`Link` URLs. `X-Result-Count` comes with `include=total`, as on Exceptionless since
June 2026 (counting is the one costly part of a page). Events are ordered by the time
Tracehound received them (then by id); `date` in the answer is the client's.

Reading takes ProjectsRead/EventsRead (`read`): a `client` token is 403.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, NotFound
from tracehound.protocols.exceptionless import event_view, ids, paging, search_fields
from tracehound.protocols.exceptionless.api_common import Caller, caller, path_id, threaded
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.routing import Route, json
from tracehound.protocols.exceptionless.timerange import offset_seconds, parse_time
from tracehound.query.errors import SearchError
from tracehound.query.event_search import compile_event_filter
from tracehound.services import Services
from tracehound.store import codec, event_lists, item_lists
from tracehound.store.event_lists import Cursor, EventQuery

_CURSOR = re.compile(r"^(\d{1,12}(?:\.\d{1,20})?)_(\d{1,19})$")
SORTS = {"": True, "-date": True, "date": False}
MODES = ("", "full", "summary")


def cursor_text(row: Any) -> str:
    return f"{row.timestamp!r}_{row.id}"


def parse_cursor(text: str | None) -> Cursor | None:
    if text is None:
        return None
    m = _CURSOR.fullmatch(text)
    if m is None or int(m.group(2)) > ids.MAX_ID:
        raise BadPayload("Invalid paging cursor: use the before/after values of the Link "
                         "header as they are.")
    return float(m.group(1)), int(m.group(2))


def event_query(request: Request, project_ids: tuple[int, ...], *,
                item_id: int | None = None, extra: str = "") -> EventQuery:
    """The list's filter, time window and order from the query string."""
    params = request.query_params
    now = time.time()
    sort = params.get("sort", "").strip().lower()
    if sort not in SORTS:
        raise BadPayload(f"Invalid sort {sort[:40]!r}: events sort by date or -date.")
    since, until = parse_time(params.get("time"), now, offset_seconds(params.get("offset")))
    given = params.get("filter", "").strip()
    # the user's filter in parentheses, so its ORs cannot swallow `extra`
    text = " ".join(t for t in (f"({given})" if given and extra else given, extra) if t)
    where = None
    if text:
        try:
            where = compile_event_filter(text, project_ids, now=now,
                                         catalogue=search_fields.EVENTS, decode_id=ids.decode)
        except SearchError as exc:
            raise BadPayload(exc.message) from None
    return EventQuery(project_ids, where, item_id, since, until, newest_first=SORTS[sort])


def render(services: Services, who: Caller, rows: list[Any],
           summary: bool = False) -> list[dict[str, Any]]:
    if summary:
        return [event_view.summary_json(r, codec.unpack(r.payload)) for r in rows]
    with services.engine.connect() as conn:
        firsts = event_lists.first_occurrences(conn, (r.item_id for r in rows))
    return [event_view.event_json(r, codec.unpack(r.payload), account_id=who.account_id,
                                  first=firsts.get(r.item_id) == r.id) for r in rows]


def listing(services: Services, request: Request, who: Caller, project_ids: tuple[int, ...],
            *, item_id: int | None = None, extra: str = "") -> Response:
    """One page of events, with Link and (include=total) X-Result-Count."""
    mode = request.query_params.get("mode", "").strip().lower()
    if mode not in MODES:
        raise BadPayload(f"Invalid mode {mode[:40]!r}: use summary, or leave mode out.")
    p = paging.paging(request, cursor=True)
    q = event_query(request, project_ids, item_id=item_id, extra=extra)
    after, before = parse_cursor(p.after), parse_cursor(p.before)
    total = None
    with services.engine.connect() as conn:
        if p.past_cap:
            rows: list[Any] = []
        else:
            rows = event_lists.list_events(conn, q, limit=p.limit + 1, offset=p.offset,
                                           after=after, before=before)
        if "total" in request.query_params.get("include", "").lower().split(","):
            total = event_lists.count_events(conn, q)
    if before is not None:  # walking back: the extra row is the oldest one's neighbour
        more, rows = True, rows[-p.limit:]
    else:
        more, rows = len(rows) > p.limit and p.more_allowed(), rows[:p.limit]
    headers = paging.headers(request, services, p, has_more=more, total=total,
                             first=cursor_text(rows[0]) if rows else None,
                             last=cursor_text(rows[-1]) if rows else None)
    return json(render(services, who, rows, summary=mode == "summary"), headers=headers)


def reference_id(request: Request) -> str:
    ref = str(request.path_params.get("referenceId", ""))
    if not ids.IDENTIFIER.match(ref):
        raise NotFound("Event not found.")
    return ref


def routes(services: Services) -> list[Route]:
    def all_events(request: Request) -> Response:
        """The events of every project the caller reaches."""
        who = caller(services, request, Policy.READ)
        return listing(services, request, who, who.project_ids)

    def project_events(request: Request) -> Response:
        """One project's events."""
        who = caller(services, request, Policy.READ)
        project = who.project(path_id(request, "projectId", "Project"))
        return listing(services, request, who, (project.id,))

    def organization_events(request: Request) -> Response:
        """The organization's events (the caller's own organization only)."""
        who = caller(services, request, Policy.READ)
        who.organization(path_id(request, "organizationId", "Organization"))
        return listing(services, request, who, who.project_ids)

    def stack_events(request: Request) -> Response:
        """One stack's events."""
        who = caller(services, request, Policy.READ)
        stack_id = path_id(request, "stackId", "Stack")
        with services.engine.connect() as conn:
            found = item_lists.find_items(conn, who.project_ids, [stack_id])
        if not found:
            raise NotFound("Stack not found.")
        return listing(services, request, who, (found[0].project_id,), item_id=stack_id)

    def by_reference(request: Request) -> Response:
        """The events a client tagged with this reference id (an array, paged)."""
        ref = reference_id(request)
        who = caller(services, request, Policy.READ)
        project_ids = who.project_ids
        if "projectId" in request.path_params:
            project_ids = (who.project(path_id(request, "projectId", "Project")).id,)
        return listing(services, request, who, project_ids, extra=f'reference:"{ref}"')

    def one_event(request: Request) -> Response:
        """One event, with Link rel previous/next (its neighbours in its project) and
        parent (its stack)."""
        who = caller(services, request, Policy.READ)
        event_id = path_id(request, "id", "Event")
        with services.engine.connect() as conn:
            row = event_lists.get_event(conn, who.project_ids, event_id)
            if row is None:
                raise NotFound("Event not found.")
            q = EventQuery((row.project_id,))
            at = (row.timestamp, row.id)
            older = event_lists.list_events(conn, q, limit=1, after=at)
            newer = event_lists.list_events(conn, q, limit=1, before=at)
        expected = request.query_params.get("expected_stack_id")
        if expected and ids.decode(expected) != row.item_id:
            raise BadPayload("The event is not in the expected stack.")
        def url(path: str) -> str:
            return paging.absolute(request, services, path)

        links = [f'<{url("/api/v2/events/" + ids.encode(r.id))}>; rel="{rel}"'
                 for rel, found in (("previous", older), ("next", newer)) for r in found]
        links.append(f'<{url("/api/v2/stacks/" + ids.encode(row.item_id))}>; rel="parent"')
        return json(render(services, who, [row])[0], headers={"Link": ", ".join(links)})

    def count(request: Request) -> Response:
        """`{"total": n}` of the events a filter selects."""
        who = caller(services, request, Policy.READ)
        project_ids = who.project_ids
        if "projectId" in request.path_params:
            project_ids = (who.project(path_id(request, "projectId", "Project")).id,)
        with services.engine.connect() as conn:
            total = event_lists.count_events(conn, event_query(request, project_ids))
        return json({"total": total})

    r = "/api/v2"
    return [
        Route("GET", f"{r}/events", threaded(all_events), "List events (Exceptionless)"),
        Route("GET", f"{r}/events/count", threaded(count), "Count events (Exceptionless)"),
        Route("GET", f"{r}/events/by-ref/{{referenceId}}", threaded(by_reference),
              "Events by reference id (Exceptionless)"),
        Route("GET", f"{r}/events/{{id}}", threaded(one_event), "Get an event (Exceptionless)"),
        Route("GET", f"{r}/projects/{{projectId}}/events", threaded(project_events),
              "List a project's events (Exceptionless)"),
        Route("GET", f"{r}/projects/{{projectId}}/events/count", threaded(count),
              "Count a project's events (Exceptionless)"),
        Route("GET", f"{r}/projects/{{projectId}}/events/by-ref/{{referenceId}}",
              threaded(by_reference), "A project's events by reference id (Exceptionless)"),
        Route("GET", f"{r}/organizations/{{organizationId}}/events",
              threaded(organization_events), "List an organization's events (Exceptionless)"),
        Route("GET", f"{r}/stacks/{{stackId}}/events", threaded(stack_events),
              "List a stack's events (Exceptionless)"),
    ]
