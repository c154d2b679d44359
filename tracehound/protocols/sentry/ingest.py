"""POST /api/<project>/envelope/ and /store/: authenticate → read → parse → translate →
enqueue → `{"id": ...}`.

Follows ../shared/protocols/sentry-ingest.md; the choices it leaves open are written
down in docs/protocols/sentry.md.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tracehound.auth.tokens import require_known
from tracehound.errors import (
    BadPayload,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TracehoundError,
    Unavailable,
)
from tracehound.model.event import Attachment, Event
from tracehound.model.project import AccessToken, Scope
from tracehound.protocols import http
from tracehound.protocols.sentry import auth, envelope
from tracehound.protocols.sentry.translate import normalize_event_id, translate
from tracehound.services import Services

# An optional path prefix (a DSN may carry one), then Sentry's own route.
PATH = re.compile(r"^(?:/.*)?/api/(\d{1,18})/(envelope|store)/?$")
AUTH_HEADER = "x-sentry-auth"
EXPOSE = "X-Sentry-Error, X-Sentry-Rate-Limits, Retry-After"
CORS_ALLOW_HEADERS = ("x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, "
                      "accept, authentication, authorization, content-encoding, "
                      "transfer-encoding, content-type, sentry-trace, baggage")
MAX_ATTACHMENTS = 16
# Item types with nothing for Tracehound to store (release health, performance, SDK
# bookkeeping); accepted and counted, as Sentry's own relays accept what they skip.
COUNTED_ONLY = frozenset({"session", "sessions", "client_report", "transaction"})


def project_in_path(request: Request) -> int:
    match = PATH.match(request.url.path)
    if match is None:  # the router only sends matching paths here
        raise NotFound("not found")
    return int(match.group(1))


def _check_token(services: Services, key: str, project_id: int) -> AccessToken:
    token = require_known(services.tokens.get(key), key)
    if token.project_id is None or not (
            token.has(Scope.POST_SERVER_ITEM) or token.has(Scope.POST_CLIENT_ITEM)):
        raise Forbidden("this key cannot post events: a project key with a post scope "
                        "is required")
    if token.project_id != project_id:
        raise Forbidden(f"this key does not belong to project {project_id}")
    return token


async def _rate_limit(services: Services, token: AccessToken, now: float) -> None:
    decision = await services.limiter.check_async(token, now)
    if decision.allowed:
        return
    seconds = max(1, math.ceil(decision.reset_at - now))  # SDKs parse whole seconds only
    raise RateLimited("rate limit reached for this key", headers={
        "Retry-After": str(seconds),
        "X-Sentry-Rate-Limits": f"{seconds}::key:rate_limited",
    })


async def _enqueue(services: Services, event: Event) -> None:
    try:
        await services.queue.put(event)
    except TracehoundError:
        raise
    except Exception as exc:  # not durable, so not acknowledged
        raise Unavailable("the server could not store the event; retry later") from exc


def _ok(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status_code=200, media_type="application/json",
                    headers=http.cors_headers(EXPOSE))


def _json_object(payload: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise BadPayload(f"invalid {what}: {exc}") from None
    if not isinstance(value, dict):
        raise BadPayload(f"invalid {what}: expected a JSON object")
    return value


def make_envelope(services: Services):  # type: ignore[no-untyped-def]
    settings = services.settings

    async def post_envelope(request: Request) -> Response:
        received_at = time.time()
        project_id = project_in_path(request)
        header = request.headers.get(AUTH_HEADER)
        query_key = request.query_params.get("sentry_key")
        if header or query_key:  # refuse a bad key before reading a large body
            _check_token(services, auth.find_key(header, query_key, None), project_id)
        body = await http.read_body(request, settings.max_envelope_bytes)
        env = envelope.parse(body)
        token = _check_token(services, auth.find_key(header, query_key, env.headers.get("dsn")),
                             project_id)
        await _rate_limit(services, token, received_at)

        event_item: envelope.Item | None = None
        attachments: list[Attachment] = []
        for item in env.items:
            kind = item.type
            if kind == "event":
                if event_item is not None:
                    raise BadPayload("an envelope carries at most one event")
                event_item = item
            elif kind == "attachment":
                kept = _attachment(item, settings.max_attachment_bytes)
                if kept is None or len(attachments) >= MAX_ATTACHMENTS:
                    services.stats.dropped("sentry.attachment")
                else:
                    attachments.append(kept)
            else:
                services.stats.dropped(f"sentry.{kind}" if kind in COUNTED_ONLY
                                       else "sentry.other")

        header_id = normalize_event_id(env.headers.get("event_id"))
        if event_item is None:
            if attachments:
                services.stats.dropped("sentry.attachment", len(attachments))
            return _ok({"id": header_id} if header_id else {})
        if len(event_item.payload) > settings.max_body_bytes:
            raise PayloadTooLarge(f"event item exceeds {settings.max_body_bytes} bytes")
        payload = _json_object(event_item.payload, "event item")
        event = translate(payload, project_id=project_id, received_at=received_at,
                          event_id=header_id, remote_ip=http.client_ip(request),
                          attachments=attachments)
        await _enqueue(services, event)
        return _ok({"id": event.uuid})

    return post_envelope


def _attachment(item: envelope.Item, limit: int) -> Attachment | None:
    if len(item.payload) > limit:
        return None
    h = item.headers
    filename = h.get("filename") if isinstance(h.get("filename"), str) else "attachment"
    ctype = h.get("content_type") if isinstance(h.get("content_type"), str) else None
    atype = h.get("attachment_type") if isinstance(h.get("attachment_type"), str) else None
    return Attachment(filename=filename[:255], data=item.payload,
                      content_type=(ctype or "application/octet-stream")[:255],
                      attachment_type=(atype or "event.attachment")[:64])


def _store_body(body: bytes, limit: int) -> dict[str, Any]:
    """JSON, or the legacy base64 of a zlib stream (sentry-ingest.md §10)."""
    if http.looks_like_json(body):
        return _json_object(body, "event")
    try:
        compressed = base64.b64decode(body.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadPayload("invalid event: neither JSON nor base64") from None
    return _json_object(http.decompress(compressed, "deflate", limit), "event")


def make_store(services: Services):  # type: ignore[no-untyped-def]
    settings = services.settings

    async def post_store(request: Request) -> Response:
        received_at = time.time()
        project_id = project_in_path(request)
        key = auth.find_key(request.headers.get(AUTH_HEADER),
                            request.query_params.get("sentry_key"), None)
        token = _check_token(services, key, project_id)
        body = await http.read_body(request, settings.max_body_bytes)
        if not body.strip():
            raise BadPayload("empty body")
        payload = _store_body(body, settings.max_body_bytes)
        await _rate_limit(services, token, received_at)
        event = translate(payload, project_id=project_id, received_at=received_at,
                          remote_ip=http.client_ip(request))
        await _enqueue(services, event)
        return _ok({"id": event.uuid})

    return post_store


def preflight(request: Request) -> Response:
    return http.preflight(request, CORS_ALLOW_HEADERS)
