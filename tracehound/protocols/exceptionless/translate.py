"""Exceptionless event → model.Event. Pure: no IO.

The payload is first put in Exceptionless's own shape (payload.normalize), which is
what is stored, plus the `@submission_client` the server adds (§7.2). Then:

| Exceptionless                       | model.Event                                       |
|-------------------------------------|---------------------------------------------------|
| `type`                              | level default (error → error, 404 → warning,      |
|                                     | others → info); grouping; title when no message   |
| `@error` (+ `inner`, recursively)   | exceptions, outermost first; `stack_trace` is     |
|                                     | innermost call first, frames are stored oldest    |
|                                     | first; `declaring_type.name` is the method,       |
|                                     | `declaring_namespace` the module; .NET frames     |
|                                     | under System.* / Microsoft.* are not in-app       |
| `@simple_error` (+ `inner`)         | exceptions; its `stack_trace` text parsed         |
|                                     | (stacktext.parse_stack)                           |
| `@stack` text (PyPI client)         | exceptions, parsed from the Python traceback      |
| `@stack` {title, signature_data}    | explicit fingerprint (manual stacking) and title  |
| `message`, `source`                 | message; context falls back to source             |
| `date`                              | client_timestamp                                  |
| `tags`                              | tags, each a key with no value; `Critical` → level|
|                                     | critical                                          |
| `reference_id`                      | reference_id (indexed on the occurrence)          |
| `@level`                            | level                                             |
| `@version`                          | code_version                                      |
| `@user` {identity, name}            | person (identity is the id; an e-mail-looking     |
|                                     | identity is also the e-mail)                      |
| `@request`                          | context = path (404s: source = "METHOD path")     |
| `@environment`                      | host = machine_name (PyPI: hostname); platform =  |
|                                     | OS name                                           |
| User-Agent / X-Exceptionless-Client | framework (client name), language                 |
| `value`, `count`, `geo`,            | kept in the payload only                          |
| `@user_description`,                |                                                   |
| `@submission_method`, other data    |                                                   |

Grouping: errors follow the grouping module (the frames of the whole chain; an error
with no frames, its type and masked message). Manual stacking (`@stack.signature_data`)
is an explicit fingerprint. Every other event (logs, usage, 404, sessions, errors
without error data) is grouped by
type + source, as Exceptionless stacks them (§13 rule 5), subdivided by the masked
message: Exceptionless puts every log line of a source in one stack; Tracehound keeps
distinct messages apart, as it does for every other vendor's messages.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime
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
from tracehound.protocols.exceptionless import payload as shape
from tracehound.protocols.exceptionless import stacktext

DEFAULT_ENVIRONMENT = "production"  # Exceptionless has no deployment environment
SKIPPED_TYPES = frozenset({"heartbeat", "sessionend"})  # session bookkeeping only
MAX_CHAIN = 20
MAX_FRAMES = 500
MAX_VERSION = 200
MAX_FINGERPRINT_PART = 1024
DEFAULT_MARK = "{{ default }}"
_SYSTEM_NAMESPACES = ("System", "Microsoft")
_LEVELS = {"error": Level.ERROR, "404": Level.WARNING}


def _str(value: Any, limit: int = 255) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)[:limit]
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    return None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def event_type(event: dict[str, Any]) -> str:
    """The event's type as Exceptionless defaults it (§6.3)."""
    value = _str(event.get("type"), 100)
    if value:
        return value
    data = event.get("data")
    if isinstance(data, dict) and ("@error" in data or "@simple_error" in data):
        return "error"
    return "log"


def _frame(raw: dict[str, Any]) -> Frame:
    name = _str(raw.get("name")) or ""
    dtype = _str(raw.get("declaring_type"))
    return Frame(filename=_str(raw.get("file_name"), 1024) or "",
                 lineno=_int(raw.get("line_number")), colno=_int(raw.get("column")),
                 method=f"{dtype}.{name}" if dtype and name else name or (dtype or ""),
                 module=_str(raw.get("declaring_namespace")) or "")


def _structured_frames(stack: Any) -> list[Frame]:
    """Exceptionless's innermost-first stack_trace → frames, oldest call first. Frames
    with a .NET namespace are in-app unless it is System.* or Microsoft.* (§13)."""
    if not isinstance(stack, list):
        return []
    raw = [f for f in stack[:MAX_FRAMES] if isinstance(f, dict)]
    frames = [_frame(f) for f in reversed(raw)]
    if any(f.module for f in frames):
        frames = [Frame(f.filename, f.lineno, f.colno, f.method, f.module,
                        in_app=not f.module.startswith(_SYSTEM_NAMESPACES)) for f in frames]
    return frames


def _text_frames(frames: list[stacktext.TextFrame]) -> list[Frame]:
    return [Frame(filename=f.filename[:1024], lineno=_int(f.lineno), colno=_int(f.colno),
                  method=f.function[:255]) for f in frames]


def _chain(error: Any, simple: bool) -> list[ExceptionInfo]:
    """`@error` / `@simple_error` and its `inner` errors, outermost first."""
    out: list[ExceptionInfo] = []
    while isinstance(error, dict) and len(out) < MAX_CHAIN:
        stack = error.get("stack_trace")
        frames = _text_frames(stacktext.parse_stack(stack)) if simple and isinstance(
            stack, str) else _structured_frames(stack)
        message = _str(error.get("message"), 8192) or ""
        etype = _str(error.get("type")) or ("Error" if frames or message else None)
        if etype:
            out.append(ExceptionInfo(type=etype, message=message, frames=frames))
        error = error.get("inner")
    return out


def exceptions(data: dict[str, Any]) -> list[ExceptionInfo]:
    """The error chain an event carries: `@error`, else `@simple_error`, else a Python
    traceback text (the PyPI client's `@stack`, kept as `_@stack`)."""
    if isinstance(data.get("@error"), dict):
        found = _chain(data["@error"], simple=False)
        if found:
            return found
    if isinstance(data.get("@simple_error"), dict):
        found = _chain(data["@simple_error"], simple=True)
        if found:
            return found
    for key in ("_@stack", "@stack"):
        text = data.get(key)
        if isinstance(text, str):
            return [ExceptionInfo(type=e.type[:255], message=e.message[:8192],
                                  frames=_text_frames(e.frames))
                    for e in stacktext.parse_python(text)]
    return []


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    date, dot, rest = text.partition(".")
    if dot:  # .NET writes 7 fraction digits; fromisoformat takes at most 6
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[:min(digits, 6)] + rest[digits:]
        text = f"{date}.{rest}" if rest[:1].isdigit() else date + rest
    try:
        return datetime.fromisoformat(text).timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def _level(etype: str, data: dict[str, Any], tags: list[str],
           notes: list[NormalizationNote]) -> Level:
    level = _LEVELS.get(etype.lower(), Level.INFO)
    given = _str(data.get("@level"), 40)
    if given:
        parsed = Level.parse(given)
        if parsed is None:
            notes.append(NormalizationNote("data.@level", "defaulted",
                                           f"unknown level {given!r}"))
        else:
            level = parsed
    if "Critical" in tags:
        level = Level.CRITICAL
    return level


def _person(user: Any) -> Person | None:
    if not isinstance(user, dict):
        return None
    ident = _str(user.get("identity")) or _str(user.get("id")) or _str(user.get("email"))
    if not ident:
        return None
    email = _str(user.get("email")) or (ident if "@" in ident else None)
    return Person(id=ident[:40], username=_str(user.get("name")), email=email)


def _manual(stack: Any) -> tuple[str | None, str | None]:
    """(fingerprint, title) of manual stacking info `{title, signature_data}`."""
    if not isinstance(stack, dict):
        return None, None
    title = _str(stack.get("title"))
    sig = stack.get("signature_data")
    parts = [f"{k}={v}" for k, v in sig.items() if isinstance(v, (str, int, float))] \
        if isinstance(sig, dict) else []
    return ("\n".join(parts)[:4096] or None), title


def _client(user_agent: str | None, data: dict[str, Any]) -> tuple[str, str]:
    """(framework = the client's name, language)."""
    product = (user_agent or "").split("/", 1)[0].strip().lower()
    env = data.get("@environment")
    if product.startswith("exceptionless-js") or product.startswith("exceptionless-node"):
        return product[:64], "javascript"
    if product == "exceptionless":  # the .NET client: exceptionless/4.8.0
        return product, "csharp"
    if (isinstance(env, dict) and "python_version" in env) or isinstance(
            data.get("_@stack"), str):
        return (product[:64] if product.startswith("exceptionless") else ""), "python"
    return (product[:64] if product.startswith("exceptionless") else ""), ""


def submission_client(remote_ip: str | None, user_agent: str | None) -> dict[str, str]:
    """What Exceptionless records about the sender (§6.2): IP, client user agent, and
    the version from `name/version`."""
    out: dict[str, str] = {}
    if remote_ip:
        out["ip_address"] = remote_ip
    if user_agent:
        out["user_agent"] = user_agent[:255]
        _, sep, version = user_agent.partition("/")
        if sep and version.split(" ")[0]:
            out["version"] = version.split(" ")[0][:64]
    return out


def _pack(stored: dict[str, Any], notes: list[NormalizationNote]) -> msgspec.Raw:
    """The payload, encoded; what cannot be (nesting past the encoder's depth, integers
    past 64 bits, which JSON bodies never yield: orjson reads them as floats) is dropped
    with a note rather than failing the post."""
    try:
        return pack_data(stored)
    except (RecursionError, OverflowError):
        pass
    fallbacks = (("data", {k: v for k, v in stored.items() if k != "data"}),
                 ("payload", {k: v for k, v in stored.items() if isinstance(v, str)}))
    for what, kept in fallbacks:
        try:
            packed = pack_data(kept)
        except (RecursionError, OverflowError):
            continue
        notes.append(NormalizationNote(what, "dropped", "could not be encoded"))
        return packed
    return pack_data({})


def translate(event: dict[str, Any], *, project_id: int, received_at: float,
              remote_ip: str | None = None, user_agent: str | None = None) -> Event:
    """One posted event object (a dict) as a model.Event, its payload kept."""
    stored, changes = shape.normalize(event)
    notes = [NormalizationNote(path, action, detail) for path, action, detail in changes]
    data: dict[str, Any] = stored["data"]
    etype = event_type(stored)
    tags = stored.get("tags") or []
    request = _object(data.get("@request"))
    source: str | None = stored.get("source")
    if etype == "404" and not source and request:  # §13 rule 4
        method, path = _str(request.get("http_method"), 16), _str(request.get("path"), 1900)
        if path:
            source = stored["source"] = f"{method or 'GET'} {path}"
    client = submission_client(remote_ip, user_agent)
    if client and "@submission_client" not in data:
        data["@submission_client"] = client
    excs = exceptions(data) if etype.lower() == "error" else []
    message: str | None = stored.get("message")
    fingerprint, title = _manual(data.get("@stack"))
    template: list[str] = []
    if not fingerprint and not excs:
        template = [DEFAULT_MARK, f"type:{etype}",
                    f"source:{(source or '')[:MAX_FINGERPRINT_PART]}"]
    if not title and not excs and not message:
        title = source or etype
    env = _object(data.get("@environment"))
    framework, language = _client(user_agent, data)
    version = _str(data.get("@version"), MAX_VERSION)
    ref = stored.get("reference_id")
    packed = _pack(stored, notes)
    return Event(
        project_id=project_id,
        uuid=uuidlib.uuid4().hex,
        received_at=received_at,
        vendor="exceptionless",
        environment=DEFAULT_ENVIRONMENT,
        level=int(_level(etype, data, tags, notes)),
        data=packed,
        exceptions=excs,
        message=None if excs else message,
        title=title,
        fingerprint=fingerprint,
        fingerprint_template=template,
        client_timestamp=_timestamp(stored.get("date")),
        platform=(_str(env.get("o_s_name"), 64) or _str(env.get("os"), 64) or "").lower(),
        language=language,
        framework=framework,
        code_version=version,
        context=_str(request.get("path")) or _str(source),
        host=_str(env.get("machine_name")) or _str(env.get("hostname")),
        person=_person(data.get("@user")),
        tags={t: "" for t in tags},
        notes=notes,
        reference_id=ref if isinstance(ref, str) and ref != shape.INVALID_REFERENCE else None,
    )
