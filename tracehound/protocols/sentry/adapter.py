"""Mounts the Sentry ingest routes: /api/<project>/envelope/ and /api/<project>/store/.

The real traffic is served by the fast path (it also matches a DSN's path prefix);
the FastAPI routes exist so /docs lists the endpoints.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tracehound.protocols.base import Endpoint, FastRoutes, add_route
from tracehound.protocols.sentry import errors, ingest
from tracehound.services import Services


class SentryAdapter:
    name = "sentry"
    prefixes: tuple[str, ...] = ()  # /api/<n>/ is shared with Rollbar's /api/1/

    def render_error(self, status: int, message: str,
                     headers: dict[str, str] | None = None) -> Response:
        return errors.render(status, message, headers)

    def _endpoints(self, services: Services) -> tuple[Endpoint, Endpoint]:
        cors = {"Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": ingest.EXPOSE}
        return (errors.sentry_errors(ingest.make_envelope(services), cors),
                errors.sentry_errors(ingest.make_store(services), cors))

    def ingest_routes(self, services: Services) -> FastRoutes:
        envelope, store = self._endpoints(services)
        routes = FastRoutes()
        for kind, endpoint in (("envelope", envelope), ("store", store)):
            pattern = ingest.PATH.pattern.replace("(envelope|store)", kind)
            routes.patterns.append((re.compile(pattern),
                                    {"POST": endpoint, "OPTIONS": _preflight}))
        return routes

    def router(self, services: Services) -> APIRouter:
        r = APIRouter(tags=["sentry"])
        envelope, store = self._endpoints(services)
        add_route(r, "/api/{project_id:int}/envelope/", envelope, ["POST"],
                  summary="Sentry envelope (sentry-sdk 2.x, @sentry/node)")
        add_route(r, "/api/{project_id:int}/store/", store, ["POST"],
                  summary="Sentry legacy store endpoint (sentry-sdk 1.x)")
        for path in ("/api/{project_id:int}/envelope/", "/api/{project_id:int}/store/"):
            add_route(r, path, _preflight, ["OPTIONS"], include_in_schema=False)
        return r


async def _preflight(request: Request) -> Response:
    return ingest.preflight(request)
