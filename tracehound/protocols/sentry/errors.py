"""Sentry's error answers: `{"detail": "..."}` plus the `X-Sentry-Error` header.

SDKs read only the status (and the rate-limit headers); the message is for people
reading the SDK's debug log (sentry-ingest.md §3.4).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tracehound import log
from tracehound.errors import TracehoundError

_log = log.get("sentry")


def render(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    header_safe = message.encode("ascii", "replace").decode()[:200].replace("\n", " ")
    return JSONResponse({"detail": message}, status_code=status,
                        headers={**(headers or {}), "X-Sentry-Error": header_safe})


def sentry_errors(
    endpoint: Callable[[Request], Awaitable[Response]],
    extra_headers: dict[str, str] | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """Internal errors → Sentry-shaped responses; never a bare 500."""

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
