"""POST /api/Log (logster-api.md §1, §4): authenticate → media type → read → bind →
validate → rate limit → translate → enqueue → 200 `{"MessageId": "..."}`.

The key is the `ApiKey` header (nothing else: Logster documents no other carrier).
None, unknown or disabled → 401 with Web API's "Authorization has been denied for this
request." A known key that cannot post (a read/write token, an account token) → 403.
The key is checked before the body is read, so a bad key costs no body read.

`MessageId` is the occurrence's uuid (32 hex digits): the occurrence is written by the
digest after the answer, so its integer id does not exist yet. The uuid reads back as
`GET /api/1/item/?uuid=<MessageId>` and the search `reference:<MessageId>`.
"""

from __future__ import annotations

import math
import time

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import Forbidden, RateLimited, TracehoundError, Unauthenticated, Unavailable
from tracehound.model.event import Event
from tracehound.model.project import AccessToken, Scope
from tracehound.protocols import http
from tracehound.protocols.logster import body, errors
from tracehound.protocols.logster.binding import bind
from tracehound.protocols.logster.translate import translate
from tracehound.services import Services

KEY_HEADER = "apikey"
CANNOT_POST = ("This ApiKey cannot post log messages: use a project token with the "
               "post_server_item or post_client_item scope.")


def authenticate(services: Services, request: Request) -> AccessToken:
    """The posting token named by the ApiKey header: 401 without a usable one, 403 when
    it may not post."""
    key = (request.headers.get(KEY_HEADER) or "").strip()
    found = services.tokens.get(key) if key else None
    if found is None or not found.enabled:
        raise Unauthenticated(errors.DENIED)
    if found.project_id is None or not (
            found.has(Scope.POST_SERVER_ITEM) or found.has(Scope.POST_CLIENT_ITEM)):
        raise Forbidden(CANNOT_POST)
    return found


async def rate_limit(services: Services, token: AccessToken, now: float) -> None:
    decision = await services.limiter.check_async(token, now)
    if not decision.allowed:
        seconds = max(1, math.ceil(decision.reset_at - now))
        raise RateLimited("The rate limit of this ApiKey is reached; retry later.",
                          headers={"Retry-After": str(seconds)})


async def enqueue(services: Services, event: Event) -> None:
    try:
        await services.queue.put(event)
    except TracehoundError:
        raise
    except Exception as exc:  # not durable, so not acknowledged: the client may retry
        raise Unavailable("The server could not store the message; retry later.",
                          headers={"Retry-After": "5"}) from exc


def make_post_log(services: Services):  # type: ignore[no-untyped-def]
    limit = services.settings.max_body_bytes

    async def post_log(request: Request) -> Response:
        received_at = time.time()
        token = authenticate(services, request)
        content_type = request.headers.get("content-type", "")
        mtype, _ = body.media_type(content_type)
        if mtype not in body.SNIFFED:  # 415 before reading what no formatter reads
            body.kind_of(mtype, b"")
        raw = await http.read_body(request, limit)
        _, pairs = body.read(raw, content_type)
        message = bind(pairs)
        await rate_limit(services, token, received_at)
        event = translate(message, project_id=token.project_id or 0,
                          received_at=received_at)
        await enqueue(services, event)
        return errors.json({"MessageId": event.uuid})

    return post_log


async def method_not_allowed(request: Request) -> Response:
    """Web API's answer to a method the Log route does not have."""
    return errors.render(405, "The requested resource does not support http method "
                              f"'{request.method[:20]}'.", {"Allow": "POST, OPTIONS"})


async def preflight(request: Request) -> Response:
    """CORS preflight: the Cordova sample posts from a WebView with the ApiKey header."""
    response = http.preflight(request, "ApiKey, Content-Type, Content-Encoding")
    response.headers.update(errors.NO_CACHE)
    return response
