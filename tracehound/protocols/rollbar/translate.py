"""Rollbar item payload → model.Event. Pure: no IO, golden-tested.

Rejects (422, "Invalid format. …", every problem in one message) only what Rollbar
documents as required; everything else is coerced and noted. See
../shared/protocols/rollbar-item-payload.md §8 and docs/protocols/rollbar.md.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from tracehound.errors import InvalidPayload
from tracehound.model.event import (
    Event,
    ExceptionInfo,
    Frame,
    Level,
    NormalizationNote,
    Person,
    pack_data,
)

CLIENT_PLATFORMS = frozenset({"browser", "android", "ios", "flash", "client"})
CONTENT_KEYS = ("trace", "trace_chain", "message", "crash_report")
MAX_UUID = 64
MAX_FINGERPRINT_INPUT = 4096


def _jtype(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.notes: list[NormalizationNote] = []

    def missing(self, path: str) -> None:
        self.items.append(f"{path} is missing and it is required.")

    def wrong(self, path: str, expected: str, value: Any) -> None:
        self.items.append(f"{path} {_jtype(value)} value found, but {expected} is required.")

    def note(self, path: str, action: str, detail: str = "") -> None:
        self.notes.append(NormalizationNote(path, action, detail))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidPayload("Invalid format. " + " ".join(self.items))


def _text(value: Any, path: str, p: _Problems, limit: int | None = None) -> str | None:
    """A string field, leniently: numbers become strings, other types are dropped."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        p.note(path, "dropped", f"{_jtype(value)} where a string belongs")
        return None
    text = value if isinstance(value, str) else str(value)
    if not isinstance(value, str):
        p.note(path, "coerced", "number to string")
    if limit is not None and len(text) > limit:
        p.note(path, "truncated", f"{len(text)} chars")
        text = text[:limit]
    return text


def _frames(raw: Any, path: str, p: _Problems) -> list[Frame]:
    frames: list[Frame] = []
    for i, f in enumerate(raw):
        fpath = f"{path}[{i}]"
        if not isinstance(f, dict):
            p.wrong(fpath, "an object", f)
            continue
        lineno = f.get("lineno")
        colno = f.get("colno")
        frames.append(Frame(
            filename=_text(f.get("filename"), f"{fpath}.filename", p) or "",
            lineno=lineno if isinstance(lineno, int) and not isinstance(lineno, bool) else None,
            colno=colno if isinstance(colno, int) and not isinstance(colno, bool) else None,
            method=_text(f.get("method"), f"{fpath}.method", p) or "",
        ))
    return frames


def _trace(raw: Any, path: str, p: _Problems) -> ExceptionInfo | None:
    if not isinstance(raw, dict):
        p.wrong(path, "an object", raw)
        return None
    frames_raw = raw.get("frames")
    frames: list[Frame] = []
    if frames_raw is None:
        p.missing(f"{path}.frames")
    elif not isinstance(frames_raw, list):
        p.wrong(f"{path}.frames", "an array", frames_raw)
    else:
        frames = _frames(frames_raw, f"{path}.frames", p)
    exc = raw.get("exception")
    if exc is None:
        p.missing(f"{path}.exception")
        return None
    if not isinstance(exc, dict):
        p.wrong(f"{path}.exception", "an object", exc)
        return None
    cls = exc.get("class")
    if cls is None:
        p.missing(f"{path}.exception.class")
    elif not isinstance(cls, str):
        p.wrong(f"{path}.exception.class", "a string", cls)
    message = exc.get("message")
    if message is not None and not isinstance(message, str):
        if isinstance(message, (int, float)) and not isinstance(message, bool):
            message = str(message)
            p.note(f"{path}.exception.message", "coerced", "number to string")
        else:
            p.wrong(f"{path}.exception.message", "a null", message)
            message = None
    if not isinstance(cls, str):
        return None
    description = exc.get("description")
    if not message and isinstance(description, str):
        message = description
    return ExceptionInfo(type=cls, message=message or "", frames=frames)


def _body(body: Any, p: _Problems) -> tuple[list[ExceptionInfo], str | None, str]:
    """(exceptions outermost first, message text, content kind)."""
    if body is None:
        p.items.append("data.body must not be undefined. Instead, it should be an object "
                       "with a 'message', 'trace', 'trace_chain', or 'crash_report' key.")
        return [], None, ""
    if not isinstance(body, dict):
        p.wrong("data.body", "an object", body)
        return [], None, ""
    present = [k for k in CONTENT_KEYS if k in body]
    if len(present) != 1:
        p.items.append("data.body must have either a 'trace', 'trace_chain', 'message' or "
                       "'crash_report' property, (but not more than one).")
        return [], None, ""
    telemetry = body.get("telemetry")
    if telemetry is not None and not isinstance(telemetry, list):
        p.items.append("data.body.telemetry should be array.")
    kind = present[0]
    value = body[kind]
    if kind == "trace":
        exc = _trace(value, "data.body.trace", p)
        return ([exc] if exc else []), None, kind
    if kind == "trace_chain":
        if not isinstance(value, list):
            p.wrong("data.body.trace_chain", "an array", value)
            return [], None, kind
        if not value:
            p.items.append("data.body.trace_chain must contain at least one trace.")
            return [], None, kind
        excs = [_trace(t, f"data.body.trace_chain[{i}]", p) for i, t in enumerate(value)]
        return [e for e in excs if e], None, kind
    if kind == "message":
        if not isinstance(value, dict):
            p.wrong("data.body.message", "an object", value)
            return [], None, kind
        if "body" not in value or value["body"] is None:
            p.missing("data.body.message.body")
            return [], None, kind
        text = _text(value["body"], "data.body.message.body", p)
        if text is None:
            p.wrong("data.body.message.body", "a string", value["body"])
        return [], text, kind
    if not isinstance(value, dict):
        p.wrong("data.body.crash_report", "an object", value)
        return [], None, kind
    raw = value.get("raw")
    if not isinstance(raw, str):
        if raw is None:
            p.missing("data.body.crash_report.raw")
        else:
            p.wrong("data.body.crash_report.raw", "a string", raw)
        return [], None, kind
    first = raw.strip().splitlines()[0] if raw.strip() else "crash report"
    return [ExceptionInfo(type="CrashReport", message=first)], None, kind


def _level(value: Any, default: Level, p: _Problems) -> int:
    if value is None:
        return int(default)
    if not isinstance(value, str):
        p.items.append("data.level should be string.")
        return int(default)
    level = Level.parse(value)
    if level is None:
        p.note("data.level", "defaulted", f"unknown level {value[:40]!r}")
        return int(default)
    return int(level)


def _person(value: Any, p: _Problems) -> Person | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        p.note("data.person", "dropped", f"{_jtype(value)} where an object belongs")
        return None
    pid = _text(value.get("id"), "data.person.id", p, 40)
    if not pid:
        p.note("data.person", "dropped", "no id")
        return None
    return Person(
        id=pid,
        username=_text(value.get("username"), "data.person.username", p, 255),
        email=_text(value.get("email"), "data.person.email", p, 255),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def translate(
    payload: Any, *, project_id: int, received_at: float, remote_ip: str | None = None
) -> Event:
    """Validate a decoded item payload and translate it; raises InvalidPayload (422)."""
    p = _Problems()
    if not isinstance(payload, dict):
        raise InvalidPayload(f"Invalid format. payload {_jtype(payload)} value found, "
                             "but an object is required.")
    data = payload.get("data")
    if data is None:
        p.missing("data")
        p.raise_if_any()
    if not isinstance(data, dict):
        p.wrong("data", "an object", data)
        p.raise_if_any()
    env = data.get("environment")
    if env is None:
        p.missing("data.environment")
    elif not isinstance(env, str):
        p.items.append("data.environment should be string.")
    elif not env.strip():
        p.items.append("data.environment must not be empty.")
    elif len(env) > 255:
        p.items.append("data.environment must be at most 255 characters long.")
    context = data.get("context")
    if context is not None and not isinstance(context, str):
        p.wrong("data.context", "a string", context)
    excs, message, kind = _body(data.get("body"), p)
    default_level = Level.INFO if kind == "message" else Level.ERROR
    level = _level(data.get("level"), default_level, p)
    p.raise_if_any()

    uid = _text(data.get("uuid"), "data.uuid", p)
    if not uid or not uid.strip():
        uid = uuidlib.uuid4().hex
    elif len(uid) > MAX_UUID:
        p.note("data.uuid", "truncated", f"{len(uid)} chars")
        uid = uid[:MAX_UUID]
    fingerprint = _text(data.get("fingerprint"), "data.fingerprint", p, MAX_FINGERPRINT_INPUT)
    server = data.get("server") if isinstance(data.get("server"), dict) else {}
    code_version = _text(data.get("code_version"), "data.code_version", p, 40)
    if code_version is None:
        code_version = _text(server.get("code_version"), "data.server.code_version", p, 40)

    stored = dict(data)
    stored["uuid"] = uid
    stored["timestamp"] = int(received_at)
    request = stored.get("request")
    if isinstance(request, dict) and remote_ip and request.get("user_ip") in (
        "$remote_ip", "$remote_ip_anonymize"
    ):
        request = dict(request)
        request["user_ip"] = _anonymize(remote_ip) if \
            request["user_ip"] == "$remote_ip_anonymize" else remote_ip
        stored["request"] = request
    client_ts = _number(data.get("timestamp"))
    stored["metadata"] = {
        "customer_timestamp": int(client_ts) if client_ts is not None else None,
        "timestamp_ms": int(received_at * 1000),
        "access_token": "",
    }
    try:
        packed = pack_data(stored)
    except RecursionError:
        raise InvalidPayload("Invalid format. data is nested too deeply.") from None
    return Event(
        project_id=project_id,
        uuid=uid,
        received_at=received_at,
        vendor="rollbar",
        environment=env.strip() if isinstance(env, str) else "",
        level=level,
        data=packed,
        exceptions=excs,
        message=message,
        title=_text(data.get("title"), "data.title", p) or None,
        fingerprint=fingerprint or None,
        client_timestamp=client_ts,
        platform=_text(data.get("platform"), "data.platform", p, 64) or "",
        language=_text(data.get("language"), "data.language", p, 64) or "",
        framework=_text(data.get("framework"), "data.framework", p, 64) or "",
        code_version=code_version,
        context=context,
        host=_text(server.get("host"), "data.server.host", p, 255),
        server_root=_text(server.get("root"), "data.server.root", p),
        person=_person(data.get("person"), p),
        notes=p.notes,
    )


def _anonymize(ip: str) -> str:
    """Keep the network part, as pyrollbar does client-side: 3 IPv4 octets, 3 IPv6 groups."""
    if "." in ip and ":" not in ip:
        return ".".join(ip.split(".")[:3] + ["0"])
    return ":".join(ip.split(":")[:3]) + "::"


def is_client_platform(payload: Any) -> bool:
    data = payload.get("data") if isinstance(payload, dict) else None
    platform = data.get("platform") if isinstance(data, dict) else None
    return isinstance(platform, str) and platform.strip().lower() in CLIENT_PLATFORMS
