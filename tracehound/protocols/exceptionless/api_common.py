"""What the read and admin areas of the Exceptionless API share: JSON bodies, ids in
paths, the caller and the projects it reaches, dates (exceptionless-api.md §1).

A token reaches its own project when it is a project token, else every live project
of its account; anything else (another account's, a deleted one, an id that cannot
be one) is "not found", so ids of other accounts cannot be probed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, NotFound, PayloadTooLarge
from tracehound.model.project import AccessToken
from tracehound.protocols import http
from tracehound.protocols.exceptionless import auth, ids
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.routing import in_thread
from tracehound.services import Services
from tracehound.store import admin_projects as admin
from tracehound.store.admin_projects import ProjectRow

MAX_API_BODY = 64 * 1024  # logins, projects, tokens: a few hundred bytes each


async def read_object(request: Request, limit: int = MAX_API_BODY) -> dict[str, Any]:
    """A JSON object body; {} when there is none. 400 for anything else, 413 past
    `limit` bytes (compressed or not)."""
    try:
        body = await http.read_body(request, limit)
    except PayloadTooLarge:
        raise PayloadTooLarge(f"The request body is too large: at most {limit // 1024} KiB "
                              "(after decompression).") from None
    if not body.strip():
        return {}
    value = http.loads_json(body)
    if not isinstance(value, dict):
        raise BadPayload("Expected a JSON object.")
    return value


def path_id(request: Request, name: str, what: str) -> int:
    """An id path parameter as a Tracehound id; 404 when it cannot be one (§1.1)."""
    value = ids.decode(request.path_params.get(name, ""))
    if value is None:
        raise NotFound(f"{what} not found.")
    return value


def path_ids(request: Request, name: str, what: str) -> list[int]:
    """A comma-separated `{ids}` path parameter; 404 when any is not an id."""
    values = ids.decode_many(request.path_params.get(name, ""))
    if values is None:
        raise NotFound(f"{what} not found.")
    return list(dict.fromkeys(values))


def iso(ts: float | None) -> str | None:
    """Unix seconds as Exceptionless writes dates: ISO 8601 in UTC with a Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def drop_nulls(body: dict[str, Any]) -> dict[str, Any]:
    """Exceptionless omits null properties from its answers (§1.2)."""
    return {k: v for k, v in body.items() if v is not None}


@dataclass(frozen=True)
class Caller:
    token: AccessToken
    projects: tuple[ProjectRow, ...]  # the live projects it reaches, oldest first

    @property
    def account_id(self) -> int:
        return self.token.account_id

    @property
    def project_ids(self) -> tuple[int, ...]:
        return tuple(p.id for p in self.projects)

    def project(self, project_id: int) -> ProjectRow:
        """One reachable project; 404 "Project not found." for any other id."""
        for p in self.projects:
            if p.id == project_id:
                return p
        raise NotFound("Project not found.")

    def organization(self, organization_id: int) -> None:
        """404 unless the id is the caller's own account."""
        if organization_id != self.account_id:
            raise NotFound("Organization not found.")


def caller(services: Services, request: Request, policy: Policy) -> Caller:
    """The calling token (401/403 as auth.require) and the projects it reaches. Call in
    a thread: it reads the database."""
    token = auth.require(services, request, policy)
    with services.engine.connect() as conn:
        if token.project_id is not None:
            one = admin.get_project(conn, token.account_id, token.project_id)
            projects: tuple[ProjectRow, ...] = (one,) if one is not None else ()
        else:
            projects = tuple(admin.list_projects(conn, token.account_id))
    return Caller(token, projects)


def threaded(fn: Callable[[Request], Response]) -> Callable[[Request], Any]:
    """An async endpoint running `fn` (database work) in a worker thread; it keeps
    `fn`'s name and docstring for /docs."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        response: Response = await in_thread(fn, request)
        return response

    return endpoint
