"""Bugsnag's error answers, one shape on every Bugsnag path: `{"errors": ["..."]}`.

The Data Access API answers errors this way (bugsnag-api.md B1: 400 bad JSON, 401 no
or bad auth, 404 missing or not visible, 429). Bugsnag's notify endpoint documents
only status codes (A3) and neither the Python nor the JS notifier reads the body, so
notify errors use the same shape: one renderer, readable in an SDK's debug log.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tracehound import log
from tracehound.errors import TracehoundError

_log = log.get("bugsnag")

JSON = "application/json; charset=utf-8"


def render(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps({"errors": [message]}), status_code=status,
                    headers=headers, media_type=JSON)


def bugsnag_errors(
    endpoint: Callable[[Request], Awaitable[Response]],
    headers_for: Callable[[Request], dict[str, str]] | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """Internal errors → `{"errors": [...]}`, never a bare 500; `headers_for(request)`
    (CORS) is added to every answer, success or error."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        extra = headers_for(request) if headers_for else {}
        try:
            response = await endpoint(request)
        except TracehoundError as exc:
            response = render(exc.status, exc.message, exc.headers)
        except Exception:
            _log.exception("unhandled error on %s %s", request.method, request.url.path)
            response = render(500, "An internal error occurred.")
        for name, value in extra.items():
            response.headers.setdefault(name, value)
        return response

    return wrapped
