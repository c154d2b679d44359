"""CORS as Exceptionless answers it (exceptionless-api.md §1.4): any origin, header and
method, with credentials; preflights cached 5 minutes; the headers browser clients read
are exposed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

EXPOSE = ("ETag, v, X-Exceptionless-ConfigVersion, Link, X-RateLimit-Limit, "
          "X-RateLimit-Remaining, X-Result-Count")
METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
MAX_AGE = "300"


def headers(request: Request) -> dict[str, str]:
    """With credentials allowed, the origin is echoed (a `*` would make browsers refuse a
    credentialed answer); without an Origin header, `*`."""
    origin = request.headers.get("origin")
    out = {"Access-Control-Allow-Origin": origin or "*",
           "Access-Control-Expose-Headers": EXPOSE}
    if origin:
        out["Access-Control-Allow-Credentials"] = "true"
        out["Vary"] = "Origin"
    return out


async def preflight(request: Request) -> Response:
    asked = request.headers.get("access-control-request-headers")
    return Response(status_code=204, headers={
        **headers(request),
        "Access-Control-Allow-Methods": METHODS,
        "Access-Control-Allow-Headers": asked or "Authorization, Content-Type, "
                                                 "Content-Encoding, X-Exceptionless-Client",
        "Access-Control-Max-Age": MAX_AGE,
    })
