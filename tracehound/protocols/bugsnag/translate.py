"""One Bugsnag event (an element of a notify payload's `events[]`) → model.Event. Pure.

Payload versions 4 and 5 have the same event shape (bugsnag-api.md A4); the version is
recorded, never required. Lenient: whatever cannot be used is ignored (and noted when
it was meant to be used); translate never raises on any JSON value.

| Bugsnag (A4)                            | model.Event                                      |
|-----------------------------------------|--------------------------------------------------|
| `exceptions[]` `errorClass`, `message`  | exceptions, in the payload's order: the reported |
| (JS: also `errorMessage`)               | error first, then its causes                     |
| `stacktrace[]` (innermost call first)   | frames, stored oldest call first; `file`,        |
|                                         | `lineNumber`, `columnNumber`, `method`;          |
|                                         | `inProject` → in_app (absent → unknown); `code`  |
|                                         | stays in the payload                             |
| `exceptions[0].type` (python, nodejs…)  | platform; language (python, javascript, …)       |
| `severity` error / warning / info       | level error / warning / info (absent → error,    |
|                                         | Bugsnag's default)                               |
| `unhandled`, `severityReason.type`      | tags `unhandled` (true/false), `severity_reason` |
| `context`                               | context                                          |
| `groupingHash`                          | explicit fingerprint (with                       |
|                                         | `groupingDiscriminator`, JS, as a second part)   |
| `groupingDiscriminator` alone           | subdivides the default grouping                  |
| `user` `id`, `name`, `email`            | person (id, else e-mail, else name)              |
| `app.version`                           | code_version                                     |
| `app.releaseStage`, else `releaseStage` | environment (absent → production, Bugsnag's      |
| (the Python notifier puts it there)     | default)                                         |
| `device.hostname`                       | host                                             |
| `device.time` + `Bugsnag-Sent-At`       | client_timestamp, moved by the client clock's    |
|                                         | skew (received − sent)                           |
| `projectRoot` (Python)                  | server_root                                      |
| envelope `notifier.name`                | framework                                        |
| `metaData`, `breadcrumbs`, `request`,   | kept in the payload                              |
| `session`, `featureFlags`, `threads`, … |                                                  |

Stored payload: the event object as received, plus the envelope's `notifier` and the
payload version, and `app.releaseStage` filled from the event's `releaseStage` when
only that was sent (so readers find it where JS notifiers put it). The API key is
never stored: it is a credential.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime
from typing import Any

import msgspec

from tracehound.model.event import (
    Event,
    ExceptionInfo,
    Frame,
    Level,
    NormalizationNote,
    Person,
    pack_data,
)

DEFAULT_ENVIRONMENT = "production"  # Bugsnag's default release stage
UNLABELED = "(no exception)"
MAX_CHAIN = 20
MAX_FRAMES = 500
MAX_TEXT = 8192
MAX_VERSION = 200
MAX_FINGERPRINT_PART = 1024
MAX_TAG = 200
DEFAULT_MARK = "{{ default }}"
_LEVELS = {"error": Level.ERROR, "warning": Level.WARNING, "info": Level.INFO}
_LANGUAGES = {"python": "python", "nodejs": "javascript", "browserjs": "javascript",
              "reactnativejs": "javascript", "electronnodejs": "javascript",
              "electronrendererjs": "javascript", "expojs": "javascript",
              "android": "java", "cocoa": "objective-c", "c": "c", "ruby": "ruby",
              "php": "php", "go": "go", "csharp": "csharp", "java": "java",
              "unity": "csharp", "dart": "dart", "flutter": "dart"}


def _str(value: Any, limit: int = 255) -> str | None:
    """A non-blank string (numbers written out), cut at `limit`; else None."""
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)[:limit]
    return None


def _int(value: Any) -> int | None:
    """A line or column number: an int, or a string of digits (some notifiers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    if isinstance(value, int) and 0 <= value < 2**31:
        return value
    return None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_time(value: Any) -> float | None:
    """ISO 8601 with or without a zone (no zone = UTC, as the Python notifier means
    it), or unix seconds/milliseconds; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value) / 1000 if value > 1e11 else float(value)
        return seconds if 0 < seconds < 32503680000 else None
    if not isinstance(value, str) or not 8 <= len(value.strip()) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _frames(stack: Any) -> list[Frame]:
    """Bugsnag's innermost-first stacktrace → frames, oldest call first."""
    if not isinstance(stack, list):
        return []
    frames = []
    for raw in stack[:MAX_FRAMES]:
        if not isinstance(raw, dict):
            continue
        in_project = raw.get("inProject")
        frames.append(Frame(
            filename=_str(raw.get("file"), 1024) or "",
            lineno=_int(raw.get("lineNumber")),
            colno=_int(raw.get("columnNumber")),
            method=_str(raw.get("method")) or "",
            in_app=in_project if isinstance(in_project, bool) else None,
        ))
    frames.reverse()
    return frames


def exceptions(event: dict[str, Any]) -> list[ExceptionInfo]:
    """`exceptions[]`, the reported error first, then its causes. An entry with neither
    a class nor a message nor frames is skipped; one with no class is an `Error`."""
    raw = event.get("exceptions")
    if not isinstance(raw, list):
        return []
    out: list[ExceptionInfo] = []
    for exc in raw:
        if len(out) >= MAX_CHAIN:
            break
        if not isinstance(exc, dict):
            continue
        message = _str(exc.get("message"), MAX_TEXT) or _str(exc.get("errorMessage"),
                                                            MAX_TEXT) or ""
        frames = _frames(exc.get("stacktrace"))
        etype = _str(exc.get("errorClass"))
        if etype is None:
            if not message and not frames:
                continue
            etype = "Error"
        out.append(ExceptionInfo(type=etype, message=message, frames=frames))
    return out


def _level(value: Any, notes: list[NormalizationNote]) -> Level:
    if value is None:
        return Level.ERROR
    text = _str(value, 40)
    level = _LEVELS.get(text.lower()) if text else None
    if level is None:
        notes.append(NormalizationNote("severity", "defaulted", f"unknown {value!r:.40}"))
        return Level.ERROR
    return level


def _person(user: Any) -> Person | None:
    user = _object(user)
    pid, name, email = _str(user.get("id")), _str(user.get("name")), _str(user.get("email"))
    ident = pid or email or name
    if not ident:
        return None
    return Person(id=ident[:40], username=name, email=email)


def _grouping(event: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(explicit fingerprint, default-grouping template) from groupingHash and
    groupingDiscriminator."""
    grouping_hash = _str(event.get("groupingHash"), MAX_FINGERPRINT_PART)
    discriminator = _str(event.get("groupingDiscriminator"), MAX_FINGERPRINT_PART)
    if grouping_hash:
        return (f"{grouping_hash}\n{discriminator}" if discriminator else grouping_hash), []
    if discriminator:
        return None, [DEFAULT_MARK, f"groupingDiscriminator:{discriminator}"]
    return None, []


def _platform(event: dict[str, Any]) -> str | None:
    """The first exception's `type` (python, nodejs, browserjs, …)."""
    raw = event.get("exceptions")
    for exc in raw if isinstance(raw, list) else []:
        if isinstance(exc, dict):
            return _str(exc.get("type"), 64)
    return None


def _tags(event: dict[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = {}
    unhandled = event.get("unhandled")
    if isinstance(unhandled, bool):
        tags["unhandled"] = "true" if unhandled else "false"
    reason = _str(_object(event.get("severityReason")).get("type"), MAX_TAG)
    if reason:
        tags["severity_reason"] = reason
    return tags


def client_time(event: dict[str, Any], received_at: float,
                sent_at: float | None) -> float | None:
    """When it happened by our clock: `device.time`, moved by the skew that
    `Bugsnag-Sent-At` reveals (the notifier's clock at sending against ours)."""
    happened = parse_time(_object(event.get("device")).get("time"))
    if happened is None:
        return None
    if sent_at is not None:
        happened += received_at - sent_at
    return happened if happened > 0 else None


def _stored(event: dict[str, Any], envelope: dict[str, Any],
            payload_version: str | None, notes: list[NormalizationNote]) -> msgspec.Raw:
    stored = {k: v for k, v in event.items() if k != "apiKey"}
    notifier = envelope.get("notifier")
    if notifier is not None and "notifier" not in stored:
        stored["notifier"] = notifier
    if payload_version and "payloadVersion" not in stored:
        stored["payloadVersion"] = payload_version
    stage = event.get("releaseStage")
    app = event.get("app")
    if stage is not None and (app is None or isinstance(app, dict)) \
            and _object(app).get("releaseStage") is None:
        stored["app"] = {**_object(app), "releaseStage": stage}
    try:
        return pack_data(stored)
    except (RecursionError, OverflowError):
        pass
    # nesting past the encoder's depth: drop the deepest parts first
    for what in ("metaData", "breadcrumbs", "request", "user", "device", "app"):
        stored.pop(what, None)
        try:
            packed = pack_data(stored)
        except (RecursionError, OverflowError):
            continue
        notes.append(NormalizationNote("payload", "dropped", "nested too deeply"))
        return packed
    # integers past 64 bits outside those keys (never from a JSON body: orjson reads
    # them as floats)
    notes.append(NormalizationNote("payload", "dropped", "could not be encoded"))
    return pack_data({k: v for k, v in stored.items() if isinstance(v, str)})


def translate(event: Any, envelope: Any = None, *, project_id: int, received_at: float,
              sent_at: float | None = None, payload_version: str | None = None) -> Event:
    """One element of `events[]` as a model.Event, its payload kept. `envelope` is the
    whole notify payload (for `notifier`); `sent_at` the Bugsnag-Sent-At header as unix
    seconds. Never raises: a non-object event is an empty one."""
    notes: list[NormalizationNote] = []
    if not isinstance(event, dict):
        notes.append(NormalizationNote("event", "dropped", "not an object"))
        event = {}
    envelope = _object(envelope)
    app, device = _object(event.get("app")), _object(event.get("device"))
    excs = exceptions(event)
    fingerprint, template = _grouping(event)
    version = _str(app.get("version"), MAX_VERSION)
    platform = (_platform(event) or "").lower()
    payload_version = payload_version or _str(event.get("payloadVersion"), 16) \
        or _str(envelope.get("payloadVersion"), 16)
    root = event.get("projectRoot")
    return Event(
        project_id=project_id,
        uuid=uuidlib.uuid4().hex,
        received_at=received_at,
        vendor="bugsnag",
        environment=_str(app.get("releaseStage")) or _str(event.get("releaseStage"))
        or DEFAULT_ENVIRONMENT,
        level=int(_level(event.get("severity"), notes)),
        data=_stored(event, envelope, payload_version, notes),
        exceptions=excs,
        message=None if excs else UNLABELED,
        fingerprint=fingerprint,
        fingerprint_template=template,
        client_timestamp=client_time(event, received_at, sent_at),
        platform=platform,
        language=_LANGUAGES.get(platform, platform),
        framework=_str(_object(envelope.get("notifier")).get("name"), 64) or "",
        code_version=version,
        context=_str(event.get("context")),
        host=_str(device.get("hostname")),
        server_root=root[:1024] if isinstance(root, str) and root.strip() else None,
        person=_person(event.get("user")),
        tags=_tags(event),
        notes=notes,
    )
