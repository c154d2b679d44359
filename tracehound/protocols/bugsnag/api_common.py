"""What the Data Access API's areas share (bugsnag-api.md B1): the caller and the
projects it reaches, ids in paths, JSON bodies, times, and absolute URLs.

A token reaches its own project when it is a project token, else every live project
of its account; anything else (another account's, a deleted one, an id that cannot be
one) is "not found", never 403, so ids cannot be probed (B1, checklist 8).

Times are written as Bugsnag writes them, ISO 8601 in UTC with milliseconds and a Z
(`2017-12-12T10:58:55.000Z`). Tracehound keeps receive times to the microsecond, so a
time is written as the millisecond it falls in (rounded down), and a time a client
sends is read down to its millisecond: a window `[start_time, end_time)` then selects
exactly the events whose written `received_at` is in it (docs/protocols/bugsnag.md,
"Time windows").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, NotFound, PayloadTooLarge
from tracehound.model.project import AccessToken, Scope
from tracehound.protocols import http
from tracehound.protocols.bugsnag import auth, ids
from tracehound.protocols.bugsnag.routing import API, in_thread
from tracehound.services import Services
from tracehound.store import admin_projects as admin
from tracehound.store.admin_projects import ProjectRow

MAX_API_BODY = 64 * 1024  # an error update is a few hundred bytes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


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
        """One reachable project; 404 for any other id."""
        for p in self.projects:
            if p.id == project_id:
                return p
        raise NotFound("Project not found.")

    def organization(self, organization_id: int) -> None:
        """404 unless the id is the caller's own account."""
        if organization_id != self.account_id:
            raise NotFound("Organization not found.")


def caller(services: Services, request: Request, scope: Scope = Scope.READ) -> Caller:
    """The calling token (401/403 as auth.require) and the projects it reaches. Blocking:
    it reads the database."""
    token = auth.require(services, request, scope)
    with services.engine.connect() as conn:
        if token.project_id is not None:
            one = admin.get_project(conn, token.account_id, token.project_id)
            projects: tuple[ProjectRow, ...] = (one,) if one is not None else ()
        else:
            projects = tuple(admin.list_projects(conn, token.account_id))
    return Caller(token, projects)


def path_id(request: Request, name: str, what: str) -> int:
    """An id path parameter as a Tracehound id; 404 when it cannot be one."""
    value = ids.decode(str(request.path_params.get(name, "")))
    if value is None:
        raise NotFound(f"{what} not found.")
    return value


def threaded(fn: Callable[[Request], Response]) -> Callable[[Request], Any]:
    """An async endpoint running `fn` (database work) in a worker thread; it keeps
    `fn`'s name and docstring for /docs."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        response: Response = await in_thread(fn, request)
        return response

    return endpoint


async def read_object(request: Request, limit: int = MAX_API_BODY) -> dict[str, Any]:
    """A JSON object body: 400 when it is missing, not JSON or not an object; 413 past
    `limit` bytes (compressed or not)."""
    try:
        body = await http.read_body(request, limit)
    except PayloadTooLarge:
        raise PayloadTooLarge(f"The request body is too large: at most {limit // 1024} KiB."
                              ) from None
    if not body.strip():
        raise BadPayload("Expected a JSON object body, e.g. {\"operation\": \"fix\"}.")
    value = http.loads_json(body)
    if not isinstance(value, dict):
        raise BadPayload("Expected a JSON object body, e.g. {\"operation\": \"fix\"}.")
    return value


# -- times ----------------------------------------------------------------------------

def millis(ts: float) -> int:
    """The millisecond a unix time falls in, as `parse_time` reads it back: the largest
    m with m / 1000 <= ts (float-exact, so a written time used as a bound selects its
    own event)."""
    m = int(ts * 1000)
    while m / 1000 > ts:
        m -= 1
    while (m + 1) / 1000 <= ts:
        m += 1
    return m


def iso(ts: float | None) -> str | None:
    """Unix seconds as Bugsnag writes times: `2017-12-12T10:58:55.000Z`."""
    if ts is None:
        return None
    m = millis(ts)
    whole = (_EPOCH + timedelta(seconds=m // 1000)).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{m % 1000:03d}Z"


def parse_time(text: str, name: str) -> float:
    """An ISO 8601 time (no zone = UTC) as unix seconds, read down to its millisecond;
    400 naming the parameter otherwise."""
    value = text.strip()
    try:
        if not 10 <= len(value) <= 40:
            raise ValueError(value)
        at = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        return ((at - _EPOCH) // _MS) / 1000
    except (ValueError, OverflowError):
        raise BadPayload(f"{name} must be an ISO 8601 time such as 2013-10-23T15:23:34Z, "
                         f"not {value[:40]!r}.") from None


# -- URLs -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Urls:
    """Absolute URLs of Data Access API resources (under the API's base) and of the web
    UI's pages, on the host clients reach (public_url when set)."""

    api: str  # e.g. https://errors.example.com/bugsnag/api
    web: str  # e.g. https://errors.example.com

    def project(self, project_id: int) -> str:
        return f"{self.api}/projects/{ids.encode(project_id)}"

    def organization(self, account_id: int) -> str:
        return f"{self.api}/organizations/{ids.encode(account_id)}"

    def error(self, project_id: int, item_id: int) -> str:
        return f"{self.project(project_id)}/errors/{ids.encode(item_id)}"

    def event(self, occurrence_id: int) -> str:
        return f"{self.api}/events/{ids.encode(occurrence_id)}"

    def web_project(self, project_id: int) -> str:
        return f"{self.web}/projects/{project_id}/items"

    def web_item(self, project_id: int, counter: int) -> str:
        return f"{self.web}/projects/{project_id}/items/{counter}"

    def web_event(self, project_id: int, counter: int, occurrence_id: int) -> str:
        return f"{self.web_item(project_id, counter)}/occurrences/{occurrence_id}"


def urls(request: Request, services: Services) -> Urls:
    public = services.settings.public_url
    return Urls(http.absolute_url(request, public, API), http.absolute_url(request, public, ""))
