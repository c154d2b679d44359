"""An occurrence as the item and occurrence pages show it. Pure: no IO.

Exceptions, frames, person, host and version come from the normalized Event, so every
vendor renders alike. What the Event has no field for (context lines around a frame,
the request, a server's branch, custom data) is read from the vendor payload stored
with it, through a few known paths per vendor (Rollbar, Sentry); other vendors simply
show less. Context lines are attached to a frame only when the raw frame at the same
place has the same line number and function, so a payload that does not line up with
the Event shows no context rather than the wrong one.

Frames are listed as the SDKs send them, oldest call first and the frame that raised
last ("most recent call last", as Python tracebacks and Rollbar show them). A chain is
listed raised exception first, then each cause.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tracehound.grouping.frames import is_library
from tracehound.model.event import Event, ExceptionInfo, Frame, Person, unpack_data

MAX_CONTEXT = 10  # lines shown before and after a frame's line
MAX_LINE = 500  # characters of one source line
MAX_FRAMES = 250  # as ingest/normalize.py: it keeps the first and last halves


@dataclass(frozen=True)
class Line:
    number: int | None
    text: str
    current: bool = False


@dataclass(frozen=True)
class FrameView:
    filename: str
    lineno: int | None
    colno: int | None
    method: str
    module: str
    in_app: bool
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class ExceptionView:
    type: str
    message: str
    frames: list[FrameView]


@dataclass(frozen=True)
class RequestView:
    url: str | None
    method: str | None
    user_ip: str | None
    headers: list[tuple[str, str]]
    sections: list[tuple[str, str]]  # (name, pretty JSON): query, form, body...


@dataclass(frozen=True)
class OccurrenceView:
    uuid: str
    vendor: str
    environment: str
    level: int
    received_at: float
    message: str | None
    context: str | None
    exceptions: list[ExceptionView]
    person: Person | None
    request: RequestView | None
    server: list[tuple[str, str]]
    custom: str | None
    tags: list[tuple[str, str]]
    notes: list[str]
    raw: str  # the stored vendor payload, pretty JSON ("" when not asked for)



def summary(event: Event) -> str:
    """One line for lists: `Type: message` of the raised exception, or the message."""
    if event.exceptions:
        first = event.exceptions[0]
        return f"{first.type}: {first.message}" if first.message else first.type
    return event.message or ""


def pretty(value: Any) -> str:
    """Indented JSON for display; anything JSON cannot say is shown as its text."""
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # non-string keys of odd types, circular values
        return repr(value)


def _text(value: Any) -> str | None:
    """A scalar as text; a list or object as compact JSON; None and '' as None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return " ".join(pretty(value).split())


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# ---- frames -----------------------------------------------------------------------


def _in_app(frames: list[Frame]) -> list[bool]:
    """The grouping's rule: the client's flags when it sent any (unflagged = not in
    app), else every frame that is not runtime or third-party code."""
    if any(f.in_app is not None for f in frames):
        return [bool(f.in_app) for f in frames]
    return [not is_library(f) for f in frames]


def _raw_chains(event: Event, data: dict[str, Any]) -> list[list[Any]]:
    """The raw frame lists, in the Event's exception order, each with the raw
    exception's type first: [type, frame, frame, ...]."""
    if event.vendor == "rollbar":
        body = _dict(data.get("body"))
        traces = [body["trace"]] if "trace" in body else body.get("trace_chain")
        out = []
        for t in traces if isinstance(traces, list) else []:
            t = _dict(t)
            frames = t.get("frames")
            out.append([_dict(t.get("exception")).get("class"),
                        *(frames if isinstance(frames, list) else [])])
        return out
    if event.vendor == "sentry":
        values = data.get("exception")
        if isinstance(values, dict):
            values = values.get("values")
        out = []
        for v in values if isinstance(values, list) else []:
            etype = v.get("type") if isinstance(v, dict) else None
            if isinstance(etype, bool) or not isinstance(etype, (str, int, float)) \
                    or not str(etype).strip():
                continue  # the translator skips typeless (synthetic) exceptions too
            frames = _dict(v.get("stacktrace")).get("frames")
            out.append([str(etype), *(frames if isinstance(frames, list) else [])])
        out.reverse()  # Sentry lists the chain oldest first; the Event raised-first
        return out
    return []


def _aligned(n: int, raw: list[Any]) -> list[Any]:
    """The raw frame at each of the Event's n frames' places (normalize keeps the first
    and the last halves of a long stack)."""
    if n == len(raw):
        return raw
    if n < len(raw):
        half = n // 2
        return raw[:half] + raw[len(raw) - (n - half):]
    return raw + [None] * (n - len(raw))


def _source_lines(frame: Frame, raw: Any, vendor: str) -> list[Line]:
    if not isinstance(raw, dict) or raw.get("lineno") != frame.lineno:
        return []
    if vendor == "rollbar":
        if (raw.get("method") or "") != frame.method:
            return []
        line, ctx = raw.get("code"), _dict(raw.get("context"))
        pre, post = ctx.get("pre"), ctx.get("post")
    else:
        if (raw.get("function") or "") != frame.method:
            return []
        line, pre, post = raw.get("context_line"), raw.get("pre_context"), \
            raw.get("post_context")
    pre = [str(x)[:MAX_LINE] for x in pre[-MAX_CONTEXT:]] if isinstance(pre, list) else []
    post = [str(x)[:MAX_LINE] for x in post[:MAX_CONTEXT]] if isinstance(post, list) else []
    if not isinstance(line, str):
        return []  # pre and post without the line itself cannot be numbered
    n = frame.lineno
    return ([Line(None if n is None else n - len(pre) + i, t) for i, t in enumerate(pre)]
            + [Line(n, line[:MAX_LINE], current=True)]
            + [Line(None if n is None else n + 1 + i, t) for i, t in enumerate(post)])


def _exception(exc: ExceptionInfo, raw: list[Any] | None, vendor: str) -> ExceptionView:
    frames = exc.frames
    if raw and raw[0] == exc.type:
        raw_frames = _aligned(len(frames), raw[1:])
    else:
        raw_frames = [None] * len(frames)
    flags = _in_app(frames)
    return ExceptionView(exc.type, exc.message, [
        FrameView(f.filename, f.lineno, f.colno, f.method, f.module, flag,
                  _source_lines(f, r, vendor))
        for f, r, flag in zip(frames, raw_frames, flags, strict=True)])


# ---- request, server, custom ------------------------------------------------------


def _headers(value: Any) -> list[tuple[str, str]]:
    pairs: Iterable[Any] = value.items() if isinstance(value, dict) else (
        value if isinstance(value, list) else [])
    out = []
    for pair in pairs:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            out.append((str(pair[0]), _text(pair[1]) or ""))
    return out


def _request(event: Event, data: dict[str, Any]) -> RequestView | None:
    req = data.get("request")
    if not isinstance(req, dict) or not req:
        return None
    names: tuple[tuple[str, str], ...]
    if event.vendor == "sentry":
        names = (("query_string", "Query"), ("data", "Body"), ("cookies", "Cookies"),
                 ("env", "Environment"))
        user_ip = _dict(data.get("user")).get("ip_address")
    else:
        names = (("params", "Route parameters"), ("GET", "Query"),
                 ("query_string", "Query string"), ("POST", "Form"), ("body", "Body"))
        user_ip = req.get("user_ip")
    sections = [(label, pretty(req[key])) for key, label in names
                if req.get(key) not in (None, "", {}, [])]
    return RequestView(_text(req.get("url")), _text(req.get("method")), _text(user_ip),
                       _headers(req.get("headers")), sections)


def _server(event: Event, data: dict[str, Any]) -> list[tuple[str, str]]:
    """host, root, branch, code version first, then anything else the SDK sent."""
    raw = _dict(data.get("server")) if event.vendor == "rollbar" else {}
    known = {"host": event.host, "root": event.server_root, "branch": raw.get("branch"),
             "code_version": event.code_version}
    out = [(k, t) for k, v in known.items() if (t := _text(v)) is not None]
    out += [(str(k), t) for k, v in raw.items()
            if k not in known and (t := _text(v)) is not None]
    return out


def _custom(event: Event, data: dict[str, Any]) -> str | None:
    value = data.get("custom") if event.vendor == "rollbar" else data.get("extra")
    return None if value in (None, {}, []) else pretty(value)


# ---- the whole occurrence ---------------------------------------------------------


def build(event: Event, *, with_raw: bool = False) -> OccurrenceView:
    """The view of one stored event; `with_raw` adds its whole payload as JSON."""
    try:
        decoded = unpack_data(event.data)
    except ValueError:
        decoded = None
    data = _dict(decoded)
    chains = _raw_chains(event, data)
    return OccurrenceView(
        uuid=event.uuid, vendor=event.vendor, environment=event.environment,
        level=event.level, received_at=event.received_at, message=event.message,
        context=event.context,
        exceptions=[_exception(e, chains[i] if i < len(chains) else None, event.vendor)
                    for i, e in enumerate(event.exceptions)],
        person=event.person, request=_request(event, data), server=_server(event, data),
        custom=_custom(event, data), tags=sorted(event.tags.items()),
        notes=[f"{n.path}: {n.action}{' (' + n.detail + ')' if n.detail else ''}"
               for n in event.notes],
        raw=pretty(decoded) if with_raw else "",
    )
