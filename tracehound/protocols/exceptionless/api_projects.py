"""Projects (exceptionless-api.md §4): list (paged), an organization's list, one
project, and creation — through the same store functions as the Rollbar projects API
(store/admin_projects.py), so a project made here has Rollbar's four default tokens
and shows in every other API and the web UI.

Reading takes ProjectsRead (`read`); creating takes the `user` role and an account
token (a login token or a Rollbar account token): a project token reaches one project
and cannot make others. Lists send `Link` and, always, `X-Result-Count`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, Forbidden, NotFound
from tracehound.protocols.exceptionless import ids, paging, views
from tracehound.protocols.exceptionless.api_common import (
    Caller,
    caller,
    path_id,
    read_object,
    threaded,
)
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.routing import Route, in_thread, json
from tracehound.services import Services
from tracehound.store import accounts
from tracehound.store import admin_projects as admin
from tracehound.store.admin_projects import ProjectRow
from tracehound.store.db import writer

MAX_NAME = 100
MAX_PROJECTS_LIMIT = 1000  # Exceptionless lets project lists ask for up to 1000


def render(services: Services, who: Caller, rows: list[ProjectRow]) -> list[dict[str, Any]]:
    with services.engine.connect() as conn:
        account = accounts.get_account(conn, who.account_id)
        totals = accounts.totals(conn, [p.id for p in rows])
    if account is None:
        raise NotFound("Organization not found.")
    return [views.project(p, account, stack_count=totals.get(p.id, (0, 0))[0],
                          event_count=totals.get(p.id, (0, 0))[1]) for p in rows]


def project_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadPayload("Project name is required.")
    name = name.strip()
    if len(name) > MAX_NAME or not name.isprintable() or "#" in name:
        raise BadPayload(f"The project name must be 1 to {MAX_NAME} printable characters, "
                         "without '#'.")
    return name


def routes(services: Services) -> list[Route]:
    def listing(request: Request, who: Caller) -> Response:
        p = paging.paging(request, max_limit=MAX_PROJECTS_LIMIT)
        rows = list(who.projects)
        page = rows[p.offset:p.offset + p.limit]
        headers = paging.headers(request, services, p, total=len(rows),
                                 has_more=p.offset + p.limit < len(rows))
        return json(render(services, who, page), headers=headers)

    def list_projects(request: Request) -> Response:
        """The caller's projects, oldest first."""
        return listing(request, caller(services, request, Policy.READ))

    def organization_projects(request: Request) -> Response:
        """An organization's projects: the caller's own organization only."""
        who = caller(services, request, Policy.READ)
        who.organization(path_id(request, "organizationId", "Organization"))
        return listing(request, who)

    def get_project(request: Request) -> Response:
        """One project the caller reaches; any other id is 404."""
        who = caller(services, request, Policy.READ)
        project = who.project(path_id(request, "id", "Project"))
        return json(render(services, who, [project])[0])

    def create_project(request: Request, body: dict[str, Any]) -> Response:
        who = caller(services, request, Policy.USER)
        if who.token.project_id is not None:
            raise Forbidden("A project token cannot create projects: use a login token "
                            "(POST /api/v2/auth/login) or an account token.")
        org = body.get("organization_id")
        if org not in (None, ""):
            if not isinstance(org, str) or ids.decode(org) != who.account_id:
                raise BadPayload("Invalid organization id specified.")
        name = project_name(body)
        with writer(services.engine).begin() as conn:
            try:
                row, _ = admin.create_project(conn, who.account_id, name)
            except admin.NameTaken:
                raise BadPayload("A project with this name already exists.") from None
        location = f"/api/v2/projects/{ids.encode(row.id)}"
        return json(render(services, who, [row])[0], status=201,
                    headers={"Location": location})

    async def create_endpoint(request: Request) -> Response:
        """A new project in the caller's organization (201 with Location)."""
        body = await read_object(request)
        response: Response = await in_thread(create_project, request, body)
        return response

    return [
        Route("GET", "/api/v2/projects", threaded(list_projects),
              "List projects (Exceptionless)"),
        Route("GET", "/api/v2/organizations/{organizationId}/projects",
              threaded(organization_projects),
              "List an organization's projects (Exceptionless)"),
        Route("GET", "/api/v2/projects/{id}", threaded(get_project),
              "Get a project (Exceptionless)"),
        Route("POST", "/api/v2/projects", create_endpoint, "Create a project (Exceptionless)"),
    ]
