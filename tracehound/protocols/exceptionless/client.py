"""What the official clients call besides event posts (exceptionless-api.md §4, §8-§10):
project configuration, session heartbeats, submit-by-GET and user descriptions.

All take a `client` token (§2.2) and resolve the project like a post (§2.3); without
one, config and heartbeat answer 401 (Exceptionless's middleware does), the others 400.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from tracehound import log
from tracehound.errors import BadPayload, NotFound, Unauthenticated
from tracehound.model.event import encode, pack_data, unpack_data
from tracehound.protocols import http
from tracehound.protocols.exceptionless import auth, ids
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.errors import ValidationFailed
from tracehound.protocols.exceptionless.ingest import (
    client_agent,
    enqueue,
    project_for,
    rate_limit,
)
from tracehound.protocols.exceptionless.routing import (
    CONFIG_VERSION,
    CONFIG_VERSION_HEADER,
    Route,
    empty,
    in_thread,
    json,
)
from tracehound.protocols.exceptionless.translate import SKIPPED_TYPES, translate
from tracehound.services import Services
from tracehound.store import codec, occurrences
from tracehound.store.db import writer

_log = log.get("exceptionless")
VERSION_HEADERS = {CONFIG_VERSION_HEADER: str(CONFIG_VERSION)}
MAX_DESCRIPTION_BODY = 64 * 1024
MAX_QUERY_PARAMS = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# A description can arrive before its event is digested (the JS client sends it right
# after the event): look again after these pauses, about a minute in all.
RETRY_DELAYS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
_pending: set[asyncio.Task[None]] = set()  # keeps the retry tasks referenced until done


# ---- configuration and heartbeat ---------------------------------------------------

def make_config(services: Services):  # type: ignore[no-untyped-def]
    async def get_config(request: Request) -> Response:
        """200 `{"version", "settings"}`; 304 when `v` is the current version (§4)."""
        token = auth.require(services, request, Policy.CLIENT)
        await project_for(services, token, request, missing=Unauthenticated)
        if request.query_params.get("v", "").strip() == str(CONFIG_VERSION):
            return empty(304, VERSION_HEADERS)
        return json({"version": CONFIG_VERSION, "settings": {}}, headers=VERSION_HEADERS)

    return get_config


def make_heartbeat(services: Services):  # type: ignore[no-untyped-def]
    async def heartbeat(request: Request) -> Response:
        """200, empty (§9). Sessions are not tracked: the call is only authenticated."""
        token = auth.require(services, request, Policy.CLIENT)
        await project_for(services, token, request, missing=Unauthenticated)
        services.stats.dropped("exceptionless.heartbeat")
        return empty(200, VERSION_HEADERS)

    return heartbeat


# ---- submit by GET (§8) ------------------------------------------------------------

def _number(text: str, kind: type[int] | type[float]) -> int | float | None:
    try:
        value = kind(text)
    except (ValueError, OverflowError):
        return None
    return value if abs(value) < 2**53 else None


def event_from_query(params: list[tuple[str, str]], path_type: str | None) -> dict[str, Any]:
    """The event a submit-by-GET query string describes; {} when it names nothing."""
    event: dict[str, Any] = {"type": path_type or "log"}
    data: dict[str, Any] = {}
    tags: list[str] = []
    user: dict[str, str] = {}
    used = False
    for key, value in params[:MAX_QUERY_PARAMS]:
        name = key.lower()
        if name in auth.QUERY_KEYS:
            continue
        if name == "type":
            event["type"] = value
            continue
        used = True
        if name in ("source", "message", "geo", "date"):
            event[name] = value
        elif name == "reference":
            event["reference_id"] = value
        elif name in ("count", "value"):
            number = _number(value, int if name == "count" else float)
            if number is not None:
                event[name] = number
        elif name == "tags":
            tags.extend(t.strip() for t in value.split(",") if t.strip())
        elif name == "identity":
            user["identity"] = value
        elif name in ("identity.name", "identityname"):
            user["name"] = value
        elif key in data:
            prev = data[key]
            data[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            data[key] = value
    if not used:
        return {}
    if tags:
        event["tags"] = tags
    if user:
        data["@user"] = user
    if data:
        event["data"] = data
    return event


def make_submit(services: Services):  # type: ignore[no-untyped-def]
    async def submit(request: Request) -> Response:
        received_at = time.time()
        token = auth.require(services, request, Policy.CLIENT)
        project_id = await project_for(services, token, request)
        headers = await rate_limit(services, token, received_at)
        path_type = request.path_params.get("type")
        if path_type is not None and not 1 <= len(path_type) <= 100:
            raise NotFound("Not found")
        raw = event_from_query(request.query_params.multi_items(), path_type)
        if raw and str(raw.get("type", "")).lower() not in SKIPPED_TYPES:
            event = translate(raw, project_id=project_id, received_at=received_at,
                              remote_ip=http.client_ip(request),
                              user_agent=client_agent(request))
            await enqueue(services, [event])
        return empty(200, {**headers, **VERSION_HEADERS})

    return submit


# ---- user descriptions (§10) -------------------------------------------------------

def description_of(body: Any) -> dict[str, Any]:
    """The `@user_description` a body carries; 400/422 as Exceptionless validates it."""
    if not isinstance(body, dict):
        raise BadPayload("Expected a JSON object with email_address and/or description.")
    email, text = body.get("email_address"), body.get("description")
    errors: dict[str, list[str]] = {}
    if email is not None and not (isinstance(email, str) and _EMAIL.match(email.strip())
                                  and len(email) <= 255):
        errors["email_address"] = ["A valid e-mail address is required."]
    if text is not None and not isinstance(text, str):
        errors["description"] = ["The description must be a string."]
    if not errors and not (email or "").strip() and not (text or "").strip():
        errors["description"] = ["An e-mail address or a description is required."]
    if errors:
        raise ValidationFailed(errors)
    out: dict[str, Any] = {}
    if isinstance(email, str) and email.strip():
        out["email_address"] = email.strip()
    if isinstance(text, str) and text.strip():
        out["description"] = text
    if isinstance(body.get("data"), dict):
        out["data"] = body["data"]
    return out


def attach_description(services: Services, project_id: int, reference_id: str,
                       description: dict[str, Any]) -> int:
    """Set `data["@user_description"]` on the project's occurrences with that
    reference id; how many were changed."""
    with writer(services.engine).begin() as conn:
        rows = occurrences.by_reference(conn, project_id, reference_id)
        for row in rows:
            event = codec.unpack(row.payload)
            payload = unpack_data(event.data)
            if not isinstance(payload, dict):
                continue
            data = payload.get("data")
            payload["data"] = {**(data if isinstance(data, dict) else {}),
                               "@user_description": description}
            event = msgspec.structs.replace(event, data=pack_data(payload))
            occurrences.replace_payload(conn, row.id, codec.pack(encode(event)))
    return len(rows)


async def _attach_later(services: Services, project_id: int, reference_id: str,
                        description: dict[str, Any]) -> None:
    for delay in RETRY_DELAYS:
        await asyncio.sleep(delay)
        try:
            if await in_thread(attach_description, services, project_id, reference_id,
                               description):
                return
        except Exception:  # noqa: BLE001 - a background task has no one to answer
            _log.exception("could not attach a user description to %s", reference_id)
            return
    services.stats.dropped("exceptionless.user_description")
    _log.info("no event with reference id %s in project %s: user description dropped",
              reference_id, project_id)


def make_user_description(services: Services):  # type: ignore[no-untyped-def]
    async def user_description(request: Request) -> Response:
        """202 at once; the description is attached when the event is stored."""
        received_at = time.time()
        token = auth.require(services, request, Policy.CLIENT)
        reference_id = request.path_params.get("referenceId", "")
        if not ids.IDENTIFIER.match(reference_id):
            raise NotFound("Not found")
        project_id = await project_for(services, token, request, missing=NotFound)
        headers = await rate_limit(services, token, received_at)
        body = await http.read_body(request, MAX_DESCRIPTION_BODY)
        if not body.strip():
            raise BadPayload("Expected a JSON object with email_address and/or description.")
        description = description_of(http.loads_json(body))
        task = asyncio.create_task(_attach_later(services, project_id, reference_id,
                                                 description))
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return empty(202, {**headers, **VERSION_HEADERS})

    return user_description


def routes(services: Services) -> list[Route]:
    config, heartbeat = make_config(services), make_heartbeat(services)
    submit, described = make_submit(services), make_user_description(services)
    out = [
        Route("GET", "/api/v2/projects/config", config,
              "The project's client configuration (Exceptionless)", True),
        Route("GET", "/api/v2/projects/{projectId}/config", config,
              "A project's client configuration (Exceptionless)", True),
        Route("GET", "/api/v2/events/session/heartbeat", heartbeat,
              "Session heartbeat (Exceptionless; accepted, not tracked)", True),
        Route("POST", "/api/v2/events/by-ref/{referenceId}/user-description", described,
              "Attach a user's e-mail and description to an event (Exceptionless)"),
        Route("POST", "/api/v2/projects/{projectId}/events/by-ref/{referenceId}"
              "/user-description", described,
              "Attach a user description to a project's event (Exceptionless)"),
    ]
    for prefix in ("/api/v2/events", "/api/v2/projects/{projectId}/events"):
        out.append(Route("GET", prefix + "/submit", submit,
                         "Submit an event by GET (Exceptionless)"))
        out.append(Route("GET", prefix + "/submit/{type}", submit,
                         "Submit an event of a type by GET (Exceptionless)"))
    return out

