"""Mounts Logster's one route: POST /api/Log (logster-api.md §1).

ASP.NET routing is case-insensitive and takes a trailing slash, so the fast path
matches `/api/log`, `/API/LOG/` and the rest with one regex; OPTIONS answers the CORS
preflight and every other method a Web API 405. The FastAPI copy is for /docs.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.responses import Response

from tracehound.protocols.base import Endpoint, FastRoutes, add_route
from tracehound.protocols.logster import errors, ingest
from tracehound.services import Services

PATH = "/api/Log"
PATTERN = re.compile(r"^/api/log/?$", re.IGNORECASE)
OTHER_METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE")


class LogsterAdapter:
    name = "logster"
    # errors of FastAPI's own routing under the route (e.g. /api/Log/7) in Web API's shape
    prefixes = ("/api/Log/", "/api/log/")

    def render_error(self, status: int, message: str,
                     headers: dict[str, str] | None = None) -> Response:
        return errors.render(status, message, headers)

    def _methods(self, services: Services) -> dict[str, Endpoint]:
        post = errors.logster_errors(ingest.make_post_log(services))
        methods: dict[str, Endpoint] = {m: ingest.method_not_allowed for m in OTHER_METHODS}
        return {**methods, "POST": post, "OPTIONS": ingest.preflight}

    def ingest_routes(self, services: Services) -> FastRoutes:
        return FastRoutes(patterns=[(PATTERN, self._methods(services))])

    def router(self, services: Services) -> APIRouter:
        r = APIRouter(tags=["logster"])
        methods = self._methods(services)
        add_route(r, PATH, methods["POST"], ["POST"],
                  summary="Post a log message (Logster): JSON, XML or form fields")
        add_route(r, PATH, methods["OPTIONS"], ["OPTIONS"], include_in_schema=False)
        return r
