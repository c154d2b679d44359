"""CORS for browser notifiers (@bugsnag/browser posts events and sessions from any
origin) and for browser tools reading the Data Access API.

As Bugsnag's own test server (MAZE) answers: `Access-Control-Allow-Origin: *` on every
answer, preflights allow POST and the `Bugsnag-*` headers. No credentials are involved
(the key travels in a header), so `*` is enough and no origin is echoed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

EXPOSE = "Link, X-Total-Count, Retry-After"
METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = ("Content-Type, Content-Encoding, Bugsnag-Api-Key, Bugsnag-Payload-Version, "
                 "Bugsnag-Sent-At, Bugsnag-Integrity, Authorization, X-Version, "
                 "X-Bugsnag-Api")
MAX_AGE = "86400"


def headers(_request: Request) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSE}


async def preflight(request: Request) -> Response:
    asked = request.headers.get("access-control-request-headers")
    return Response(status_code=204, headers={
        **headers(request),
        "Access-Control-Allow-Methods": METHODS,
        "Access-Control-Allow-Headers": asked or ALLOW_HEADERS,
        "Access-Control-Max-Age": MAX_AGE,
    })
