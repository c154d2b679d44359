"""POST /api/1/item/: authenticate → read → decode → translate → enqueue → Rollbar ack."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tracehound.auth.tokens import require_known
from tracehound.errors import BadPayload, Forbidden, RateLimited, TracehoundError, Unavailable
from tracehound.model.project import AccessToken, Scope
from tracehound.protocols import http
from tracehound.protocols.rollbar.translate import is_client_platform, translate
from tracehound.services import Services

TOKEN_HEADER = "x-rollbar-access-token"
EXPOSE = ("X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset, "
          "X-Rate-Limit-Remaining-Seconds")


def decode_payload(body: bytes, content_type: str) -> Any:
    """JSON whatever the Content-Type says; else the form field `payload`."""
    if http.looks_like_json(body):
        return http.loads_json(body)
    if "multipart/form-data" not in content_type and body.strip():
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise BadPayload("request body is neither JSON nor a form") from None
        if "payload" in form:
            payload = http.loads_json(form["payload"][0].encode())
            if isinstance(payload, dict) and "access_token" not in payload \
                    and "access_token" in form:
                payload["access_token"] = form["access_token"][0]
            return payload
    raise BadPayload("No JSON payload found in the request body.")


def check_post_scope(token: AccessToken, payload: Any) -> None:
    """post_server_item posts anything; post_client_item only client platforms."""
    if token.project_id is None:
        raise Forbidden("insufficient privileges: a project access token is required.")
    if token.has(Scope.POST_SERVER_ITEM):
        return
    if token.has(Scope.POST_CLIENT_ITEM) and is_client_platform(payload):
        return
    has = ", ".join(sorted(token.scopes)) or "no scope"
    raise Forbidden("insufficient privileges: post_server_item scope is required but the "
                    f"access token only has {has}.")


def _success(uuid: str, headers: dict[str, str]) -> Response:
    body = orjson.dumps({"err": 0, "result": {"id": None, "uuid": uuid}})
    return Response(body, status_code=200, headers=headers,
                    media_type="application/json; charset=utf-8")


def make_post_item(services: Services):  # type: ignore[no-untyped-def]
    limit = services.settings.max_body_bytes

    async def post_item(request: Request) -> Response:
        received_at = time.time()
        token_text = http.first_header(request, (TOKEN_HEADER,)) \
            or request.query_params.get("access_token")
        token = None
        if token_text:  # refuse a bad header token before reading a large body
            token = require_known(services.tokens.get(token_text), token_text)
        body = await http.read_body(request, limit)
        payload = decode_payload(body, request.headers.get("content-type", ""))
        if token is None:
            body_token = payload.get("access_token") if isinstance(payload, dict) else None
            if not isinstance(body_token, str) or not body_token:
                raise Forbidden("access token required: send it in the "
                                "X-Rollbar-Access-Token header or as access_token")
            token = require_known(services.tokens.get(body_token), body_token)
        check_post_scope(token, payload)
        decision = await services.limiter.check_async(token, received_at)
        headers = {**http.cors_headers(EXPOSE), **decision.headers(received_at)}
        if not decision.allowed:
            raise RateLimited("rate limit reached for this access token; the item was "
                              "not processed", headers=headers)
        event = translate(payload, project_id=token.project_id or 0,
                          received_at=received_at, remote_ip=http.client_ip(request))
        try:
            await services.queue.put(event)
        except TracehoundError:
            raise
        except Exception as exc:  # not durable, so not acknowledged: the SDK retries
            raise Unavailable("the server could not store the item; retry later",
                              headers={**headers, "Retry-After": "5"}) from exc
        return _success(event.uuid, headers)

    return post_item
