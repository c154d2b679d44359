"""The adapter contract: a vendor's routes and how it renders errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

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

    def ingest_routes(self, services: Services) -> dict[tuple[str, str], Endpoint]:
        """(method, exact path) → endpoint for the hot ingest paths, served by
        IngestFastPath ahead of FastAPI's routing (they are in router() too, for /docs)."""
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


class IngestFastPath:
    """ASGI middleware: exact (method, path) matches go straight to their endpoint.

    FastAPI's routing, exception middleware and dependency solving cost more than the
    ingest work itself (bench/RESULTS.md: 1.13 → 0.57 ms CPU per accepted event). The
    endpoints render their own errors, so nothing is lost by skipping that stack.
    """

    def __init__(self, app: ASGIApp, routes: dict[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.routes.get((scope["method"], scope["path"]))
            if endpoint is not None:
                response = await endpoint(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def both_slashes(path: str) -> tuple[str, str]:
    bare = path.rstrip("/")
    return bare, bare + "/"


def fast_routes(paths: list[str], methods: dict[str, Endpoint]) -> dict[tuple[str, str], Any]:
    """Every path with and without its slash, for every (method, endpoint)."""
    return {(m, p): ep for path in paths for p in both_slashes(path)
            for m, ep in methods.items()}
