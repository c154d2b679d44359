"""The adapter contract: a vendor's routes and how it renders errors."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tracehound.services import Services

Endpoint = Callable[[Request], Awaitable[Response]]


class Adapter(Protocol):
    name: str
    # path prefixes this vendor owns: unknown paths and errors under them use its shape
    prefixes: tuple[str, ...]

    def router(self, services: Services) -> APIRouter: ...

    def ingest_routes(self, services: Services) -> FastRoutes:
        """The hot ingest paths, served by IngestFastPath ahead of FastAPI's routing
        (they are in router() too, for /docs)."""
        ...

    def render_error(self, status: int, message: str,
                     headers: dict[str, str] | None = None) -> Response: ...


def add_route(router: APIRouter, path: str, endpoint: Endpoint, methods: list[str],
              **kwargs: object) -> None:
    """Register `path` with and without its trailing slash (clients use both; a
    redirect would lose a POST body in several SDKs)."""
    bare = path.rstrip("/")
    router.add_api_route(bare, endpoint, methods=methods, **kwargs)  # type: ignore[arg-type]
    kwargs["include_in_schema"] = False
    router.add_api_route(bare + "/", endpoint, methods=methods, **kwargs)  # type: ignore[arg-type]


@dataclass
class FastRoutes:
    """(method, exact path) → endpoint, then (path regex, {method: endpoint}) tried in
    order. A regex's groups are not passed on: the endpoint re-reads the path."""

    exact: dict[tuple[str, str], Endpoint] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], dict[str, Endpoint]]] = field(default_factory=list)

    def update(self, other: FastRoutes) -> None:
        self.exact.update(other.exact)
        self.patterns.extend(other.patterns)

    def find(self, method: str, path: str) -> Endpoint | None:
        endpoint = self.exact.get((method, path))
        if endpoint is not None:
            return endpoint
        for pattern, methods in self.patterns:
            if method in methods and pattern.match(path):
                return methods[method]
        return None


class IngestFastPath:
    """ASGI middleware: exact (method, path) matches go straight to their endpoint.

    FastAPI's routing, exception middleware and dependency solving cost more than the
    ingest work itself (bench/RESULTS.md: 1.13 → 0.57 ms CPU per accepted event). The
    endpoints render their own errors, so nothing is lost by skipping that stack.
    """

    def __init__(self, app: ASGIApp, routes: FastRoutes) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.routes.find(scope["method"], scope["path"])
            if endpoint is not None:
                response = await endpoint(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def both_slashes(path: str) -> tuple[str, str]:
    bare = path.rstrip("/")
    return bare, bare + "/"


def fast_routes(paths: list[str], methods: dict[str, Endpoint]) -> FastRoutes:
    """Every path with and without its slash, for every (method, endpoint)."""
    return FastRoutes(exact={(m, p): ep for path in paths for p in both_slashes(path)
                             for m, ep in methods.items()})
