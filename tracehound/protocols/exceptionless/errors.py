"""Exceptionless's error answers: RFC 7807 problem documents (exceptionless-api.md §1.3).

`{"type": <RFC 9110 section URL>, "title": <message>, "status": n, "instance":
"<METHOD> <path>", "message": <message>}` as `application/problem+json`; a 422 adds
`errors: {"snake_case_field": ["message", ...]}`. `message` is not in Exceptionless's
own answers: the .NET client reads it when present (§1.3), and it costs nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tracehound import log
from tracehound.errors import InvalidPayload, TracehoundError

_log = log.get("exceptionless")

PROBLEM = "application/problem+json"
_RFC9110 = "https://tools.ietf.org/html/rfc9110#section-"
TYPES = {
    400: "15.5.1", 401: "15.5.2", 402: "15.5.3", 403: "15.5.4", 404: "15.5.5",
    405: "15.5.6", 409: "15.5.10", 411: "15.5.12", 413: "15.5.14", 415: "15.5.16",
    422: "15.5.21", 426: "15.5.22", 500: "15.6.1", 501: "15.6.2", 503: "15.6.4",
}
TOO_MANY = "https://tools.ietf.org/html/rfc6585#section-4"


class LengthRequired(TracehoundError):
    """A POST that declares an empty body (Exceptionless's OverageMiddleware, §6.2)."""

    status = 411


class UnsupportedMediaType(TracehoundError):
    """A Content-Type other than JSON or plain text on an event post (§6.2)."""

    status = 415


class ValidationFailed(InvalidPayload):
    """422 with Exceptionless's per-field `errors` map (snake_case field names)."""

    def __init__(self, errors: dict[str, list[str]], message: str = "Validation failed",
                 *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, headers=headers)
        self.errors = errors


def problem(status: int, message: str, *, instance: str | None = None,
            errors: dict[str, list[str]] | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "type": TOO_MANY if status == 429 else _RFC9110 + TYPES.get(status, "15.6.1"),
        "title": message,
        "status": status,
    }
    if instance:
        body["instance"] = instance
    body["message"] = message
    if errors is not None:
        body["errors"] = errors
    return body


def render(status: int, message: str, headers: dict[str, str] | None = None, *,
           instance: str | None = None,
           errors: dict[str, list[str]] | None = None) -> Response:
    return Response(orjson.dumps(problem(status, message, instance=instance, errors=errors)),
                    status_code=status, headers=headers, media_type=PROBLEM)


def instance_of(request: Request) -> str:
    """`"<METHOD> <path>"`, as Exceptionless fills `instance` (§1.3)."""
    return f"{request.method} {request.url.path}"[:1000]


def exceptionless_errors(
    endpoint: Callable[[Request], Awaitable[Response]],
    headers_for: Callable[[Request], dict[str, str]] | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """Internal errors → problem documents, never a bare 500; `headers_for(request)`
    (CORS) is added to every answer, success or error."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        extra = headers_for(request) if headers_for else {}
        try:
            response = await endpoint(request)
        except TracehoundError as exc:
            response = render(exc.status, exc.message, exc.headers,
                              instance=instance_of(request),
                              errors=exc.errors if isinstance(exc, ValidationFailed) else None)
        except Exception:
            _log.exception("unhandled error on %s %s", request.method, request.url.path)
            response = render(500, "An internal error occurred.",
                              instance=instance_of(request))
        for name, value in extra.items():
            response.headers.setdefault(name, value)
        return response

    return wrapped
