"""How each area of the Exceptionless API hands its routes to the adapter.

An area module (ingest.py, client.py, and the read/admin side's modules) has
`routes(services)` returning Route tuples; the adapter registers each path with and
without its trailing slash and wraps the endpoint so errors come out as problem
documents and every answer carries the CORS headers (§1.3, §1.4). Endpoints are
async; do database work with `await in_thread(fn, ...)` so the event loop never blocks.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tracehound.protocols.base import Endpoint

in_thread = run_in_threadpool
CONFIG_VERSION_HEADER = "X-Exceptionless-ConfigVersion"
# Tracehound keeps no per-project client settings (§4), so the configuration version
# never moves: clients fetch `{"version": 1, "settings": {}}` once and keep it.
CONFIG_VERSION = 1


class Route(NamedTuple):
    method: str  # GET, POST, PATCH, PUT, DELETE
    path: str  # e.g. "/api/v2/stacks/{id}"
    endpoint: Endpoint
    summary: str
    # served by the ingest fast path ahead of FastAPI's routing (SDK traffic only);
    # the endpoint still reads its parameters from request.path_params
    hot: bool = False


def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (snake_case keys are the caller's job; Exceptionless omits nulls)."""
    return Response(orjson.dumps(body), status_code=status, headers=headers,
                    media_type="application/json; charset=utf-8")


def empty(status: int, headers: dict[str, str] | None = None) -> Response:
    """No body at all: the JS client JSON-parses any non-empty body (§15.1)."""
    return Response(b"", status_code=status, headers=headers)
