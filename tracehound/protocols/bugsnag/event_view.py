"""An occurrence as a Bugsnag Event: the Events API seed's fields, named exactly as
the seed names them, plus the Data Access API v2's names for the same things
(bugsnag-api.md B5), so scripts written for either read it.

| seed (v1)                     | v2 twin                   | from                          |
| id, url, html_url             |                           | the occurrence; url is        |
|                               |                           | `<api>/events/<id>`, html_url |
|                               |                           | the web UI's page of it       |
| exceptions[].class            | exceptions[].error_class  | `errorClass`                  |
| exceptions[].message          |                           | `message` (JS: `errorMessage`)|
| stacktrace[].line, .column    | .line_number,             | `lineNumber`, `columnNumber`; |
| .file, .method                | .column_number,           | innermost call first, as      |
|                               | .in_project, .code        | Bugsnag sends them            |
| user_id                       | user                      | `user.id` (else the person)   |
| received_at                   |                           | receive time (ms, Z)          |
| context, app_version,         | app, device               | `context`, `app.version`,     |
| os_version                    |                           | `device.osVersion`            |
| meta_data                     | metaData                  | `metaData` (the same object)  |
|                               | project_url, error_id,    | the occurrence's project and  |
|                               | is_full_report (true)     | item                          |
|                               | severity, unhandled,      | as sent; release_stage is the |
|                               | release_stage, request,   | environment                   |
|                               | breadcrumbs, threads,     |                               |
|                               | feature_flags             |                               |

Events that came in through Bugsnag are answered from the payload kept as received
(values that are not of the expected JSON type read as null). Events of other
protocols (Rollbar, Sentry, Exceptionless, Logster) are rebuilt from the normalized
event: its exception chain and frames, person, context, version, host, level, and
its tags as `meta_data.tags`.
"""

from __future__ import annotations

from typing import Any

from tracehound.model.event import Event, ExceptionInfo, unpack_data
from tracehound.protocols.bugsnag import ids
from tracehound.protocols.bugsnag.api_common import Urls, iso
from tracehound.protocols.bugsnag.views import severity

SEVERITIES = ("error", "warning", "info")
MAX_NUMBER = 2**31


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any) -> int | None:
    """A line or column number: an int, or digits as some notifiers send them."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    return value if isinstance(value, int) and 0 <= value < MAX_NUMBER else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _frame(line: int | None, column: int | None, file: str, method: str,
           in_project: bool | None, code: Any) -> dict[str, Any]:
    return {"line": line, "column": column, "file": file, "method": method,
            "line_number": line, "column_number": column, "in_project": in_project,
            "code": code if isinstance(code, dict) else None}


def _sent_exceptions(raw: list[Any]) -> list[dict[str, Any]]:
    """`exceptions[]` as the notifier sent them."""
    out = []
    for exc in raw:
        if not isinstance(exc, dict):
            continue
        frames = []
        for f in _list(exc.get("stacktrace")):
            if isinstance(f, dict):
                in_project = f.get("inProject")
                frames.append(_frame(_number(f.get("lineNumber")),
                                     _number(f.get("columnNumber")),
                                     _text(f.get("file")) or "", _text(f.get("method")) or "",
                                     in_project if isinstance(in_project, bool) else None,
                                     f.get("code")))
        cls = _text(exc.get("errorClass")) or "Error"
        message = _text(exc.get("message")) or _text(exc.get("errorMessage")) or ""
        out.append({"class": cls, "error_class": cls, "message": message,
                    "type": _text(exc.get("type")), "stacktrace": frames})
    return out


def _model_exceptions(chain: list[ExceptionInfo], platform: str) -> list[dict[str, Any]]:
    """A normalized chain (frames oldest call first) in Bugsnag's order."""
    return [{"class": exc.type, "error_class": exc.type, "message": exc.message,
             "type": platform or None,
             "stacktrace": [_frame(f.lineno, f.colno, f.filename, f.method, f.in_app, None)
                            for f in reversed(exc.frames)]} for exc in chain]


def _sent(event: Event) -> dict[str, Any] | None:
    if event.vendor != "bugsnag":
        return None
    try:
        payload = unpack_data(event.data)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _rebuilt(event: Event) -> dict[str, Any]:
    """The payload-shaped parts of an event that came in through another protocol."""
    person = event.person
    return {
        "user": {} if person is None else {k: v for k, v in (
            ("id", person.id), ("name", person.username), ("email", person.email))
            if v is not None},
        "app": {k: v for k, v in (("releaseStage", event.environment),
                                  ("version", event.code_version)) if v},
        "device": {"hostname": event.host} if event.host else {},
        "metaData": {"tags": dict(event.tags)} if event.tags else {},
    }


def event_json(row: Any, event: Event, *, counter: int, urls: Urls) -> dict[str, Any]:
    """One occurrence row (and its decoded event; `counter` is its item's number in
    the project, for html_url)."""
    sent = _sent(event)
    p = sent if sent is not None else _rebuilt(event)
    user, app, device = _object(p.get("user")), _object(p.get("app")), \
        _object(p.get("device"))
    meta = _object(p.get("metaData"))
    raw = p.get("exceptions")
    exceptions = _sent_exceptions(raw) if isinstance(raw, list) \
        else _model_exceptions(event.exceptions, event.platform)
    sent_severity = p.get("severity")
    unhandled = p.get("unhandled")
    return {
        "id": ids.encode(row.id), "url": urls.event(row.id),
        "project_url": urls.project(row.project_id), "is_full_report": True,
        "error_id": ids.encode(row.item_id), "received_at": iso(row.timestamp),
        "exceptions": exceptions,
        "user_id": _text(user.get("id")) or (event.person.id if event.person else None),
        "user": user, "context": _text(p.get("context")) or event.context,
        "app_version": _text(app.get("version")) or event.code_version,
        "os_version": _text(device.get("osVersion")), "release_stage": event.environment,
        "severity": sent_severity if sent_severity in SEVERITIES else severity(row.level),
        "unhandled": unhandled if isinstance(unhandled, bool)
        else event.tags.get("unhandled") == "true",
        "meta_data": meta, "metaData": meta, "app": app, "device": device,
        "request": _object(p.get("request")), "breadcrumbs": _list(p.get("breadcrumbs")),
        "threads": _list(p.get("threads")), "feature_flags": _list(p.get("featureFlags")),
        "html_url": urls.web_event(row.project_id, counter, row.id),
    }
