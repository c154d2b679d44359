"""Mounts the Bugsnag adapter: notify and sessions for the notifiers, and the Data
Access API v2 under /bugsnag/api/.

Paths (docs/protocols/bugsnag.md, "Endpoints"):
- notify and sessions at the documented mount points `/bugsnag/notify` and
  `/bugsnag/sessions`, and at `/notify` and `/sessions` (the layout Bugsnag's own test
  server uses); notifiers post to exactly the URL configured;
- the Data Access API, whose real home is its own host (api.bugsnag.com, paths at the
  root), under `API` = `/bugsnag/api`: its root paths (`/projects/{id}`,
  `/organizations/...`, `/errors/{id}/...`) would share a namespace with the web UI's
  `/projects/...` pages and with whatever Tracehound mounts at the root later, and an
  unknown path under them would be answered in Bugsnag's shape. Clients take a base
  URL (the Ruby gem's `endpoint`, SmartBear's MCP server's API URL), so a prefix costs
  them nothing.

Every route comes from an area module's `routes(services)`; each endpoint is wrapped
once so errors are `{"errors": [...]}` and every answer carries CORS headers. Routes
marked `hot` (what notifiers call) are also served by the ingest fast path; the
FastAPI copies exist for /docs and for the others.
"""

from __future__ import annotations

import re
from types import ModuleType

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tracehound.protocols.base import Endpoint, FastRoutes, add_route, both_slashes
from tracehound.protocols.bugsnag import (
    api_errors,
    api_events,
    api_organizations,
    api_projects,
    cors,
    errors,
    notify,
)
from tracehound.protocols.bugsnag.routing import API as API  # the Data Access API's base
from tracehound.protocols.bugsnag.routing import Route
from tracehound.services import Services

PREFIX = "/bugsnag/"
# MAZE's layout, outside the prefix: exact paths (with or without a trailing slash)
ROOT_PATHS = ("/notify", "/sessions")
# Area modules, each with routes(services) -> list[Route]: notify (events and sessions),
# then the Data Access API's modules.
AREAS: tuple[ModuleType, ...] = (notify, api_organizations, api_projects, api_errors,
                                  api_events)
_PARAM = re.compile(r"\{(\w+)\}")


def _wrap(endpoint: Endpoint) -> Endpoint:
    return errors.bugsnag_errors(endpoint, cors.headers)


def _fast(path: str, endpoint: Endpoint) -> tuple[re.Pattern[str], Endpoint]:
    """A regex for a route template, and the endpoint fed its path parameters (the
    fast path skips FastAPI's routing, which would have filled them)."""
    parts = _PARAM.split(path.rstrip("/"))  # literal, name, literal, name, ...
    pattern = re.compile("^" + "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)"
                                       for i, part in enumerate(parts)) + "/?$")

    async def with_params(request: Request) -> Response:
        match = pattern.match(request.url.path)
        request.scope["path_params"] = match.groupdict() if match else {}
        return await endpoint(request)

    return pattern, with_params


class BugsnagAdapter:
    name = "bugsnag"
    # errors under these (unknown paths, wrong methods) come out in Bugsnag's shape;
    # "/notify" and "/sessions" own nothing else at the root
    prefixes = (PREFIX, *ROOT_PATHS)

    def render_error(self, status: int, message: str,
                     headers: dict[str, str] | None = None) -> Response:
        return errors.render(status, message, headers)

    def _routes(self, services: Services) -> list[Route]:
        return [r._replace(endpoint=_wrap(r.endpoint))
                for area in AREAS for r in area.routes(services)]

    def ingest_routes(self, services: Services) -> FastRoutes:
        routes = FastRoutes()
        for r in self._routes(services):
            if not r.hot:
                continue
            if "{" not in r.path:
                for p in both_slashes(r.path):
                    routes.exact[(r.method, p)] = r.endpoint
            else:
                pattern, endpoint = _fast(r.path, r.endpoint)
                routes.patterns.append((pattern, {r.method: endpoint}))
        # every preflight on a Bugsnag path, whatever the route (browser notifiers)
        for path in ROOT_PATHS:
            for p in both_slashes(path):
                routes.exact[("OPTIONS", p)] = _preflight
        routes.exact[("OPTIONS", "/")] = _preflight  # POST / (notify.ROOT) from a browser
        routes.patterns.append((re.compile("^" + re.escape(PREFIX)), {"OPTIONS": _preflight}))
        return routes

    def router(self, services: Services) -> APIRouter:
        r = APIRouter(tags=["bugsnag"])
        for route in self._routes(services):
            if route.path == "/":  # notify.ROOT: no bare form to add
                r.add_api_route("/", route.endpoint, methods=[route.method],
                                summary=route.summary)
            else:
                add_route(r, route.path, route.endpoint, [route.method],
                          summary=route.summary)
        return r


async def _preflight(request: Request) -> Response:
    return await cors.preflight(request)
