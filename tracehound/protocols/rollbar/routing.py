"""How each area of the Rollbar API hands its routes to the adapter.

An area module (api_deploys.py, api_reports.py, …) has `routes(services)` returning
Route tuples; the adapter registers each path with and without its trailing slash and
wraps the endpoint so errors come out in Rollbar's envelope. Endpoints are async; do
database work with `await in_thread(fn, ...)` so the event loop never blocks on it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tracehound.protocols.base import Endpoint

in_thread = run_in_threadpool


class Route(NamedTuple):
    method: str  # GET, POST, PATCH, PUT, DELETE
    path: str  # e.g. "/api/1/deploy/{deploy_id}"
    endpoint: Endpoint
    summary: str


def ok(result: Any = None, status: int = 200, headers: dict[str, str] | None = None,
       **extra: Any) -> Response:
    """`{"err": 0, "result": ...}`; with result None, just `{"err": 0}` (plus extra)."""
    body: dict[str, Any] = {"err": 0}
    if result is not None:
        body["result"] = result
    body.update(extra)
    return Response(orjson.dumps(body), status_code=status, headers=headers,
                    media_type="application/json; charset=utf-8")


def raw(body: Any, status: int = 200) -> Response:
    """A body outside the usual envelope (deploy creation answers {"data": ...})."""
    return Response(orjson.dumps(body), status_code=status,
                    media_type="application/json; charset=utf-8")
