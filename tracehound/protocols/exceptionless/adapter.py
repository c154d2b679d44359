"""Mounts the Exceptionless API v2 (exceptionless-api.md): ingest and client calls,
then the read and admin API, all under /api/v2/.

Every route comes from an area module's `routes(services)`; each endpoint is wrapped
once so errors are problem documents and every answer carries CORS headers. Routes
marked `hot` (what the SDKs call: event posts, config, heartbeat) are also served by
the ingest fast path; the FastAPI copies exist for /docs and for the others.
"""

from __future__ import annotations

import re
from types import ModuleType

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tracehound.protocols.base import Endpoint, FastRoutes, add_route, both_slashes
from tracehound.protocols.exceptionless import (
    api_auth,
    api_events,
    api_organizations,
    api_projects,
    api_stacks,
    api_tokens,
    client,
    cors,
    errors,
    ingest,
)
from tracehound.protocols.exceptionless.routing import Route
from tracehound.services import Services

PREFIX = "/api/v2/"
# Area modules, each with routes(services) -> list[Route]. The client areas come first:
# their fixed paths (/projects/config, /events/submit) win over the read API's {id}.
AREAS: tuple[ModuleType, ...] = (ingest, client, api_auth, api_organizations, api_projects,
                                  api_tokens, api_events, api_stacks)
_PARAM = re.compile(r"\{(\w+)\}")


def _wrap(endpoint: Endpoint) -> Endpoint:
    return errors.exceptionless_errors(endpoint, cors.headers)


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


class ExceptionlessAdapter:
    name = "exceptionless"
    prefixes = (PREFIX,)

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
        # every preflight under /api/v2/, whatever the route: CORS allows any (§1.4)
        routes.patterns.append((re.compile("^" + re.escape(PREFIX)), {"OPTIONS": _preflight}))
        return routes

    def router(self, services: Services) -> APIRouter:
        r = APIRouter(tags=["exceptionless"])
        for route in self._routes(services):
            add_route(r, route.path, route.endpoint, [route.method], summary=route.summary)
        return r


async def _preflight(request: Request) -> Response:
    return await cors.preflight(request)
