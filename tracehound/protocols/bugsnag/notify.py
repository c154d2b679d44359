"""Notify and sessions (bugsnag-api.md A1–A5): authenticate → read → check integrity →
parse → translate every event → enqueue → 200 `OK` (events) or 202 `Accepted`
(sessions).

Paths: `/bugsnag/notify`, `/notify`, `/bugsnag/sessions`, `/sessions`, and `POST /`
(the default-shaped URL, `https://notify.bugsnag.com` with no path, for a notifier
given only the server's address). Every path tells events from sessions by the body's
shape (`events` against `sessionCounts`/`sessions`), so a notifier configured with one
URL for both loses nothing.

Order of checks: a `Bugsnag-Api-Key` header is checked before the body is read (a bad
key costs no upload); without it, the body's `apiKey` is. Bodies are bounded compressed
and decompressed (`max_body_bytes`: 413); gzip, deflate and brotli are accepted.
`Bugsnag-Integrity` is verified when sent (400 on a mismatch, as Bugsnag's test server
does). The payload version (`Bugsnag-Payload-Version` `4`, `4.0`, `5`, `1`…) is
recorded, never required; `Bugsnag-Sent-At`, with or without a zone, corrects the
event's `device.time` for the notifier's clock skew.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import BadPayload, PayloadTooLarge, RateLimited, TracehoundError, Unavailable
from tracehound.model.event import Event
from tracehound.model.project import AccessToken
from tracehound.protocols import http
from tracehound.protocols.bugsnag import auth
from tracehound.protocols.bugsnag.routing import Route, text
from tracehound.protocols.bugsnag.translate import parse_time, translate
from tracehound.services import Services

EVENT_PATHS = ("/bugsnag/notify", "/notify")
SESSION_PATHS = ("/bugsnag/sessions", "/sessions")
ROOT = "/"
# Notifiers send one event per request; a body is bounded by max_body_bytes anyway.
MAX_EVENTS = 1000
# sessionsStarted of one sessionCounts entry (a minute of one process) counted at most
MAX_SESSION_COUNT = 1_000_000
SESSION_KEYS = ("sessionCounts", "sessions")


def _integrity(request: Request, raw: bytes) -> None:
    """`Bugsnag-Integrity: sha1 <hex>` or `simple <byte length>` over the body as sent."""
    header = request.headers.get("bugsnag-integrity")
    if not header:
        return
    kind, _, digest = header.strip().partition(" ")
    kind, digest = kind.lower(), digest.strip()
    if kind == "sha1" and digest.lower() != hashlib.sha1(raw).hexdigest():
        raise BadPayload("Bugsnag-Integrity does not match the body (sha1).")
    if kind == "simple" and digest != str(len(raw)):
        raise BadPayload("Bugsnag-Integrity does not match the body (simple: "
                         f"{len(raw)} bytes received).")


async def _read(request: Request, limit: int) -> dict[str, Any]:
    raw = await http.read_raw(request, limit)
    _integrity(request, raw)
    encoding = request.headers.get("content-encoding", "")
    body = http.decompress(raw, encoding, limit) if encoding else raw
    if not body.strip():
        raise BadPayload("Empty body: expected a JSON notify or sessions payload.")
    payload = http.loads_json(body)
    if not isinstance(payload, dict):
        raise BadPayload("Expected a JSON object with an `events` array (notify) or "
                         "`sessionCounts` / `sessions` (sessions).")
    return payload


def _body_key(payload: dict[str, Any]) -> str | None:
    key = payload.get("apiKey")
    return key.strip() if isinstance(key, str) and key.strip() else None


async def _rate_limit(services: Services, token: AccessToken, now: float) -> None:
    decision = await services.limiter.check_async(token, now)
    if not decision.allowed:
        raise RateLimited("Rate limit exceeded for this API key.", headers={
            "Retry-After": str(max(1, math.ceil(decision.reset_at - now)))})


async def _enqueue(services: Services, events: list[Event]) -> None:
    try:
        await services.queue.put_many(events)
    except TracehoundError:
        raise
    except Exception as exc:  # not durable, so not acknowledged: the notifier may retry
        raise Unavailable("The server could not store the events; retry later.",
                          headers={"Retry-After": "5"}) from exc


def session_count(payload: dict[str, Any]) -> int:
    """Sessions a payload reports: the sum of `sessionCounts[].sessionsStarted` (server
    notifiers), plus one per element of `sessions[]` (browser and mobile)."""
    total = 0
    counts = payload.get("sessionCounts")
    for entry in counts if isinstance(counts, list) else []:
        started = entry.get("sessionsStarted") if isinstance(entry, dict) else None
        if isinstance(started, int) and not isinstance(started, bool) and started > 0:
            total += min(started, MAX_SESSION_COUNT)
    sessions = payload.get("sessions")
    if isinstance(sessions, list):
        total += sum(1 for s in sessions if isinstance(s, dict))
    return total


def _events(services: Services, request: Request, payload: dict[str, Any], project_id: int,
            received_at: float) -> list[Event]:
    raw = payload["events"]
    if not isinstance(raw, list):
        raise BadPayload("`events` must be an array of events.")
    if len(raw) > MAX_EVENTS:
        raise PayloadTooLarge(f"Too many events in one request ({len(raw)}): send at most "
                              f"{MAX_EVENTS}.")
    posted = [e for e in raw if isinstance(e, dict)]
    if len(posted) < len(raw):
        services.stats.dropped("bugsnag.not_an_object", len(raw) - len(posted))
    sent_at = parse_time(request.headers.get("bugsnag-sent-at"))
    version = request.headers.get("bugsnag-payload-version")
    version = version.strip()[:16] if version and version.strip() else None
    return [translate(e, payload, project_id=project_id, received_at=received_at,
                      sent_at=sent_at, payload_version=version) for e in posted]


def make_post(services: Services, expected: str):  # type: ignore[no-untyped-def]
    """The endpoint of one path; `expected` ("events", "sessions" or "either") only
    words the error for a body that is neither."""
    limit = services.settings.max_body_bytes

    async def post(request: Request) -> Response:
        received_at = time.time()
        key = auth.header_key(request)
        token, project_id = auth.notifier(services, key) if key else (None, 0)
        payload = await _read(request, limit)
        if token is None:
            token, project_id = auth.notifier(services, _body_key(payload))
        if "events" not in payload and any(k in payload for k in SESSION_KEYS):
            services.stats.dropped("bugsnag.sessions", session_count(payload))
            return text("Accepted", 202)
        if "events" not in payload:
            raise BadPayload({
                "events": "Expected an `events` array (a notify payload).",
                "sessions": "Expected `sessionCounts` or `sessions` (a sessions payload).",
            }.get(expected, "Expected an `events` array (notify) or `sessionCounts` / "
                            "`sessions` (sessions)."))
        await _rate_limit(services, token, received_at)
        events = _events(services, request, payload, project_id, received_at)
        if events:
            await _enqueue(services, events)
        return text("OK", 200)

    return post


def routes(services: Services) -> list[Route]:
    events, sessions = make_post(services, "events"), make_post(services, "sessions")
    out = [Route("POST", path, events, "Report errors (Bugsnag notify, payload v4/v5)", True)
           for path in EVENT_PATHS]
    out += [Route("POST", path, sessions, "Report sessions (Bugsnag sessions)", True)
            for path in SESSION_PATHS]
    out.append(Route("POST", ROOT, make_post(services, "either"),
                     "Report errors or sessions (Bugsnag, default-shaped URL)", True))
    return out
