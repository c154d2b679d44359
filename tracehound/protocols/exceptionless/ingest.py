"""POST /api/v2/events and /api/v2/projects/{projectId}/events (exceptionless-api.md §6):
authenticate → project → check length and type → read → parse → translate → enqueue →
202 with an empty body.

The checks run in Exceptionless's order (§6.2): auth 401/403, `Content-Length: 0` 411,
declared size 413, media type 415, route project 404, streamed or decompressed size 413.
The body is one event object, an array of them, or text whose non-empty lines are log
messages (§6.3). Unlike Exceptionless, a body that starts like JSON but does not parse
is refused (400) rather than stored line by line as log messages: a client sending
broken JSON learns it at once.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.auth.ratelimit import Decision
from tracehound.errors import BadPayload, PayloadTooLarge, RateLimited, TracehoundError, Unavailable
from tracehound.model.event import Event
from tracehound.model.project import AccessToken
from tracehound.protocols import http
from tracehound.protocols.exceptionless import auth
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.errors import LengthRequired, UnsupportedMediaType
from tracehound.protocols.exceptionless.routing import (
    CONFIG_VERSION,
    CONFIG_VERSION_HEADER,
    Route,
    empty,
    in_thread,
)
from tracehound.protocols.exceptionless.translate import SKIPPED_TYPES, event_type, translate
from tracehound.services import Services

MEDIA_TYPES = ("application/json", "text/plain")
# A request of more events than this is refused with 413, which makes the JS client
# split its batch (it sends 50 at most); bodies are bounded by max_body_bytes anyway.
MAX_EVENTS = 1000


def media_type(request: Request) -> tuple[str, str]:
    """(media type, charset) of the Content-Type header, lower-cased."""
    value = request.headers.get("content-type", "")
    mtype, _, params = value.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip('"').lower()
    return mtype.strip().lower(), charset


def check_length(request: Request) -> None:
    """411 for a POST that declares an empty (or negative) body, as Exceptionless."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    text = declared.strip()
    if text.lstrip("-").isascii() and text.lstrip("-").isdigit() and len(text) < 20 \
            and int(text) <= 0:
        raise LengthRequired("A request body is required (Content-Length is 0).")


def check_media_type(mtype: str) -> None:
    if mtype and mtype not in MEDIA_TYPES:
        raise UnsupportedMediaType(f"Unsupported Content-Type {mtype[:100]!r}: send "
                                   "application/json or text/plain.")


def _lines(body: bytes, charset: str, now: float) -> list[dict[str, Any]]:
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        text = body.decode("utf-8", errors="replace")
    date = datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")
    return [{"type": "log", "message": line.strip(), "date": date}
            for line in text.splitlines() if line.strip()]


def parse_events(body: bytes, mtype: str, charset: str, now: float) -> tuple[list[Any], int]:
    """(the posted event objects, how many array elements were not objects)."""
    if http.looks_like_json(body):
        value = http.loads_json(body)
        if isinstance(value, dict):
            return [value], 0
        if isinstance(value, list):
            events = [e for e in value if isinstance(e, dict)]
            return events, len(value) - len(events)
    elif mtype == "application/json":
        if not body.strip():
            return [], 0
        http.loads_json(body)  # 400 naming the problem when it is not JSON at all
        raise BadPayload("Expected an event object or an array of events.")
    return _lines(body, charset, now), 0


def rate_headers(decision: Decision, now: float) -> dict[str, str]:
    """X-RateLimit-*; never `Remaining: 0` on a success, which would make the JS
    client suspend its queue although the post was accepted (§1.5)."""
    headers = {"X-RateLimit-Limit": str(decision.limit)}
    if not decision.allowed:
        headers["X-RateLimit-Remaining"] = "0"
        headers["Retry-After"] = str(max(1, math.ceil(decision.reset_at - now)))
    elif decision.remaining > 0:
        headers["X-RateLimit-Remaining"] = str(decision.remaining)
    return headers


async def rate_limit(services: Services, token: AccessToken, now: float) -> dict[str, str]:
    decision = await services.limiter.check_async(token, now)
    headers = rate_headers(decision, now)
    if not decision.allowed:
        raise RateLimited("Rate limit exceeded for this token.", headers=headers)
    return headers


async def project_for(services: Services, token: AccessToken, request: Request,
                      missing: type[TracehoundError] = BadPayload) -> int:
    """The project of a client call (§2.3); `missing` is raised when there is none."""
    route = request.path_params.get("projectId")
    if route is None and token.project_id is not None:
        return token.project_id  # the common case: no database round trip
    project_id: int = await in_thread(auth.client_project, services, token, route,
                                      missing=missing)
    return project_id


async def enqueue(services: Services, events: list[Event]) -> None:
    try:
        await services.queue.put_many(events)
    except TracehoundError:
        raise
    except Exception as exc:  # not durable, so not acknowledged: the client retries
        raise Unavailable("The server could not store the events; retry later.",
                          headers={"Retry-After": "5"}) from exc


def client_agent(request: Request) -> str | None:
    """Who sent it: X-Exceptionless-Client, else User-Agent (§6.2)."""
    return http.first_header(request, ("x-exceptionless-client", "user-agent"))


def make_post_events(services: Services):  # type: ignore[no-untyped-def]
    limit = services.settings.max_body_bytes

    async def post_events(request: Request) -> Response:
        received_at = time.time()
        token = auth.require(services, request, Policy.CLIENT)
        check_length(request)
        mtype, charset = media_type(request)
        check_media_type(mtype)
        project_id = await project_for(services, token, request)
        headers = await rate_limit(services, token, received_at)
        body = await http.read_body(request, limit)
        posted, not_objects = parse_events(body, mtype, charset, received_at)
        if len(posted) > MAX_EVENTS:
            raise PayloadTooLarge(f"Too many events in one request ({len(posted)}): send "
                                  f"at most {MAX_EVENTS}.")
        if not_objects:
            services.stats.dropped("exceptionless.not_an_object", not_objects)
        remote_ip, agent = http.client_ip(request), client_agent(request)
        events = []
        for raw in posted:
            kind = event_type(raw).lower()
            if kind in SKIPPED_TYPES:
                services.stats.dropped(f"exceptionless.{kind}")
                continue
            events.append(translate(raw, project_id=project_id, received_at=received_at,
                                    remote_ip=remote_ip, user_agent=agent))
        await enqueue(services, events)
        return empty(202, {**headers, CONFIG_VERSION_HEADER: str(CONFIG_VERSION)})

    return post_events


def routes(services: Services) -> list[Route]:
    post_events = make_post_events(services)
    return [
        Route("POST", "/api/v2/events", post_events,
              "Submit events: one object, an array, or text lines (Exceptionless)", True),
        Route("POST", "/api/v2/projects/{projectId}/events", post_events,
              "Submit events to a project (Exceptionless)", True),
    ]
