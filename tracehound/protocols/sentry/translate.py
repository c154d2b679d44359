"""Sentry event payload → model.Event. Pure: no IO.

Lenient, as Sentry is (sentry-ingest.md §6, §12.6): canonical and legacy shapes both
read (`exception` list or `{values}`, `message` string or object, `tags` map or pairs,
`timestamp` string or number); what cannot be used is noted, not refused. Only a
payload that is not a JSON object is refused.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import datetime
from typing import Any

from tracehound.errors import BadPayload
from tracehound.model.event import (
    Attachment,
    Event,
    ExceptionInfo,
    Frame,
    Level,
    NormalizationNote,
    Person,
    pack_data,
)

MAX_MESSAGE = 8192  # Sentry truncates logentry.formatted / message here
MAX_RELEASE = 200
MAX_FINGERPRINT_PART = 1024
MAX_TAGS = 100  # Sentry itself indexes far fewer; beyond this they are kept but not searchable
UNLABELED = "<unlabeled event>"
_UUID = re.compile(r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_VARIABLE = re.compile(r"^\{\{\s*([\w.]+)\s*\}\}$")
_LANGUAGES = {"python": "python", "node": "javascript", "javascript": "javascript",
              "java": "java", "csharp": "csharp", "go": "go", "php": "php",
              "ruby": "ruby", "cocoa": "objective-c", "elixir": "elixir"}


def normalize_event_id(value: Any) -> str | None:
    """32 lowercase hex characters, or None when `value` is not a UUID."""
    if isinstance(value, str) and _UUID.match(value):
        return value.replace("-", "").lower()
    return None


def _str(value: Any, limit: int | None = None) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    return value if limit is None else value[:limit]


def _values(value: Any) -> list[Any]:
    """`{"values": [...]}` or a bare list → the list."""
    if isinstance(value, dict):
        value = value.get("values")
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _frames(stacktrace: Any) -> list[Frame]:
    raw = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    if not isinstance(raw, list):
        return []
    frames = []
    for f in raw:
        if not isinstance(f, dict):
            continue
        in_app = f.get("in_app")
        frames.append(Frame(
            filename=_str(f.get("filename")) or _str(f.get("abs_path")) or "",
            lineno=_int(f.get("lineno")),
            colno=_int(f.get("colno")),
            method=_str(f.get("function")) or "",
            module=_str(f.get("module")) or "",
            in_app=in_app if isinstance(in_app, bool) else None,
        ))
    return frames


def _exceptions(data: dict[str, Any]) -> tuple[list[ExceptionInfo], str | None]:
    """(exceptions outermost first, the text of a typeless synthetic one).

    Sentry lists a chain oldest first; Tracehound keeps the raised one first. An
    exception with no type is the synthetic stack of a captured message (@sentry/node's
    captureMessage with attachStacktrace), not an error: it yields its text instead.
    """
    excs: list[ExceptionInfo] = []
    synthetic_text: str | None = None
    for value in _values(data.get("exception")):
        if not isinstance(value, dict):
            continue
        etype = _str(value.get("type"))
        text = _str(value.get("value")) or ""
        mechanism = value.get("mechanism")
        synthetic = isinstance(mechanism, dict) and mechanism.get("synthetic") is True
        if not etype or not etype.strip():
            synthetic_text = synthetic_text or text or None
            continue
        if synthetic and not text:
            text = etype
        excs.append(ExceptionInfo(type=etype, message=text,
                                  frames=_frames(value.get("stacktrace"))))
    excs.reverse()
    return excs, synthetic_text


def message_text(data: dict[str, Any]) -> str | None:
    """logentry (formatted, else its template), else `message` (string or object)."""
    for key in ("logentry", "message"):
        value = data.get(key)
        if isinstance(value, dict):
            text = _str(value.get("formatted")) or _str(value.get("message"))
        else:
            text = _str(value)
        if text and text.strip():
            return text[:MAX_MESSAGE]
    return None


def _timestamp(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _tags(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [tuple(p) for p in value if isinstance(p, list) and len(p) == 2]
    else:
        return {}
    return {str(k): str(v) for k, v in pairs if isinstance(k, str) and v is not None}


def _event_tags(value: Any, notes: list[NormalizationNote]) -> dict[str, str]:
    """The event's tags for search, at most MAX_TAGS (the raw payload keeps them all)."""
    tags = _tags(value)
    if len(tags) > MAX_TAGS:
        notes.append(NormalizationNote("tags", "truncated", f"{len(tags)} tags"))
        tags = dict(list(tags.items())[:MAX_TAGS])
    return tags


def _person(user: Any) -> Person | None:
    if not isinstance(user, dict):
        return None
    pid = _str(user.get("id"), 40)
    username = _str(user.get("username"), 255)
    email = _str(user.get("email"), 255)
    ident = pid or username or email
    if not ident:
        return None
    return Person(id=ident[:40], username=username, email=email)


def _crashing_frame(excs: list[ExceptionInfo]) -> Frame | None:
    """The topmost in-app frame of the raised exception (Sentry's `stack.*`)."""
    if not excs or not excs[0].frames:
        return None
    frames = excs[0].frames
    for f in reversed(frames):
        if f.in_app:
            return f
    return frames[-1]


def _fingerprint(raw: Any, data: dict[str, Any], excs: list[ExceptionInfo],
                 message: str | None, level: Level,
                 notes: list[NormalizationNote]) -> tuple[str | None, list[str]]:
    """(explicit fingerprint, template with "{{ default }}") from Sentry's list."""
    if not isinstance(raw, list) or not raw:
        return None, []
    frame = _crashing_frame(excs)
    tags = _tags(data.get("tags"))
    variables: dict[str, str] = {
        "error.type": excs[0].type if excs else "<no-type>",
        "error.value": excs[0].message if excs else "<no-value>",
        "message": message or "<no-message>",
        "level": level.label,
        "transaction": _str(data.get("transaction")) or "<no-transaction>",
        "logger": _str(data.get("logger")) or "<no-logger>",
        "stack.function": frame.method if frame and frame.method else "<no-function>",
        "stack.module": frame.module if frame and frame.module else "<no-module>",
        "stack.filename": frame.filename if frame and frame.filename else "<no-filename>",
        "stack.abs_path": frame.filename if frame and frame.filename else "<no-path>",
    }
    aliases = {"type": "error.type", "value": "error.value", "function": "stack.function",
               "module": "stack.module", "path": "stack.abs_path"}
    parts: list[str] = []
    has_default = False
    for item in raw:
        text = _str(item)
        if text is None:
            notes.append(NormalizationNote("fingerprint", "dropped", "a non-string part"))
            continue
        match = _VARIABLE.match(text.strip())
        if match:
            name = match.group(1).lower()
            if name == "default":
                has_default = True
                parts.append("{{ default }}")
                continue
            name = aliases.get(name, name)
            if name.startswith("tags."):
                text = tags.get(name[5:], f"<no-value-for-tag-{name[5:]}>")
            elif name in variables:
                text = variables[name]
        parts.append(text[:MAX_FINGERPRINT_PART])
    if not parts:
        return None, []
    if has_default:
        return None, parts
    return "\n".join(parts), []


def _level(value: Any, default: Level, notes: list[NormalizationNote]) -> Level:
    if value is None:
        return default
    text = _str(value)
    level = Level.parse(text) if text else None
    if level is None:
        notes.append(NormalizationNote("level", "defaulted", f"unknown level {value!r:.40}"))
        return default
    return level


def translate(payload: Any, *, project_id: int, received_at: float,
              event_id: str | None = None, remote_ip: str | None = None,
              attachments: list[Attachment] | None = None) -> Event:
    """Translate one decoded event; BadPayload (400) only when it is not an object."""
    if not isinstance(payload, dict):
        raise BadPayload("invalid event: expected a JSON object")
    notes: list[NormalizationNote] = []
    uid = event_id or normalize_event_id(payload.get("event_id"))
    if uid is None:
        if payload.get("event_id") is not None:
            notes.append(NormalizationNote("event_id", "defaulted", "not a UUID"))
        uid = uuidlib.uuid4().hex

    excs, synthetic_text = _exceptions(payload)
    message = message_text(payload) or synthetic_text
    if not excs and not message:
        message = UNLABELED
    level = _level(payload.get("level"), Level.ERROR, notes)
    fingerprint, template = _fingerprint(payload.get("fingerprint"), payload, excs,
                                         message, level, notes)
    platform = _str(payload.get("platform"), 64) or ""
    environment = _str(payload.get("environment"), 255) or "production"
    release = _str(payload.get("release"))
    if release and len(release) > MAX_RELEASE:
        notes.append(NormalizationNote("release", "truncated", f"{len(release)} chars"))
        release = release[:MAX_RELEASE]

    stored = dict(payload)
    stored["event_id"] = uid
    user = stored.get("user")
    if isinstance(user, dict) and user.get("ip_address") == "{{auto}}" and remote_ip:
        stored["user"] = {**user, "ip_address": remote_ip}
    try:
        packed = pack_data(stored)
    except RecursionError:
        raise BadPayload("invalid event: nested too deeply") from None

    sdk = payload.get("sdk")
    sdk_name = _str(sdk.get("name"), 64) if isinstance(sdk, dict) else None
    return Event(
        project_id=project_id,
        uuid=uid,
        received_at=received_at,
        vendor="sentry",
        environment=environment,
        level=int(level),
        data=packed,
        exceptions=excs,
        message=message if not excs else None,
        fingerprint=fingerprint,
        fingerprint_template=template,
        client_timestamp=_timestamp(payload.get("timestamp")),
        platform=platform,
        language=_LANGUAGES.get(platform, platform),
        framework=sdk_name or "",
        code_version=release,
        context=_str(payload.get("transaction"), 255) or _str(payload.get("culprit"), 255),
        host=_str(payload.get("server_name"), 255),
        person=_person(payload.get("user")),
        tags=_event_tags(payload.get("tags"), notes),
        notes=notes,
        attachments=attachments or [],
    )
