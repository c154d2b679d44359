"""Logster's answers as ASP.NET Web API 2 wrote them (logster-api.md §4).

Every answer is `application/json; charset=utf-8` with the captured `Cache-Control:
no-cache`, `Pragma: no-cache`, `Expires: -1` and, for browser callers (the Cordova
sample), `Access-Control-Allow-Origin: *`. Errors are Web API's `HttpError`:
`{"Message": "..."}`, and for an invalid model
`{"Message": "The request is invalid.", "ModelState": {"message.Field": ["..."]}}`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tracehound import log
from tracehound.errors import BadPayload, TracehoundError

_log = log.get("logster")

INVALID = "The request is invalid."
DENIED = "Authorization has been denied for this request."
INTERNAL = "An error has occurred."
NO_CACHE = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"}
CORS = {"Access-Control-Allow-Origin": "*"}
MEDIA = "application/json; charset=utf-8"
# FastAPI's own 404/405 texts (app.py), in Web API's words
_WORDS = {"Not found": "No HTTP resource was found that matches the request URI.",
          "Method not allowed": "The requested resource does not support this http method."}


class ModelInvalid(BadPayload):
    """400 with Web API's ModelState: `{"message.Field": ["error", ...]}`, keys prefixed
    with the action's parameter name `message` (the bare key `message` for a body that
    could not be read at all)."""

    def __init__(self, model_state: dict[str, list[str]]) -> None:
        super().__init__(INVALID)
        self.model_state = model_state


class UnsupportedMediaType(TracehoundError):
    """415: a Content-Type no formatter reads (Web API's text, with its detail)."""

    status = 415

    def __init__(self, media_type: str) -> None:
        shown = media_type[:100]
        super().__init__(f"The request entity's media type '{shown}' is not supported "
                         "for this resource.")
        self.detail = ("No MediaTypeFormatter is available to read an object of type "
                       f"'LogMessage' from content with media type '{shown}'.")


def json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA,
                    headers={**NO_CACHE, **CORS, **(headers or {})})


def render(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json({"Message": _WORDS.get(message, message)}, status, headers)


def render_error(exc: TracehoundError) -> Response:
    if isinstance(exc, ModelInvalid):
        return json({"Message": INVALID, "ModelState": exc.model_state}, 400, exc.headers)
    if isinstance(exc, BadPayload):  # a body that could not be read (compression, length)
        return json({"Message": INVALID, "ModelState": {"message": [exc.message]}}, 400,
                    exc.headers)
    if isinstance(exc, UnsupportedMediaType):
        return json({"Message": exc.message, "MessageDetail": exc.detail}, 415, exc.headers)
    return render(exc.status, exc.message, exc.headers)


def logster_errors(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Internal errors → Web API error bodies; never a bare 500."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except TracehoundError as exc:
            return render_error(exc)
        except Exception:
            _log.exception("unhandled error on %s %s", request.method, request.url.path)
            return render(500, INTERNAL)

    return wrapped
