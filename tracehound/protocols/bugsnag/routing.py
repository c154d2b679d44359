"""How each area of the Bugsnag adapter hands its routes to the adapter.

An area module (notify.py, and the Data Access API's modules) has `routes(services)`
returning Route tuples; the adapter registers each path with and without its trailing
slash and wraps the endpoint so errors come out as `{"errors": [...]}` and every answer
carries the CORS headers. Endpoints are async; do database work with
`await in_thread(fn, ...)` so the event loop never blocks.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tracehound.protocols.base import Endpoint

in_thread = run_in_threadpool
# the Data Access API's base URL path (api.bugsnag.com's root): docs/protocols/bugsnag.md
API = "/bugsnag/api"


class Route(NamedTuple):
    method: str  # GET, POST, PATCH, DELETE
    path: str  # e.g. "/bugsnag/api/projects/{project_id}/errors"
    endpoint: Endpoint
    summary: str
    # served by the ingest fast path ahead of FastAPI's routing (notifier traffic only);
    # the endpoint still reads its parameters from request.path_params
    hot: bool = False


# orjson refuses containers nested past 254 levels; stored payloads may be deeper
MAX_DEPTH = 200
TOO_DEEP = "[nested too deeply]"


def bounded(value: Any, depth: int = MAX_DEPTH) -> Any:
    """`value` with containers past `depth` levels replaced by TOO_DEEP, and anything
    JSON cannot hold (integers past 64 bits) written as text."""
    if isinstance(value, dict):
        return TOO_DEEP if depth <= 0 else {
            str(k): bounded(v, depth - 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return TOO_DEEP if depth <= 0 else [bounded(v, depth - 1) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) \
            and not -2**63 <= value < 2**64:
        return str(value)
    return value


def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer (Data Access API bodies are bare objects or arrays). A body orjson
    refuses (a client's data nested too deeply) is sent bounded rather than failing:
    the walk costs nothing unless it is needed."""
    try:
        content = orjson.dumps(body)
    except TypeError:
        content = orjson.dumps(bounded(body))
    return Response(content, status_code=status, headers=headers,
                    media_type="application/json; charset=utf-8")


def text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body.encode(), status_code=status, headers=headers,
                    media_type="text/plain; charset=utf-8")


def empty(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=headers)
