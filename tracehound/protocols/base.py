"""The adapter contract: a vendor's routes and how it renders errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tracehound.services import Services

Endpoint = Callable[[Request], Awaitable[Response]]


class Adapter(Protocol):
    name: str
    # path prefixes this vendor owns: unknown paths and errors under them use its shape
    prefixes: tuple[str, ...]

    def router(self, services: Services) -> APIRouter: ...

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
