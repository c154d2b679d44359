"""Rollbar's error envelope: {"err": 1, "message": "..."} with the documented status."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tracehound import log
from tracehound.errors import TracehoundError

_log = log.get("rollbar")


def render(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"err": 1, "message": message}, status_code=status, headers=headers,
                        media_type="application/json; charset=utf-8")


def rollbar_errors(
    endpoint: Callable[[Request], Awaitable[Response]],
    extra_headers: dict[str, str] | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """Turn internal errors into Rollbar-shaped responses; never leak a bare 500."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except TracehoundError as exc:
            return render(exc.status, exc.message, {**(extra_headers or {}), **exc.headers})
        except Exception:
            _log.exception("unhandled error on %s %s", request.method, request.url.path)
            return render(500, "internal server error", extra_headers)

    return wrapped
