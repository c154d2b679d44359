"""One posted event object put in Exceptionless's own shape. Pure: no IO.

What Exceptionless's parser does to an event before storing it (exceptionless-api.md
§1.2, §6.3), done here so the stored payload is what the Exceptionless read API
answers with, whichever client sent it:
- property names match case-insensitively on their snake_case form, so `ReferenceId`
  and `referenceId` (older .NET clients) are `reference_id`;
- unknown top-level properties move into `data` (`"@user": {...}` at the top level is
  `data["@user"]`; the PyPI client's `@stack` and `@environment` too);
- a known `@` key holding a JSON string of an object is parsed into that object; one
  holding anything else that is not its type (the PyPI client's traceback text under
  `@stack`) is kept under `_@stack` (`_@stack1`, … on collision), as Exceptionless does;
- empty `message`/`source` become absent, both are cut at 2000 characters;
- tags: empty ones and ones over 100 characters are dropped, at most 50 are kept
  (`Critical` and `Internal` always);
- `reference_id` must be 8–100 of `[a-zA-Z0-9-]`; otherwise it becomes
  `invalid-reference-id` and the original is kept in `data["InvalidReferenceId"]`.
Every change is reported as a (path, action, detail) note.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from tracehound.protocols.exceptionless.ids import IDENTIFIER

TOP_LEVEL = ("type", "source", "date", "tags", "message", "geo", "value", "count",
             "reference_id", "data", "stack_id")
# data keys whose value is an object in Exceptionless's model (the rest are free-form)
OBJECT_KEYS = frozenset({"@error", "@simple_error", "@request", "@environment", "@user",
                         "@user_description", "@stack", "@submission_client", "@location"})
MAX_TEXT = 2000
MAX_TAGS = 50
MAX_TAG = 100
PROTECTED_TAGS = ("Critical", "Internal")
INVALID_REFERENCE = "invalid-reference-id"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

Note = tuple[str, str, str]


def canonical(name: str) -> str:
    """`ReferenceId`, `referenceId`, `REFERENCE_ID` → `reference_id`."""
    if len(name) > 40:
        return name
    return _CAMEL.sub("_", name).lower()


def _text(value: Any, path: str, notes: list[Note]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            notes.append((path, "dropped", f"not a string: {type(value).__name__}"))
            return None
        value = str(value)
    if not value.strip():
        return None
    if len(value) > MAX_TEXT:
        notes.append((path, "truncated", f"{len(value)} chars"))
        value = value[:MAX_TEXT]
    return str(value)


def _data_value(key: str, value: Any) -> tuple[Any, bool]:
    """(value, fits): a JSON string of an object is the object."""
    if not isinstance(value, str):
        return value, isinstance(value, dict)
    text = value.strip()
    if text.startswith("{"):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            return value, False
        if isinstance(parsed, dict):
            return parsed, True
    return value, False


def _fix_data(data: dict[str, Any], notes: list[Note]) -> None:
    for key in [k for k in data if k in OBJECT_KEYS]:
        value, fits = _data_value(key, data[key])
        if fits:
            data[key] = value
            continue
        del data[key]
        new, n = f"_{key}", 0
        while new in data:
            n += 1
            new = f"_{key}{n}"
        data[new] = value
        notes.append((f"data.{key}", "moved", f"not an object: kept as data.{new}"))


def _tags(value: Any, notes: list[Note]) -> list[str]:
    if not isinstance(value, list):
        notes.append(("tags", "dropped", "not a list"))
        return []
    tags = list(dict.fromkeys(t.strip() for t in value
                              if isinstance(t, str) and t.strip() and len(t) <= MAX_TAG))
    if len(tags) < len(value):
        notes.append(("tags", "dropped", f"{len(value) - len(tags)} empty, long, "
                                          "repeated or not strings"))
    if len(tags) > MAX_TAGS:
        notes.append(("tags", "truncated", f"{len(tags)} tags"))
        kept = [t for t in tags if t in PROTECTED_TAGS]
        tags = kept + [t for t in tags if t not in PROTECTED_TAGS][:MAX_TAGS - len(kept)]
    return tags


def normalize(event: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """The event in Exceptionless's shape, and what was changed."""
    notes: list[Note] = []
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in event.items():
        name = canonical(key) if isinstance(key, str) else str(key)
        if name in TOP_LEVEL and name not in out:
            out[name] = value
        else:
            extra[key] = value
    raw_data = out.get("data")
    data: dict[str, Any] = dict(raw_data) if isinstance(raw_data, dict) else {}
    if raw_data is not None and not isinstance(raw_data, dict):
        data["_data"] = raw_data
        notes.append(("data", "moved", "not an object: kept as data._data"))
    for key, value in extra.items():
        data.setdefault(key, value)
    _fix_data(data, notes)
    for name in ("message", "source"):
        if name in out:
            text = _text(out[name], name, notes)
            if text is None:
                del out[name]
            else:
                out[name] = text
    if "tags" in out:
        out["tags"] = _tags(out["tags"], notes)
    ref = out.get("reference_id")
    if ref is not None and not (isinstance(ref, str) and IDENTIFIER.match(ref)):
        data["InvalidReferenceId"] = ref
        out["reference_id"] = INVALID_REFERENCE
        notes.append(("reference_id", "replaced", "not 8-100 of [a-zA-Z0-9-]"))
    out["data"] = data
    return out, notes
