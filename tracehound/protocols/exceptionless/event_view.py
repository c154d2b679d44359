"""An occurrence as an Exceptionless event (exceptionless-api.md §7, §11.2): snake_case,
nulls omitted.

Events that came in through the Exceptionless API are answered from the payload kept
in Exceptionless's own shape (payload.normalize), plus the server's fields: `id`,
`organization_id`, `project_id`, `stack_id`, `is_first_occurrence`, `created_utc`.
Events of other protocols (Rollbar, Sentry) are rebuilt from the normalized event:
type `error` when it has an exception (the chain as `@error` with `inner`, frames
innermost first as Exceptionless lists them), else `log`; message, source (the
context), tags (`key=value`, as the search language writes them), `@user`,
`@version`, `@level`, `@environment`.

`date` is the client's date as it sent it, or the receive time when it sent none (or
one in the future, which Tracehound clamps).
"""

from __future__ import annotations

from typing import Any

from tracehound.model.event import Event, ExceptionInfo, Level, unpack_data
from tracehound.protocols.exceptionless import ids
from tracehound.protocols.exceptionless.api_common import drop_nulls, iso

_STORED = ("type", "source", "date", "tags", "message", "geo", "value", "count",
           "reference_id", "data")
_SUMMARY_TEMPLATES = {"error": "event-error-summary", "log": "event-log-summary",
                      "404": "event-notfound-summary", "usage": "event-feature-summary",
                      "session": "event-session-summary"}


def _level_name(level: int) -> str:
    try:
        return {"warning": "Warn", "critical": "Fatal"}.get(Level(level).label,
                                                            Level(level).label.title())
    except ValueError:
        return "Info"


def _error(chain: list[ExceptionInfo]) -> dict[str, Any] | None:
    """The chain (outermost first) as nested `@error` objects."""
    out: dict[str, Any] | None = None
    for exc in reversed(chain):
        frames = [drop_nulls({"name": f.method or None, "file_name": f.filename or None,
                              "line_number": f.lineno, "column": f.colno,
                              "declaring_namespace": f.module or None})
                  for f in reversed(exc.frames)]
        out = drop_nulls({"type": exc.type, "message": exc.message or None,
                          "stack_trace": frames or None, "inner": out})
    return out


def _rebuilt(event: Event) -> dict[str, Any]:
    """The Exceptionless shape of an event that came in through another protocol."""
    data: dict[str, Any] = {"@level": _level_name(event.level)}
    error = _error(event.exceptions)
    if error is not None:
        data["@error"] = error
    if event.person is not None:
        data["@user"] = drop_nulls({"identity": event.person.id,
                                    "name": event.person.username})
    if event.code_version:
        data["@version"] = event.code_version
    env = drop_nulls({"machine_name": event.host, "o_s_name": event.platform or None})
    if env:
        data["@environment"] = env
    message = event.message or (event.exceptions[0].message if event.exceptions else None)
    return {
        "type": "error" if event.exceptions else "log", "source": event.context,
        "tags": [f"{k}={v}" if v else k for k, v in event.tags.items()] or None,
        "message": message or None, "reference_id": event.reference_id, "data": data,
    }


def _stored(event: Event) -> dict[str, Any]:
    if event.vendor == "exceptionless":
        try:
            payload = unpack_data(event.data)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            return {k: payload[k] for k in _STORED if k in payload}
    return _rebuilt(event)


def _date(event: Event, stored: dict[str, Any]) -> str | None:
    clamped = any(n.path == "timestamp" and n.action == "clamped" for n in event.notes)
    sent = stored.get("date")
    if isinstance(sent, str) and event.client_timestamp is not None and not clamped:
        return sent
    return iso(event.client_timestamp if event.client_timestamp is not None
               else event.received_at)


def event_json(row: Any, event: Event, *, account_id: int, first: bool) -> dict[str, Any]:
    """One occurrence row (and its decoded event) as an Exceptionless event."""
    stored = _stored(event)
    body: dict[str, Any] = {
        "id": ids.encode(row.id), "organization_id": ids.encode(account_id),
        "project_id": ids.encode(row.project_id), "stack_id": ids.encode(row.item_id),
        "is_first_occurrence": first, "created_utc": iso(row.timestamp),
    }
    body.update(stored)
    body["type"] = stored.get("type") or "log"
    body["date"] = _date(event, stored)
    if body["type"] == "error" and not body.get("message"):
        body["message"] = event.exceptions[0].message if event.exceptions else None
    if row.reference_id and not body.get("reference_id"):
        body["reference_id"] = row.reference_id
    return drop_nulls(body)


def summary_json(row: Any, event: Event) -> dict[str, Any]:
    """`mode=summary`: the lightweight form Exceptionless's list views use."""
    stored = _stored(event)
    kind = str(stored.get("type") or "log")
    data = drop_nulls({
        "Message": stored.get("message") or (
            event.exceptions[0].message if event.exceptions else None),
        "Source": stored.get("source"),
        "Type": event.exceptions[0].type if event.exceptions else None,
        "Level": _level_name(event.level) if kind == "log" else None,
    })
    return drop_nulls({
        "id": ids.encode(row.id), "template_key": _SUMMARY_TEMPLATES.get(kind,
                                                                          "event-summary"),
        "date": _date(event, stored), "project_id": ids.encode(row.project_id),
        "tags": stored.get("tags") or None, "type": kind,
        "version": event.code_version, "data": data,
    })
