"""Projects (bugsnag-api.md B4): `GET /organizations/{organization_id}/projects` and
`GET /projects/{project_id}`.

The list is the caller's projects (a project token: its own one) with `q` (the name
contains, case-insensitive), `sort=created_at` (the only sort), `direction` (asc by
default: oldest first), `per_page` (30, at most 100) and `offset`, `X-Total-Count`
and a `Link` to the next page. `api_key` is the project's first enabled
`post_server_item` token: the key its notifiers use. Reading takes a `read` token.
Creating, changing and deleting projects is not served (the web UI and the Rollbar
API do it).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload
from tracehound.model.project import Scope
from tracehound.protocols.bugsnag import filters, paging, views
from tracehound.protocols.bugsnag.api_common import Caller, caller, path_id, threaded, urls
from tracehound.protocols.bugsnag.routing import API, Route, json
from tracehound.services import Services
from tracehound.store import admin_projects, deploys, item_lists, teams
from tracehound.store.admin_projects import ProjectRow
from tracehound.store.item_lists import ItemQuery

MAX_STAGES = 100
MAX_QUERY = 255
OPEN = [filters.Filter("error.status", "eq", "open")]


def render(services: Services, request: Request, who: Caller,
           rows: list[ProjectRow]) -> list[dict[str, Any]]:
    now, where, out = time.time(), urls(request, services), []
    with services.engine.connect() as conn:
        collaborators = len(teams.list_users(conn, who.account_id))
        for p in rows:
            key = next((t.token for t in admin_projects.list_tokens(conn, p.id)
                        if t.status == "enabled" and Scope.POST_SERVER_ITEM.value in t.scopes),
                       None)
            stages = [r.name for r in deploys.list_environments(conn, p.id, page=1,
                                                                per_page=MAX_STAGES)]
            opened = filters.compile_filters(OPEN, (p.id,), now=now, events=False)
            count = item_lists.count_items(conn, ItemQuery((p.id,), opened.where))
            out.append(views.project(p, where, api_key=key, stages=stages, open_errors=count,
                                     collaborators=collaborators))
    return out


def routes(services: Services) -> list[Route]:
    def organization_projects(request: Request) -> Response:
        """The organization's projects that the caller reaches."""
        who = caller(services, request)
        who.organization(path_id(request, "organization_id", "Organization"))
        sort = request.query_params.get("sort", "").strip().lower() or "created_at"
        if sort != "created_at":
            raise BadPayload(f"Invalid sort {sort[:40]!r}: projects sort by created_at.")
        newest_first = paging.descending(request, default="asc")
        q = request.query_params.get("q", "").strip().lower()[:MAX_QUERY]
        rows = [p for p in who.projects if q in p.name.lower()]
        rows.sort(key=lambda p: (p.created_at, p.id), reverse=newest_first)
        per_page, start = paging.per_page(request), paging.offset(request)
        page = rows[start:start + per_page]
        more = start + per_page < len(rows)
        headers = paging.headers(request, services, total=len(rows),
                                 next_params={"offset": start + per_page} if more else None)
        return json(render(services, request, who, page), headers=headers)

    def get_project(request: Request) -> Response:
        """One project the caller reaches; any other id is 404."""
        who = caller(services, request)
        project = who.project(path_id(request, "project_id", "Project"))
        return json(render(services, request, who, [project])[0])

    return [
        Route("GET", f"{API}/organizations/{{organization_id}}/projects",
              threaded(organization_projects),
              "An organization's projects (Bugsnag Data Access API)"),
        Route("GET", f"{API}/projects/{{project_id}}", threaded(get_project),
              "A project (Bugsnag Data Access API)"),
    ]
