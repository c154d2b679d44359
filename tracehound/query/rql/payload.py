"""JSON paths into a stored occurrence: `body.trace.exception.class` on the vendor payload.

The stored payload is the vendor's original `data` object, so Rollbar paths work on
Rollbar events as they do on Rollbar. For other vendors (Sentry...), a handful of
well-known Rollbar paths are answered from the normalized Event when the raw payload
lacks them, so one query covers every SDK (docs/api/rql.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from tracehound.model.event import Event, Level, unpack_data
from tracehound.query.rql.ir import Value
from tracehound.store import codec


def _first_exc(attr: str) -> Callable[[Event], Any]:
    return lambda e: getattr(e.exceptions[0], attr) if e.exceptions else None


def _person(attr: str) -> Callable[[Event], Any]:
    return lambda e: getattr(e.person, attr) if e.person else None


def _level(e: Event) -> str | None:
    try:
        return Level(e.level).label
    except ValueError:
        return None


FALLBACKS: dict[str, Callable[[Event], Any]] = {
    "body.trace.exception.class": _first_exc("type"),
    "body.trace.exception.message": _first_exc("message"),
    "body.message.body": lambda e: e.message,
    "person.id": _person("id"),
    "person.username": _person("username"),
    "person.email": _person("email"),
    "server.host": lambda e: e.host,
    "server.root": lambda e: e.server_root,
    "code_version": lambda e: e.code_version,
    "environment": lambda e: e.environment,
    "level": _level,
    "context": lambda e: e.context,
    "language": lambda e: e.language or None,
    "platform": lambda e: e.platform or None,
    "framework": lambda e: e.framework or None,
}


def scalar(v: Any) -> Value:
    """A JSON value as an RQL value: booleans are 1/0, objects and arrays their JSON."""
    if v is None or isinstance(v, str | float):
        return v
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v if -(2**63) <= v < 2**63 else float(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    try:
        return orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return None


def lookup(data: Any, path: str) -> Any:
    cur = data
    for seg in path.split("."):
        if isinstance(cur, dict):
            if seg not in cur:
                return None
            cur = cur[seg]
        elif isinstance(cur, list) and seg.isascii() and seg.isdigit():
            i = int(seg)
            if i >= len(cur):
                return None
            cur = cur[i]
        else:
            return None
    return cur


class Payload:
    """One occurrence's payload, decoded on first use."""

    __slots__ = ("_blob", "_event", "_data")

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._event: Event | None = None
        self._data: Any = None

    def value(self, path: str) -> Value:
        if self._event is None:
            self._event = codec.unpack(self._blob)
            try:
                self._data = unpack_data(self._event.data)
            except ValueError:
                self._data = None
        found = lookup(self._data, path)
        if found is None and self._event.vendor != "rollbar" and path in FALLBACKS:
            found = FALLBACKS[path](self._event)
        return scalar(found)
