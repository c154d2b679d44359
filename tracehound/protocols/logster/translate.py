"""A bound Logster `LogMessage` → model.Event. Pure: no IO, never raises.

| Logster       | model.Event                                                         |
|---------------|---------------------------------------------------------------------|
| `Message`     | message (shown on the occurrence; the title of a message item)      |
| `Exception`   | the exception chain: `Ns.Type: text`, or a whole `ex.ToString()`    |
|               | (` ---> ` inner exceptions, each with its own frames)               |
| `StackTrace`  | the frames of the outermost exception, parsed from .NET's text      |
|               | (model/dotnet_stack.py); a stack with no `Exception` is an          |
|               | exception of type `Exception` whose text is the Message             |
| `Severity`    | level: 0 Trace, 1 Debug → debug; 2 Information → info; 3 Warning →  |
|               | warning; 4 Error → error; 5 Critical → critical; 6 None → info.     |
|               | Not sent: error with an exception or a stack, else info (noted)     |
| `Category`    | context (searchable: `context:`)                                    |
| `Application` | tag `application` (searchable: `tag.application:`)                  |
| `User`        | person: id (≤ 40 characters) and username; also its e-mail when it  |
|               | looks like one (searchable: `person:`, `username:`, `email:`)       |
| other fields  | kept in the stored payload only                                     |

Frames: `module` is the declaring type (`Ns.Type`), `method` the printed method with its
arguments, `filename`/`lineno` the `in File.cs:line N` part. Grouping then keys a frame
on type and method, never on the line, nor on the build machine's absolute path. Frames
in `System.*` and `Microsoft.*` are not in-app, so the framework's part of a stack does
not split groups (as the Exceptionless adapter marks them).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import msgspec

from tracehound.model import dotnet_stack
from tracehound.model.event import (
    Event,
    ExceptionInfo,
    Frame,
    Level,
    NormalizationNote,
    Person,
    pack_data,
)
from tracehound.protocols.logster.binding import LogMessage

VENDOR = "logster"
ENVIRONMENT = "production"  # Logster has no deployment environment
FALLBACK_TYPE = "Exception"  # .NET's base exception class, for a stack without a type
MAX_MESSAGE = 8192
MAX_SHORT = 255
MAX_PERSON_ID = 40
MAX_FILENAME = 1024
SEVERITY_LEVELS = (Level.DEBUG, Level.DEBUG, Level.INFO, Level.WARNING, Level.ERROR,
                   Level.CRITICAL, Level.INFO)
_SYSTEM = frozenset({"System", "Microsoft"})


def level_of(severity: int | None, has_exception: bool) -> Level:
    """Severity 0..6 as a level; not sent: error for an exception, else info."""
    if severity is None or not 0 <= severity < len(SEVERITY_LEVELS):
        return Level.ERROR if has_exception else Level.INFO
    return SEVERITY_LEVELS[severity]


def _short(value: str | None, limit: int = MAX_SHORT) -> str | None:
    """A label: NULs removed, trimmed, bounded; None when nothing is left."""
    if value is None:
        return None
    text = value.replace("\x00", "").strip()
    return text[:limit] or None


def _frame(f: dotnet_stack.DotnetFrame) -> Frame:
    namespace = f.declaring_type.split(".", 1)[0]
    return Frame(filename=f.filename[:MAX_FILENAME], lineno=f.lineno,
                 method=f.method[:MAX_SHORT], module=f.declaring_type[:MAX_SHORT],
                 in_app=namespace not in _SYSTEM)


def exceptions(exception: str | None, stack_trace: str | None,
               message: str) -> list[ExceptionInfo]:
    """The chain, outermost first: `Exception`'s text with `StackTrace`'s frames as the
    outermost exception's (they are what `ex.StackTrace` printed)."""
    chain = dotnet_stack.parse_exception(exception or "")
    frames = dotnet_stack.parse_frames(stack_trace or "")
    if not chain:
        if not frames:
            return []
        first_line = message.strip().splitlines()[0] if message.strip() else ""
        chain = [dotnet_stack.DotnetError(type="", message=first_line)]
    if frames:
        chain[0].frames = frames
    return [ExceptionInfo(type=(e.type or FALLBACK_TYPE)[:MAX_SHORT],
                          message=e.message[:MAX_MESSAGE],
                          frames=[_frame(f) for f in e.frames])
            for e in chain]


def person(user: str | None) -> Person | None:
    name = _short(user)
    if name is None:
        return None
    email = name if "@" in name and " " not in name else None
    return Person(id=name[:MAX_PERSON_ID], username=name, email=email)


def _pack(payload: dict[str, Any], notes: list[NormalizationNote]) -> msgspec.Raw:
    """The payload, encoded; extra fields the encoder cannot take (nesting past its
    depth) are dropped with a note rather than failing the post."""
    try:
        return pack_data(payload)
    except (RecursionError, OverflowError, TypeError):
        kept = {k: v for k, v in payload.items() if not isinstance(v, (dict, list))}
        notes.append(NormalizationNote("extra", "dropped", "nested too deeply to store"))
        return pack_data(kept)


def translate(msg: LogMessage, *, project_id: int, received_at: float) -> Event:
    """One valid Logster message as an Event, its fields kept as the payload."""
    notes: list[NormalizationNote] = []
    excs = exceptions(msg.exception, msg.stack_trace, msg.message)
    if msg.severity is None:
        notes.append(NormalizationNote("Severity", "defaulted",
                                       "not sent: error with an exception, else info"))
    application = _short(msg.application)
    return Event(
        project_id=project_id,
        uuid=uuidlib.uuid4().hex,
        received_at=received_at,
        vendor=VENDOR,
        environment=ENVIRONMENT,
        level=int(level_of(msg.severity, bool(excs))),
        data=_pack(msg.payload(), notes),
        exceptions=excs,
        message=msg.message[:MAX_MESSAGE],
        language="csharp" if any(e.frames for e in excs) else "",
        framework=VENDOR,
        context=_short(msg.category),
        person=person(msg.user),
        tags={"application": application} if application else {},
        notes=notes,
    )
